"""The faults of issue 15's "What breaks today" about orders and hand-overs, each written
with the calls the code had then: each of these failed on 046af7c and passes since."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries import allocations, orders, services
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Allocation, EligibilityCriterion, Reservation
from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from tests.beneficiaries.conftest import train
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def laptop(workshop, technician):
    device = make_device(
        make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
    )
    return walk_to(device, S.READY, technician)


def approved(structure, mediator, coordinator, workshop, lines):
    order = orders.order_create(structure=structure, user=mediator, lines=lines)
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    return order


def test_a_partial_order_reserves_what_exists(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(
        structure,
        mediator,
        coordinator,
        workshop,
        [{"device_type": "laptop", "quantity": 1}, {"device_type": "tablet", "quantity": 2}],
    )
    orders.order_reserve(order=order, user=technician)  # was: "2 tablets missing", nothing kept
    assert Reservation.objects.get(line__order=order).device == ready_laptop


def test_a_submitted_order_can_be_changed(structure, mediator):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_edit(order=order, user=mediator, lines=[{"device_type": "tablet", "quantity": 2}])
    assert [str(line) for line in order.lines.all()] == ["2 × Tablette"]


def test_cancelling_without_a_reason_is_refused(structure, mediator):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    with pytest.raises(ValidationError):
        orders.order_cancel(order=order, user=mediator)
    order.refresh_from_db()
    assert order.status == O.DRAFT


def test_the_order_page_has_no_one_click_cancel(client, structure, mediator):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    client.force_login(mediator)
    page = client.get(order.get_absolute_url()).content.decode()
    assert reverse("beneficiaries:order_action", args=[order.pk, "cancel"]) not in page


def test_the_workshop_can_choose_the_device(
    client, structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_reserve(order=order, user=technician)
    other = laptop(workshop, technician)
    client.force_login(technician)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'name="scan"' in page  # a box to scan the device it picks instead
    assert other.status == S.READY


@pytest.fixture
def ben(structure, mediator):
    return services.person_create(
        structure=structure,
        user=mediator,
        first_name="Ben",
        last_name="Martin",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="45-64",
        situation="retired",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )


def test_the_laptop_reserved_for_one_person_is_not_handed_to_another_silently(
    structure, mediator, coordinator, workshop, technician, person, ben, programme, ready_laptop
):
    order = approved(
        structure,
        mediator,
        coordinator,
        workshop,
        [{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_reserve(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)
    train(ben, programme, mediator)
    with pytest.raises(ValidationError):
        allocations.allocation_create(
            device=ready_laptop, structure=structure, user=mediator, person=ben
        )
    assert not Allocation.objects.exists()


def test_a_second_laptop_to_the_same_person_is_refused(
    structure, mediator, workshop, technician, person, programme, ready_laptop
):
    train(person, programme, mediator)
    allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    with pytest.raises(ValidationError):
        allocations.allocation_create(
            device=laptop(workshop, technician), structure=structure, user=mediator, person=person
        )
    assert Allocation.objects.count() == 1


def test_the_hand_over_shows_a_recap_before_writing(
    client, structure, mediator, coordinator, workshop, technician, person, programme, ready_laptop
):
    order = approved(
        structure,
        mediator,
        coordinator,
        workshop,
        [{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_reserve(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)
    train(person, programme, mediator)
    client.force_login(mediator)
    r = client.post(
        reverse("beneficiaries:handover", args=[ready_laptop.pk]), {"person": person.pk}
    )
    assert r.status_code == 200 and not Allocation.objects.exists()
