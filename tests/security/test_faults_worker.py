"""A Celery worker killed (kill -9 of its pool process) in the middle of a report and of an
import, with a real Redis broker and a real worker (`make test` under CI=true). The job ends
done, once: the task is acks_late + reject_on_worker_lost, so Redis hands it out again, and
the services claim jobs by state. Skipped unless FILIERE_REAL_CELERY=1."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from inventory import importing
from inventory.enums import ImportStatus
from inventory.models import Device, ImportJob
from reports.models import ReportJob
from tests.factories import make_device

pytestmark = [
    pytest.mark.real_celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("FILIERE_REAL_CELERY") != "1",
        reason="needs Redis and PostgreSQL (make test under CI=true)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
PAUSE = 4  # seconds each job waits midway (FILIERE_JOB_TEST_DELAY), time to kill its worker
CSV = "Numéro de série;Marque;Modèle;Type;Mémoire\n" + "".join(
    f"KIL{i:05d};Dell;Latitude 5490;Portable;8 Go\n" for i in range(300)
)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …; comm may hold spaces, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def wait(predicate, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def start_worker(settings, log: Path) -> subprocess.Popen:
    """A prefork worker with one pool process: the process that runs the task, to kill."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "FILIERE_JOB_TEST_DELAY": str(PAUSE),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
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
        stderr=log.open("w"),
    )
    proc.log = log

    def pool_started():
        if proc.poll() is not None:
            pytest.fail(f"the worker stopped: {log.read_text()[-2000:]}")
        return children(proc.pid)

    wait(pool_started, "the worker's pool process", 60)
    return proc


@pytest.fixture
def worker(settings, tmp_path):
    from config.celery import app

    assert not app.conf.task_always_eager and settings.CELERY_BROKER_URL
    app.control.purge()
    started = [start_worker(settings, tmp_path / "worker.log")]
    started[0].started = started
    yield started[0]
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def kill_pool_process(worker) -> int:
    (child,) = children(worker.pid)
    os.kill(child, signal.SIGKILL)
    # The worker saw its process die with the task on it (it then requeues the task).
    wait(lambda: "WorkerLostError" in worker.log.read_text(), "the worker to notice", 30)
    return child


def test_report_survives_its_worker_killed_midway(worker, client, technician, batch, settings):
    make_device(batch)
    client.force_login(technician)
    client.post(reverse("inventory:stock_report_request"), {"fmt": "pdf"})
    job = ReportJob.objects.get()

    def running():
        job.refresh_from_db()
        return job.status == ReportJob.Status.RUNNING

    wait(running, "the report to start")
    killed = kill_pool_process(worker)
    # The pool starts a new process; Redis hands the task out again (redelivered).
    wait(lambda: children(worker.pid) and children(worker.pid) != [killed], "a new process")

    def finished():
        job.refresh_from_db()
        return job.status in {ReportJob.Status.DONE, ReportJob.Status.FAILED}

    wait(finished, "the report to finish", 120)
    assert job.status == ReportJob.Status.DONE, job.message
    files = list((Path(settings.MEDIA_ROOT) / "reports").rglob("*.pdf"))
    assert len(files) == 1 and files[0].read_bytes().startswith(b"%PDF")
    download = client.get(reverse("inventory:report_job_file", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_import_survives_its_worker_killed_midway(worker, technician, batch):
    job = importing.import_job_create(
        batch=batch,
        user=technician,
        uploaded_file=SimpleUploadedFile("lot.csv", CSV.encode("cp1252")),
    )

    def previewed():
        job.refresh_from_db()
        assert job.status != ImportStatus.FAILED, job.report
        return job.status == ImportStatus.PREVIEW

    wait(previewed, "the preview")
    importing.import_job_confirm(job=job, user=technician)

    def analysed_again():
        # The run re-analyses the file (progress reaches every row), then pauses before the
        # write: the worker dies there.
        job.refresh_from_db()
        return job.status == ImportStatus.IMPORTING and job.processed_rows == 300

    wait(analysed_again, "the import to reach its write")
    kill_pool_process(worker)

    def finished():
        job.refresh_from_db()
        return job.status in {ImportStatus.DONE, ImportStatus.FAILED}

    wait(finished, "the import to finish", 120)
    assert job.status == ImportStatus.DONE, job.message
    assert Device.objects.filter(batch=batch).count() == 300  # once, not twice
    assert ImportJob.objects.get().created_count == 300


def test_whole_worker_killed_the_sweep_says_so_and_a_new_request_works(
    worker, client, technician, batch, settings, tmp_path
):
    """The worker and its pool killed at once (a host crash, the container OOM-killed): nobody
    requeues the task before Redis's visibility timeout (1 hour). The sweep marks the job failed
    with its reason, the page shows it, and requesting the report again works."""
    import datetime

    from django.utils.html import escape

    from core.jobs import jobs_sweep

    make_device(batch)
    client.force_login(technician)
    client.post(reverse("inventory:stock_report_request"), {"fmt": "pdf"})
    job = ReportJob.objects.get()

    def running():
        job.refresh_from_db()
        return job.status == ReportJob.Status.RUNNING

    wait(running, "the report to start")
    (child,) = children(worker.pid)
    os.kill(worker.pid, signal.SIGKILL)
    os.kill(child, signal.SIGKILL)
    worker.wait(timeout=30)
    time.sleep(PAUSE + 1)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING  # nothing runs it any more
    # The beat sweep, its time limit reached (here: now).
    assert jobs_sweep(stuck_after=datetime.timedelta(0))["failed"] == 1
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and job.message
    page = client.get(reverse("inventory:report_job", args=[job.pk])).content.decode()
    assert escape(job.message) in page
    # Re-running is safe: a new request, a new worker, one new file.
    worker.started.append(start_worker(settings, tmp_path / "worker2.log"))
    client.post(reverse("inventory:stock_report_request"), {"fmt": "pdf"})
    again = ReportJob.objects.exclude(pk=job.pk).get()

    def done():
        again.refresh_from_db()
        return again.status in {ReportJob.Status.DONE, ReportJob.Status.FAILED}

    wait(done, "the new report", 120)
    assert again.status == ReportJob.Status.DONE
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert len(list((Path(settings.MEDIA_ROOT) / "reports").rglob("*.pdf"))) == 1
