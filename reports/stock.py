"""The stock report of workshops: what is where, how long it waits, how fast it moves.

Every figure is computed by the database from the devices and their event log, scoped by
Device.objects.visible_to(user); the same data feeds the screen, the PDF and the XLSX."""

import itertools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from celery import current_app
from django.db import connection, connections
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Organisation
from core import fresh as fresh_cache
from core.charts import bar_chart, column_chart
from core.exports import Sheet, xlsx_bytes
from core.pdf import render_pdf
from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType, Grade
from inventory.models import Device, DeviceEvent, Movement
from reconditioning.enums import ScrapReason
from reconditioning.models import ScrapRecord

from .weights import weight_totals

IN_STOCK = [
    S.RECEIVED,
    S.DIAGNOSED,
    S.ERASED,
    S.REPAIRED,
    S.OS_INSTALLED,
    S.READY,
    S.RESERVED,
    S.RETURNED,
]
WEEKS = 12


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): the value a share q of the items do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LeadTime:
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass
class StockReport:
    generated_at: datetime
    scope: str
    total: int
    by_status: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    by_grade: list[tuple[str, int]]
    by_location: list[tuple[str, int]]
    age_buckets: list[tuple[str, int]]
    to_ready: LeadTime
    to_allocated: LeadTime
    weeks: list[str]
    weekly: dict[str, list[int]]
    waiting: list[tuple[str, list[tuple[Device, int]]]]
    scrapped: int
    reused: int
    scrap_rate: float | None
    scrap_reasons: list[tuple[str, int, float]] = field(default_factory=list)
    # reports.weights.weight_totals: kg and tonnes reused and recycled.
    weights: dict = field(default_factory=dict)

    def charts(self) -> dict[str, str]:
        return {
            "status": bar_chart(self.by_status, title=_("Devices by status")),
            "type": bar_chart(self.by_type, title=_("Devices in stock by type")),
            "age": bar_chart(self.age_buckets, title=_("Age in stock")),
            "weekly": column_chart(
                [
                    (_("Received"), self.weekly["received"]),
                    (_("Ready"), self.weekly["ready"]),
                    (_("Handed over"), self.weekly["allocated"]),
                ],
                self.weeks,
                title=_("Throughput per week"),
            ),
        }


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def lead_time(firsts: dict[int, dict[str, datetime]], start: str, end: str) -> LeadTime:
    values = [_days(f[end] - f[start]) for f in firsts.values() if start in f and end in f]
    return LeadTime(len(values), percentile(values, 50), percentile(values, 90))


def _lead_times_python(devices) -> tuple[LeadTime, LeadTime]:
    """Small databases (SQLite): nearest-rank percentiles in Python."""
    rows = list(
        devices.exclude(received_at=None, ready_at=None, allocated_at=None)
        .order_by()
        .values_list("received_at", "ready_at", "allocated_at")
    )

    def between(i, j):
        values = [_days(r[j] - r[i]) for r in rows if r[i] and r[j]]
        return LeadTime(len(values), percentile(values, 50), percentile(values, 90))

    return between(0, 1), between(1, 2)


LEAD_TIMES_SQL = """
SELECT
    COUNT(*) FILTER (WHERE y IS NOT NULL AND r IS NOT NULL),
    percentile_disc(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM y - r))
        FILTER (WHERE y IS NOT NULL AND r IS NOT NULL),
    percentile_disc(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM y - r))
        FILTER (WHERE y IS NOT NULL AND r IS NOT NULL),
    COUNT(*) FILTER (WHERE a IS NOT NULL AND y IS NOT NULL),
    percentile_disc(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a - y))
        FILTER (WHERE a IS NOT NULL AND y IS NOT NULL),
    percentile_disc(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a - y))
        FILTER (WHERE a IS NOT NULL AND y IS NOT NULL)
FROM ({devices}) dv
WHERE y IS NOT NULL
"""


def _lead_times_sql(devices) -> tuple[LeadTime, LeadTime]:
    """Large databases (PostgreSQL): the same nearest-rank percentiles (percentile_disc)
    computed by the database over the devices' milestone columns, one query."""
    device_sql, params = (
        devices.order_by()
        .values(r=F("received_at"), y=F("ready_at"), a=F("allocated_at"))
        .query.sql_with_params()
    )
    # The alias the queryset itself would read from: the replica inside reading_replica().
    with connections[devices.db].cursor() as cursor:
        cursor.execute(LEAD_TIMES_SQL.replace("{devices}", device_sql), params)
        row = cursor.fetchone()

    def days(seconds):
        return None if seconds is None else round(float(seconds) / 86400, 1)

    return LeadTime(row[0], days(row[1]), days(row[2])), LeadTime(
        row[3], days(row[4]), days(row[5])
    )


