"""Thin Celery tasks of the quasi-don."""

from celery import shared_task

from . import notifications
from .privacy import audit_log_purge, people_anonymise_inactive


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def people_anonymise_inactive_task() -> int:
    """Beat, daily: people with no activity for two years are anonymised, access-log lines
    older than a year deleted (docs/privacy.md)."""
    anonymised = people_anonymise_inactive()
    audit_log_purge()
    return anonymised


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def handover_digest_daily_task() -> int:
    """Beat, daily: yesterday's hand-overs to the coordination (notices, one mail each)."""
    return notifications.handover_digest_send()


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def training_tomorrow_daily_task() -> int:
    """Beat, daily: tomorrow's training sessions to the structures holding them."""
    return notifications.training_tomorrow_send()
