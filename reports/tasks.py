"""Thin Celery tasks of the reports: fetch by id, call a service.

Each task keeps the name it had before the reports app existed: the beat schedules in the
database, the task routes and messages already queued refer to it."""

from celery import current_app, shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone, translation

from core.db import reading_replica
from core.jobs import JobKind

from . import audit, funder, jobs, mail, stock, today
from .models import ReportJob
from .periods import Period


@shared_task(
    name="inventory.tasks.report_job_task",
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
    jobs.report_job_run(
        job_id=job_id,
        final=self.request.retries >= self.max_retries,
        redelivered=bool((self.request.delivery_info or {}).get("redelivered")),
    )


@shared_task(
    name="inventory.tasks.stock_report_weekly_task",
    acks_late=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def stock_report_weekly_task() -> int:
    """Beat: every workshop's managers get their stock report by e-mail."""
    with reading_replica():
        return mail.stock_report_send_weekly()


@shared_task(
    name="beneficiaries.tasks.funder_reports_monthly_task",
    acks_late=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def funder_reports_monthly_task() -> int:
    """Beat, monthly: each funding programme's report for last month, to the funder's users."""
    with reading_replica():
        return mail.funder_reports_send_monthly()


@shared_task(
    name="reports.tasks.chain_audit_nightly_task",
    acks_late=True,
    soft_time_limit=3600,
    time_limit=3700,
)
def chain_audit_nightly_task() -> int:
    """Beat, nightly: the coordination is mailed when any device's chain of proof breaks."""
    return len(audit.chain_audit_mail().breaks)


def _send_report(job: ReportJob, user_id: int | None, retry_policy: dict) -> None:
    report_job_task.apply_async((job.pk,), retry_policy=retry_policy)


# Named in settings.JOB_KINDS.
REPORT_JOBS = JobKind(
    model=ReportJob,
    send=_send_report,
    delayed=jobs.report_jobs_delayed,
    sweep=jobs.report_jobs_sweep,
)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def funder_report_refresh_task(
    user_id: int, period_key: str, language: str, programme_id=None, territory: str = ""
) -> None:
    """A funder report's figures (the funder's home, the report page), counted again after a
    change."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        with translation.override(language), reading_replica():
            period = Period.parse(period_key)
            funder.funder_report_refresh(user, period, programme_id, territory)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def stock_report_refresh_task(user_id: int, language: str) -> None:
    """The stock report page's figures, counted again after a change."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        with translation.override(language), reading_replica():
            stock.stock_report_refresh(user)


MAP_REFRESH_TASK = "maps.tasks.map_figures_refresh_task"  # by name: maps is above reports


@shared_task(
    name="reports.tasks.figures_warm_nightly_task",
    acks_late=True,
    soft_time_limit=3600,
    time_limit=3700,
)
def figures_warm_nightly_task() -> int:
    """Beat, nightly: every scope's funder figures (home, report, map) counted again, in the
    site's language, so that a funder who reads once a month never waits for the count."""
    readers = today.figures_readers(get_user_model().objects.all())
    with translation.override(settings.LANGUAGE_CODE), reading_replica():
        for user in readers:
            today.figures_warm(user)
            current_app.send_task(MAP_REFRESH_TASK, (user.pk, timezone.localdate().year))
    return len(readers)
