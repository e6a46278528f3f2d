"""Background jobs (report jobs, spreadsheet imports…) when things break.

- Broker down: publishing a job's task never fails the request that queued it. The job stays
  queued with a message saying jobs are delayed; it is published again by the next job that
  is published successfully, and by the sweep (beat, every 5 minutes).
- Worker killed: the tasks are acks_late + reject_on_worker_lost, so the broker hands the
  message out again; the services claim a job by its state, so a job is done once.
- Job lost or stuck: the sweep publishes again jobs that wait for too long (safe: claimed by
  state) and marks failed, with the reason, jobs still unfinished past STUCK_AFTER.

Each kind of job is a `JobKind` that its app declares (next to its tasks) and names in
settings.JOB_KINDS, so this module knows no domain. See docs/security.md, "Faults"."""

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

# Longer than every job task's hard time limit: past it, nothing is working on the job.
STUCK_AFTER = timedelta(hours=1)
# A job waiting this long may have lost its message (e.g. Redis restarted without a dump).
REPUBLISH_AFTER = timedelta(minutes=10)
# Publishing gives up quickly: the request waits at most about a second.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


@dataclass(frozen=True)
class SweepResult:
    failed: int
    waiting: list


@dataclass(frozen=True)
class JobKind:
    """How to send one kind of job, and what the sweep does with it.

    send(job, user_id, retry_policy): publish the job's task (may raise the broker's error);
    delayed(message): the jobs whose publication failed (they carry the delayed message);
    sweep(now, stuck_after, republish_after, delayed_message): fail the stuck jobs, return how
    many, and the jobs waiting long enough to be published again."""

    model: type
    send: Callable[..., None]
    delayed: Callable[[str], QuerySet]
    sweep: Callable[..., SweepResult]


@cache
def job_kinds() -> tuple[JobKind, ...]:
    return tuple(import_string(path) for path in settings.JOB_KINDS)


def _kind(job) -> JobKind:
    for kind in job_kinds():
        if isinstance(job, kind.model):
            return kind
    raise LookupError(f"No JobKind for {type(job).__name__} (settings.JOB_KINDS)")


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


def publish(job, *, user_id: int | None = None) -> bool:
    """Send the job's task. False when the broker is unreachable: the job stays queued and
    says so. Eager mode (no broker) runs the task here and lets its errors through."""
    model = type(job)
    send = _kind(job).send
    if current_app.conf.task_always_eager:
        model.objects.filter(pk=job.pk, message=delayed_message()).update(message="")
        send(job, user_id, RETRY_POLICY)
        return True
    try:
        send(job, user_id, RETRY_POLICY)
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
    found = []
    for kind in job_kinds():
        found += list(kind.delayed(message).order_by("created_at")[:limit])
    return found


def republish_delayed(limit: int = 100) -> int:
    """Publish again the jobs whose publication failed; stops at the first failure."""
    sent = 0
    for job in _delayed_jobs(limit):
        if not publish(job):
            break
        sent += 1
    return sent


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
    failed = 0
    waiting = []
    with translation.override(settings.LANGUAGE_CODE):
        for kind in job_kinds():
            result = kind.sweep(
                now=now,
                stuck_after=stuck_after,
                republish_after=republish_after,
                delayed_message=delayed,
            )
            failed += result.failed
            waiting += result.waiting
    republished = republish_delayed()
    for job in waiting:
        if publish(job):
            republished += 1
    return {"failed": failed, "republished": republished}
