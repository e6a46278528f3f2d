"""GDPR: retention (anonymisation after two years without activity), right of access (export)
and right to erasure (pseudonym), each checked on what a person or a funder would see."""

import dataclasses
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from pypdf import PdfReader

from accounts.enums import Role
from beneficiaries import allocations, privacy
from beneficiaries.models import Allocation, AuditLog, Enrolment, Payment, Person
from beneficiaries.tasks import people_anonymise_inactive_task
from reports.funder import FunderFilters, funder_report_build
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    other_mediator,
    other_structure,
    person,
    programme,
    ready_laptop,
    structure,
    train,
)
from tests.factories import member
from tests.reports.test_funder_report import PERIOD, funded  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def age(someone, days):
    """Make every trace of the person `days` old (created, edited)."""
    when = timezone.now() - days * DAY
    Person.objects.filter(pk=someone.pk).update(created_at=when, updated_at=when)


@pytest.fixture
def handed_over(person, programme, mediator, structure, ready_laptop):  # noqa: F811
    """Awa Traoré, trained, received a laptop and paid 40 € (receipt)."""
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop,
        structure=structure,
        user=mediator,
        person=person,
        exemption_note="Awa a trois enfants",
    )
    payment = allocations.payment_record(
        allocation=allocation, amount=Decimal("40"), method="cash", user=mediator
    )
    return allocation, payment


# Retention


def test_inactive_two_years_and_a_day_is_anonymised(person):  # noqa: F811
    age(person, 731)
    assert people_anonymise_inactive_task.delay().get() == 1
    person.refresh_from_db()
    assert person.first_name == person.last_name == person.phone == person.email == ""
    assert person.reference.endswith(f"#{privacy.pseudonym_code(person)}")
    assert person.anonymised_at is not None
    # Kept for the reports; dates cut to the year.
    assert (person.age_band, person.situation) == ("26-44", "job_seeker")
    assert person.consent_given_on == datetime.date(2026, 1, 1)
    assert AuditLog.objects.filter(person=person, action="anonymise").count() == 1
    # The next run has nothing left to do.
    assert privacy.people_anonymise_inactive() == 0


def test_two_years_minus_a_day_is_kept(person):  # noqa: F811
    age(person, 729)
    assert privacy.people_anonymise_inactive() == 0
    person.refresh_from_db()
    assert person.last_name == "Traoré"


def test_device_handed_over_a_year_ago_is_activity(handed_over, person):  # noqa: F811
    allocation, payment = handed_over
    age(person, 1100)
    year_ago = timezone.now() - 365 * DAY
    long_ago = timezone.now() - 1100 * DAY
    Enrolment.objects.filter(person=person).update(created_at=long_ago)
    Enrolment.objects.filter(person=person).first().session.__class__.objects.update(
        starts_at=long_ago
    )
    Payment.objects.filter(pk=payment.pk).update(created_at=long_ago)
    Allocation.objects.filter(pk=allocation.pk).update(handed_over_at=year_ago)
    assert privacy.people_anonymise_inactive() == 0
    # Three years without anything: now it goes.
    Allocation.objects.filter(pk=allocation.pk).update(handed_over_at=long_ago)
    assert privacy.people_anonymise_inactive() == 1


def test_an_edit_a_year_ago_is_activity(person):  # noqa: F811
    age(person, 1100)
    Person.objects.filter(pk=person.pk).update(updated_at=timezone.now() - 365 * DAY)
    assert privacy.people_anonymise_inactive() == 0


def test_the_job_is_scheduled_daily():
    task = PeriodicTask.objects.get(task="beneficiaries.tasks.people_anonymise_inactive_task")
    assert task.enabled and task.crontab.hour == "3"


def _figures(report):
    return dataclasses.replace(report, generated_at=None, chart_svgs=None)


def test_funder_report_figures_identical_after_anonymisation(funded, coordinator):  # noqa: F811
    funder = member(funded["funder"], Role.READER, username="funder-privacy")
    filters = FunderFilters(PERIOD.date_from, PERIOD.date_to, funded["programme"])
    before = [_figures(funder_report_build(user=u, filters=filters)) for u in (coordinator, funder)]
    later = timezone.now() + 732 * DAY  # everyone's last activity is over two years old
    assert privacy.people_anonymise_inactive(now=later) == 6
    assert not Person.objects.exclude(reference__contains="#").exists()
    after = [_figures(funder_report_build(user=u, filters=filters)) for u in (coordinator, funder)]
    assert after == before
    assert before[0].people == 6 and before[0].by_age  # the comparison compared something


# Right of access and right to erasure


