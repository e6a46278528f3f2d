"""Background jobs (report jobs, spreadsheet imports) when things break.

- Broker down: publishing a job's task never fails the request that queued it. The job stays
  queued with a message saying jobs are delayed; it is published again by the next job that
  is published successfully, and by the sweep (beat, every 5 minutes).
- Worker killed: the tasks are acks_late + reject_on_worker_lost, so the broker hands the
  message out again; the services claim a job by its state, so a job is done once.
- Job lost or stuck: the sweep publishes again jobs that wait for too long (safe: claimed by
  state) and marks failed, with the reason, jobs still unfinished past STUCK_AFTER.
See docs/security.md, "Faults"."""

import logging
import os
import time
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .enums import ImportStatus
from .models import ImportJob, ReportJob

log = logging.getLogger(__name__)

# Longer than every job task's hard time limit: past it, nothing is working on the job.
STUCK_AFTER = timedelta(hours=1)
# A job waiting this long may have lost its message (e.g. Redis restarted without a dump).
REPUBLISH_AFTER = timedelta(minutes=10)
# Publishing gives up quickly: the request waits at most about a second.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
IMPORT_WAITING = [ImportStatus.ANALYSING, ImportStatus.IMPORTING]


def delayed_message() -> str:
    """Written in the site's language, so the sweep finds it again by its text."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Background jobs are delayed: this one will start as soon as the job queue is back."
        )


def test_pause() -> None:
    """Fault-injection hook for the real-worker tests: FILIERE_JOB_TEST_DELAY seconds in the
    middle of a job, so the test can kill the worker while it runs. Unset in production."""
    delay = float(os.environ.get("FILIERE_JOB_TEST_DELAY") or 0)
    if delay:
        time.sleep(delay)


def _send(job, user_id: int | None) -> None:
    from . import tasks

    if isinstance(job, ReportJob):
        tasks.report_job_task.apply_async((job.pk,), retry_policy=RETRY_POLICY)
    elif job.status == ImportStatus.ANALYSING:
        tasks.import_job_analyse_task.apply_async((job.pk,), retry_policy=RETRY_POLICY)
    else:
        confirmed_by = (job.report or {}).get("confirmed_by")
        tasks.import_job_run_task.apply_async(
            (job.pk, user_id or confirmed_by or job.created_by_id), retry_policy=RETRY_POLICY
        )


def publish(job, *, user_id: int | None = None) -> bool:
    """Send the job's task. False when the broker is unreachable: the job stays queued and
    says so. Eager mode (no broker) runs the task here and lets its errors through."""
    model = type(job)
    if current_app.conf.task_always_eager:
        model.objects.filter(pk=job.pk, message=delayed_message()).update(message="")
        _send(job, user_id)
        return True
    try:
        _send(job, user_id)
    except BrokerError:
        log.warning("Broker unreachable: %s %s stays queued", model.__name__, job.pk)
        model.objects.filter(pk=job.pk).update(message=delayed_message())
        return False
    model.objects.filter(pk=job.pk, message=delayed_message()).update(message="")
    return True


def publish_on_commit(job, *, user_id: int | None = None) -> None:
    """After the transaction that created the job: its task, then the jobs delayed before."""

    def send():
        if publish(job, user_id=user_id) and not current_app.conf.task_always_eager:
            republish_delayed()

    transaction.on_commit(send)


def _delayed_jobs(limit: int) -> list:
    message = delayed_message()
    reports = ReportJob.objects.filter(status=ReportJob.Status.QUEUED, message=message)
    imports = ImportJob.objects.filter(status__in=IMPORT_WAITING, message=message)
    return list(reports.order_by("created_at")[:limit]) + list(
        imports.order_by("created_at")[:limit]
    )


def republish_delayed(limit: int = 100) -> int:
    """Publish again the jobs whose publication failed; stops at the first failure."""
    sent = 0
    for job in _delayed_jobs(limit):
        if not publish(job):
            break
        sent += 1
    return sent


def _import_started(job: ImportJob) -> datetime:
    # An import waits for its confirmation (any time after the upload); it starts then.
    confirmed = (job.report or {}).get("confirmed_at")
    return datetime.fromisoformat(confirmed) if confirmed else job.created_at


def jobs_sweep(
    *,
    now: datetime | None = None,
    stuck_after: timedelta = STUCK_AFTER,
    republish_after: timedelta = REPUBLISH_AFTER,
) -> dict:
    """Beat: jobs whose publication failed are published again; jobs waiting for too long are
    published again (a duplicate is harmless, jobs are claimed by state); jobs still
    unfinished past stuck_after are marked failed with the reason. Never touches a delayed
    job (broker down): it runs when the broker is back."""
    now = now or timezone.now()
    delayed = delayed_message()
    with translation.override(settings.LANGUAGE_CODE):
        report_reason = _(
            "The report stopped before it was finished (the background worker was "
            "interrupted); nothing was kept. Request it again."
        )
        import_reason = _(
            "The import stopped before it was finished (the background worker was "
            "interrupted): nothing was imported. Start it again."
        )
    failed = ReportJob.objects.filter(
        status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING],
        created_at__lt=now - stuck_after,
    ).exclude(message=delayed)
    failed_reports = failed.update(
        status=ReportJob.Status.FAILED, finished_at=now, message=report_reason
    )
    failed_imports = 0
    waiting_imports = []
    for job in ImportJob.objects.filter(status__in=IMPORT_WAITING).exclude(message=delayed):
        started = _import_started(job)
        if started < now - stuck_after:
            failed_imports += ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                status=ImportStatus.FAILED, finished_at=now, message=import_reason
            )
        elif started < now - republish_after:
            waiting_imports.append(job)
    republished = republish_delayed()
    waiting_reports = ReportJob.objects.filter(
        status=ReportJob.Status.QUEUED, created_at__lt=now - republish_after
    ).exclude(message=delayed)
    for job in list(waiting_reports) + waiting_imports:
        if publish(job):
            republished += 1
    return {"failed": failed_reports + failed_imports, "republished": republished}
