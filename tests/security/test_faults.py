"""Faults: the job state machine (a job is done once or failed with its reason, never twice,
never silent), the broker down (the web keeps serving and says jobs are delayed), database
errors in the middle of an import or a hand-over (nothing half-written)."""

import contextlib
import datetime
import os
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from beneficiaries import orders
from beneficiaries.models import Allocation, Reservation
from core import jobs as job_dispatch
from inventory import importing
from inventory.enums import DeviceStatus, ImportStatus
from inventory.models import Counter, Device, DeviceEvent, ImportJob, StorageDrive
from reports import jobs as report_jobs
from reports.models import ReportJob
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    person,
    programme,
    ready_laptop,
    structure,
    train,
)
from tests.factories import make_device

pytestmark = pytest.mark.django_db

CSV = "Numéro de série;Marque;Modèle;Type;Mémoire;Stockage\n" + "".join(
    f"FLT{i:04d};Dell;Latitude 5490;Portable;8 Go;256 Go SSD\n" for i in range(30)
)
HOUR = datetime.timedelta(hours=1)


def counting_builder():
    calls = []

    def build(job, progress):
        calls.append(job.pk)
        return b"%PDF-1.7 test", "rapport.pdf"

    return build, calls


def age_job(model, job, delta):
    model.objects.filter(pk=job.pk).update(created_at=timezone.now() - delta)


# Report jobs: the state machine


def test_a_report_is_built_once_even_when_its_task_runs_twice(technician):
    build, calls = counting_builder()
    job = ReportJob.objects.create(kind="stock", fmt="pdf", requested_by=technician)
    with mock.patch.dict(report_jobs.BUILDERS, {"stock": build}):
        report_jobs.report_job_run(job_id=job.pk)
        first = ReportJob.objects.get(pk=job.pk)
        report_jobs.report_job_run(job_id=job.pk)  # a duplicated message
        report_jobs.report_job_run(job_id=job.pk, redelivered=True)
    job.refresh_from_db()
    assert calls == [job.pk] and job.status == ReportJob.Status.DONE
    assert job.file.name == first.file.name and job.finished_at == first.finished_at


def test_a_running_report_is_left_to_its_worker_unless_redelivered(technician):
    build, calls = counting_builder()
    job = ReportJob.objects.create(
        kind="stock", fmt="pdf", requested_by=technician, status=ReportJob.Status.RUNNING
    )
    with mock.patch.dict(report_jobs.BUILDERS, {"stock": build}):
        report_jobs.report_job_run(job_id=job.pk)  # a duplicate while another worker runs it
        assert calls == []
        # The worker died: the broker hands the task out again, flagged redelivered.
        report_jobs.report_job_run(job_id=job.pk, redelivered=True)
    job.refresh_from_db()
    assert calls == [job.pk] and job.status == ReportJob.Status.DONE


def test_a_failing_report_says_why(technician):
    job = ReportJob.objects.create(kind="stock", fmt="pdf", requested_by=technician)
    broken = mock.Mock(side_effect=ValueError("boom"))
    with mock.patch.dict(report_jobs.BUILDERS, {"stock": broken}), pytest.raises(ValueError):
        report_jobs.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and job.message and job.finished_at


def test_sweep_fails_stuck_reports_with_the_reason_and_a_late_worker_cannot_undo_it(
    client, technician
):
    stuck = ReportJob.objects.create(
        kind="stock", fmt="pdf", requested_by=technician, status=ReportJob.Status.RUNNING
    )
    recent = ReportJob.objects.create(
        kind="stock", fmt="pdf", requested_by=technician, status=ReportJob.Status.RUNNING
    )
    age_job(ReportJob, stuck, 2 * HOUR)
    assert job_dispatch.jobs_sweep()["failed"] == 1
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == ReportJob.Status.FAILED and stuck.finished_at
    assert recent.status == ReportJob.Status.RUNNING
    client.force_login(technician)
    page = client.get(reverse("inventory:report_job", args=[stuck.pk])).content.decode()
    assert escape(stuck.message) in page
    # The task that was stuck wakes up and finishes: the job stays failed, not done twice.
    build, calls = counting_builder()
    with mock.patch.dict(report_jobs.BUILDERS, {"stock": build}):
        report_jobs.report_job_run(job_id=stuck.pk, redelivered=True)
    stuck.refresh_from_db()
    assert stuck.status == ReportJob.Status.FAILED


