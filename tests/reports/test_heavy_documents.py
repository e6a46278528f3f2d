"""Long documents and exports run as report jobs: past a size (settings.FILIERE_SYNC_*) the
same address sends to the job's page, the file holds what the request would have given, its
progress moves as it is built, and only its requester, still allowed, gets it."""

import html
import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import formats, timezone
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from accounts.models import Membership
from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent
from reconditioning.demo import walk_to
from reconditioning.models import ErasureRecord
from reports import jobs as report_jobs
from reports.models import ReportJob
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db

SMALL = 3  # the limit in these tests; the batches hold 4 devices


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def downloaded(client, job) -> bytes:
    response = client.get(reverse("inventory:report_job_file", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def page_text(client, url) -> str:
    """The page as the reader sees it: entities such as &#x27; unescaped."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def without_issue_time(text: str) -> str:
    """The text less the issue date and time ("3 décembre 2026 17:20"), which differs between
    two renders a minute apart."""
    return re.sub(r"\d{1,2} \w+ \d{4} \d{1,2}:\d{2}", "<issued>", text)


@pytest.fixture
def progress_seen(monkeypatch):
    """Every progress figure a job writes, in order."""
    seen = []
    real = report_jobs._progress

    def record(job_id, pct):
        seen.append(pct)
        real(job_id, pct)

    monkeypatch.setattr(report_jobs, "_progress", record)
    return seen


@pytest.fixture
def erased_batch(batch, technician):
    devices = [
        walk_to(
            make_device(
                batch, drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": f"HD-L{i}"}]
            ),
            S.ERASED,
            technician,
        )
        for i in range(4)
    ]
    # Received on 1 November, each medium erased on its own day after that (an erasure counts
    # only inside the device's current cycle).
    DeviceEvent.objects.filter(device__in=devices).update(
        at=timezone.make_aware(datetime(2026, 11, 1, 9, 0))
    )
    for i, device in enumerate(devices):
        ErasureRecord.objects.filter(device=device).update(
            started_at=timezone.make_aware(datetime(2026, 11, 10 + i, 13, 30)),
            ended_at=timezone.make_aware(datetime(2026, 11, 10 + i, 14, 30)),
        )
    return batch, devices


def erasure_dates(devices) -> set[str]:
    records = ErasureRecord.objects.filter(device__in=devices)
    return {
        formats.date_format(
            timezone.localtime(r.ended_at or r.recorded_at), "SHORT_DATETIME_FORMAT"
        )
        for r in records
    }


# Batch erasure certificate


def test_certificate_under_the_limit_stays_in_the_request(tech_client, erased_batch):
    batch, devices = erased_batch
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=4):
        r = tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert all(d.asset_tag in pdf_text(r.content) for d in devices)
    assert not ReportJob.objects.exists()


def test_long_certificate_is_a_job_with_the_same_content(
    tech_client, erased_batch, django_capture_on_commit_callbacks
):
    batch, devices = erased_batch
    url = reverse("reconditioning:batch_certificate", args=[batch.pk])
    in_request = pdf_text(tech_client.get(url).content)
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            r = tech_client.get(url)
    job = ReportJob.objects.get()
    assert (
        r.status_code == 302
        and r.url == reverse("inventory:report_job", args=[job.pk]) + "?telecharger=1"
    )
    assert job.kind == "certificate" and job.status == "done" and job.progress == 100
    page = page_text(tech_client, r.url)
    assert "Certificat d'effacement (PDF)" in page and batch.reference in page
    assert "plus de 3 appareils" in page and 'id="download"' in page
    text = pdf_text(downloaded(tech_client, job))
    for device in devices:
        assert device.asset_tag in text
    words = " ".join(text.split())  # a date may wrap in its narrow cell
    assert len(erasure_dates(devices)) == 4 and "10/11/2026 14:30" in words
    assert all(day in words for day in erasure_dates(devices))
    assert "HD-L0" in text and "HD-L3" in text
    assert without_issue_time(text).split() == without_issue_time(in_request).split()


def test_certificate_job_progress_moves_part_by_part(
    tech_client, erased_batch, progress_seen, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import certificates

    monkeypatch.setattr(certificates, "CHUNK", 2)  # two parts of two media
    batch, devices = erased_batch
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk]))
    job = ReportJob.objects.get()
    assert job.progress == 100
    # Records gathered, then each rendered part: an honest bar, never going back.
    assert progress_seen[0] == 10 and progress_seen == sorted(progress_seen)
    assert any(10 < p < 95 for p in progress_seen)
    text = pdf_text(downloaded(tech_client, job))
    assert all(d.asset_tag in text for d in devices) and text.count("Signature") == 1


def test_certificate_job_is_only_for_its_requester(
    client, tech_client, erased_batch, other_technician, django_capture_on_commit_callbacks
):
    batch, _devices = erased_batch
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk]))
    job = ReportJob.objects.get()
    donor_elsewhere = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER)
    for intruder in (other_technician, donor_elsewhere):
        client.force_login(intruder)
        assert client.get(reverse("inventory:report_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("inventory:report_job_file", args=[job.pk])).status_code == 404


def test_access_lost_before_the_build_fails_the_job_with_the_reason(
    tech_client, technician, erased_batch, django_capture_on_commit_callbacks
):
    batch, _devices = erased_batch
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            r = tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk]))
    Membership.objects.filter(user=technician).delete()  # moved out of the workshop
    for callback in queued:
        callback()
    job = ReportJob.objects.get()
    assert job.status == "failed" and not job.file
    page = page_text(tech_client, r.url)
    assert "Vous n'avez plus accès à ce lot" in page and 'id="download"' not in page
    assert tech_client.get(reverse("inventory:report_job_file", args=[job.pk])).status_code == 404


def test_access_lost_after_the_build_keeps_the_file_from_them(
    tech_client, technician, erased_batch, django_capture_on_commit_callbacks
):
    batch, _devices = erased_batch
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk]))
    job = ReportJob.objects.get()
    assert downloaded(tech_client, job).startswith(b"%PDF")
    Membership.objects.filter(user=technician).delete()
    assert tech_client.get(reverse("inventory:report_job_file", args=[job.pk])).status_code == 404
    page = page_text(tech_client, reverse("inventory:report_job", args=[job.pk]))
    assert 'id="download"' not in page and "Vous n'avez plus accès au lot ou au donateur" in page


def test_a_second_click_follows_the_job_under_way(
    tech_client, erased_batch, django_capture_on_commit_callbacks
):
    batch, _devices = erased_batch
    url = reverse("reconditioning:batch_certificate", args=[batch.pk])
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=False):
            first = tech_client.get(url)
            second = tech_client.get(url)
    assert first.url == second.url and ReportJob.objects.count() == 1


def test_what_became_of_a_long_batch_is_a_job_too(
    tech_client, erased_batch, django_capture_on_commit_callbacks
):
    batch, devices = erased_batch
    url = reverse("inventory:batch_donor_report", args=[batch.pk])
    in_request = pdf_text(tech_client.get(url).content)
    with override_settings(FILIERE_SYNC_DOCUMENT_MAX_DEVICES=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            r = tech_client.get(url)
    job = ReportJob.objects.get()
    assert r.status_code == 302 and job.kind == "donor" and job.progress == 100
    text = pdf_text(downloaded(tech_client, job))
    assert all(d.asset_tag in text for d in devices)
    assert without_issue_time(text).split() == without_issue_time(in_request).split()


# The donor's yearly reuse statement


@pytest.fixture
def donor_year(workshop, technician):
    account = OrganisationFactory(name="Mairie de Suresnes", kind=OrganisationKind.DONOR)
    donor = DonorFactory(workshop=workshop, organisation=account, name="Mairie de Suresnes")
    batches = [
        make_batch(workshop, donor=donor, collected_on=date(2026, month, 3)) for month in (3, 9)
    ]
    for b in batches:
        walk_to(make_device(b, declared_value=Decimal("50")), S.READY, technician)
        walk_to(make_device(b), S.SCRAPPED, technician)
    make_batch(workshop, donor=donor, collected_on=date(2025, 6, 1))  # another year
    reader = member(account, Role.READER, username="suresnes")
    client = Client()
    client.force_login(reader)
    url = reverse("inventory:donor_year_report", args=[donor.pk, 2026])
    return {"client": client, "reader": reader, "batches": batches, "url": url}


def test_statement_under_the_limit_stays_in_the_request(donor_year):
    with override_settings(FILIERE_SYNC_STATEMENT_MAX_BATCHES=2):
        r = donor_year["client"].get(donor_year["url"])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert not ReportJob.objects.exists()


def test_long_statement_is_a_job_with_the_same_content(
    donor_year, progress_seen, django_capture_on_commit_callbacks
):
    client = donor_year["client"]
    in_request = pdf_text(client.get(donor_year["url"]).content)
    with override_settings(FILIERE_SYNC_STATEMENT_MAX_BATCHES=1):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.get(donor_year["url"])
    job = ReportJob.objects.get()
    assert (
        r.status_code == 302
        and r.url == reverse("inventory:report_job", args=[job.pk]) + "?telecharger=1"
    )
    assert job.kind == "reuse_statement" and job.status == "done" and job.progress == 100
    assert progress_seen == sorted(progress_seen) and 95 in progress_seen
    page = page_text(client, r.url)
    assert "Attestation de réemploi (PDF)" in page and "Mairie de Suresnes — 2026" in page
    assert "plus de 1 lots" in page
    text = pdf_text(downloaded(client, job))
    assert "2023-266" in text and all(b.reference in text for b in donor_year["batches"])
    assert without_issue_time(text).split() == without_issue_time(in_request).split()


def test_statement_job_of_a_reader_who_left_the_donor_fails(
    donor_year, django_capture_on_commit_callbacks
):
    with override_settings(FILIERE_SYNC_STATEMENT_MAX_BATCHES=1):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            r = donor_year["client"].get(donor_year["url"])
    Membership.objects.filter(user=donor_year["reader"]).delete()
    for callback in queued:
        callback()
    job = ReportJob.objects.get()
    assert job.status == "failed" and not job.file
    page = page_text(donor_year["client"], r.url)
    assert "Vous n'avez plus accès à ce donateur" in page


# The device list's export


@pytest.fixture
def four_devices(batch, workshop):
    devices = [make_device(batch, model=f'=HYPERLINK("x") {i}') for i in range(4)]
    make_device(make_batch(workshop), serial_number="OTHER-BATCH")
    return devices


def export_url(batch, fmt):
    return f"{reverse('inventory:device_list')}?batch={batch.pk}&export={fmt}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_long_export_is_a_job_with_the_same_rows(
    tech_client, batch, four_devices, fmt, progress_seen, django_capture_on_commit_callbacks
):
    in_request = tech_client.get(export_url(batch, fmt))
    assert in_request.status_code == 200
    with override_settings(FILIERE_SYNC_EXPORT_MAX_ROWS=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            r = tech_client.get(export_url(batch, fmt), follow=True)
    job = ReportJob.objects.get()
    assert [url for url, _status in r.redirect_chain][-1] == reverse(
        "inventory:report_job", args=[job.pk]
    ) + "?telecharger=1"
    assert job.kind == "devices" and job.fmt == fmt and job.status == "done"
    assert job.progress == 100 and any(5 < p < 95 for p in progress_seen)
    page = html.unescape(r.content.decode())
    assert "Export des appareils" in page and "plus de 3 lignes" in page
    content = downloaded(tech_client, job)
    if fmt == "csv":
        assert content == in_request.content
        assert "OTHER-BATCH" not in content.decode("utf-8-sig")
        assert content.decode("utf-8-sig").count("'=HYPERLINK") == 4  # formulas stay text
    else:

        def rows(data):
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            return [[c.value for c in row] for row in sheet.iter_rows()]

        assert rows(content) == rows(in_request.content) and len(rows(content)) == 5


def test_short_export_stays_in_the_request(tech_client, batch, four_devices):
    with override_settings(FILIERE_SYNC_EXPORT_MAX_ROWS=4):
        r = tech_client.get(export_url(batch, "csv"))
        assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
        # Reached directly, the job's address sends a short export back to the request.
        direct = tech_client.get(
            f"{reverse('inventory:device_export_request')}?batch={batch.pk}&export=csv"
        )
    assert direct.status_code == 302 and direct.url == export_url(batch, "csv")
    assert not ReportJob.objects.exists()


def test_export_job_of_a_technician_who_left_the_workshop_fails(
    tech_client, technician, batch, four_devices, django_capture_on_commit_callbacks
):
    with override_settings(FILIERE_SYNC_EXPORT_MAX_ROWS=SMALL):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            r = tech_client.get(export_url(batch, "csv"), follow=True)
    Membership.objects.filter(user=technician).delete()
    for callback in queued:
        callback()
    job = ReportJob.objects.get()
    assert job.status == "failed" and not job.file
    page = page_text(tech_client, reverse("inventory:report_job", args=[job.pk]))
    assert "Vous ne voyez plus aucun appareil de cet export" in page
    assert r.status_code == 200


def test_export_job_file_is_not_for_another_workshop(
    client, tech_client, batch, four_devices, other_technician, django_capture_on_commit_callbacks
):
    with override_settings(FILIERE_SYNC_EXPORT_MAX_ROWS=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            tech_client.get(export_url(batch, "csv"), follow=True)
    job = ReportJob.objects.get()
    client.force_login(other_technician)
    assert client.get(reverse("inventory:report_job_file", args=[job.pk])).status_code == 404
