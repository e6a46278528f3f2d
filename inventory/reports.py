"""The stock report of workshops: what is where, how long it waits, how fast it moves.

Every figure is computed by the database from the devices and their event log, scoped by
Device.objects.visible_to(user); the same data feeds the screen, the PDF and the XLSX."""

import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, F, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.pdf import render_pdf

from .charts import bar_chart, column_chart
from .enums import DeviceStatus as S
from .enums import DeviceType, Grade
from .models import Device, DeviceEvent
from .resources import escape_cell

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


def milestones(devices) -> dict[int, dict[str, datetime]]:
    """First time each device (a queryset of pks, or a list) reached each milestone."""
    firsts: dict[int, dict[str, datetime]] = {}
    rows = (
        DeviceEvent.objects.filter(
            device__in=devices, to_status__in=[S.RECEIVED, S.READY, S.ALLOCATED]
        )
        .order_by()
        .values_list("device_id", "to_status")
        .annotate(first=Min("at"))
    )
    for device_id, status, first in rows:
        firsts.setdefault(device_id, {})[status] = first
    return firsts


def _milestones_python(devices, in_stock, starts, now):
    """Small databases (SQLite): from the first events, in Python."""
    firsts = milestones(devices.values("pk"))
    received_at = {d: f[S.RECEIVED] for d, f in firsts.items() if S.RECEIVED in f}
    days = [
        _days(now - received_at[pk])
        for pk in in_stock.values_list("pk", flat=True)
        if pk in received_at
    ]
    ages = [sum(lo <= d < hi for d in days) for lo, hi in ((0, 7), (7, 30), (30, 90), (90, 10**6))]
    weekly = {"received": [0] * WEEKS, "ready": [0] * WEEKS, "allocated": [0] * WEEKS}
    keys = {S.RECEIVED: "received", S.READY: "ready", S.ALLOCATED: "allocated"}
    for f in firsts.values():
        for status, at in f.items():
            index = (timezone.localtime(at).date() - starts[0]).days // 7
            if 0 <= index < WEEKS:
                weekly[keys[status]][index] += 1
    return (
        lead_time(firsts, S.RECEIVED, S.READY),
        lead_time(firsts, S.READY, S.ALLOCATED),
        weekly,
        ages,
    )


MILESTONES_SQL = """
WITH f AS (
    SELECT e.device_id,
           MAX(dv.dev_status) AS status,
           MIN(e.at) FILTER (WHERE e.to_status = 'received') AS r,
           MIN(e.at) FILTER (WHERE e.to_status = 'ready') AS y,
           MIN(e.at) FILTER (WHERE e.to_status = 'allocated') AS a
    FROM inventory_deviceevent e
    JOIN ({devices}) dv ON dv.dev_id = e.device_id
    WHERE e.to_status IN ('received', 'ready', 'allocated')
    GROUP BY e.device_id
)
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
        FILTER (WHERE a IS NOT NULL AND y IS NOT NULL),
    array_agg(r) FILTER (WHERE r >= %(start)s),
    array_agg(y) FILTER (WHERE y >= %(start)s),
    array_agg(a) FILTER (WHERE a >= %(start)s),
    COUNT(*) FILTER (WHERE status = ANY(%(stock)s) AND %(now)s - r < interval '7 days'),
    COUNT(*) FILTER (WHERE status = ANY(%(stock)s) AND %(now)s - r >= interval '7 days'
                     AND %(now)s - r < interval '30 days'),
    COUNT(*) FILTER (WHERE status = ANY(%(stock)s) AND %(now)s - r >= interval '30 days'
                     AND %(now)s - r < interval '90 days'),
    COUNT(*) FILTER (WHERE status = ANY(%(stock)s) AND %(now)s - r >= interval '90 days')
FROM f
"""


def _milestones_sql(devices, in_stock, starts, now):
    """Large databases (PostgreSQL): the same figures computed by the database, one query.
    The devices are a derived table joined by hash (an IN over a million ids would not fit
    in work_mem and be rescanned row by row)."""
    start = timezone.make_aware(datetime.combine(starts[0], datetime.min.time()))
    device_sql, device_params = (
        devices.order_by().values(dev_id=F("pk"), dev_status=F("status")).query.sql_with_params()
    )
    named = {"%(start)s": start, "%(now)s": now, "%(stock)s": [str(x) for x in IN_STOCK]}
    pieces, params = [], []
    for token in re.split(r"(\{devices\}|%\((?:start|now|stock)\)s)", MILESTONES_SQL):
        if token == "{devices}":
            pieces.append(device_sql)
            params.extend(device_params)
        elif token in named:
            pieces.append("%s")
            params.append(named[token])
        else:
            pieces.append(token)
    sql = "".join(pieces)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()

    def days(seconds):
        return None if seconds is None else round(float(seconds) / 86400, 1)

    to_ready = LeadTime(row[0], days(row[1]), days(row[2]))
    to_allocated = LeadTime(row[3], days(row[4]), days(row[5]))
    weekly = {}
    for key, stamps in zip(("received", "ready", "allocated"), row[6:9], strict=True):
        counts = [0] * WEEKS
        for at in stamps or []:
            index = (timezone.localtime(at).date() - starts[0]).days // 7
            if 0 <= index < WEEKS:
                counts[index] += 1
        weekly[key] = counts
    return to_ready, to_allocated, weekly, list(row[9:13])


