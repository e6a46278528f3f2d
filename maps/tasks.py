"""Thin Celery tasks of the map: fetch by id, call a service."""

from celery import shared_task
from django.contrib.auth import get_user_model

from core.db import reading_replica

from . import layers


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def map_figures_refresh_task(user_id: int, year: int) -> None:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        with reading_replica():  # aggregates: a replica a second behind is fine
            layers.commune_figures_refresh(user, year)