def test_coordinator_exports_everything_about_a_person(
    client,
    coordinator,
    handed_over,
    person,  # noqa: F811
):
    client.force_login(coordinator)
    response = client.get(reverse("beneficiaries:person_export", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["person"]["last_name"] == "Traoré"
    assert data["consents"][0]["purpose"] == "Attribution d'un ordinateur"
    (allocation,) = data["allocations"]
    assert allocation["payments"][0]["amount"] == "40.00"
    assert allocation["exemption_note"] == "Awa a trois enfants"
    assert data["trainings"] and data["trainings"][0]["attended"] is True
    log = AuditLog.objects.get(action="export")
    assert log.person == person and log.username == coordinator.username


def test_only_coordinators_export_or_erase(
    client,
    person,  # noqa: F811
    mediator,  # noqa: F811
    other_mediator,  # noqa: F811
):
    urls = [
        reverse("beneficiaries:person_export", args=[person.pk]),
        reverse("beneficiaries:person_erase", args=[person.pk]),
    ]
    client.force_login(mediator)  # the person's own structure: not a coordinator
    assert [client.get(u).status_code for u in urls] == [403, 403]
    assert client.post(urls[1], {"confirm": "yes"}).status_code == 403
    client.force_login(other_mediator)  # another structure does not even see the person
    assert [client.get(u).status_code for u in urls] == [404, 404]
    assert client.post(urls[1], {"confirm": "yes"}).status_code == 404
    person.refresh_from_db()
    assert person.last_name == "Traoré"
    assert not AuditLog.objects.filter(action__in=["export", "erase"]).exists()


def test_erasure_keeps_allocations_and_receipts_under_a_pseudonym(
    client,
    coordinator,
    mediator,  # noqa: F811
    handed_over,
    person,  # noqa: F811
):
    allocation, payment = handed_over
    client.force_login(coordinator)
    page = client.get(reverse("beneficiaries:person_detail", args=[person.pk]))
    assert reverse("beneficiaries:person_erase", args=[person.pk]) in page.content.decode()
    url = reverse("beneficiaries:person_erase", args=[person.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Traoré" in confirm.content.decode()
    # Without the box ticked nothing happens.
    client.post(url, {})
    person.refresh_from_db()
    assert person.last_name == "Traoré"
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    person.refresh_from_db()
    pseudonym = str(person)
    assert pseudonym.endswith(f"#{privacy.pseudonym_code(person)}")
    assert person.first_name == person.last_name == "" and person.consent_purpose == ""
    # Rows kept, free text blanked.
    allocation.refresh_from_db()
    assert allocation.person_id == person.pk and allocation.exemption_note == ""
    assert Payment.objects.filter(pk=payment.pk, receipt_number=payment.receipt_number).exists()
    assert Enrolment.objects.filter(person=person).exists()
    # The receipt still renders, naming the pseudonym.
    client.force_login(mediator)
    pdf = client.get(reverse("beneficiaries:receipt", args=[allocation.pk, payment.pk]))
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert privacy.pseudonym_code(person) in text and "Traoré" not in text
    detail = client.get(reverse("beneficiaries:person_detail", args=[person.pk]))
    assert "Traoré" not in detail.content.decode() and "Awa" not in detail.content.decode()
    log = AuditLog.objects.get(action="erase")
    assert log.person_id == person.pk and log.username == coordinator.username


def test_an_erased_person_cannot_be_named_again_by_an_edit(
    client,
    coordinator,
    mediator,  # noqa: F811
    person,  # noqa: F811
):
    privacy.person_erase(person=person, user=coordinator)
    client.force_login(mediator)
    page = client.post(
        reverse("beneficiaries:person_edit", args=[person.pk]),
        {
            "last_name": "Traoré",
            "age_band": "25-39",
            "situation": "job_seeker",
            "eligibility": person.eligibility_id,
            "eligibility_checked_on": "2026-11-02",
            "consent_purpose": "x",
            "consent_given_on": "2026-11-02",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and ("refer them again" in html or "orientez-la" in html)
    person.refresh_from_db()
    assert person.last_name == "" and person.anonymised_at


def test_erasure_leaves_no_name_in_free_text_documents_or_the_export(
    client,
    coordinator,
    mediator,  # noqa: F811
    structure,  # noqa: F811
    programme,  # noqa: F811
    handed_over,
    person,  # noqa: F811
):
    """The structure's and the coordination's own words may name the person: a waiver's reason,
    the notes of an order for her alone, a return's reason. None survive the erasure, nor
    does her name on the handover document or in what the export gives back."""
    from beneficiaries import orders, services
    from beneficiaries.models import Order, TrainingWaiver

    allocation, _payment = handed_over
    waiver = services.waiver_grant(
        person=person, programme=programme, reason="Awa Traoré part en stage", user=coordinator
    )
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "tablet", "quantity": 1, "person": person}],
        notes="Pour Mme Traoré, qui garde ses petits-enfants",
    )
    allocations.allocation_return(
        allocation=allocation, user=mediator, reason="Écran cassé, dit Mme Traoré"
    )
    client.force_login(mediator)
    url = reverse("beneficiaries:handover_pdf", args=[allocation.pk])

    def pdf_text():
        pdf = client.get(url)
        assert pdf.status_code == 200
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)

    assert "Traoré" in pdf_text()  # the document named her before
    privacy.person_erase(person=person, user=coordinator)
    person.refresh_from_db()
    code = privacy.pseudonym_code(person)
    assert TrainingWaiver.objects.get(pk=waiver.pk).reason == ""
    assert Order.objects.get(pk=order.pk).notes == ""
    allocation.refresh_from_db()
    assert allocation.return_reason == "" and allocation.returned_at  # the fact stays
    text = pdf_text()
    assert code in text and "Traoré" not in text and "Awa" not in text
    client.force_login(coordinator)
    export = client.get(reverse("beneficiaries:person_export", args=[person.pk]))
    assert export.status_code == 200
    body = export.content.decode()
    assert "Traoré" not in body and "Awa" not in body and "Trao\\u00e9" not in body
    data = json.loads(body)
    assert data["person"]["reference"].endswith(f"#{code}")
    assert data["training_waivers"][0]["reason"] == ""
    assert data["orders"][0]["notes"] == ""
    assert data["allocations"][0]["return_reason"] == ""
