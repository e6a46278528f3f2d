"""Thin Celery tasks: fetch by id, call a service."""

from celery import shared_task

from . import importing


@shared_task(acks_late=True)
def import_job_analyse_task(job_id: int) -> None:
    importing.import_job_analyse(job_id=job_id)


@shared_task(acks_late=True)
def import_job_run_task(job_id: int, user_id: int | None) -> None:
    importing.import_job_run(job_id=job_id, user_id=user_id)
