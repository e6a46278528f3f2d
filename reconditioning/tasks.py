"""Thin Celery tasks: fetch by id, call a service."""

from celery import shared_task

from core.jobs import JobKind

from . import bulk_steps
from .models import BulkStepJob


# Acknowledged after it ran and put back when its worker dies (core.jobs); the job is
# claimed by its state, so it runs once.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def bulk_step_job_task(job_id: int) -> None:
    bulk_steps.bulk_job_run(job_id=job_id)


def _send(job: BulkStepJob, user_id: int | None, retry_policy: dict) -> None:
    bulk_step_job_task.apply_async((job.pk,), retry_policy=retry_policy)


# Named in settings.JOB_KINDS.
BULK_STEP_JOBS = JobKind(
    model=BulkStepJob,
    send=_send,
    delayed=bulk_steps.bulk_jobs_delayed,
    sweep=bulk_steps.bulk_jobs_sweep,
)
