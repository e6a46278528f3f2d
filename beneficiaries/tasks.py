"""Thin Celery tasks of the quasi-don."""

from celery import shared_task

from .privacy import audit_log_purge, people_anonymise_inactive


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def people_anonymise_inactive_task() -> int:
    """Beat, daily: people with no activity for two years are anonymised, access-log lines
    older than a year deleted (docs/privacy.md)."""
    anonymised = people_anonymise_inactive()
    audit_log_purge()
    return anonymised