def lead_times(devices) -> tuple[LeadTime, LeadTime]:
    """(received → ready, ready → handed over) of a set of devices, from the first time each
    reached each milestone: by the database on PostgreSQL, in Python elsewhere."""
    if connection.vendor == "postgresql":
        return _lead_times_sql(devices)
    return _lead_times_python(devices)


def _week_starts(today: date) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


AGE_LIMITS = (0, 7, 30, 90, None)


def _counts(devices, starts: list[date], now: datetime) -> dict:
    """Every count of the report in one scan of the devices: by status, type and grade, the
    weekly milestones and the age of the stock."""
    in_stock = Q(status__in=IN_STOCK)
    aggregates = {}
    for value, _label in S.choices:
        aggregates[f"status_{value}"] = Count("pk", filter=Q(status=value))
    for value, _label in DeviceType.choices:
        aggregates[f"type_{value}"] = Count("pk", filter=in_stock & Q(device_type=value))
    for value, _label in Grade.choices:
        aggregates[f"grade_{value}"] = Count(
            "pk", filter=Q(status__in=[S.READY, S.RESERVED], grade=value)
        )
    bounds = [_midnight(s) for s in starts] + [_midnight(starts[-1] + timedelta(days=7))]
    for key, name in (
        ("received", "received_at"),
        ("ready", "ready_at"),
        ("allocated", "allocated_at"),
    ):
        for i in range(WEEKS):
            aggregates[f"week_{key}_{i}"] = Count(
                "pk", filter=Q(**{f"{name}__gte": bounds[i], f"{name}__lt": bounds[i + 1]})
            )
    for i, (lo, hi) in enumerate(itertools.pairwise(AGE_LIMITS)):
        window = Q(received_at__lte=now - timedelta(days=lo))
        if hi is not None:
            window &= Q(received_at__gt=now - timedelta(days=hi))
        aggregates[f"age_{i}"] = Count("pk", filter=in_stock & window)
    return devices.order_by().aggregate(**aggregates)


def stock_report_build(
    *, user, workshop_ids: list[int] | None = None, today: date | None = None
) -> StockReport:
    now = timezone.now()
    today = today or timezone.localdate()
    devices = Device.objects.visible_to(user)
    if workshop_ids:
        devices = devices.filter(workshop_id__in=workshop_ids)
    in_stock = devices.filter(status__in=IN_STOCK)
    starts = _week_starts(today)
    counts = _counts(devices, starts, now)
    status_counts = {v: counts[f"status_{v}"] for v, _label in S.choices}
    type_counts = {v: counts[f"type_{v}"] for v, _label in DeviceType.choices}
    grade_counts = {v: counts[f"grade_{v}"] for v, _label in Grade.choices}
    weekly = {
        key: [counts[f"week_{key}_{i}"] for i in range(WEEKS)]
        for key in ("received", "ready", "allocated")
    }
    labels = [_("under a week"), _("1 to 4 weeks"), _("1 to 3 months"), _("over 3 months")]
    age_buckets = [(label, counts[f"age_{i}"]) for i, label in enumerate(labels)]
    locations = (
        in_stock.order_by()
        .values_list("location__zone", "location__shelf")
        .annotate(n=Count("id"))
        .order_by("-n", "location__zone", "location__shelf")[:15]
    )
    to_ready, to_allocated = lead_times(devices)

    waiting = []
    for status in [
        S.RECEIVED,
        S.RETURNED,
        S.DIAGNOSED,
        S.ERASED,
        S.REPAIRED,
        S.OS_INSTALLED,
        S.READY,
        S.RESERVED,
    ]:
        # The event that brought each device into its current status, oldest first (an index
        # on (to_status, at) lets the database stop after five).
        events = (
            DeviceEvent.objects.filter(
                to_status=status, device__status=status, device__in=devices.values("pk")
            )
            .select_related("device")
            .order_by("at")[:5]
        )
        items = [(e.device, int(_days(now - e.at))) for e in events]
        if items:
            waiting.append((S(status).label, items))

    scraps = ScrapRecord.objects.filter(device__in=devices.values("pk"))
    reasons = [
        (label, n, float(kg or 0))
        for label, n, kg in (
            scraps.order_by().values_list("reason").annotate(n=Count("id"), kg=Sum("weight_kg"))
        )
    ]
    reasons = [(str(ScrapReason(r).label), n, kg) for r, n, kg in reasons]
    scrapped = status_counts.get(S.SCRAPPED, 0)
    reused = status_counts.get(S.ALLOCATED, 0)
    out = scrapped + reused
    return StockReport(
        generated_at=now,
        scope=", ".join(sorted(_scope(devices))),
        total=sum(status_counts.values()),
        by_status=[(label, status_counts[v]) for v, label in S.choices if status_counts.get(v)],
        by_type=[(label, type_counts[v]) for v, label in DeviceType.choices if type_counts.get(v)],
        by_grade=[(label, grade_counts[v]) for v, label in Grade.choices if grade_counts.get(v)],
        by_location=[(f"{z} / {s}" if s else (z or _("No location")), n) for z, s, n in locations],
        age_buckets=age_buckets,
        to_ready=to_ready,
        to_allocated=to_allocated,
        weeks=[s.strftime("%d/%m") for s in starts],
        weekly=weekly,
        waiting=waiting,
        scrapped=scrapped,
        reused=reused,
        scrap_rate=round(100 * scrapped / out, 1) if out else None,
        scrap_reasons=reasons,
        weights=weight_totals(devices),
    )


