"""Thin Celery tasks: fetch by id, call a service."""

from celery import shared_task
from django.db import OperationalError

from . import importing


@shared_task(acks_late=True)
def import_job_analyse_task(job_id: int) -> None:
    importing.import_job_analyse(job_id=job_id)


@shared_task(acks_late=True)
def import_job_run_task(job_id: int, user_id: int | None) -> None:
    importing.import_job_run(job_id=job_id, user_id=user_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def report_job_task(self, job_id: int) -> None:
    from . import report_jobs

    report_jobs.report_job_run(job_id=job_id, final=self.request.retries >= self.max_retries)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def stock_report_weekly_task() -> int:
    """Beat: every workshop's managers get their stock report by e-mail."""
    from .reports_mail import stock_report_send_weekly

    return stock_report_send_weekly()
