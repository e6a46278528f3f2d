"""Rules that review found bypassable: each one now refused, with a test."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from beneficiaries import allocations, orders, services
from beneficiaries.models import Allocation, Reservation
from inventory.enums import DeviceStatus as S
from reconditioning import lifecycle
from tests.beneficiaries.conftest import train

pytestmark = pytest.mark.django_db


def approved_reserved(structure, mediator, coordinator, workshop, technician):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    return order


def test_workshop_cannot_release_a_reserved_device(
    structure, mediator, coordinator, workshop, technician, ready_laptop, tech_client
):
    approved_reserved(structure, mediator, coordinator, workshop, technician)
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.device_transition(device=ready_laptop, to_status=S.READY, user=technician)
    with pytest.raises(lifecycle.BulkTransitionError):
        lifecycle.devices_transition(devices=[ready_laptop], to_status=S.READY, user=technician)
    tech_client.post(
        reverse("reconditioning:device_transition", args=[ready_laptop.pk]), {"to_status": "ready"}
    )
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RESERVED


def test_a_reserved_device_is_never_offered_to_another_order(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    first = approved_reserved(structure, mediator, coordinator, workshop, technician)
    # even if the status was wrongly reset, the active reservation keeps it out
    from inventory.models import Device

    Device.objects.filter(pk=ready_laptop.pk).update(status=S.READY)
    line = first.lines.get()
    assert not orders.suitable_devices(line, workshop.pk).exists()
    assert Reservation.objects.filter(released_at__isnull=True).count() == 1


def test_handover_waits_for_the_order_to_be_ready(
    structure, mediator, coordinator, workshop, technician, ready_laptop, person, programme
):
    order = approved_reserved(structure, mediator, coordinator, workshop, technician)
    train(person, programme, mediator)
    with pytest.raises(ValidationError) as exc:
        allocations.allocation_create(
            device=ready_laptop, structure=structure, user=mediator, person=person
        )
    assert "prête" in exc.value.messages[0]
    orders.order_mark_ready(order=order, user=technician)
    allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    order.refresh_from_db()
    assert order.status == "handed_over"


def test_attendance_of_a_future_session_is_refused(person, programme, mediator):
    session = services.session_create(
        structure=person.structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        place="Salle",
        trainer="Lina",
        capacity=4,
        starts_at=timezone.now() + datetime.timedelta(days=30),
    )
    services.enrol(session=session, person=person, user=mediator)
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, present={person.pk}, user=mediator)
    assert not services.training_complete(person, programme)


def test_the_persons_name_stays_with_the_structure(
    structure, mediator, person, programme, ready_laptop, tech_client, client
):
    from accounts.enums import OrganisationKind, Role
    from tests.factories import OrganisationFactory, member

    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    device_page = tech_client.get(ready_laptop.get_absolute_url()).content.decode()
    assert "Traoré" not in device_page and structure.name in device_page
    assert tech_client.get(allocation.get_absolute_url()).status_code == 404
    assert (
        Allocation.objects.visible_to(
            member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER)
        ).count()
        == 0
    )
    assert (
        tech_client.get(reverse("beneficiaries:handover_pdf", args=[allocation.pk])).status_code
        == 404
    )


def test_certificate_of_a_returned_device_omits_the_previous_cycle(
    structure, mediator, person, programme, ready_laptop, tech_client
):
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    allocations.allocation_return(allocation=allocation, user=mediator, reason="Panne")
    # The drive was erased for the previous owner only: no certificate until it is erased again
    # in this cycle (issue 13, point 7), and the page says which medium is missing.
    response = tech_client.get(
        reverse("reconditioning:device_certificate", args=[ready_laptop.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == ready_laptop.get_absolute_url()
    assert "aucun effacement réussi dans ce cycle" in response.content.decode()
