"""The right person (issue 15): a device reserved for a named person goes to that person,
or to another one on purpose, with the reason kept; a recap before the hand-over, then a
confirmation; one device of each type per person within N months, unless a coordinator
records an exception."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from beneficiaries import allocations, orders, privacy, services
from beneficiaries.models import Allocation, EligibilityCriterion, LimitOverride
from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from tests.beneficiaries.conftest import train
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


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


def laptop(workshop, technician):
    device = make_device(
        make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
    )
    return walk_to(device, S.READY, technician)


def ready_for(person, structure, mediator, coordinator, workshop, technician):
    """An order for the person, approved, its laptop reserved and ready to hand over."""
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_mark_ready(order=order, user=technician)
    return order.lines.get().reservations.get().device


def test_a_device_reserved_for_one_person_goes_to_another_only_with_a_reason(
    structure, mediator, coordinator, workshop, technician, person, ben, programme, ready_laptop
):
    """Issue 15: "the laptop reserved for one person was handed to another with no warning"."""
    device = ready_for(person, structure, mediator, coordinator, workshop, technician)
    train(ben, programme, mediator)
    with pytest.raises(ValidationError, match="réservé pour Awa Traoré"):
        allocations.allocation_create(device=device, structure=structure, user=mediator, person=ben)
    assert not Allocation.objects.exists()
    allocation = allocations.allocation_create(
        device=device,
        structure=structure,
        user=mediator,
        person=ben,
        reassign_reason="Mme Traoré a déménagé, M. Martin attendait",
    )
    assert allocation.person == ben and allocation.reassigned_from == person
    assert allocation.reassignment_reason == "Mme Traoré a déménagé, M. Martin attendait"


def test_one_device_of_each_type_per_person_unless_a_coordinator_allows_one_more(
    structure, mediator, coordinator, workshop, technician, person, programme, ready_laptop
):
    """Issue 15: "then a second laptop went to the same person"."""
    train(person, programme, mediator)
    allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    second = laptop(workshop, technician)
    with pytest.raises(ValidationError, match="a déjà reçu"):
        allocations.allocation_create(
            device=second, structure=structure, user=mediator, person=person
        )
    assert Allocation.objects.count() == 1
    with pytest.raises(PermissionDenied):
        allocations.limit_override_grant(
            person=person, device_type="laptop", reason="Pour sa fille", user=mediator
        )
    with pytest.raises(ValidationError):
        allocations.limit_override_grant(
            person=person, device_type="laptop", reason=" ", user=coordinator
        )
    assert not LimitOverride.objects.exists()
    override = allocations.limit_override_grant(
        person=person, device_type="laptop", reason="Le premier a été volé", user=coordinator
    )
    allocation = allocations.allocation_create(
        device=second, structure=structure, user=mediator, person=person
    )
    assert allocation.limit_override == override
    # The exception was for one hand-over.
    with pytest.raises(ValidationError, match="a déjà reçu"):
        allocations.allocation_create(
            device=laptop(workshop, technician), structure=structure, user=mediator, person=person
        )


def test_the_rule_counts_only_the_months_it_says(
    settings, structure, mediator, workshop, technician, person, programme, ready_laptop
):
    train(person, programme, mediator)
    first = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    Allocation.objects.filter(pk=first.pk).update(
        handed_over_at=timezone.now() - datetime.timedelta(days=400)
    )
    settings.FILIERE_ONE_DEVICE_PER_TYPE_MONTHS = 24
    problem, _ = allocations.limit_problem(person, "laptop")
    assert problem is not None
    settings.FILIERE_ONE_DEVICE_PER_TYPE_MONTHS = 12
    assert allocations.limit_problem(person, "laptop") == (None, None)
    assert allocations.limit_problem(person, "tablet") == (None, None)


# Screens


def test_the_hand_over_shows_a_recap_then_writes_on_confirmation(
    client,
    structure,
    mediator,
    coordinator,
    workshop,
    technician,
    person,
    ben,
    programme,
    ready_laptop,
):
    device = ready_for(person, structure, mediator, coordinator, workshop, technician)
    train(ben, programme, mediator)
    train(person, programme, mediator)
    client.force_login(mediator)
    url = reverse("beneficiaries:handover", args=[device.pk])
    page = client.get(url).content.decode()
    assert "Réservé pour Awa Traoré." in page
    # Someone else, no reason: refused on the form, nothing written.
    r = client.post(url, {"person": ben.pk})
    assert r.status_code == 200 and "motif de la réattribution" in r.content.decode()
    assert not Allocation.objects.exists()
    # The intended person: the recap (person, device, training, charge, what is printed).
    r = client.post(url, {"person": person.pk})
    recap = r.content.decode()
    for expected in [
        "Vérifier la remise",
        "Awa Traoré",
        device.asset_tag,
        "suivie",
        "€",
        "Documents imprimés",
    ]:
        assert expected in recap, expected
    assert not Allocation.objects.exists()
    # Someone else with the reason: the recap says it is a re-assignment; the confirmation writes.
    r = client.post(url, {"person": ben.pk, "reassign_reason": "Mme Traoré a déménagé"})
    assert "Réattribution" in r.content.decode() and not Allocation.objects.exists()
    r = client.post(
        url, {"person": ben.pk, "reassign_reason": "Mme Traoré a déménagé", "confirm": "1"}
    )
    allocation = Allocation.objects.get()
    assert r.url == allocation.get_absolute_url()
    assert (allocation.person, allocation.reassigned_from) == (ben, person)


def test_only_a_coordinator_records_an_exception_from_the_person_page(
    client, mediator, coordinator, person
):
    url = reverse("beneficiaries:person_limit_override", args=[person.pk])
    client.force_login(mediator)
    assert url not in client.get(person.get_absolute_url()).content.decode()
    client.post(url, {"limit-device_type": "laptop", "limit-reason": "Volé"})
    assert not LimitOverride.objects.exists()
    client.force_login(coordinator)
    assert url in client.get(person.get_absolute_url()).content.decode()
    page = client.get(person.get_absolute_url()).content.decode()
    assert page.count('id="id_reason"') == 1  # the waiver's; the exception's is prefixed
    client.post(url, {"limit-device_type": "laptop", "limit-reason": ""})
    assert not LimitOverride.objects.exists()
    r = client.post(
        url, {"limit-device_type": "laptop", "limit-reason": "Le premier a été volé"}, follow=True
    )
    assert "Exception enregistrée." in r.content.decode()
    override = LimitOverride.objects.get()
    assert (override.person, override.granted_by, override.reason) == (
        person,
        coordinator,
        "Le premier a été volé",
    )


def test_erasing_the_intended_person_blanks_the_reason_of_the_re_assignment(
    structure, mediator, coordinator, workshop, technician, person, ben, programme, ready_laptop
):
    device = ready_for(person, structure, mediator, coordinator, workshop, technician)
    train(ben, programme, mediator)
    allocation = allocations.allocation_create(
        device=device,
        structure=structure,
        user=mediator,
        person=ben,
        reassign_reason="Mme Traoré a déménagé",
    )
    allocations.limit_override_grant(
        person=person,
        device_type="laptop",
        reason="Mme Traoré s'est fait voler le sien",
        user=coordinator,
    )
    privacy.person_erase(person=person, user=coordinator)
    allocation.refresh_from_db()
    # The facts stay (reserved for her, handed to him, an exception granted), not the words.
    assert allocation.reassigned_from == person and allocation.reassignment_reason == ""
    assert LimitOverride.objects.get(person=person).reason == ""


def test_a_second_visit_to_the_handover_shows_the_handover_done(
    client, structure, mediator, coordinator, workshop, technician, person, programme, ready_laptop
):
    device = ready_for(person, structure, mediator, coordinator, workshop, technician)
    train(person, programme, mediator)
    client.force_login(mediator)
    url = reverse("beneficiaries:handover", args=[device.pk])
    client.post(url, {"person": person.pk, "confirm": "1"})
    allocation = Allocation.objects.get()
    again = client.get(url, follow=True)
    assert again.redirect_chain[-1][0] == allocation.get_absolute_url()
    assert "Cet appareil a déjà été remis le" in again.content.decode()
