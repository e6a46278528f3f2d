"""The stock report: figures checked against data the test builds, files produced by a job."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.enums import Role
from inventory.enums import DeviceStatus as S
from inventory.models import MILESTONE_FIELDS, Device, DeviceEvent
from reconditioning.demo import walk_to
from reports.models import ReportJob
from reports.stock import percentile, stock_report_build
from tests.factories import make_batch, make_device, member

pytestmark = pytest.mark.django_db


def backdate(device, status, days):
    """Pretend the device reached `status` `days` ago: its event and the milestone column that
    the writers keep from it."""
    at = timezone.now() - timedelta(days=days)
    DeviceEvent.objects.filter(device=device, to_status=status).update(at=at)
    Device.objects.filter(pk=device.pk).update(**{MILESTONE_FIELDS[status]: at})


@pytest.fixture
def stock(workshop, technician, other_workshop):
    batch = make_batch(workshop)
    disk = [{"capacity_gb": 256, "kind": "ssd"}]
    ready = [
        walk_to(make_device(batch, ram_mb=8192, drives=disk), S.READY, technician) for _ in range(3)
    ]
    for device, received_days_ago in zip(ready, [10, 20, 40], strict=True):
        backdate(device, S.RECEIVED, received_days_ago)
        backdate(device, S.READY, 2)
    waiting = make_device(batch)
    backdate(waiting, S.RECEIVED, 100)
    walk_to(make_device(batch), S.SCRAPPED, technician)
    make_device(make_batch(other_workshop), serial_number="ELSEWHERE")
    return {"ready": ready, "waiting": waiting}


def test_percentile_nearest_rank():
    assert percentile([8, 18, 38], 50) == 18
    assert percentile([8, 18, 38], 90) == 38
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([], 50) is None


def test_figures(stock, technician):
    report = stock_report_build(user=technician)
    assert report.total == 5  # the other workshop's device is not counted
    assert dict(report.by_status) == {"Reçu": 1, "Prêt": 3, "Mis au rebut": 1}
    assert report.to_ready.count == 3
    assert report.to_ready.median_days == 18.0 and report.to_ready.p90_days == 38.0
    ages = dict(report.age_buckets)
    assert ages["plus de 3 mois"] == 1 and ages["1 à 4 semaines"] == 2
    assert report.scrapped == 1 and report.reused == 0 and report.scrap_rate == 100.0
    waiting = dict(report.waiting)
    assert waiting["Reçu"][0][0] == stock["waiting"] and waiting["Reçu"][0][1] >= 99
    assert [r for r in report.scrap_reasons if r[1] == 1]
    assert sum(report.weekly["ready"]) == 3


def test_screen_shows_charts_and_figures(tech_client, stock):
    page = tech_client.get(reverse("inventory:stock_report")).content.decode()
    assert "<svg" in page and "Rapport de stock" in page and "18,0" in page


def test_screen_is_refused_to_structures_and_funders(client, stock):
    from accounts.enums import OrganisationKind
    from tests.factories import OrganisationFactory

    client.force_login(member(OrganisationFactory(kind=OrganisationKind.FUNDER), Role.READER))
    assert client.get(reverse("inventory:stock_report")).status_code == 403


def test_pdf_job_produced_and_downloadable(tech_client, stock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = tech_client.post(reverse("inventory:stock_report_request"), {"fmt": "pdf"})
    job = ReportJob.objects.get()
    assert r.url == reverse("inventory:report_job", args=[job.pk]) + "?telecharger=1"
    assert job.status == "done" and job.progress == 100
    page = tech_client.get(r.url).content.decode()
    assert 'id="download"' in page
    download = tech_client.get(reverse("inventory:report_job_file", args=[job.pk]))
    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Rapport de stock" in text and "Atelier Nanterre" in text and "18,0" in text


def test_xlsx_job(tech_client, stock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tech_client.post(reverse("inventory:stock_report_request"), {"fmt": "xlsx"})
    job = ReportJob.objects.get()
    download = tech_client.get(reverse("inventory:report_job_file", args=[job.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    summary = {row[0].value: row[1].value for row in wb.worksheets[0].iter_rows()}
    assert summary["Appareils"] == 5
    assert summary["Reçu → prêt, médiane (jours)"] == 18.0


def test_running_job_page_polls(tech_client, technician):
    job = ReportJob.objects.create(
        kind="stock", fmt="pdf", requested_by=technician, status="running", progress=40
    )
    body = tech_client.get(
        reverse("inventory:report_job", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="40"' in body


def test_jobs_are_private_and_idempotent(client, tech_client, technician, other_technician):
    from reports.jobs import report_job_run

    job = ReportJob.objects.create(kind="stock", fmt="pdf", requested_by=technician)
    report_job_run(job_id=job.pk)
    job.refresh_from_db()
    first = job.file.name
    report_job_run(job_id=job.pk)  # a duplicated task changes nothing
    job.refresh_from_db()
    assert job.file.name == first
    client.force_login(other_technician)
    assert client.get(reverse("inventory:report_job", args=[job.pk])).status_code == 404


def test_weekly_mail_to_managers(stock, workshop):
    from reports.tasks import stock_report_weekly_task

    member(workshop, Role.MANAGER, username="boss", email="boss@example.org")
    sent = stock_report_weekly_task()
    assert sent == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.org"] and "Atelier Nanterre" in message.subject
    assert message.attachments[0][2] == "application/pdf"


def test_weekly_schedule_is_installed():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="inventory.tasks.stock_report_weekly_task")
    assert task.crontab.day_of_week == "1" and task.queue == "pdf"


def _first_events(device):
    return {
        status: DeviceEvent.objects.filter(device=device, to_status=status)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
        for status in MILESTONE_FIELDS
    }


def test_milestone_columns_follow_the_event_log(workshop, technician):
    from reconditioning.lifecycle import device_transition

    device = walk_to(make_device(make_batch(workshop)), S.READY, technician)
    firsts = _first_events(device)
    assert device.received_at == firsts[S.RECEIVED] or (
        abs(device.received_at - firsts[S.RECEIVED]) < timedelta(seconds=1)
    )
    assert device.ready_at == firsts[S.READY] and device.allocated_at is None
    # Reaching a milestone again (a second cycle) keeps the first time.
    first_ready = device.ready_at
    for step in (S.RESERVED, S.READY, S.RESERVED, S.ALLOCATED):
        device_transition(device=device, to_status=step, user=technician, allow_order_steps=True)
    device.refresh_from_db()
    assert device.ready_at == first_ready
    assert device.allocated_at == _first_events(device)[S.ALLOCATED] is not None
    assert DeviceEvent.objects.filter(device=device, to_status=S.READY).count() == 2


def test_migration_backfills_the_milestones_from_events(stock):
    import importlib

    from django.db import connection

    backfill = importlib.import_module("inventory.migrations.0007_device_milestones").BACKFILL
    expected = {d.pk: _first_events(d) for d in Device.objects.all()}
    Device.objects.update(received_at=None, ready_at=None, allocated_at=None)
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    for device in Device.objects.all():
        got = {s: getattr(device, f) for s, f in MILESTONE_FIELDS.items()}
        assert got == expected[device.pk]


def test_chart_labels_are_cut_before_escaping():
    """A long name with & or < is cut as text, never in the middle of an HTML entity."""
    from core.charts import bar_chart

    svg = bar_chart([("Atelier <Nord> & Sud, 12 rue des Lilas", 3)], title="t")
    assert "Atelier &lt;Nord&gt; &amp; Sud, 12 r" in svg
    assert "&l<" not in svg and "&am<" not in svg


def test_the_file_downloads_by_itself_on_the_page_reached_from_the_request(
    client, coordinator, django_capture_on_commit_callbacks
):
    """Asking for the report was the click: the job's page reached from it downloads the file
    once ready, instead of asking for a second click on « Télécharger » (persona walk). The
    same page opened later only offers the link."""
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("inventory:stock_report_request"), {"fmt": "xlsx"})
    assert r.status_code == 302 and r.url.endswith("?telecharger=1")
    page = client.get(r.url).content.decode()
    assert 'id="download"' in page and "data-auto-download" in page
    job_page = r.url.split("?")[0]
    assert "data-auto-download" not in client.get(job_page).content.decode()
