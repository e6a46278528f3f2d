"""Which database a query goes to: the primary, or the read replica for reports.

With DATABASE_REPLICA_URL set, settings add the "replica" alias and install ReplicaRouter.
Reads go to the replica only inside a scope a report or an export marks with
`reading_replica()` (a context manager and a decorator), and only as long as nothing has been
written since the request or task started: a replica may be seconds behind, so whoever just
wrote reads the primary (their own writes), and every write goes to the primary. Without the
alias, reading_replica() changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# A report or export is running here: its reads may be served by the replica.
_replica_scope: ContextVar[bool] = ContextVar("filiere_replica_scope", default=False)
# The request or task has written (asked for the primary to write): from then on it reads
# the primary, even inside a report's scope. Reset when a request or a task starts.
_wrote: ContextVar[bool] = ContextVar("filiere_wrote", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads inside may come from the replica (seconds behind the primary): for reports and
    exports only, never for a page whose next step writes from what it read."""
    token = _replica_scope.set(True)
    try:
        yield
    finally:
        _replica_scope.reset(token)


@contextmanager
def on_primary() -> Iterator[None]:
    """Bookkeeping inside a report's scope (a job's progress): its writes and reads go to the
    primary and do not send the report's remaining reads there."""
    scope, wrote = _replica_scope.set(False), _wrote.set(False)
    try:
        yield
    finally:
        _wrote.reset(wrote)
        _replica_scope.reset(scope)


def writes_forget(**kwargs) -> None:
    """A request or a task starts (signal receiver): nothing written yet."""
    _wrote.set(False)


def reads_from_replica() -> bool:
    return _replica_scope.get() and not _wrote.get() and replica_configured()


class ReplicaRouter:
    """settings.DATABASE_ROUTERS when a replica is configured (module docstring)."""

    def db_for_read(self, model, **hints):
        return REPLICA if reads_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both: an object read from the replica may point at one saved on
        # the primary.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} or None

    def allow_migrate(self, db, app_label, **hints):
        # The replica follows the primary's schema by replication.
        return db == DEFAULT_DB_ALIAS


def rows_by_pk(queryset, size: int = 500) -> Iterator:
    """The rows of a queryset ordered by primary key, `size` per query: memory stays bounded
    with or without server-side cursors (behind PgBouncer in transaction mode they are off,
    and .iterator() then holds the whole result in memory), and no cursor outlives a
    transaction."""
    queryset, last = queryset.order_by("pk"), None
    while True:
        chunk = list((queryset if last is None else queryset.filter(pk__gt=last))[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk
