"""The header's unread count: one bounded COUNT, run only when a page shows the header."""

from django.utils.functional import SimpleLazyObject

from .models import Notice

# Past this many the header says "99+": the count never reads more rows.
UNREAD_CAP = 100


def _unread(user) -> str:
    n = Notice.objects.visible_to(user).unread().order_by()[:UNREAD_CAP].count()
    if not n:
        return ""
    return "99+" if n >= UNREAD_CAP else str(n)


def unread_notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notices_unread": SimpleLazyObject(lambda: _unread(user))}
