"""A partly served order can be handed over partly (issue 15): the workshop sends what is
ready, the rest moves to a new order that keeps the approval and its place in the queue."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from beneficiaries import allocations, orders
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Order, OrderStep, Reservation
from inventory.enums import DeviceStatus as S
from tests.beneficiaries.test_orders_bend import LAPTOP_AND_TWO_TABLETS, approved, progress, ready

pytestmark = pytest.mark.django_db


def test_split_sends_what_is_ready_and_the_rest_keeps_its_place(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(structure, mediator, coordinator, workshop, LAPTOP_AND_TWO_TABLETS)
    first_tablet = ready(workshop, technician, "tablet")
    assert progress(order) == [("1 × Ordinateur portable", 1, 0), ("2 × Tablette", 1, 1)]
    # Another order approved later waits for tablets too.
    later = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "tablet", "quantity": 1}]
    )

    rest = orders.order_split_served(order=order, user=technician)

    order.refresh_from_db()
    assert order.status == O.READY
    assert progress(order) == [("1 × Ordinateur portable", 1, 0), ("1 × Tablette", 1, 0)]
    assert rest.status == O.APPROVED and rest.workshop == workshop
    assert (rest.decided_at, rest.funding_programme) == (order.decided_at, order.funding_programme)
    assert progress(rest) == [("1 × Tablette", 0, 1)]
    note = order.steps.get(kind=OrderStep.Kind.SPLIT).note
    assert rest.reference in note and "1 appareil encore attendu" in note
    assert order.reference in rest.steps.get(kind=OrderStep.Kind.SPLIT).note
    # What is held is handed over now.
    allocation = allocations.allocation_create(
        device=first_tablet, structure=structure, user=mediator
    )
    assert allocation.order_line.order == order
    # The next tablet goes to the rest, approved first, not to the later order.
    tablet = ready(workshop, technician, "tablet")
    assert Reservation.objects.get(device=tablet, released_at__isnull=True).line.order == rest
    assert progress(later) == [("1 × Tablette", 0, 1)]


def test_a_named_line_moves_whole(
    structure, mediator, coordinator, workshop, technician, person, ready_laptop
):
    order = approved(
        structure,
        mediator,
        coordinator,
        workshop,
        [
            {"device_type": "laptop", "quantity": 1},
            {"device_type": "tablet", "quantity": 1, "person": person},
        ],
    )
    rest = orders.order_split_served(order=order, user=technician)
    line = rest.lines.get()
    assert (line.device_type, line.quantity, line.person) == ("tablet", 1, person)
    assert list(order.lines.values_list("device_type", flat=True)) == ["laptop"]


def test_nothing_to_split_is_refused_and_writes_nothing(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    nothing = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "tablet", "quantity": 2}]
    )
    with pytest.raises(ValidationError, match="aucun appareil"):
        orders.order_split_served(order=nothing, user=technician)
    served = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    with pytest.raises(ValidationError, match="Chaque ligne est servie"):
        orders.order_split_served(order=served, user=technician)
    assert Order.objects.count() == 2 and not OrderStep.objects.filter(kind="split").exists()


def test_only_the_workshop_splits(
    structure, mediator, coordinator, workshop, technician, ready_laptop, other_technician
):
    order = approved(structure, mediator, coordinator, workshop, LAPTOP_AND_TWO_TABLETS)
    for user in (mediator, other_technician):
        with pytest.raises(PermissionDenied):
            orders.order_split_served(order=order, user=user)
    assert Order.objects.count() == 1


def test_the_order_page_offers_the_split_then_shows_both(
    client, structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(structure, mediator, coordinator, workshop, LAPTOP_AND_TWO_TABLETS)
    orders.order_reserve(order=order, user=technician)
    client.force_login(technician)
    url = reverse("beneficiaries:order_detail", args=[order.pk])
    assert "Envoyer ce qui est prêt" in client.get(url).content.decode()
    response = client.post(
        reverse("beneficiaries:order_action", args=[order.pk, "split"]), follow=True
    )
    body = response.content.decode()
    rest = Order.objects.exclude(pk=order.pk).get()
    assert f"{order.reference} est prête à remettre" in body and rest.reference in body
    assert "Envoyer ce qui est prêt" not in body
    order.refresh_from_db()
    assert order.status == O.READY
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RESERVED