def test_sweep_publishes_again_a_report_whose_message_was_lost(technician):
    job = ReportJob.objects.create(kind="stock", fmt="pdf", requested_by=technician)
    age_job(ReportJob, job, datetime.timedelta(minutes=20))
    build, calls = counting_builder()
    with mock.patch.dict(report_jobs.BUILDERS, {"stock": build}):
        assert job_dispatch.jobs_sweep()["republished"] == 1  # eager: runs here
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and calls == [job.pk]


def test_sweep_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="inventory.tasks.jobs_sweep_task")
    assert task.enabled and task.interval.every == 5


# Imports: the state machine


def import_job(batch, technician, django_capture_on_commit_callbacks, csv=CSV):
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.import_job_create(
            batch=batch,
            user=technician,
            uploaded_file=SimpleUploadedFile("lot.csv", csv.encode("utf-8")),
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    return job


def test_an_import_runs_once_even_when_its_task_runs_twice(
    batch, technician, django_capture_on_commit_callbacks
):
    job = import_job(batch, technician, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        importing.import_job_confirm(job=job, user=technician)
    importing.import_job_run(job_id=job.pk, user_id=technician.pk)  # duplicated message
    importing.import_job_analyse(job_id=job.pk)  # a stale analysis task, too
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 30
    assert Device.objects.filter(batch=batch).count() == 30


def test_sweep_fails_an_import_stuck_since_its_confirmation(
    client, batch, technician, django_capture_on_commit_callbacks
):
    job = import_job(batch, technician, django_capture_on_commit_callbacks)
    with mock.patch.object(job_dispatch, "publish_on_commit"):  # its task is lost
        importing.import_job_confirm(job=job, user=technician)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    # Uploaded long ago does not count: the import started when it was confirmed.
    age_job(ImportJob, job, 5 * HOUR)
    assert job_dispatch.jobs_sweep(republish_after=2 * HOUR)["failed"] == 0
    assert job_dispatch.jobs_sweep(now=timezone.now() + 2 * HOUR)["failed"] == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and Device.objects.count() == 0
    client.force_login(technician)
    page = client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()
    assert escape(job.message) in page


# Broker down


@contextlib.contextmanager
def broken_broker():
    """No eager mode, and a broker on a closed port: publishing fails as with Redis down."""
    from config.celery import app

    closed = "redis://127.0.0.1:9/0"
    keys = ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "broker_url")
    saved = {key: app.conf.get(key) for key in keys}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    # Celery reads the CELERY_BROKER_URL environment variable before its settings.
    os.environ["CELERY_BROKER_URL"] = closed
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_BROKER_URL = app.conf.broker_url = closed
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        for key, value in saved.items():
            app.conf[key] = value
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """The broker down for the test; calling the fixture's value brings it back."""
    stack = contextlib.ExitStack()
    stack.enter_context(broken_broker())
    yield stack.close
    stack.close()


def test_broker_down_the_report_page_says_jobs_are_delayed_then_it_runs(
    client, technician, batch, broker_down, django_capture_on_commit_callbacks
):
    make_device(batch)
    client.force_login(technician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inventory:stock_report_request"), {"fmt": "pdf"})
    job = ReportJob.objects.get()
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200
    assert escape(job_dispatch.delayed_message()) in page.content.decode()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.QUEUED
    # Still down: the sweep keeps it queued and delayed, never failed.
    assert job_dispatch.jobs_sweep(now=timezone.now() + 3 * HOUR)["failed"] == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.QUEUED
    broker_down()  # the broker is back (eager stands for the worker)
    assert job_dispatch.jobs_sweep()["republished"] == 1
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.message == ""
    assert escape(job_dispatch.delayed_message()) not in client.get(response.url).content.decode()


def test_broker_down_an_upload_is_kept_and_analysed_when_it_is_back(
    client, technician, batch, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(technician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("inventory:batch_import", args=[batch.pk]),
            {"file": SimpleUploadedFile("lot.csv", CSV.encode("utf-8"))},
        )
    job = ImportJob.objects.get()
    page = client.get(response.url)
    assert page.status_code == 200
    assert escape(job_dispatch.delayed_message()) in page.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.ANALYSING
    broker_down()
    assert job_dispatch.republish_delayed() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW and job.total_rows == 30


# Database errors midway


def fail_midway():
    """Raise DatabaseError after the devices are written and before their drives are."""
    if connection.vendor == "postgresql":
        from inventory import services

        real, calls = services.copy_rows, []

        def copy_then_fail(*args, **kwargs):
            calls.append(1)
            if len(calls) > 1:
                raise DatabaseError("could not extend file: No space left on device")
            return real(*args, **kwargs)

        return mock.patch.object(services, "copy_rows", copy_then_fail)
    return mock.patch.object(
        StorageDrive.objects, "bulk_create", side_effect=DatabaseError("disk I/O error")
    )


def test_database_error_midway_through_an_import_writes_nothing(
    client, batch, technician, django_capture_on_commit_callbacks
):
    job = import_job(batch, technician, django_capture_on_commit_callbacks)
    counts = (Device.objects.count(), DeviceEvent.objects.count(), StorageDrive.objects.count())
    tags = list(Counter.objects.values_list("name", "value"))
    with fail_midway(), pytest.raises(DatabaseError):
        with django_capture_on_commit_callbacks(execute=True):
            importing.import_job_confirm(job=job, user=technician)
    after = (Device.objects.count(), DeviceEvent.objects.count(), StorageDrive.objects.count())
    assert after == counts and list(Counter.objects.values_list("name", "value")) == tags
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    client.force_login(technician)
    page = client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()
    assert job.message and escape(job.message) in page


def test_database_error_midway_through_a_handover_writes_nothing(
    client,
    structure,  # noqa: F811
    mediator,  # noqa: F811
    coordinator,
    workshop,
    technician,
    person,  # noqa: F811
    programme,  # noqa: F811
    ready_laptop,  # noqa: F811
):
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)
    train(person, programme, mediator)
    events = DeviceEvent.objects.count()
    client.force_login(mediator)
    url = reverse("beneficiaries:handover", args=[ready_laptop.pk])
    # The allocation row is written, then the device's move to "allocated" fails.
    with mock.patch(
        "beneficiaries.allocations.device_transition",
        side_effect=DatabaseError("server closed the connection unexpectedly"),
    ):
        response = client.post(url, {"person": person.pk, "confirm": "1"})
    assert response.status_code == 200
    assert "nothing was recorded" in response.content.decode() or "rien n" in (
        response.content.decode()
    )
    ready_laptop.refresh_from_db()
    order.refresh_from_db()
    assert Allocation.objects.count() == 0 and DeviceEvent.objects.count() == events
    assert ready_laptop.status == DeviceStatus.RESERVED
    assert Reservation.objects.filter(device=ready_laptop, released_at__isnull=True).exists()
    assert order.status == "ready"
    # The same hand-over once the database is fine again: it goes through, once.
    assert client.post(url, {"person": person.pk, "confirm": "1"}).status_code == 302
    assert Allocation.objects.count() == 1


def test_broker_down_at_confirmation_the_import_runs_later_in_the_confirmers_name(
    batch, technician, workshop, django_capture_on_commit_callbacks
):
    from accounts.enums import Role
    from tests.factories import member

    job = import_job(batch, technician, django_capture_on_commit_callbacks)
    manager = member(workshop, Role.MANAGER, username="resp")
    with broken_broker():
        with django_capture_on_commit_callbacks(execute=True):
            importing.import_job_confirm(job=job, user=manager)
        job.refresh_from_db()
        assert job.status == ImportStatus.IMPORTING
        assert job.message == job_dispatch.delayed_message() and Device.objects.count() == 0
    assert job_dispatch.jobs_sweep()["republished"] == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 30
    assert set(Device.objects.values_list("created_by", flat=True)) == {manager.pk}


def test_an_unreachable_broker_is_given_up_quickly():
    """A Redis host that drops packets (no refusal) would hold the web request for the kernel's
    connect timeout (minutes): the app's broker connection carries short timeouts."""
    from config.celery import app

    connection = app.connection_for_write("redis://10.255.255.1:6379/0")
    assert connection.connect_timeout == 2
    assert connection.transport_options["socket_connect_timeout"] == 2
