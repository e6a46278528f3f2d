"""The rules of the filière: training before the device, never twice, the right charge."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from beneficiaries import allocations, orders, services
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Allocation, ExemptionReason, Person, Reservation
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.demo import walk_to
from tests.beneficiaries.conftest import public_ready_laptop, train
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def test_person_needs_a_name_or_a_reference(structure, mediator, person):
    from beneficiaries.models import EligibilityCriterion

    base = dict(
        structure=structure,
        user=mediator,
        age_band="18-25",
        situation="student",
        eligibility=EligibilityCriterion.objects.get(code="bourse"),
        consent_purpose="Ordinateur",
        consent_given_on=person.consent_given_on,
        eligibility_checked_on=person.consent_given_on,
    )
    with pytest.raises(ValidationError):
        services.person_create(**base)
    pseudonymous = services.person_create(**base, reference="ACC-2026-17")
    assert str(pseudonymous) == "ACC-2026-17" and pseudonymous.last_name == ""
    with pytest.raises(ValidationError):  # "other" needs a justification
        services.person_create(
            **{**base, "eligibility": EligibilityCriterion.objects.get(code="autre")},
            reference="X2",
        )


def test_structures_see_only_their_people(person, other_mediator, coordinator, mediator):
    assert list(Person.objects.visible_to(mediator)) == [person]
    assert Person.objects.visible_to(other_mediator).count() == 0
    assert Person.objects.visible_to(coordinator).count() == 1


def test_funders_see_no_people(person):
    from accounts.enums import OrganisationKind, Role
    from tests.factories import OrganisationFactory, member

    funder = member(OrganisationFactory(kind=OrganisationKind.FUNDER), Role.READER)
    assert Person.objects.visible_to(funder).count() == 0


def test_handover_without_training_is_refused_in_french(person, structure, mediator, ready_laptop):
    with pytest.raises(ValidationError) as exc:
        allocations.allocation_create(
            device=ready_laptop, structure=structure, user=mediator, person=person
        )
    assert "formation" in exc.value.messages[0]
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.READY and not Allocation.objects.exists()


def test_waiver_by_coordinator_only(
    person, programme, mediator, coordinator, structure, ready_laptop
):
    with pytest.raises(PermissionDenied):
        services.waiver_grant(person=person, programme=programme, reason="Urgence", user=mediator)
    services.waiver_grant(
        person=person, programme=programme, reason="Urgence sociale", user=coordinator
    )
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    assert allocation.waiver.reason == "Urgence sociale"


def test_trained_person_gets_the_device_at_the_tariff(
    person, programme, mediator, structure, ready_laptop
):
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.ALLOCATED
    assert allocation.charge == Decimal("40")  # laptop grade B in the default grid
    events = list(ready_laptop.events.order_by("id").values_list("to_status", flat=True))
    assert events[-2:] == [S.RESERVED, S.ALLOCATED]
    with pytest.raises(ValidationError):  # never twice
        allocations.allocation_create(
            device=ready_laptop, structure=structure, user=mediator, person=person
        )


def test_attendance_must_cover_the_required_modules(person, programme, mediator):
    import datetime

    session = services.session_create(
        structure=person.structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all()[:2],
        starts_at=datetime.datetime(2026, 11, 10, 14, tzinfo=datetime.UTC),
        place="Salle",
        trainer="Lina",
        capacity=1,
    )
    services.enrol(session=session, person=person, user=mediator)
    services.attendance_record(session=session, present={person.pk}, user=mediator)
    missing = services.training_missing(person, programme)
    assert len(missing) == 2 and not services.training_complete(person, programme)


def test_session_capacity(person, programme, mediator, structure):
    import datetime

    from beneficiaries.models import EligibilityCriterion

    session = services.session_create(
        structure=structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        capacity=1,
        place="Salle",
        trainer="Lina",
        starts_at=datetime.datetime(2026, 11, 10, 14, tzinfo=datetime.UTC),
    )
    services.enrol(session=session, person=person, user=mediator)
    other = services.person_create(
        structure=structure,
        user=mediator,
        reference="R2",
        age_band="65+",
        situation="retired",
        eligibility=EligibilityCriterion.objects.get(code="aspa"),
        consent_purpose="x",
        consent_given_on=person.consent_given_on,
        eligibility_checked_on=person.consent_given_on,
    )
    with pytest.raises(ValidationError):
        services.enrol(session=session, person=other, user=mediator)


def test_public_body_cap_refuses_a_charge_above(
    structure, mediator, workshop, technician, coordinator
):
    device = public_ready_laptop(workshop, technician)
    exemption = ExemptionReason.objects.get(granted_by="coordinator")
    with pytest.raises(ValidationError) as exc:
        allocations.allocation_create(
            device=device,
            structure=structure,
            user=coordinator,
            exemption=exemption,
            exemption_note="test",
            charge=Decimal("200"),
        )
    assert "180" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        allocations.tariff_set(
            device_type="laptop", grade="A", amount=Decimal("181"), user=coordinator
        )
    with pytest.raises(PermissionDenied):
        allocations.tariff_set(device_type="laptop", grade="A", amount=Decimal("60"), user=mediator)


def test_exemption_needs_reason_and_role(structure, mediator, ready_laptop):
    coord_only = ExemptionReason.objects.get(granted_by="coordinator")
    with pytest.raises(PermissionDenied):
        allocations.allocation_create(
            device=ready_laptop,
            structure=structure,
            user=mediator,
            exemption=coord_only,
            exemption_note="urgence",
        )
    own = ExemptionReason.objects.get(label__startswith="Équipement de la structure")
    with pytest.raises(ValidationError):
        allocations.allocation_create(
            device=ready_laptop, structure=structure, user=mediator, exemption=own
        )
    allocation = allocations.allocation_create(
        device=ready_laptop,
        structure=structure,
        user=mediator,
        exemption=own,
        exemption_note="Poste de l'accueil",
    )
    assert allocation.charge == 0 and allocation.person is None


def test_receipts_are_numbered_without_gaps(
    person, programme, mediator, structure, ready_laptop, workshop, technician
):
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    with pytest.raises(ValidationError):  # more than the charge: refused, no number burnt
        allocations.payment_record(
            allocation=allocation, amount=Decimal("50"), method="cash", user=mediator
        )
    first = allocations.payment_record(
        allocation=allocation, amount=Decimal("25"), method="cash", user=mediator
    )
    second = allocations.payment_record(
        allocation=allocation, amount=Decimal("15"), method="card", user=mediator
    )
    n1, n2 = (int(p.receipt_number.split("-")[1]) for p in (first, second))
    assert n2 == n1 + 1 and n1 == 1


def test_order_workflow_reserve_handover_close(
    structure, mediator, coordinator, workshop, technician, person, programme, ready_laptop
):
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "min_ram_mb": 4096, "person": person}],
    )
    assert order.status == O.DRAFT and order.reference.startswith("CMD-")
    orders.order_submit(order=order, user=mediator)
    with pytest.raises(PermissionDenied):
        orders.order_decide(order=order, user=mediator, approve=True, workshop=workshop)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    # The approval reserves what the stock holds; the workshop then starts preparing.
    assert [r.device for r in Reservation.objects.filter(line__order=order)] == [ready_laptop]
    assert orders.order_reserve(order=order, user=technician) == []
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RESERVED
    orders.order_mark_ready(order=order, user=technician)
    train(person, programme, mediator)
    allocations.allocation_create(device=ready_laptop, structure=structure, user=mediator)
    order.refresh_from_db()
    assert order.status == O.HANDED_OVER
    assert Allocation.objects.get().person == person  # from the order line
    orders.order_close(order=order, user=mediator)


def test_cancel_needs_a_reason_and_releases(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 2}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    second = walk_to(
        make_device(
            make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
        ),
        S.READY,
        technician,
    )
    assert Device.objects.filter(status=S.RESERVED).count() == 2
    with pytest.raises(ValidationError):
        orders.order_cancel(order=order, user=mediator, reason="  ")
    assert Device.objects.filter(status=S.RESERVED).count() == 2
    orders.order_cancel(order=order, user=mediator, reason="Plus besoin")
    assert Device.objects.filter(status=S.READY).count() == 2
    second.refresh_from_db()
    assert second.status == S.READY


def test_refusal_needs_a_reason(structure, mediator, coordinator):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "tablet", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    with pytest.raises(ValidationError):
        orders.order_decide(order=order, user=coordinator, approve=False)
    orders.order_decide(order=order, user=coordinator, approve=False, note="Stock épuisé")
    order.refresh_from_db()
    assert order.status == O.REFUSED


def test_device_reserved_for_another_structure_cannot_be_handed_over(
    structure,
    other_structure,
    mediator,
    other_mediator,
    coordinator,
    workshop,
    technician,
    ready_laptop,
):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    own = ExemptionReason.objects.get(label__startswith="Équipement de la structure")
    with pytest.raises(ValidationError):
        allocations.allocation_create(
            device=ready_laptop,
            structure=other_structure,
            user=other_mediator,
            exemption=own,
            exemption_note="x",
        )


def test_return_within_warranty_and_replacement(
    person, programme, mediator, structure, ready_laptop, workshop, technician
):
    train(person, programme, mediator)
    first = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    allocations.allocation_return(
        allocation=first, user=mediator, reason="Écran cassé, dit Mme Traoré"
    )
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RETURNED
    # The structure's words may name the person: they stay on the allocation, the workshop's
    # timeline gets a neutral note.
    first.refresh_from_db()
    assert first.return_reason == "Écran cassé, dit Mme Traoré"
    notes = " ".join(ready_laptop.events.values_list("note", flat=True))
    assert "Traoré" not in notes and "Écran" not in notes
    other = walk_to(
        make_device(
            make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
        ),
        S.READY,
        technician,
    )
    replacement = allocations.allocation_replace(allocation=first, device=other, user=mediator)
    assert replacement.replaces == first and replacement.charge == 0
    first.refresh_from_db()
    assert first.replacement == replacement


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks")
def test_many_concurrent_orders_never_share_a_device(
    structure, mediator, coordinator, workshop, technician
):
    from django.db import close_old_connections

    for _ in range(6):
        walk_to(
            make_device(
                make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
            ),
            S.READY,
            technician,
        )
    pending = []
    for _ in range(8):
        order = orders.order_create(
            structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
        )
        orders.order_submit(order=order, user=mediator)
        orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
        pending.append(order)
    # The approvals reserved the stock already: give it back, for the workshops' race.
    Reservation.objects.all().delete()
    Device.objects.update(status=S.READY)
    barrier = threading.Barrier(len(pending))
    outcomes = []

    def reserve(order):
        try:
            barrier.wait()
            got = orders.order_reserve(order=order, user=technician)
            outcomes.append("ok" if got else "short")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=reserve, args=(o,)) for o in pending]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] * 6 + ["short"] * 2
    active = Reservation.objects.filter(released_at__isnull=True)
    assert active.count() == 6
    assert active.values("device").distinct().count() == 6
    assert Device.objects.filter(status=S.RESERVED).count() == 6
    assert connection.vendor == "postgresql"


def test_an_order_shows_its_ram_in_the_unit_it_was_asked_in(client, structure, mediator):
    """The order form asks for GB; the order page said "mémoire vive ≥ 8192 Mo" (persona
    walk). Stored in MB, as devices are."""
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[
            {"device_type": "laptop", "quantity": 2, "min_ram_mb": 8192},
            {"device_type": "desktop", "quantity": 1, "min_ram_mb": 1536},
        ],
    )
    client.force_login(mediator)
    body = client.get(order.get_absolute_url()).content.decode()
    assert "mémoire vive ≥ 8 Go" in body and "mémoire vive ≥ 1,5 Go" in body
    assert "Mo" not in body.split('id="lines"')[1].split("</table>")[0]


def test_a_cancelled_order_reads_in_the_feminine_as_the_other_statuses():
    """« Annulé » among « Refusée », « Approuvée »… (persona walk): the order's status has
    its own context; an import stays « Annulé »."""
    from django.utils import translation

    from beneficiaries.enums import OrderStatus
    from inventory.enums import ImportStatus

    with translation.override("fr"):
        assert str(OrderStatus.CANCELLED.label) == "Annulée"
        assert str(ImportStatus.CANCELLED.label) == "Annulé"
