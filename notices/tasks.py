"""Thin Celery task: one notice mail to one person."""

from celery import shared_task
from django.db import OperationalError

from .mail import notice_mail_send

# A mail server that refuses or times out (smtplib's errors are OSErrors) and a database
# hiccup are retried, spaced out up to an hour; queued on commit by notices.services.notify.
MAIL_RETRY = {
    "autoretry_for": (OSError, OperationalError),
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, **MAIL_RETRY)
def send_notice_mail(user_id: int, kind: str, text: str, url: str) -> bool:
    return notice_mail_send(user_id=user_id, kind=kind, text=text, url=url)
