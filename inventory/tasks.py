"""Thin Celery tasks: fetch by id, call a service."""

from celery import shared_task

from core.jobs import JobKind

from . import importing
from .enums import ImportStatus
from .models import ImportJob

# Job tasks: acknowledged after they ran, and put back in the queue when their worker process
# dies (kill -9, out of memory), so a killed job runs again; the services claim jobs by state,
# so it runs once. The sweep (core.jobs) catches whatever stays stuck.


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_job_analyse_task(job_id: int) -> None:
    importing.import_job_analyse(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_job_run_task(job_id: int, user_id: int | None) -> None:
    importing.import_job_run(job_id=job_id, user_id=user_id)


def _send_import(job: ImportJob, user_id: int | None, retry_policy: dict) -> None:
    if job.status == ImportStatus.ANALYSING:
        import_job_analyse_task.apply_async((job.pk,), retry_policy=retry_policy)
        return
    confirmed_by = (job.report or {}).get("confirmed_by")
    import_job_run_task.apply_async(
        (job.pk, user_id or confirmed_by or job.created_by_id), retry_policy=retry_policy
    )


# Named in settings.JOB_KINDS.
IMPORT_JOBS = JobKind(
    model=ImportJob,
    send=_send_import,
    delayed=importing.import_jobs_delayed,
    sweep=importing.import_jobs_sweep,
)
