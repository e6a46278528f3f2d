"""Slow aggregates read from the cache and refreshed in the background.

An entry keeps its value, the version of the data it was computed from and when. A reader
whose entry is current gets it at once. A reader whose entry is stale (the data changed, or
it is older than `max_age`) gets the stale value at once, with its time, while one refresh is
queued for everyone who shares the entry; without any entry, or without a worker (tasks run
eagerly), the value is computed in the request. A stale value is whole: it was computed, and
protected, in one piece from one state of the data."""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction

log = logging.getLogger(__name__)

# An entry outlives its freshness so that a reader always has something to show.
KEEP_SECONDS = 7 * 24 * 3600
# One refresh at a time per entry; a lost one (a worker killed) is queued again after this.
REFRESH_LOCK_SECONDS = 600


@dataclass(frozen=True)
class Fresh:
    value: Any
    computed_at: float  # a Unix time
    stale: bool


def read(
    key: str, version, compute: Callable[[], Any], refresh: Callable[[], Any], max_age: int
) -> Fresh:
    entry = cache.get(key)
    if entry is not None and entry["version"] == version:
        if time.time() - entry["at"] < max_age:
            return Fresh(entry["value"], entry["at"], stale=False)
    if entry is None or settings.CELERY_TASK_ALWAYS_EAGER:
        return store(key, version, compute())
    if cache.add(f"{key}:refresh", 1, REFRESH_LOCK_SECONDS):
        transaction.on_commit(lambda: _queue(key, refresh), robust=True)
    return Fresh(entry["value"], entry["at"], stale=True)


def key_for(prefix: str, *parts) -> str:
    """A cache key for whatever identifies an entry (any reprs: scopes, years, languages)."""
    return f"{prefix}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def newest_ids(*models) -> tuple:
    """A version of the data: the newest id of each model, in one query of indexed maxima
    (a change that adds no row shows once the entry is older than its max_age)."""
    # Read where the figures are read from (the replica inside reading_replica()): a lagging
    # replica then gives an older version with the older figures, never a newer one.
    connection = connections[router.db_for_read(models[0])]
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)})" for m in models
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")  # noqa: S608  (table names from the models)
        return tuple(cursor.fetchone())


def store(key: str, version, value) -> Fresh:
    at = time.time()
    cache.set(key, {"version": version, "value": value, "at": at}, KEEP_SECONDS)
    cache.delete(f"{key}:refresh")
    return Fresh(value, at, stale=False)


def _queue(key: str, refresh: Callable[[], Any]) -> None:
    try:
        refresh()
    except Exception:  # the broker unreachable: the stale value stays, a later reader retries
        cache.delete(f"{key}:refresh")
        log.warning("could not queue the refresh of %s", key, exc_info=True)
