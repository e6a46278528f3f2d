"""Thin Celery tasks: fetch by id, call a service."""

from celery import shared_task
from django.db import OperationalError

from . import importing

# Job tasks: acknowledged after they ran, and put back in the queue when their worker process
# dies (kill -9, out of memory), so a killed job runs again; the services claim jobs by state,
# so it runs once. The sweep (job_dispatch) catches whatever stays stuck.


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_job_analyse_task(job_id: int) -> None:
    importing.import_job_analyse(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_job_run_task(job_id: int, user_id: int | None) -> None:
    importing.import_job_run(job_id=job_id, user_id=user_id)


@shared_task(acks_late=True)
def jobs_sweep_task() -> dict:
    """Beat, every 5 minutes: publish delayed jobs again, fail the stuck ones with a reason."""
    from .job_dispatch import jobs_sweep

    return jobs_sweep()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def report_job_task(self, job_id: int) -> None:
    from . import report_jobs

    report_jobs.report_job_run(
        job_id=job_id,
        final=self.request.retries >= self.max_retries,
        redelivered=bool((self.request.delivery_info or {}).get("redelivered")),
    )


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def stock_report_weekly_task() -> int:
    """Beat: every workshop's managers get their stock report by e-mail."""
    from .reports_mail import stock_report_send_weekly

    return stock_report_send_weekly()