def _scope(devices) -> set[str]:
    return set(
        Organisation.objects.filter(pk__in=devices.values("workshop_id")).values_list(
            "name", flat=True
        )
    )


def stock_report_pdf(report: StockReport) -> bytes:
    return render_pdf("reports/stock_pdf.html", {"report": report, "charts": report.charts()})


def stock_report_xlsx(report: StockReport) -> bytes:
    summary = [
        (_("Stock report"), report.scope),
        (_("Generated at"), timezone.localtime(report.generated_at).strftime("%d/%m/%Y %H:%M")),
        (_("Devices"), report.total),
        (_("Received → ready, median (days)"), report.to_ready.median_days),
        (_("Received → ready, 90th percentile (days)"), report.to_ready.p90_days),
        (_("Ready → handed over, median (days)"), report.to_allocated.median_days),
        (_("Ready → handed over, 90th percentile (days)"), report.to_allocated.p90_days),
        (_("Scrap rate (%)"), report.scrap_rate),
        (_("Weight reused (kg)"), report.weights["reused_kg"]),
        (_("Weight recycled (kg)"), report.weights["recycled_kg"]),
    ]
    sheets = [Sheet(_("Summary"), summary, bold_first_cell=True)]
    for title, table in [
        (_("By status"), report.by_status),
        (_("By type"), report.by_type),
        (_("By grade"), report.by_grade),
        (_("By location"), report.by_location),
        (_("Age in stock"), report.age_buckets),
    ]:
        rows = [(title, _("Devices"))] + [(str(label), n) for label, n in table]
        sheets.append(Sheet(title, rows))
    weekly = report.weekly
    sheets.append(
        Sheet(
            _("Per week"),
            [(_("Week of"), _("Received"), _("Ready"), _("Handed over"))]
            + [
                (week, weekly["received"][i], weekly["ready"][i], weekly["allocated"][i])
                for i, week in enumerate(report.weeks)
            ],
        )
    )
    sheets.append(
        Sheet(
            _("Waiting longest"),
            [(_("Status"), _("Asset tag"), _("Days"))]
            + [
                (str(status), device.asset_tag, days)
                for status, items in report.waiting
                for device, days in items
            ],
        )
    )
    sheets.append(
        Sheet(
            _("Scrap"),
            [(_("Reason"), _("Devices"), _("Weight (kg)"))] + list(report.scrap_reasons),
        )
    )
    return xlsx_bytes(sheets)


# The stock report page reads its figures as last counted: one scan of the user's whole scope
# (2 s for the coordinator at 1,000,000 devices) runs in the background after a change, while
# the page shows the previous figures with their time.
STOCK_FRESH_SECONDS = 300
STOCK_REFRESH_TASK = "reports.tasks.stock_report_refresh_task"  # by name: tasks import this


def stock_report_fresh(user) -> fresh_cache.Fresh:
    language = get_language()
    return fresh_cache.read(
        _stock_key(user, language),
        _stock_version(),
        compute=lambda: stock_report_build(user=user),
        refresh=lambda: current_app.send_task(STOCK_REFRESH_TASK, (user.pk, language)),
        max_age=STOCK_FRESH_SECONDS,
    )


def stock_report_refresh(user) -> None:
    version = _stock_version()  # before the figures: a change meanwhile queues another
    fresh_cache.store(_stock_key(user, get_language()), version, stock_report_build(user=user))


def _stock_key(user, language: str) -> str:
    scope = tuple(sorted(user.organisation_ids())), user.is_coordinator
    return fresh_cache.key_for("stock-report", scope, language)


def _stock_version() -> tuple:
    # Every change of status is a new event, every move a new movement, every scrap a record.
    return fresh_cache.newest_ids(Device, DeviceEvent, Movement, ScrapRecord)
