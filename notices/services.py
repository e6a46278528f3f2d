"""Telling people: `notify` writes the in-app notices and queues one mail per person, once
the caller's transaction commits; each person's preferences decide which they get.

The text is written by the app that knows the event (in French, short, without the names
of the people a structure follows: a mail leaves the system); notices only carries it."""

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.enums import Role
from accounts.models import Membership, User
from core import jobs

from .context_processors import unread_changed
from .enums import NoticeKind
from .models import Notice, NoticePreference
from .tasks import send_notice_mail

log = logging.getLogger(__name__)

_mails_muted: ContextVar[bool] = ContextVar("notices_mails_muted", default=False)


@contextmanager
def mails_muted():
    """Notices without their mails (the demo data: nobody is waiting for those mails)."""
    token = _mails_muted.set(True)
    try:
        yield
    finally:
        _mails_muted.reset(token)


def members(organisation_ids: Iterable[int]) -> list[User]:
    """Active people acting for these organisations (readers only read: they are not asked
    to act), once each."""
    qs = Membership.objects.filter(
        organisation_id__in=list(organisation_ids),
        user__is_active=True,
        user__is_machine=False,
    ).exclude(role__in=[Role.READER, Role.MACHINE])
    users = {m.user.pk: m.user for m in qs.select_related("user")}
    return [users[pk] for pk in sorted(users)]


def preferences_for(user: User) -> dict[str, tuple[bool, bool]]:
    """Each kind → (by mail, in the app); a kind without a row is on for both."""
    prefs = {kind: (True, True) for kind in NoticeKind.values}
    for p in NoticePreference.objects.filter(user=user):
        prefs[p.kind] = (p.by_mail, p.in_app)
    return prefs


def preferences_save(user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """The person's choices, kind by kind; a kind back to both on keeps no row."""
    for kind, (by_mail, in_app) in choices.items():
        if kind not in NoticeKind.values:
            continue
        if by_mail and in_app:
            NoticePreference.objects.filter(user=user, kind=kind).delete()
        else:
            NoticePreference.objects.update_or_create(
                user=user, kind=kind, defaults={"by_mail": by_mail, "in_app": in_app}
            )


def notify(users: Iterable[User], kind: str, text: str, url: str = "") -> list[Notice]:
    """The notices of one event for these people, and their mails after the commit.

    `url` is a path of the site (reverse()); the mail carries it as an absolute link."""
    people = {u.pk: u for u in users if u.is_active and not u.is_machine}
    if not people:
        return []
    refused = {
        p.user_id: p for p in NoticePreference.objects.filter(user_id__in=list(people), kind=kind)
    }
    text = text[:300]
    notices = Notice.objects.bulk_create(
        Notice(recipient_id=pk, kind=kind, text=text, url=url)
        for pk in sorted(people)
        if pk not in refused or refused[pk].in_app
    )
    unread_changed([n.recipient_id for n in notices])
    to_mail = [
        pk
        for pk in sorted(people)
        if people[pk].email and (pk not in refused or refused[pk].by_mail)
    ]
    if to_mail and not _mails_muted.get():
        # One mail per person: a retry resends to that person only, and nobody reads the
        # list of colleagues.
        transaction.on_commit(lambda: _queue_mails(to_mail, kind, text, url))
    return notices


def already_told(kind: str, url: str, since=None) -> bool:
    """Whether this event (its kind and link) was told to anyone already, since a time: a
    daily task run twice (a duplicated beat, a worker killed after its work) tells nobody
    twice. Knows only what left a notice in the app."""
    qs = Notice.objects.filter(kind=kind, url=url)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.exists()


def _queue_mails(user_ids: list[int], kind: str, text: str, url: str) -> None:
    """After the commit: a broker that cannot be reached (or, without one, a mail server
    that fails in the web process) loses the mail, never the page nor the notice."""
    for user_id in user_ids:
        try:
            send_notice_mail.apply_async((user_id, kind, text, url), retry_policy=jobs.RETRY_POLICY)
        except Exception:  # noqa: BLE001 - the notice is written; the mail is a courtesy
            log.warning("Notice mail to user %s not sent", user_id, exc_info=True)


def notice_mark_read(*, notice: Notice, user: User) -> Notice:
    permissions.require(user, "notices.mark_read", notice)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
        unread_changed([user.pk])
    return notice


def notices_mark_all_read(*, user: User) -> int:
    unread_changed([user.pk])
    return Notice.objects.visible_to(user).unread().update(read_at=timezone.now())
