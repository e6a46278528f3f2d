"""What the quasi-don tells people (notices app): an order decided or ready to the ordering
structure, an order to prepare to the workshop, yesterday's hand-overs to the coordination
and tomorrow's training sessions to the structures holding them.

The texts are French (settings.LANGUAGE_CODE), short, and never name a person the structure
follows nor a refusal's words (they may name one): a mail leaves the system."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from notices.enums import NoticeKind
from notices.services import already_told, members, notify

from .enums import OrderStatus
from .models import Allocation, Order, TrainingSession

TEXT_MAX = 300


def _devices(order: Order) -> int:
    return order.lines.aggregate(n=Sum("quantity"))["n"] or 0


def order_decided(order: Order) -> None:
    """The coordination approved or refused the order: the structure is told; on approval
    the preparing workshop is asked to prepare it."""
    url = order.get_absolute_url()
    with translation.override(settings.LANGUAGE_CODE):
        if order.status != OrderStatus.APPROVED:
            notify(
                members([order.structure_id]),
                NoticeKind.ORDER_DECIDED,
                _("Order %(ref)s refused: the reason is on the order's page.")
                % {"ref": order.reference},
                url,
            )
            return
        workshop = Organisation.objects.get(pk=order.workshop_id)
        notify(
            members([order.structure_id]),
            NoticeKind.ORDER_DECIDED,
            _("Order %(ref)s approved: %(workshop)s prepares it.")
            % {"ref": order.reference, "workshop": workshop.name},
            url,
        )
        n = _devices(order)
        notify(
            members([workshop.pk]),
            NoticeKind.ORDER_TO_PREPARE,
            ngettext(
                "Order %(ref)s of %(structure)s to prepare: %(n)s device.",
                "Order %(ref)s of %(structure)s to prepare: %(n)s devices.",
                n,
            )
            % {"ref": order.reference, "structure": order.structure.name, "n": n},
            url,
        )


def order_ready(order: Order) -> None:
    """The workshop marked the order ready: the structure may collect it."""
    with translation.override(settings.LANGUAGE_CODE):
        workshop = Organisation.objects.get(pk=order.workshop_id)
        notify(
            members([order.structure_id]),
            NoticeKind.ORDER_READY,
            _("Order %(ref)s is ready to collect at %(workshop)s.")
            % {"ref": order.reference, "workshop": workshop.name},
            order.get_absolute_url(),
        )


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1].rstrip(" ,") + "…"


def handover_digest_send(day: dt.date | None = None) -> int:
    """Beat, daily: the coordination's members get the devices handed over the day before,
    per structure, with a link to the rows; nothing on a day without hand-overs. Returns the
    number of people told."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    start, end = _day_bounds(day)
    per_structure = list(
        Allocation.objects.filter(handed_over_at__gte=start, handed_over_at__lt=end)
        .values("structure__name")
        .annotate(n=Count("id"))
        .order_by("-n", "structure__name")
    )
    total = sum(row["n"] for row in per_structure)
    if not total:
        return 0
    coordinators = members(
        Organisation.objects.filter(kind=OrganisationKind.COORDINATION).values_list("pk", flat=True)
    )
    if not coordinators:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        head = ngettext(
            "%(n)s device handed over on %(date)s",
            "%(n)s devices handed over on %(date)s",
            total,
        ) % {"n": total, "date": formats.date_format(day, "j F Y")}
        detail = ", ".join(f"{row['structure__name']} ({row['n']})" for row in per_structure)
        text = _clip(f"{head} : {detail}.")
    url = f"{reverse('beneficiaries:allocation_rows')}?from={day.isoformat()}&to={day.isoformat()}"
    if already_told(NoticeKind.HANDOVER_DIGEST, url):
        return 0
    notify(coordinators, NoticeKind.HANDOVER_DIGEST, text, url)
    return len(coordinators)


def training_tomorrow_send(today: dt.date | None = None) -> int:
    """Beat, daily: each structure holding a training session tomorrow is reminded of it
    (time, place, how many people are enrolled). Returns the number of sessions told."""
    tomorrow = (today or timezone.localdate()) + dt.timedelta(days=1)
    start, end = _day_bounds(tomorrow)
    sessions = (
        TrainingSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("programme")
        .annotate(n_enrolled=Count("enrolments"))
        .order_by("starts_at", "pk")
    )
    told = 0
    today_start = _day_bounds(tomorrow - dt.timedelta(days=1))[0]
    with translation.override(settings.LANGUAGE_CODE):
        for session in sessions:
            if already_told(NoticeKind.TRAINING_TOMORROW, session.get_absolute_url(), today_start):
                continue
            at = timezone.localtime(session.starts_at)
            text = ngettext(
                "Training “%(title)s” tomorrow at %(time)s, %(place)s: %(n)s person enrolled.",
                "Training “%(title)s” tomorrow at %(time)s, %(place)s: %(n)s people enrolled.",
                session.n_enrolled,
            ) % {
                "title": session.programme.title,
                "time": f"{at:%H} h {at:%M}",
                "place": session.place,
                "n": session.n_enrolled,
            }
            notify(
                members([session.structure_id]),
                NoticeKind.TRAINING_TOMORROW,
                _clip(text),
                session.get_absolute_url(),
            )
            told += 1
    return told
