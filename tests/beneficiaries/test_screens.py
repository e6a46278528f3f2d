"""The mediation staff's screens, the coordinator's and the workshop's, and isolation."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries import allocations, orders
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Allocation, Order, Payment, Person, TrainingSession
from inventory.enums import DeviceStatus as S
from tests.beneficiaries.conftest import train

pytestmark = pytest.mark.django_db


@pytest.fixture
def med_client(client, mediator):
    client.force_login(mediator)
    return client


def pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_refer_a_person_by_reference_only(med_client, structure):
    from beneficiaries.models import EligibilityCriterion

    r = med_client.post(
        reverse("beneficiaries:person_create"),
        {
            "pseudonymous": "on",
            "reference": "ACC-42",
            "first_name": "Should",
            "last_name": "Drop",
            "age_band": "40-59",
            "situation": "job_seeker",
            "eligibility": EligibilityCriterion.objects.get(code="rsa").pk,
            "eligibility_checked_on": "2026-11-20",
            "consent_purpose": "Suivi",
            "consent_given_on": "2026-11-20",
        },
    )
    assert r.status_code == 302
    person = Person.objects.get()
    assert person.reference == "ACC-42" and person.last_name == "" and person.first_name == ""


def test_bad_commune_code_is_explained(med_client):
    from beneficiaries.models import EligibilityCriterion

    r = med_client.post(
        reverse("beneficiaries:person_create"),
        {
            "last_name": "Martin",
            "commune": "99999",
            "age_band": "40-59",
            "situation": "retired",
            "eligibility": EligibilityCriterion.objects.get(code="aspa").pk,
            "eligibility_checked_on": "2026-11-20",
            "consent_purpose": "Suivi",
            "consent_given_on": "2026-11-20",
        },
    )
    assert r.status_code == 200 and "99999" in r.content.decode()
    assert not Person.objects.exists()


def test_structures_do_not_see_each_others_people(client, person, other_mediator, coordinator):
    client.force_login(other_mediator)
    assert client.get(person.get_absolute_url()).status_code == 404
    assert "Traoré" not in client.get(reverse("beneficiaries:person_list")).content.decode()
    client.force_login(coordinator)
    assert client.get(person.get_absolute_url()).status_code == 200


def test_funder_sees_no_people_nor_orders(client, person, structure, mediator):
    from accounts.enums import OrganisationKind, Role
    from tests.factories import OrganisationFactory, member

    orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    funder = member(OrganisationFactory(kind=OrganisationKind.FUNDER), Role.READER)
    client.force_login(funder)
    assert "Traoré" not in client.get(reverse("beneficiaries:person_list")).content.decode()
    assert "CMD-" not in client.get(reverse("beneficiaries:order_list")).content.decode()
    assert client.get(person.get_absolute_url()).status_code == 404


def test_session_enrol_and_attendance_screens(med_client, person, programme):
    r = med_client.post(
        reverse("beneficiaries:session_create"),
        {
            "programme": programme.pk,
            "modules": [m.pk for m in programme.modules.all()],
            "starts_at": "2026-11-18T14:00",
            "place": "Salle 1",
            "trainer": "Lina",
            "capacity": 6,
        },
    )
    session = TrainingSession.objects.get()
    assert r.url == session.get_absolute_url()
    created = med_client.get(r.url).content.decode()
    assert "créée : inscrivez les personnes" in created  # said, not only redirected
    # Nobody chosen: the page says so and enrols nobody.
    empty = med_client.post(session.get_absolute_url(), {"enrol": "1", "person": ""})
    assert empty.status_code == 200 and "Ce champ est obligatoire" in empty.content.decode()
    assert not session.enrolments.exists()
    enrolled = med_client.post(
        session.get_absolute_url(), {"enrol": "1", "person": person.pk}, follow=True
    )
    assert "1 place prise sur 6" in enrolled.content.decode()
    med_client.post(session.get_absolute_url(), {"attendance": "1", "present": [person.pk]})
    page = med_client.get(person.get_absolute_url()).content.decode()
    assert 'class="badge ready">complète' in page


def test_order_journey_through_the_screens(
    client,
    med_client,
    structure,
    mediator,
    coordinator,
    workshop,
    technician,
    person,
    programme,
    ready_laptop,
):
    r = med_client.post(
        reverse("beneficiaries:order_create"),
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "20",
            "form-0-device_type": "laptop",
            "form-0-quantity": "1",
            "form-0-person": person.pk,
            "form-1-device_type": "",
            "submit": "1",
        },
    )
    order = Order.objects.get()
    assert r.url == order.get_absolute_url() and order.status == O.SUBMITTED
    client.force_login(coordinator)
    client.post(
        reverse("beneficiaries:order_action", args=[order.pk, "decide"]),
        {"approve": "1", "workshop": workshop.pk},
    )
    # The structure's notes may name the person: the workshop does not read them.
    Order.objects.filter(pk=order.pk).update(notes="Pour Mme Traoré, malvoyante")
    assert "malvoyante" in med_client.get(order.get_absolute_url()).content.decode()
    client.force_login(technician)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Réserver" in page and "malvoyante" not in page
    client.post(reverse("beneficiaries:order_action", args=[order.pk, "reserve"]))
    client.post(reverse("beneficiaries:order_action", args=[order.pk, "ready"]))
    order.refresh_from_db()
    assert order.status == O.READY
    med_client.force_login(mediator)  # the same test client: back to the structure's staff
    handover_url = reverse("beneficiaries:handover", args=[ready_laptop.pk])
    r = med_client.post(handover_url, {"person": person.pk})
    assert r.status_code == 200 and "n&#x27;a pas terminé la formation" in r.content.decode()
    train(person, programme, mediator)
    r = med_client.post(handover_url, {"person": person.pk})
    # First the recap, nothing written; then the confirmation.
    assert r.status_code == 200 and not Allocation.objects.exists()
    assert "Confirmer la remise" in r.content.decode()
    r = med_client.post(handover_url, {"person": person.pk, "confirm": "1"})
    allocation = Allocation.objects.get()
    assert r.url == allocation.get_absolute_url()
    med_client.post(
        reverse("beneficiaries:allocation_pay", args=[allocation.pk]),
        {"amount": "40", "method": "cash", "paid_on": "2026-11-21"},
    )
    payment = Payment.objects.get()
    text = pdf_text(
        med_client.get(reverse("beneficiaries:receipt", args=[allocation.pk, payment.pk]))
    )
    for expected in [payment.receipt_number, "40", "Espèces", "Traoré", ready_laptop.asset_tag]:
        assert expected in text, expected
    text = pdf_text(med_client.get(reverse("beneficiaries:handover_pdf", args=[allocation.pk])))
    for expected in [ready_laptop.asset_tag, "Linux Mint", "revendu", "Traoré", "6 mois"]:
        assert expected in text, expected
    order.refresh_from_db()
    assert order.status == O.HANDED_OVER


def test_other_structure_cannot_see_order_or_allocation(
    client, structure, mediator, other_mediator, person, programme, ready_laptop
):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    client.force_login(other_mediator)
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.get(allocation.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("beneficiaries:handover_pdf", args=[allocation.pk])).status_code == 404
    )
    assert client.get(reverse("beneficiaries:handover", args=[ready_laptop.pk])).status_code == 403


def test_return_from_the_screen(med_client, structure, mediator, person, programme, ready_laptop):
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    med_client.post(
        reverse("beneficiaries:allocation_return", args=[allocation.pk]),
        {"reason": "Ne démarre plus"},
    )
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RETURNED


def test_structure_import_screen(client, coordinator, mediator):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from beneficiaries.models import Structure

    sample = Path(__file__).parent / "mednum_samples" / "lieux-mediation-numerique-92.csv"
    client.force_login(mediator)
    assert client.get(reverse("beneficiaries:structure_import")).status_code == 403
    client.force_login(coordinator)
    url = reverse("beneficiaries:structure_import")
    r = client.post(url, {"file": SimpleUploadedFile("l.csv", sample.read_bytes())})
    created = Structure.objects.count()
    assert r.status_code == 200 and created >= 8
    client.post(url, {"file": SimpleUploadedFile("l.csv", sample.read_bytes())})
    assert Structure.objects.count() == created  # updated, not duplicated
    bad = Path(__file__).parent / "mednum_samples" / "lieux-92-erreurs.csv"
    r = client.post(url, {"file": SimpleUploadedFile("b.csv", bad.read_bytes())})
    assert 'class="row-bad"' in r.content.decode()


def test_structure_edits_its_person_and_not_another(client, med_client, person, other_mediator):
    from beneficiaries.models import EligibilityCriterion

    url = reverse("beneficiaries:person_edit", args=[person.pk])
    data = {
        "reference": "",
        "first_name": "Awa",
        "last_name": "Traoré-Diop",
        "age_band": "25-39",
        "situation": "employed",
        "eligibility": EligibilityCriterion.objects.get(code="rsa").pk,
        "eligibility_checked_on": "2026-11-02",
        "consent_purpose": "Suivi",
        "consent_given_on": "2026-11-02",
    }
    assert med_client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Traoré-Diop" and person.situation == "employed"
    client.force_login(other_mediator)
    assert client.post(url, data | {"last_name": "X"}).status_code == 404
    person.refresh_from_db()
    assert person.last_name == "Traoré-Diop"


def test_replacement_from_the_screen(
    med_client,
    structure,
    mediator,
    coordinator,
    workshop,
    technician,
    person,
    programme,
    ready_laptop,
):
    from reconditioning.demo import walk_to
    from tests.factories import make_batch, make_device

    train(person, programme, mediator)
    first = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    allocations.allocation_return(allocation=first, user=mediator, reason="Écran cassé")
    spare = walk_to(
        make_device(
            make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
        ),
        S.READY,
        technician,
    )
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)
    page = med_client.get(first.get_absolute_url()).content.decode()
    assert spare.asset_tag in page
    r = med_client.post(
        reverse("beneficiaries:allocation_replace", args=[first.pk]), {"device": spare.pk}
    )
    replacement = Allocation.objects.get(device=spare)
    assert r.url == replacement.get_absolute_url()
    assert replacement.replaces == first and replacement.charge == 0
    assert replacement.person == person


def test_harvest_from_a_scrapped_device(tech_client, batch, technician):
    from reconditioning.demo import walk_to
    from reconditioning.models import SparePart
    from tests.factories import make_device

    part = SparePart.objects.create(
        workshop=batch.workshop, name="Chargeur 65 W", category="chargeur"
    )
    device = walk_to(make_device(batch), S.SCRAPPED, technician)
    page = tech_client.get(device.get_absolute_url()).content.decode()
    assert "Chargeur 65 W" in page
    tech_client.post(
        reverse("reconditioning:device_harvest", args=[device.pk]), {"part": part.pk, "quantity": 2}
    )
    part.refresh_from_db()
    assert part.quantity == 2


def test_a_handover_needs_its_recipient_chosen(
    med_client, structure, mediator, coordinator, workshop, technician, person, ready_laptop
):
    """With no person named on the order line, the form started on "the structure itself":
    a forgotten choice became a hand-over to the structure, with no training checked (persona
    walk). The person, or the structure, must now be chosen."""
    from beneficiaries import orders

    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_mark_ready(order=order, user=technician)
    url = reverse("beneficiaries:handover", args=[ready_laptop.pk])
    form = med_client.get(url).content.decode()
    assert "Confirmer la remise" not in form
    refused = med_client.post(url, {"person": ""}).content.decode()
    assert "Choisissez la personne qui reçoit l" in refused and "handover-recap" not in refused
    both = med_client.post(url, {"person": person.pk, "for_structure": "on"}).content.decode()
    assert "handover-recap" not in both
    recap = med_client.post(url, {"person": "", "for_structure": "on"}).content.decode()
    assert "handover-recap" in recap and "La structure elle-même" in recap
    assert not Allocation.objects.exists()


def test_an_order_gets_more_lines_without_losing_what_was_typed(med_client):
    """The form had four lines and no way to add one (persona walk): « Ajouter des lignes »
    brings four more, keeps what was typed and saves nothing; up to twenty lines."""
    url = reverse("beneficiaries:order_create")
    page = med_client.get(url).content.decode()
    assert 'name="form-3-device_type"' in page and 'name="more_lines"' in page
    typed = {
        "form-TOTAL_FORMS": "4",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "20",
        "form-0-device_type": "laptop",
        "form-0-quantity": "7",
        "notes": "Atelier du jeudi",
        "more_lines": "1",
    }
    r = med_client.post(url, typed)
    body = r.content.decode()
    assert r.status_code == 200 and not Order.objects.exists()
    assert 'name="form-7-device_type"' in body and 'name="form-8-device_type"' not in body
    assert 'name="form-0-quantity" value="7"' in body and "Atelier du jeudi" in body
    r = med_client.post(url, typed | {"form-TOTAL_FORMS": "20"})
    body = r.content.decode()
    assert 'name="form-19-device_type"' in body and 'name="form-20-device_type"' not in body
    assert 'name="more_lines"' not in body  # the maximum is reached
