"""A spreadsheet import through a real Redis broker and a real Celery worker process
(`make test` under CI=true). Skipped unless FILIERE_REAL_CELERY=1."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from inventory import importing
from inventory.enums import ImportStatus
from inventory.models import Device, ImportJob

pytestmark = [
    pytest.mark.real_celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("FILIERE_REAL_CELERY") != "1",
        reason="needs Redis and PostgreSQL (make test under CI=true)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
CSV = "Numéro de série;Marque;Modèle;Type;Mémoire\n" + "".join(
    f"CEL{i:05d};Dell;Latitude 5490;Portable;8 Go\n" for i in range(400)
)


def wait_for(job, status, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        if job.status == ImportStatus.FAILED:
            pytest.fail(f"import failed: {job.report}")
        time.sleep(0.2)
    pytest.fail(f"job stuck in {job.status}")


@pytest.fixture
def worker(settings):
    from config.celery import app

    assert not app.conf.task_always_eager and settings.CELERY_BROKER_URL
    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            # Every queue (settings.CELERY_TASK_ROUTES): a task routed to one no worker
            # consumes would wait forever.
            ",".join(settings.FILIERE_WORKER_QUEUES),
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


def test_import_runs_on_a_real_worker(worker, workshop, technician, batch):
    assert connection.vendor == "postgresql"
    job = importing.import_job_create(
        batch=batch,
        user=technician,
        uploaded_file=SimpleUploadedFile("lot.csv", CSV.encode("cp1252")),
    )
    wait_for(job, ImportStatus.PREVIEW)
    assert job.total_rows == 400 and Device.objects.count() == 0
    importing.import_job_confirm(job=job, user=technician)
    wait_for(job, ImportStatus.DONE)
    assert Device.objects.filter(batch=batch).count() == 400
    assert ImportJob.objects.get().created_count == 400


def test_report_requested_on_the_web_is_built_by_the_worker(worker, client, technician, batch):
    from django.urls import reverse

    from reports.models import ReportJob
    from tests.factories import make_device

    make_device(batch)
    client.force_login(technician)
    response = client.post(reverse("inventory:stock_report_request"), {"fmt": "pdf"})
    job = ReportJob.objects.get()
    assert response.url == reverse("inventory:report_job", args=[job.pk]) + "?telecharger=1"
    deadline = time.monotonic() + 120
    while job.status != ReportJob.Status.DONE and time.monotonic() < deadline:
        assert job.status != ReportJob.Status.FAILED, job.message
        time.sleep(0.3)
        job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE
    download = client.get(reverse("inventory:report_job_file", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
