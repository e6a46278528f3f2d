"""The header's unread count: one bounded COUNT, run only when a page shows the header, and
kept in the cache until a notice of the person's is written or read (notices.services), or a
minute at most (a change made elsewhere, the admin's, shows within that)."""

from django.core.cache import cache
from django.db import transaction
from django.utils.functional import SimpleLazyObject

from .models import Notice

# Past this many the header says "99+": the count never reads more rows.
UNREAD_CAP = 100
UNREAD_SECONDS = 60


def _key(user_id: int) -> str:
    return f"notices:unread:{user_id}"


def unread_changed(user_ids) -> None:
    """Forget these people's counts, now and once the change is committed (a page counting
    meanwhile would keep the count from before it)."""
    keys = [_key(pk) for pk in user_ids]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _unread(user) -> str:
    label = cache.get(_key(user.pk))
    if label is None:
        n = Notice.objects.visible_to(user).unread().order_by()[:UNREAD_CAP].count()
        label = "" if not n else ("99+" if n >= UNREAD_CAP else str(n))
        cache.set(_key(user.pk), label, UNREAD_SECONDS)
    return label


def unread_notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notices_unread": SimpleLazyObject(lambda: _unread(user))}
