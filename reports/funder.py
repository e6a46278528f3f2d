"""Funder reports: what the money did, in aggregates only.

Every figure is a database aggregate over Allocation.objects.for_reports(user). For funders,
any figure counting fewer than 5 people is masked ("< 5"); staff see the exact figures and can
open each one down to the rows it counts (the allocation list with the same filters)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import permissions
from beneficiaries.enums import AgeBand, Situation
from beneficiaries.models import (
    Allocation,
    Commune,
    FundingProgramme,
    ImpactFactor,
    Payment,
    Territory,
)
from core.charts import bar_chart
from core.exports import Sheet, csv_bytes, xlsx_bytes
from core.pdf import render_pdf
from inventory.enums import DeviceStatus, DeviceType
from inventory.models import Device, Donor
from reconditioning.models import PartMovement
from reports.stock import LeadTime, lead_times

SMALL = 5  # below this many people, a funder sees "< 5"


@dataclass
class FunderFilters:
    date_from: date
    date_to: date
    programme: FundingProgramme | None = None
    territory: str = ""  # commune INSEE code, EPT/EPCI SIREN, or "D92" for a department

    def query(self, **extra) -> str:
        params = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.programme:
            params["programme"] = self.programme.pk
        if self.territory:
            params["territory"] = self.territory
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def territory_communes(code: str) -> tuple[str, list[str]]:
    """(label, INSEE codes) of a commune, an EPT/EPCI or a department ("D92")."""
    code = code.strip().upper()
    if len(code) == 5:
        commune = Commune.objects.filter(code_insee=code).first()
        if commune is None:
            raise ValueError(_("Unknown territory “%(code)s”.") % {"code": code})
        return str(commune), [code]
    territory = Territory.objects.filter(code=code).first()
    if territory is None:
        raise ValueError(_("Unknown territory “%(code)s”.") % {"code": code})
    if territory.kind == Territory.Kind.DEPARTMENT:
        codes = Commune.objects.filter(department=code[1:]).values_list("code_insee", flat=True)
    else:
        codes = territory.communes().values_list("code_insee", flat=True)
    return territory.name, list(codes)


def allocations_filtered(user, filters: FunderFilters):
    start = timezone.make_aware(datetime.combine(filters.date_from, time.min))
    end = timezone.make_aware(datetime.combine(filters.date_to, time.max))
    qs = Allocation.objects.for_reports(user).filter(handed_over_at__range=(start, end))
    if filters.programme:
        qs = qs.filter(order_line__order__funding_programme=filters.programme)
    if filters.territory:
        _label, codes = territory_communes(filters.territory)
        # The person's commune when known, else the structure's.
        qs = qs.filter(
            Q(person__commune_id__in=codes)
            | Q(person__commune__isnull=True, structure__structure__commune_id__in=codes)
        )
    return qs


DONORS_SHOWN = 25


@dataclass
class FunderReport:
    filters: FunderFilters
    territory_label: str
    masked: bool
    generated_at: datetime
    devices: int
    by_type: list[tuple[str, str, int]]  # (code, label, count)
    to_people: int
    to_structures: int
    people: int
    by_age: list[tuple[str, str, int]]
    by_situation: list[tuple[str, str, int]]
    trained: int
    waived: int
    charges_due: Decimal
    collected: Decimal
    exemptions: int
    exempted_amount: Decimal
    qpv_share: float | None
    to_ready: LeadTime
    to_allocated: LeadTime
    donors: list[tuple[str, int, int, int]]  # donor, collected, reused, scrapped
    co2e_kg: Decimal
    materials_kg: Decimal
    factors: list[ImpactFactor] = field(default_factory=list)
    without_factor: int = 0
    chart_svgs: dict | None = None
    # Donors beyond the first DONORS_SHOWN, summed: (how many, collected, reused, scrapped).
    other_donors: tuple | None = None

    @property
    def top_donors(self) -> list[tuple[str, int, int, int]]:
        """The donors the screen and the PDF list one by one (the exports list them all)."""
        return self.donors[:DONORS_SHOWN]

    def show(self, value) -> str:
        """A count of people as a funder may see it."""
        if self.masked and 0 < value < SMALL:
            return "< 5"
        return str(value)

    def charts(self) -> dict[str, str]:
        if self.chart_svgs is not None:
            return self.chart_svgs

        def masked(rows):
            # A bar reveals its value: for funders, only groups of 5 or more are drawn.
            return [
                (label, n)
                for _c, label, n in rows
                if isinstance(n, int) and not (self.masked and n < SMALL)
            ]

        return {
            "type": bar_chart(masked(self.by_type), title=_("Devices handed over by type")),
            "age": bar_chart(masked(self.by_age), title=_("People by age band")),
            "situation": bar_chart(masked(self.by_situation), title=_("People by situation")),
        }


def _lead_times(devices) -> tuple[LeadTime, LeadTime]:
    return lead_times(devices)


def _impact(allocations) -> tuple[Decimal, Decimal, list[ImpactFactor], int]:
    factors = {f.device_type: f for f in ImpactFactor.objects.all()}
    major = PartMovement.objects.filter(repair__device=OuterRef("device_id"), kind="use")
    rows = (
        allocations.annotate(major=Exists(major))
        .order_by()
        .values_list("device__device_type", "major")
        .annotate(n=Count("id"))
    )
    co2e = materials = Decimal("0")
    without = 0
    used = {}
    for device_type, repaired, n in rows:
        factor = factors.get(device_type)
        if factor is None:
            without += n
            continue
        used[device_type] = factor
        share = factor.major_repair_factor if repaired else Decimal("1")
        co2e += factor.co2e_kg_per_year * factor.extra_years * share * n
        materials += factor.materials_kg_per_year * factor.extra_years * share * n
    return (
        co2e.quantize(Decimal("0.1")),
        materials.quantize(Decimal("0.1")),
        list(used.values()),
        without,
    )


def funder_report_build(*, user, filters: FunderFilters) -> FunderReport:
    allocations = allocations_filtered(user, filters)
    territory_label = territory_communes(filters.territory)[0] if filters.territory else ""
    type_counts = dict(
        allocations.order_by().values_list("device__device_type").annotate(n=Count("id"))
    )
    with_person = allocations.filter(person__isnull=False)
    people = with_person.values("person").distinct()
    age = dict(
        with_person.order_by()
        .values_list("person__age_band")
        .annotate(n=Count("person", distinct=True))
    )
    situation = dict(
        with_person.order_by()
        .values_list("person__situation")
        .annotate(n=Count("person", distinct=True))
    )
    money = allocations.aggregate(due=Sum("charge"), tariff=Sum("tariff_amount"))
    exempted = allocations.filter(exemption_reason__isnull=False)
    exempted_money = exempted.aggregate(tariff=Sum("tariff_amount"), charge=Sum("charge"))
    collected = Payment.objects.filter(allocation__in=allocations).aggregate(s=Sum("amount"))["s"]
    total = allocations.count()
    qpv = allocations.filter(structure__structure__in_qpv=True).count()
    devices = Device.objects.filter(pk__in=allocations.values("device_id"))
    to_ready, to_allocated = _lead_times(devices)
    reused_by_donor = dict(
        devices.order_by().values_list("batch__donor_id").annotate(n=Count("id"))
    )
    # Collected in the period, and of those how many were scrapped: one grouped query.
    donor_stats = {
        donor_id: (collected, scrapped)
        for donor_id, collected, scrapped in Device.objects.filter(
            batch__donor_id__in=list(reused_by_donor),
            batch__collected_on__range=(filters.date_from, filters.date_to),
        )
        .order_by()
        .values_list("batch__donor_id")
        .annotate(n=Count("id"), scrapped=Count("id", filter=Q(status=DeviceStatus.SCRAPPED)))
    }
    donor_info = {
        pk: (name, kind)
        for pk, name, kind in Donor.objects.filter(pk__in=list(reused_by_donor)).values_list(
            "pk", "name", "kind"
        )
    }
    donors = []
    for donor_id, reused in sorted(reused_by_donor.items(), key=lambda x: (-x[1], x[0])):
        given, scrapped = donor_stats.get(donor_id, (0, 0))
        name, kind = donor_info[donor_id]
        # A private person who gave devices is not named in a funder's report.
        label = _("A private donor") if kind == "individual" else name
        donors.append((label, given, reused, scrapped))
    rest = donors[DONORS_SHOWN:]
    other_donors = (len(rest), *(sum(d[i] for d in rest) for i in (1, 2, 3))) if rest else None
    co2e, materials, factors, without = _impact(allocations)
    report = FunderReport(
        filters=filters,
        territory_label=territory_label,
        masked=not permissions.can(user, "reports.read_unmasked"),
        generated_at=timezone.now(),
        devices=total,
        by_type=[
            (v, str(label), type_counts[v]) for v, label in DeviceType.choices if type_counts.get(v)
        ],
        to_people=with_person.count(),
        to_structures=allocations.filter(person__isnull=True).count(),
        people=people.count(),
        by_age=[(v, str(label), age[v]) for v, label in AgeBand.choices if age.get(v)],
        by_situation=[
            (v, str(label), situation[v]) for v, label in Situation.choices if situation.get(v)
        ],
        trained=with_person.filter(waiver__isnull=True).values("person").distinct().count(),
        waived=with_person.filter(waiver__isnull=False).values("person").distinct().count(),
        charges_due=money["due"] or Decimal("0"),
        collected=collected or Decimal("0"),
        exemptions=exempted.count(),
        exempted_amount=(exempted_money["tariff"] or 0) - (exempted_money["charge"] or 0),
        qpv_share=round(100 * qpv / total, 1) if total else None,
        to_ready=to_ready,
        to_allocated=to_allocated,
        donors=donors,
        other_donors=other_donors,
        co2e_kg=co2e,
        materials_kg=materials,
        factors=factors,
        without_factor=without,
    )
    if report.masked:
        report.chart_svgs = report.charts()
        _protect(report, qpv)
    return report


HIDDEN = "—"


def _protect(report: FunderReport, qpv_count: int) -> None:
    """Disclosure control for funders: counts of 1 to 4 people read "< 5"; in a group whose
    total is shown, a single masked cell would be found by subtraction, so the next smallest
    cell is hidden too; money and impact, which divided by the tariff or the factor give a
    count back, are hidden when the counts behind them are masked."""

    def small(value) -> bool:
        return isinstance(value, int) and 0 < value < SMALL

    def protect_group(values: list[int]) -> list:
        shown = ["< 5" if small(v) else v for v in values]
        masked = [i for i, v in enumerate(values) if small(v)]
        if len(masked) == 1:
            others = [(v, i) for i, v in enumerate(values) if i not in masked and v > 0]
            if others:
                shown[min(others)[1]] = HIDDEN
        return shown

    def protect_rows(rows):
        values = protect_group([n for _c, _l, n in rows])
        return [(c, label, v) for (c, label, _n), v in zip(rows, values, strict=True)]

    raw_people, raw_devices = report.people, report.devices
    report.to_people, report.to_structures = protect_group([report.to_people, report.to_structures])
    report.by_type = protect_rows(report.by_type)
    report.by_age = protect_rows(report.by_age)
    report.by_situation = protect_rows(report.by_situation)
    report.trained, report.waived = protect_group([report.trained, report.waived])
    report.people = "< 5" if small(raw_people) else raw_people
    report.devices = "< 5" if small(raw_devices) else raw_devices
    counts_hidden = small(raw_people) or small(raw_devices) or 0 < raw_devices < SMALL
    if counts_hidden:
        report.charges_due = report.collected = HIDDEN
        report.co2e_kg = report.materials_kg = HIDDEN
    if small(report.exemptions) or counts_hidden:
        report.exempted_amount = HIDDEN
        report.exemptions = "< 5" if small(report.exemptions) else report.exemptions
    if small(qpv_count) or small(raw_devices - qpv_count) or counts_hidden:
        report.qpv_share = HIDDEN
    report.donors = [
        (name, collected, "< 5" if small(reused) else reused, scrapped)
        for name, collected, reused, scrapped in report.donors
    ]
    if report.other_donors:
        n, collected, reused, scrapped = report.other_donors
        report.other_donors = (n, collected, "< 5" if small(reused) else reused, scrapped)


def funder_report_pdf(report: FunderReport) -> bytes:
    return render_pdf("reports/funder_pdf.html", {"report": report, "charts": report.charts()})


def _rows(report: FunderReport) -> list[list]:
    def s(value):  # already protected for funders
        return value

    rows = [
        [_("Period"), f"{report.filters.date_from:%d/%m/%Y} – {report.filters.date_to:%d/%m/%Y}"],
        [_("Funding programme"), str(report.filters.programme or _("All"))],
        [_("Territory"), report.territory_label or _("All")],
        [_("Devices handed over"), s(report.devices)],
        [_("to people"), s(report.to_people)],
        [_("to structures (their own equipment)"), report.to_structures],
        [_("People equipped"), s(report.people)],
        [_("Training completed"), s(report.trained)],
        [_("Training waived"), s(report.waived)],
        [_("Share in priority neighbourhoods (QPV), %"), report.qpv_share],
        [_("Residual charges due (€)"), report.charges_due],
        [_("Residual charges collected (€)"), report.collected],
        [_("Exemptions granted"), s(report.exemptions)],
        [_("Amount exempted (€)"), report.exempted_amount],
        [_("Received → ready, median (days)"), report.to_ready.median_days],
        [_("Received → ready, 90th percentile (days)"), report.to_ready.p90_days],
        [_("Ready → handed over, median (days)"), report.to_allocated.median_days],
        [_("Ready → handed over, 90th percentile (days)"), report.to_allocated.p90_days],
        [_("kg CO2e avoided"), report.co2e_kg],
        [_("kg of raw materials avoided"), report.materials_kg],
    ]
    rows += [[_("Devices: %(type)s") % {"type": label}, s(n)] for _c, label, n in report.by_type]
    rows += [[_("Age band: %(band)s") % {"band": label}, s(n)] for _c, label, n in report.by_age]
    rows += [[_("Situation: %(s)s") % {"s": label}, s(n)] for _c, label, n in report.by_situation]
    rows += [
        [
            _("Donor: %(name)s — collected / handed over / scrapped") % {"name": name},
            f"{collected} / {reused} / {scrapped}",
        ]
        for name, collected, reused, scrapped in report.donors
    ]
    # Labels as text; figures stay numbers ("< 5" is text); the writers neutralise cells.
    return [
        [str(a), b if isinstance(b, int | float | Decimal) or b is None else str(b)]
        for a, b in rows
    ]


def funder_report_csv(report: FunderReport) -> bytes:
    return csv_bytes([[_("Figure"), _("Value")], *_rows(report)])


def funder_report_xlsx(report: FunderReport) -> bytes:
    header = [
        _("Type"),
        _("kg CO2e per year"),
        _("kg materials per year"),
        _("Extra years"),
        _("Source"),
        _("To be checked"),
    ]
    sources = [
        [
            f.get_device_type_display(),
            float(f.co2e_kg_per_year),
            float(f.materials_kg_per_year),
            float(f.extra_years),
            f.source,
            f.to_be_checked,
        ]
        for f in report.factors
    ]
    return xlsx_bytes(
        [
            Sheet(_("Funder report"), [[_("Figure"), _("Value")], *_rows(report)]),
            Sheet(_("Impact sources"), [header, *sources]),
        ]
    )
