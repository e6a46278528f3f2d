"""The "Today" sections of the home page (settings.HOME_SECTIONS), one per role: what waits
for the user, oldest or most urgent first, each row linking to the page where the work is
done. They live in the reports app, the top layer, because several read across apps
(orders against the stock, lead times, the chain audit, the funder report).

Every query starts from a `visible_to(user)` manager and is narrowed to the organisations in
which the user holds the role, so a user with several memberships sees each section they are
entitled to, and never another organisation's rows. Each section costs a fixed number of
queries whatever the number of devices, except the chain audit, which is the audit page's
own: the home page reads the last nightly audit (reports.audit.chain_audit_record) and audits
the devices itself only until the first one has run."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import permissions
from accounts.enums import OrganisationKind, Role
from accounts.models import Membership
from beneficiaries.enums import OrderStatus
from beneficiaries.models import (
    Allocation,
    Enrolment,
    Order,
    OrderLine,
    Person,
    Reservation,
    TrainingWaiver,
)
from core.pagination import COUNT_CAP, capped_counts, first_per_value
from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType
from inventory.models import CollectionBatch, Device, DeviceEvent, choice_label

from .audit import (
    ChainAudit,
    ChainBreak,
    audit_fits_a_request,
    chain_audit,
    last_chain_audit,
)
from .funder import funder_report_fresh, funder_report_refresh, report_scope
from .periods import QUARTER, Period
from .stock import lead_times

SHOWN = 10  # rows of a section
SHOWN_PER_STEP = 5  # rows of each lifecycle step of the technician's section
STEPS = (S.RECEIVED, S.DIAGNOSED, S.ERASED, S.REPAIRED, S.OS_INSTALLED, S.READY)
IN_REFURBISHMENT = (S.RECEIVED, S.DIAGNOSED, S.ERASED, S.REPAIRED, S.OS_INSTALLED, S.RETURNED)
OUT_READY = (S.READY, S.RESERVED, S.ALLOCATED)
# Orders whose lines still ask for devices.
OPEN_ORDERS = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.PREPARING)


def _org_ids(user, kind: str, *roles: str) -> set[int]:
    """The organisations of this kind where the user holds one of these roles (any role when
    none is given)."""
    return {
        m.organisation_id
        for m in user.memberships_cached()
        if m.organisation.kind == kind and (not roles or m.role in roles)
    }


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class Listing:
    """A short list and how many more the full list holds."""

    rows: list
    total: int
    more_url: str = ""
    more: bool = False  # the total is a capped count: there are more than `total`

    @property
    def others(self) -> int:
        return max(0, self.total - len(self.rows))


def _listing(queryset, total: int, more_url: str, limit: int = SHOWN) -> Listing:
    rows = list(queryset[:limit]) if total else []
    return Listing(rows, total, more_url)


# Technician: the oldest waiting devices of each step, and their own last actions.


def technician(request):
    user = request.user
    workshops = _org_ids(user, OrganisationKind.WORKSHOP, Role.TECHNICIAN)
    if not workshops:
        return None
    devices = Device.objects.visible_to(user).filter(workshop_id__in=workshops)
    # Each step counted up to COUNT_CAP: the largest workshop's full count cost in proportion.
    counts = capped_counts(devices, "status", STEPS)
    # Waiting since its last change of status (kept on the device, indexed with the status).
    waiting = first_per_value(
        devices.annotate(since=F("status_since"))
        .order_by("status_since", "id")
        .only("id", "asset_tag", "manufacturer", "model", "status", "status_since"),
        "status",
        [status for status in STEPS if counts[status][0]],
        limit=SHOWN_PER_STEP,
        key=lambda d: (d.status_since, d.pk),
    )
    steps = []
    for status in STEPS:
        total, more = counts[status]
        listing = Listing(
            waiting.get(status, []), total, _url("reconditioning:queue", status=status), more
        )
        steps.append((choice_label(S, status), listing))
    recent = list(
        DeviceEvent.objects.visible_to(user)
        .filter(actor=user)
        .select_related("device")
        .order_by("-at", "-id")[:SHOWN]
    )
    return "reports/today/technician.html", {"steps": steps, "recent": recent}


# Workshop manager: approved orders to prepare, devices short, this week's lead time.


@dataclass
class ToPrepare:
    order: Order
    # (type label, ready for it, still needed, missing)
    needs: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(n[3] for n in self.needs)


def _week_start(now: datetime) -> datetime:
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


def workshop_manager(request):
    user = request.user
    workshops = _org_ids(user, OrganisationKind.WORKSHOP, Role.MANAGER)
    if not workshops:
        return None
    approved = Order.objects.visible_to(user).filter(
        workshop_id__in=workshops, status=OrderStatus.APPROVED
    )
    total = approved.count()
    lines = OrderLine.objects.annotate(
        reserved=Count("reservations", filter=Q(reservations__released_at__isnull=True))
    ).order_by("id")
    orders = list(
        approved.select_related("structure")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("decided_at", "id")[:SHOWN]
        if total
        else []
    )
    devices = Device.objects.visible_to(user).filter(workshop_id__in=workshops)
    ready = {
        (w, t): n
        for w, t, n in devices.filter(status=S.READY)
        .order_by()
        .values_list("workshop_id", "device_type")
        .annotate(n=Count("*"))
    }
    # Devices are reserved as they become ready (beneficiaries.orders): what a line holds is
    # ready for it; a ready device nobody holds yet still counts, oldest order first.
    prepared = []
    for order in orders:
        by_type: dict[str, list[int]] = {}
        for line in order.lines.all():
            held, asked = by_type.setdefault(line.device_type, [0, 0])
            by_type[line.device_type] = [held + line.reserved, asked + line.quantity]
        item = ToPrepare(order)
        for device_type, (held, needed) in by_type.items():
            key = (order.workshop_id, device_type)
            free = min(ready.get(key, 0), max(0, needed - held))
            ready[key] = ready.get(key, 0) - free
            available = held + free
            item.needs.append(
                (
                    choice_label(DeviceType, device_type),
                    available,
                    needed,
                    max(0, needed - available),
                )
            )
        prepared.append(item)
    now = timezone.now()
    week_start = _week_start(now)
    to_ready, _to_allocated = lead_times(devices.filter(ready_at__gte=week_start))
    return "reports/today/workshop_manager.html", {
        "to_prepare": Listing(
            prepared, total, _url("beneficiaries:order_list", status=OrderStatus.APPROVED)
        ),
        "lead_time": to_ready,
        "week_start": week_start,
        "stock_url": reverse("inventory:stock_report"),
    }


# Coordinator: orders to decide, ready stock against open demand, chain-audit breaks.


def coordinator(request):
    user = request.user
    if not user.is_coordinator:
        return None
    orders = Order.objects.visible_to(user)
    submitted = orders.filter(status=OrderStatus.SUBMITTED)
    to_decide = _listing(
        submitted.select_related("structure").order_by("submitted_at", "id"),
        submitted.count(),
        _url("beneficiaries:order_list", status=OrderStatus.SUBMITTED),
    )
    devices = Device.objects.visible_to(user)
    open_lines = OrderLine.objects.filter(order__in=orders.filter(status__in=OPEN_ORDERS))
    asked = dict(open_lines.order_by().values_list("device_type").annotate(n=Sum("quantity")))
    # Ready devices counted up to what the open orders ask (COUNT_CAP at least): the shortfall
    # stays exact, and 244,000 ready devices are not counted one by one on each home page.
    cap = max([COUNT_CAP, *asked.values()])
    ready = capped_counts(devices.filter(status=S.READY), "device_type", DeviceType.values, cap)
    reserved = dict(
        Reservation.objects.filter(line__in=open_lines, released_at__isnull=True)
        .order_by()
        .values_list("line__device_type")
        .annotate(n=Count("id"))
    )
    stock = []
    for device_type, label in DeviceType.choices:
        demand = max(0, asked.get(device_type, 0) - reserved.get(device_type, 0))
        have, more = ready[device_type]
        if demand or have:
            url = _url("inventory:device_list", status=S.READY, device_type=device_type)
            stock.append((label, have, more, demand, max(0, demand - have), url))
    audit, audited_at = _chain_audit(user, devices)
    return "reports/today/coordinator.html", {
        "to_decide": to_decide,
        "stock": stock,
        "audit": audit,
        "audited_at": audited_at,
        "audit_url": reverse("reconditioning:chain_audit"),
    }


def _chain_audit(user, devices) -> tuple[ChainAudit | None, datetime | None]:
    """The last nightly audit (one query); before the first one has run, the audit itself
    on a small base, None on a large one (the page links to the audit instead)."""
    last = last_chain_audit(user)
    if last is None:
        if not audit_fits_a_request(devices):
            return None, None
        return chain_audit(devices), None
    breaks = [ChainBreak(pk, "", "") for pk in last.params.get("breaks", [])]
    return ChainAudit(last.params.get("checked", 0), breaks), last.finished_at


# Mediation staff: orders ready to collect, people waiting for a training or a device.


def mediation(request):
    user = request.user
    structures = _org_ids(user, OrganisationKind.MEDIATION)
    if not structures:
        return None
    ready_orders = Order.objects.visible_to(user).filter(
        structure_id__in=structures, status=OrderStatus.READY
    )
    to_collect = _listing(
        ready_orders.select_related("structure").order_by("decided_at", "id"),
        ready_orders.count(),
        _url("beneficiaries:order_list", status=OrderStatus.READY),
    )
    people = Person.objects.visible_to(user).filter(
        structure_id__in=structures, anonymised_at__isnull=True
    )
    pending = Enrolment.objects.filter(person=OuterRef("pk"), attended__isnull=True)
    waiting_training = people.filter(Exists(pending))
    for_training = _listing(
        waiting_training.annotate(
            session_at=Min(
                "enrolments__session__starts_at", filter=Q(enrolments__attended__isnull=True)
            )
        ).order_by("session_at", "id"),
        waiting_training.count(),
        reverse("beneficiaries:session_list"),
    )
    attended = Enrolment.objects.filter(person=OuterRef("pk"), attended=True)
    waived = TrainingWaiver.objects.filter(person=OuterRef("pk"))
    allocated = Allocation.objects.visible_to(user).filter(person=OuterRef("pk"))
    waiting_device = people.filter(Exists(attended) | Exists(waived)).filter(~Exists(allocated))
    trained_on = (
        Enrolment.objects.filter(person=OuterRef("pk"), attended=True)
        .order_by("session__starts_at")
        .values("session__starts_at")[:1]
    )
    for_device = _listing(
        waiting_device.annotate(trained_on=Subquery(trained_on)).order_by(
            "trained_on", "created_at", "id"
        ),
        waiting_device.count(),
        reverse("beneficiaries:person_list"),
    )
    return "reports/today/mediation.html", {
        "to_collect": to_collect,
        "for_training": for_training,
        "for_device": for_device,
    }


# Funder: this quarter's key figures, as the funder report shows them (disclosure control).


def this_quarter(now: datetime | None = None) -> Period:
    today = timezone.localdate(now)
    return Period(today.year, QUARTER, (today.month - 1) // 3 + 1)


def funder(request):
    user = request.user
    if not user.is_funder:
        return None
    period = this_quarter()
    fresh = funder_report_fresh(user, period)
    return "reports/today/funder.html", {
        "report": fresh.value,
        "stale": fresh.stale,
        "period": period,
        "report_url": _url(
            "beneficiaries:funder_report", year=period.year, part=f"Q{period.index}"
        ),
    }


def figures_readers(users) -> list:
    """One reader of the funder figures per scope (the figures are cached per scope, not per
    user): who gets the figures counted at night so that the morning's first request finds
    them."""
    readers = {}
    # Every user's memberships in one query, where User.memberships_cached() looks for them
    # (the permission and the scope read them: one query per user otherwise).
    memberships = Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("organisation"),
        to_attr="_memberships_cache",
    )
    for user in users.filter(is_active=True).order_by("pk").prefetch_related(memberships):
        if permissions.can(user, "reports.read_funder"):
            readers.setdefault(report_scope(user), user)
    return list(readers.values())


def figures_warm(user, now: datetime | None = None) -> None:
    """Count again what a funder report reader opens first: the home's quarter and the report
    page's default, the whole year."""
    today = timezone.localdate(now)
    funder_report_refresh(user, this_quarter(now))
    funder_report_refresh(user, Period(today.year))


# Donor: its batches and what became of their devices.


def donor(request):
    user = request.user
    donor_orgs = _org_ids(user, OrganisationKind.DONOR)
    if not donor_orgs:
        return None
    batches = CollectionBatch.objects.visible_to(user).filter(donor__organisation_id__in=donor_orgs)
    listing = _listing(
        batches.select_related("donor")
        .annotate(
            received=Count("devices"),
            in_refurbishment=Count("devices", filter=Q(devices__status__in=IN_REFURBISHMENT)),
            out_ready=Count("devices", filter=Q(devices__status__in=OUT_READY)),
            scrapped=Count("devices", filter=Q(devices__status=S.SCRAPPED)),
        )
        .order_by("-collected_on", "-id"),
        batches.count(),
        reverse("inventory:batch_list"),
    )
    return "reports/today/donor.html", {"batches": listing}