def device_milestones(devices, in_stock=None, starts=None, now=None):
    """(to ready, to handed over, weekly counts, age buckets) of a set of devices: by the
    database on PostgreSQL, in Python elsewhere."""
    now = now or timezone.now()
    if starts is None:
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        starts = [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    in_stock = devices if in_stock is None else in_stock
    if connection.vendor == "postgresql":
        return _milestones_sql(devices, in_stock, starts, now)
    return _milestones_python(devices, in_stock, starts, now)


def stock_report_build(
    *, user, workshop_ids: list[int] | None = None, today: date | None = None
) -> StockReport:
    now = timezone.now()
    today = today or timezone.localdate()
    devices = Device.objects.visible_to(user)
    if workshop_ids:
        devices = devices.filter(workshop_id__in=workshop_ids)
    in_stock = devices.filter(status__in=IN_STOCK)
    status_counts = dict(devices.order_by().values_list("status").annotate(n=Count("id")))
    type_counts = dict(in_stock.order_by().values_list("device_type").annotate(n=Count("id")))
    grade_counts = dict(
        devices.filter(status__in=[S.READY, S.RESERVED])
        .order_by()
        .values_list("grade")
        .annotate(n=Count("id"))
    )
    locations = (
        in_stock.order_by()
        .values_list("location__zone", "location__shelf")
        .annotate(n=Count("id"))
        .order_by("-n")[:15]
    )

    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    buckets = [
        (_("under a week"), 0, 7),
        (_("1 to 4 weeks"), 7, 30),
        (_("1 to 3 months"), 30, 90),
        (_("over 3 months"), 90, 10**6),
    ]
    to_ready, to_allocated, weekly, ages = device_milestones(devices, in_stock, starts, now)
    age_buckets = [(label, n) for (label, _lo, _hi), n in zip(buckets, ages, strict=True)]

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

    from reconditioning.models import ScrapRecord

    scraps = ScrapRecord.objects.filter(device__in=devices.values("pk"))
    reasons = [
        (label, n, float(kg or 0))
        for label, n, kg in (
            scraps.order_by().values_list("reason").annotate(n=Count("id"), kg=Sum("weight_kg"))
        )
    ]
    from reconditioning.enums import ScrapReason

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
    )


def _scope(devices) -> set[str]:
    from accounts.models import Organisation

    return set(
        Organisation.objects.filter(pk__in=devices.values("workshop_id")).values_list(
            "name", flat=True
        )
    )


def stock_report_pdf(report: StockReport) -> bytes:
    return render_pdf(
        "inventory/reports/stock_pdf.html", {"report": report, "charts": report.charts()}
    )


def stock_report_xlsx(report: StockReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    rows = [
        (_("Stock report"), report.scope),
        (_("Generated at"), timezone.localtime(report.generated_at).strftime("%d/%m/%Y %H:%M")),
        (_("Devices"), report.total),
        (_("Received → ready, median (days)"), report.to_ready.median_days),
        (_("Received → ready, 90th percentile (days)"), report.to_ready.p90_days),
        (_("Ready → handed over, median (days)"), report.to_allocated.median_days),
        (_("Ready → handed over, 90th percentile (days)"), report.to_allocated.p90_days),
        (_("Scrap rate (%)"), report.scrap_rate),
    ]
    for row in rows:
        ws.append(list(row))
    ws["A1"].font = Font(bold=True)
    for title, table in [
        (_("By status"), report.by_status),
        (_("By type"), report.by_type),
        (_("By grade"), report.by_grade),
        (_("By location"), report.by_location),
        (_("Age in stock"), report.age_buckets),
    ]:
        sheet = wb.create_sheet(str(title)[:31])
        sheet.append([str(title), _("Devices")])
        for label, n in table:
            sheet.append([escape_cell(str(label)), n])
    sheet = wb.create_sheet(str(_("Per week"))[:31])
    sheet.append([_("Week of"), _("Received"), _("Ready"), _("Handed over")])
    for i, week in enumerate(report.weeks):
        sheet.append(
            [
                week,
                report.weekly["received"][i],
                report.weekly["ready"][i],
                report.weekly["allocated"][i],
            ]
        )
    sheet = wb.create_sheet(str(_("Waiting longest"))[:31])
    sheet.append([_("Status"), _("Asset tag"), _("Days")])
    for status, items in report.waiting:
        for device, days in items:
            sheet.append([str(status), device.asset_tag, days])
    sheet = wb.create_sheet(str(_("Scrap"))[:31])
    sheet.append([_("Reason"), _("Devices"), _("Weight (kg)")])
    for label, n, kg in report.scrap_reasons:
        sheet.append([label, n, kg])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
