"""Every step of an order over HTTP × every persona: only the rightful ones move it (and a
row of the order's log says who, from, to), everyone else leaves it as it was, with no
device reserved and no log row. The steps are beneficiaries.orders.ORDER_STEPS, each asked of
its named action of accounts.permissions."""

import pytest
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from beneficiaries import orders
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Order, OrderEvent, Reservation
from tests.beneficiaries import conftest as quasi_don
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

# The quasi-don fixtures (tests/beneficiaries/conftest.py), shared with this folder.
structure = quasi_don.structure
other_structure = quasi_don.other_structure
mediator = quasi_don.mediator
other_mediator = quasi_don.other_mediator
ready_laptop = quasi_don.ready_laptop


@pytest.fixture
def people(structure, mediator, other_mediator, coordinator, technician, other_technician):
    funder = member(OrganisationFactory(kind=OrganisationKind.FUNDER), Role.READER, username="fu")
    donor = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER, username="do")
    return {
        "mediator": mediator,
        # A reader of the structure sees its orders and takes no step.
        "structure_reader": member(structure, Role.READER, username="med-reader"),
        "other_mediator": other_mediator,
        "coordinator": coordinator,
        "technician": technician,
        "other_technician": other_technician,
        "funder": funder,
        "donor": donor,
    }


@pytest.fixture
def order(structure, mediator, ready_laptop):
    return orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1}],
    )


STRUCTURE = {"mediator"}
CANCELLERS = {"mediator", "coordinator"}
# (step, the status it starts from, who may take it, the status it leads to, POST data)
STEPS = [
    ("submit", O.DRAFT, STRUCTURE, O.SUBMITTED, {}),
    ("decide", O.SUBMITTED, {"coordinator"}, O.APPROVED, {"approve": "1"}),
    ("decide", O.SUBMITTED, {"coordinator"}, O.REFUSED, {"refuse": "1", "note": "Hors zone"}),
    ("reserve", O.APPROVED, {"technician"}, O.PREPARING, {}),
    ("ready", O.PREPARING, {"technician"}, O.READY, {}),
    ("cancel", O.DRAFT, CANCELLERS, O.CANCELLED, {"reason": "plus besoin"}),
    ("cancel", O.SUBMITTED, CANCELLERS, O.CANCELLED, {"reason": "plus besoin"}),
    # Once the workshop works on it, the order is still the structure's: the workshop
    # cannot call it off.
    ("cancel", O.APPROVED, CANCELLERS, O.CANCELLED, {"reason": "plus besoin"}),
    ("cancel", O.PREPARING, CANCELLERS, O.CANCELLED, {"reason": "plus besoin"}),
    ("cancel", O.READY, CANCELLERS, O.CANCELLED, {"reason": "plus besoin"}),
    ("close", O.HANDED_OVER, STRUCTURE, O.CLOSED, {}),
]


def _reset(order, start, workshop):
    workshop_id = workshop.pk if start not in (O.DRAFT, O.SUBMITTED) else None
    Order.objects.filter(pk=order.pk).update(status=start, workshop_id=workshop_id)


@pytest.mark.parametrize(("action", "start", "rightful", "end", "data"), STEPS)
def test_each_persona_at_each_step(
    client, people, order, workshop, ready_laptop, action, start, rightful, end, data
):
    if action == "decide":
        data = {**data, "workshop": workshop.pk}
    url = reverse("beneficiaries:order_action", args=[order.pk, action])
    for name, user in people.items():
        _reset(order, start, workshop)
        if action == "ready" and not Reservation.objects.exists():
            # An order is ready once every line is served.
            Reservation.objects.create(
                line=order.lines.get(), device=ready_laptop, reserved_by=people["technician"]
            )
        reserved = Reservation.objects.count()
        logged = OrderEvent.objects.filter(order=order).count()
        client.force_login(user)
        response = client.post(url, data)
        order.refresh_from_db()
        if name in rightful:
            assert response.status_code == 302, (name, action, start)
            assert order.status == end, (name, action, start)
            event = OrderEvent.objects.filter(order=order).latest("id")
            assert (event.actor, event.from_status, event.to_status) == (user, start, end)
            Reservation.objects.all().delete()
        else:
            assert response.status_code in (302, 403, 404), (name, action, start)
            assert order.status == start, (name, action, start)
            assert Reservation.objects.count() == reserved, (name, action, start)
            assert OrderEvent.objects.filter(order=order).count() == logged, (name, action)


def test_each_persona_may_change_a_draft_or_not(client, people, order):
    url = reverse("beneficiaries:order_edit", args=[order.pk])
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-device_type": "tablet",
        "form-0-quantity": "3",
        "notes": "Pour l'atelier du mardi",
    }
    for name, user in people.items():
        if name == "mediator":
            continue
        client.force_login(user)
        assert client.get(url).status_code in (403, 404), name
        assert client.post(url, data).status_code in (403, 404), name
        assert [str(line) for line in order.lines.all()] == ["1 × Ordinateur portable"], name
    client.force_login(people["mediator"])
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    order.refresh_from_db()
    assert [str(line) for line in order.lines.all()] == ["3 × Tablette"]
    assert order.notes == "Pour l'atelier du mardi"
    # Submitted, it may still change (the coordination decides on the new lines)...
    orders.order_submit(order=order, user=people["mediator"])
    assert client.post(url, {**data, "form-0-quantity": "9"}).status_code == 302
    order.refresh_from_db()
    assert order.status == O.SUBMITTED
    assert [str(line) for line in order.lines.all()] == ["9 × Tablette"]
    # ... until the workshop has prepared it.
    Order.objects.filter(pk=order.pk).update(status=O.READY)
    response = client.post(url, {**data, "form-0-quantity": "2"}, follow=True)
    assert "ne peut plus être modifiée" in response.content.decode()
    assert [str(line) for line in order.lines.all()] == ["9 × Tablette"]


def test_the_order_page_shows_each_persona_its_own_buttons(client, people, order, workshop):
    orders.order_submit(order=order, user=people["mediator"])
    orders.order_decide(order=order, user=people["coordinator"], approve=True, workshop=workshop)
    url = reverse("beneficiaries:order_detail", args=[order.pk])
    cancel = reverse("beneficiaries:order_cancel", args=[order.pk])
    reserve = reverse("beneficiaries:order_action", args=[order.pk, "reserve"])
    expected = {
        "mediator": {cancel},
        "coordinator": {cancel},
        "technician": {reserve},
        "structure_reader": set(),
    }
    for name, forms in expected.items():
        client.force_login(people[name])
        page = client.get(url).content.decode()
        for action_url in (cancel, reserve):
            assert (action_url in page) == (action_url in forms), (name, action_url)
