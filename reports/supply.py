"""Supply against demand (issue 16): the open order lines by workshop and type against the
ready stock and the devices still in the workshop's steps; when each open order should be
served, from the throughput of the last weeks; and the collection plan (donors gone quiet,
volumes by quarter, scrap rate by donor). Everything starts from what the user may see."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.enums import OrderStatus
from beneficiaries.models import Order, OrderLine
from beneficiaries.orders import line_progress
from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType
from inventory.models import CollectionBatch, Device, DeviceEvent, Donor
from inventory.values import gigabytes

WEEKS = 8  # the throughput behind the forecast
LATE_AFTER = timedelta(weeks=4)  # orders not served within this are listed first
QUIET_AFTER = timedelta(days=365)  # donors with no batch for this long
ORDERS_SHOWN = 50
# Orders a workshop has to serve: approved and not yet ready.
WAITING = (OrderStatus.APPROVED, OrderStatus.PREPARING)
PIPELINE = (S.RECEIVED, S.DIAGNOSED, S.ERASED, S.REPAIRED, S.OS_INSTALLED)


@dataclass
class SupplyRow:
    workshop: str
    device_type: str
    label: str
    wanted: int = 0
    ready: int = 0
    pipeline: dict = field(default_factory=dict)
    per_week: float = 0.0
    # Devices ready by memory (MB, None unknown) and devices wanted by minimum memory (MB, 0
    # none): a 4 GB laptop does not serve a line asking for 8 GB.
    ready_by_ram: dict = field(default_factory=dict)
    wanted_by_ram: dict = field(default_factory=dict)

    @property
    def in_steps(self) -> int:
        return sum(self.pipeline.values())

    @property
    def short(self) -> int:
        """What the ready devices cannot serve, each line taking only devices with its
        memory: the strictest minimums served first, from the devices that meet them (the
        sets are nested, so this serves as many as any other assignment)."""
        if not any(self.wanted_by_ram):  # no minimum asked: every ready device serves
            return max(0, self.wanted - self.ready)
        free = dict(self.ready_by_ram)
        short = 0
        for minimum in sorted(self.wanted_by_ram, reverse=True):
            need = self.wanted_by_ram[minimum]
            for ram in sorted((r for r in free if r is not None), reverse=True) + [None]:
                if need <= 0:
                    break
                if ram is None and minimum or ram is not None and ram < minimum:
                    continue
                take = min(need, free.get(ram, 0))
                free[ram] = free.get(ram, 0) - take
                need -= take
            short += need
        return short

    @property
    def ram_needs(self) -> list[tuple]:
        """(minimum GB, devices wanted, ready devices that have it), for the lines that ask."""
        return [
            (
                gigabytes(minimum),
                wanted,
                sum(
                    n for ram, n in self.ready_by_ram.items() if ram is not None and ram >= minimum
                ),
            )
            for minimum, wanted in sorted(self.wanted_by_ram.items())
            if minimum
        ]

    @property
    def weeks_to_serve(self) -> int | None:
        """Weeks until the shortfall is made ready at the measured pace (None: no pace)."""
        if not self.short:
            return 0
        return math.ceil(self.short / self.per_week) if self.per_week else None


@dataclass
class OrderForecast:
    order: Order
    waiting: int
    expected: date | None

    @property
    def late(self) -> bool:
        return self.expected is None or self.expected > timezone.localdate() + LATE_AFTER


@dataclass
class SupplyReport:
    rows: list[SupplyRow]
    orders: list[OrderForecast]
    orders_total: int
    quiet_donors: list
    quarters: list[date]
    volumes: list  # (donor name, [devices per quarter])

    @property
    def quarter_labels(self) -> list[str]:
        return [
            _("Q%(q)s %(year)s") % {"q": (q.month - 1) // 3 + 1, "year": q.year}
            for q in self.quarters
        ]

    scrap: list  # (donor name, devices, scrapped, rate %)


def _labels() -> dict:
    return dict(DeviceType.choices)


def supply_rows(user) -> list[SupplyRow]:
    labels = _labels()
    devices = Device.objects.visible_to(user)
    rows: dict[tuple, SupplyRow] = {}

    def row(workshop, device_type) -> SupplyRow:
        key = (workshop, device_type)
        if key not in rows:
            rows[key] = SupplyRow(workshop, device_type, str(labels.get(device_type, device_type)))
        return rows[key]

    open_lines = OrderLine.objects.filter(
        order__in=Order.objects.visible_to(user).filter(status__in=WAITING)
    )
    # Two groupings, not one: a join to the reservations would count each line's quantity once
    # per reservation.
    key = ("order__workshop__name", "device_type", "min_ram_mb")
    wanted = open_lines.order_by().values_list(*key).annotate(n=Sum("quantity"))
    held = dict(
        ((w, t, m), n)
        for w, t, m, n in open_lines.filter(reservations__released_at__isnull=True)
        .order_by()
        .values_list(*key)
        .annotate(n=Count("reservations"))
    )
    for workshop, device_type, minimum, qty in wanted:
        n = max(0, (qty or 0) - held.get((workshop, device_type, minimum), 0))
        target = row(workshop or "—", device_type)
        target.wanted += n
        target.wanted_by_ram[minimum or 0] = target.wanted_by_ram.get(minimum or 0, 0) + n
    # A reserved device leaves "ready" (status reserved): what is ready is free.
    free = (
        devices.filter(status=S.READY)
        .order_by()
        .values_list("workshop__name", "device_type", "ram_mb")
        .annotate(n=Count("id"))
    )
    for workshop, device_type, ram, n in free:
        target = row(workshop, device_type)
        target.ready += n
        target.ready_by_ram[ram] = target.ready_by_ram.get(ram, 0) + n
    steps = (
        devices.filter(status__in=PIPELINE)
        .order_by()
        .values_list("workshop__name", "device_type", "status")
        .annotate(n=Count("id"))
    )
    for workshop, device_type, status, n in steps:
        row(workshop, device_type).pipeline[status] = n
    since = timezone.now() - timedelta(weeks=WEEKS)
    made = (
        DeviceEvent.objects.filter(to_status=S.READY, at__gte=since, device__in=devices)
        .order_by()
        .values_list("device__workshop__name", "device__device_type")
        .annotate(n=Count("device_id", distinct=True))
    )
    for workshop, device_type, n in made:
        if (workshop, device_type) in rows:
            rows[(workshop, device_type)].per_week = round(n / WEEKS, 1)
    return sorted(rows.values(), key=lambda r: (-r.short, r.workshop, r.label))


def order_forecasts(user) -> tuple[list[OrderForecast], int]:
    """The open orders, those not served within LATE_AFTER (or with no pace at all) first."""
    waiting = Order.objects.visible_to(user).filter(status__in=WAITING)
    total = waiting.count()
    forecasts = []
    for order in waiting.select_related("structure", "workshop").order_by("decided_at", "pk")[
        :ORDERS_SHOWN
    ]:
        progress = line_progress(order)
        short = sum(p["waiting"] for p in progress)
        dates = [p["expected"] for p in progress if p["waiting"]]
        expected = None if None in dates else max(dates, default=timezone.localdate())
        forecasts.append(OrderForecast(order, short, expected))
    forecasts.sort(key=lambda f: (not f.late, f.expected or date.max, f.order.pk))
    return forecasts, total


def _quarters(today: date, n: int = 4) -> list[date]:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    out = [first]
    for _i in range(n - 1):
        prev = out[-1] - timedelta(days=1)
        out.append(date(prev.year, 3 * ((prev.month - 1) // 3) + 1, 1))
    return list(reversed(out))


def collection_plan(user) -> tuple[list, list[date], list, list]:
    today = timezone.localdate()
    donors = Donor.objects.visible_to(user)
    quiet = list(
        donors.annotate(last=Max("batches__collected_on"))
        .filter(Q(last__lt=today - QUIET_AFTER) | Q(last__isnull=True))
        .order_by("last", "name")
        .values_list("name", "last")[:100]
    )
    quarters = _quarters(today)
    counts = defaultdict(dict)
    batches = CollectionBatch.objects.visible_to(user).filter(collected_on__gte=quarters[0])
    for name, quarter, n in (
        Device.objects.filter(batch__in=batches)
        .annotate(q=TruncQuarter("batch__collected_on"))
        .order_by()
        .values_list("batch__donor__name", "q")
        .annotate(n=Count("id"))
    ):
        counts[name][quarter] = n
    volumes = sorted(
        ((name, [by_q.get(q, 0) for q in quarters]) for name, by_q in counts.items()),
        key=lambda v: (-sum(v[1]), v[0]),
    )
    scrap = []
    for name, total, scrapped in (
        Device.objects.visible_to(user)
        .filter(batch__collected_on__gte=today - QUIET_AFTER)
        .order_by()
        .values_list("batch__donor__name")
        .annotate(n=Count("id"), s=Count("id", filter=Q(status=S.SCRAPPED)))
    ):
        scrap.append((name, total, scrapped, round(100 * scrapped / total) if total else 0))
    scrap.sort(key=lambda s: (-s[3], -s[1], s[0]))
    return quiet, quarters, volumes, scrap


def supply_report(user) -> SupplyReport:
    orders, total = order_forecasts(user)
    quiet, quarters, volumes, scrap = collection_plan(user)
    return SupplyReport(supply_rows(user), orders, total, quiet, quarters, volumes, scrap)
