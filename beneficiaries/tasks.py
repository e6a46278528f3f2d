"""Thin Celery tasks of the quasi-don's reports."""

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def funder_reports_monthly_task() -> int:
    """Beat, monthly: each funding programme's report for last month, to the funder's users."""
    from .reports_mail import funder_reports_send_monthly

    return funder_reports_send_monthly()


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def people_anonymise_inactive_task() -> int:
    """Beat, daily: people with no activity for two years are anonymised, access-log lines
    older than a year deleted (docs/privacy.md)."""
    from .privacy import audit_log_purge, people_anonymise_inactive

    anonymised = people_anonymise_inactive()
    audit_log_purge()
    return anonymised
