"""Funder reports: what the money did, in aggregates only.

Every figure is a database aggregate over Allocation.objects.for_reports(user). Funders choose a
whole month, quarter or year (reports/periods.py) and read figures protected by
reports/disclosure.py: below 5, or computable from other figures, a figure reads "—". Staff see
the exact figures and can open each one down to the rows it counts (the allocation list with the
same filters)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from celery import current_app
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.enums import OrganisationKind
from accounts.models import Organisation
from beneficiaries.enums import COOP_SITUATION, AgeBand, CoopSituation, situations_for
from beneficiaries.models import (
    Allocation,
    Commune,
    EligibilityProofKind,
    FundingProgramme,
    ImpactFactor,
    Outline,
    Payment,
    Territory,
)
from core import fresh as fresh_cache
from core.charts import bar_chart, choropleth
from core.exports import Sheet, csv_bytes, xlsx_bytes
from core.pdf import render_pdf
from inventory.enums import DeviceStatus, DeviceType
from inventory.models import Device, Donor
from reconditioning.models import PartMovement
from reports import disclosure
from reports.periods import Period
from reports.stock import LeadTime, lead_times
from reports.weights import handed_over_weight

SMALL = disclosure.THRESHOLD
HIDDEN = "—"  # every figure a funder may not read, whatever the reason


@dataclass
class FunderFilters:
    date_from: date
    date_to: date
    programme: FundingProgramme | None = None
    territory: str = ""  # commune INSEE code, EPT/EPCI SIREN, or "D92" for a department

    @property
    def period(self) -> Period | None:
        """The whole month, quarter or year the dates cover, if they do."""
        return Period.from_range(self.date_from, self.date_to)

    @classmethod
    def for_period(cls, period: Period, programme=None, territory: str = "") -> "FunderFilters":
        return cls(period.start, period.end, programme, territory)

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
    # reports.weights.handed_over_weight: the tonnes reused, the unit funders count in.
    reused_kg: Decimal = Decimal(0)
    reused_t: str = ""
    unweighed: int = 0
    factors: list[ImpactFactor] = field(default_factory=list)
    without_factor: int = 0
    chart_svgs: dict | None = None
    # Donors beyond the first DONORS_SHOWN, summed: (how many, collected, reused, scrapped).
    other_donors: tuple | None = None
    donor_ids: list = field(default_factory=list)
    # Devices handed over per commune (INSEE code → count, or HIDDEN for funders).
    communes: dict = field(default_factory=dict)
    # People by the kind of the proof of precarity their hand-over relied on ("none": none).
    by_proof: list = field(default_factory=list)

    @property
    def top_donors(self) -> list[tuple[str, int, int, int]]:
        """The donors the screen and the PDF list one by one (the exports list them all)."""
        return self.donors[:DONORS_SHOWN]

    def show(self, value) -> str:
        """A figure as the reader may see it (already protected for funders)."""
        return str(value)

    def charts(self) -> dict[str, str]:
        if self.chart_svgs is not None:
            return self.chart_svgs

        def masked(rows):
            # A bar reveals its value: for funders, only the figures shown are drawn.
            return [(label, n) for _c, label, n in rows if isinstance(n, int) and n > 0]

        return {
            "map": commune_map(
                self.communes, title=_("Devices handed over per commune"), masked=self.masked
            ),
            "type": bar_chart(masked(self.by_type), title=_("Devices handed over by type")),
            "age": bar_chart(masked(self.by_age), title=_("People by age band")),
            "situation": bar_chart(masked(self.by_situation), title=_("People by situation")),
        }


def commune_key():
    """The commune an allocation counts in: the person's when known, else the structure's
    (the same rule as the territory filter and the protection table)."""
    return Coalesce("person__commune_id", "structure__structure__commune_id")


def commune_counts(allocations) -> dict[str, int]:
    return dict(
        allocations.annotate(commune_code=commune_key())
        .order_by()
        .values_list("commune_code")
        .annotate(n=Count("id"))
        .filter(commune_code__isnull=False)
    )


def commune_map(communes: dict, *, title: str, masked: bool = False) -> str:
    """The allocations choropleth of the communes counted, with their departments around
    them, from the outlines the map page draws too."""
    departments = set(
        Commune.objects.filter(code_insee__in=list(communes)).values_list("department", flat=True)
    )
    if not departments:
        return ""
    codes = Commune.objects.filter(department__in=departments).values_list("code_insee")
    shapes = [
        (code, name, geometry)
        for code, name, geometry in Outline.objects.filter(
            kind=Outline.Kind.COMMUNE, code__in=codes
        ).values_list("code", "name", "geometry")
    ]
    background = list(
        Outline.objects.filter(kind=Outline.Kind.DEPARTMENT, code__in=departments).values_list(
            "geometry", flat=True
        )
    )
    if masked:  # a commune without allocations is a zero: hidden like any small figure
        communes = {code: communes.get(code, HIDDEN) for code, _n, _g in shapes} | communes
    return choropleth(
        shapes,
        communes,
        title=title,
        background=background,
        hidden_label=_("hidden (fewer than 5, or could be worked out)") if masked else "",
        no_data_label="" if masked else _("none"),
    )


def allocations_by_commune(user, period: Period, codes) -> dict[str, int | str]:
    """Devices handed over in the period per commune of `codes` (and any other counted),
    protected for funders exactly as their reports are: "—" for a hidden figure."""
    filters = FunderFilters.for_period(period)
    counts = commune_counts(allocations_filtered(user, filters))
    wanted = set(codes) | set(counts)
    if permissions.can(user, "reports.read_unmasked"):
        return {code: counts.get(code, 0) for code in wanted}
    hidden = _hidden_measures(user, filters)
    return {
        code: HIDDEN if hidden("devices", territory=code) else counts.get(code, 0)
        for code in wanted
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
    masked = not permissions.can(user, "reports.read_unmasked")
    if masked and filters.period is None:
        # Two overlapping free ranges, subtracted, would isolate one person.
        raise ValueError(_("Funders choose a whole month, quarter or year."))
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
    proof = dict(
        with_person.order_by()
        .values_list("eligibility_check__kind__code")
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
    donors, donor_ids = [], []
    # For funders, by name: ranked by figure, a hidden figure between two shown ones is bounded.
    order = (lambda x: (donor_info[x[0]][0].lower(), x[0])) if masked else (lambda x: (-x[1], x[0]))
    for donor_id, reused in sorted(reused_by_donor.items(), key=order):
        given, scrapped = donor_stats.get(donor_id, (0, 0))
        name, kind = donor_info[donor_id]
        # A private person who gave devices is not named in a funder's report.
        label = _("A private donor") if kind == "individual" else name
        donors.append((label, given, reused, scrapped))
        donor_ids.append(donor_id)
    rest = donors[DONORS_SHOWN:]
    other_donors = (len(rest), *(sum(d[i] for d in rest) for i in (1, 2, 3))) if rest else None
    co2e, materials, factors, without = _impact(allocations)
    weight = handed_over_weight(devices)
    communes = commune_counts(allocations)
    report = FunderReport(
        filters=filters,
        territory_label=territory_label,
        masked=masked,
        generated_at=timezone.now(),
        devices=total,
        # Every category is listed, empty or not: a missing line would itself say "nobody".
        by_type=[(v, str(label), type_counts.get(v, 0)) for v, label in DeviceType.choices],
        to_people=with_person.count(),
        to_structures=allocations.filter(person__isnull=True).count(),
        people=people.count(),
        by_age=[(v, str(label), age.get(v, 0)) for v, label in AgeBand.choices],
        # La Coop's social situations: each recorded situation counts in one of them.
        by_situation=[
            (v, str(label), sum(situation.get(s, 0) for s in situations_for(v)))
            for v, label in CoopSituation.choices
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
        donor_ids=donor_ids,
        co2e_kg=co2e,
        materials_kg=materials,
        reused_kg=weight["kg"],
        reused_t=weight["t"],
        unweighed=weight["unweighed"],
        factors=factors,
        without_factor=without,
        communes=communes,
        by_proof=proof_rows(proof),
    )
    if report.masked:
        _protect(report, _hidden_measures(user, filters))
        report.chart_svgs = report.charts()
    return report


# The funder's home reads this quarter's report from the cache (core.fresh): at a national
# volume its protection table takes seconds, so a change is counted in the background.
FRESH_SECONDS = 300
REFRESH_TASK = "reports.tasks.funder_report_refresh_task"  # by name: tasks import this module


def funder_report_fresh(user, period: Period, programme=None, territory: str = ""):
    """The report of a whole period (and programme, territory) for the user's scope, as of its
    last computation: the funder's home and the funder report page read it."""
    filters = FunderFilters.for_period(period, programme, territory)
    language = get_language()
    programme_id = programme.pk if programme else None
    return fresh_cache.read(
        _report_key(user, period, language, programme_id, territory),
        _report_version(),
        compute=lambda: funder_report_build(user=user, filters=filters),
        refresh=lambda: current_app.send_task(
            REFRESH_TASK, (user.pk, period.key, language, programme_id, territory)
        ),
        max_age=FRESH_SECONDS,
    )


def funder_report_refresh(user, period: Period, programme_id=None, territory: str = "") -> None:
    """The background refresh, in the language the reader asked in (the caller's)."""
    version = _report_version()  # before the figures: a change meanwhile queues another
    programmes = FundingProgramme.objects.visible_to(user)
    programme = programmes.filter(pk=programme_id).first() if programme_id else None
    if programme_id and programme is None:  # no longer theirs: nothing to count for them
        return
    filters = FunderFilters.for_period(period, programme, territory)
    report = funder_report_build(user=user, filters=filters)
    key = _report_key(user, period, get_language(), programme_id, territory)
    fresh_cache.store(key, version, report)


def report_scope(user) -> tuple:
    """What a funder report's figures depend on: the organisations the user reads through and
    their roles, not the user."""
    return tuple(sorted(user.organisation_ids())), user.is_coordinator, user.is_funder


def _report_key(user, period: Period, language: str, programme_id=None, territory="") -> str:
    parts = (report_scope(user), period.key, language)
    if programme_id or territory:
        parts += (programme_id, territory)
    return fresh_cache.key_for("funder-report", *parts)


def _report_version() -> tuple:
    # Not the devices: every intake would count the funder's figures again (the donors'
    # "collected" column follows within FRESH_SECONDS).
    return fresh_cache.newest_ids(Allocation, Payment, Donor)


def proof_rows(counts: dict) -> list[tuple[str, str, int]]:
    """Every kind of proof (offered or not: a missing line would say "nobody"), then the
    people whose hand-over relied on none (a device no proof was asked for, or a structure
    serving people in precarity)."""
    kinds = EligibilityProofKind.objects.order_by("order", "name").values_list("code", "name")
    rows = [(code, name, counts.get(code, 0)) for code, name in kinds]
    return [*rows, ("none", _("No proof recorded"), counts.get(None, 0))]


# The figures of the protection table ("measures"), per allocation or per distinct person.
PERSON_MEASURES = ("people", "age:", "situation:", "trained", "waived", "proof:")


def _measures(row) -> tuple[list[str], list[str]]:
    """(allocation measures, person measures) one allocation counts in."""
    (_at, person, _pc, _sc, _prog, dtype, age, situation, waiver, exempt, qpv, donor, proof) = row
    counted = ["devices", f"type:{dtype}", "to_people" if person else "to_structures"]
    counted += ["qpv" if qpv else "nonqpv", f"donor:{donor}"]
    if exempt:
        counted.append("exemptions")
    people = []
    if person:
        people = ["people", f"age:{age}", f"situation:{COOP_SITUATION.get(situation, '')}"]
        people.append("waived" if waiver else "trained")
        people.append(f"proof:{proof or 'none'}")
    return counted, people


CATEGORY_GROUPS = [
    ("devices", "type:"),
    ("devices", ("to_people", "to_structures")),
    ("devices", ("qpv", "nonqpv")),
    ("devices", "donor:"),
    ("people", "age:"),
    ("people", "situation:"),
    ("people", ("trained", "waived")),
    ("people", "proof:"),
]


def _hidden_measures(user, filters: FunderFilters):
    """Whether a measure of the asked figure is hidden from a funder.

    The protection table holds every month, quarter and year of the period's calendar year,
    every territory (commune, EPT or EPCI, department, all) and every programme (each, all)
    the user's allocations fall in, each with its categories; disclosure.suppress() hides the
    cells that alone could be worked out from the others. The decision for a figure does not
    depend on which report asked for it, so nested reports hide consistently."""
    year = filters.period.year
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min))
    end = timezone.make_aware(datetime.combine(date(year, 12, 31), time.max))
    rows = (
        Allocation.objects.for_reports(user)
        .filter(handed_over_at__range=(start, end))
        .values_list(
            "handed_over_at",
            "person_id",
            "person__commune_id",
            "structure__structure__commune_id",
            "order_line__order__funding_programme_id",
            "device__device_type",
            "person__age_band",
            "person__situation",
            "waiver_id",
            "exemption_reason_id",
            "structure__structure__in_qpv",
            "device__batch__donor_id",
            "eligibility_check__kind__code",
        )
        .iterator(chunk_size=2000)
    )
    # Base cells: (month, commune, programme) → allocation counts and sets of people.
    counts: dict[tuple, Counter] = defaultdict(Counter)
    people: dict[tuple, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        month = timezone.localtime(row[0]).month
        base = (month, row[2] or row[3], row[4])
        counted, person_measures = _measures(row)
        counts[base].update(counted)
        for measure in person_measures:
            people[base][measure].add(row[1])
    communes = {code for _m, code, _p in counts if code}
    parents = {
        code: [f"D{dept}", *(t for t in (epci, ept) if t)]
        for code, dept, epci, ept in Commune.objects.filter(code_insee__in=communes).values_list(
            "code_insee", "department", "epci__code", "ept__code"
        )
    }

    # Periods as plain (kind, index) tuples: a dataclass hashes in Python, millions of times.
    month_periods = {
        m: [
            _period_key(p)
            for p in (
                Period(year, "month", m),
                Period(year, "quarter", (m - 1) // 3 + 1),
                Period(year),
            )
        ]
        for m in range(1, 13)
    }

    def periods(month: int) -> list[tuple]:
        return month_periods[month]

    def territories(code) -> list:
        return [code or "?", *parents.get(code, []), ""]

    cells: Counter = Counter()
    person_sets: dict[tuple, set] = defaultdict(set)
    for base, counter in counts.items():
        month, code, programme = base
        for node in _nodes(periods(month), territories(code), [programme, "all"]):
            for measure, n in counter.items():
                cells[(*node, measure)] += n
            for measure, ids in people[base].items():
                person_sets[(*node, measure)] |= ids
    for key, ids in person_sets.items():
        cells[key] = len(ids)
    hidden = disclosure.suppress(cells, _groups(cells, year, parents))
    programme = filters.programme.pk if filters.programme else "all"
    node = (_period_key(filters.period), filters.territory or "", programme)

    def is_hidden(measure: str, territory: str | None = None) -> bool:
        # Another territory of the same period and programme: the map's communes.
        key = node if territory is None else (node[0], territory, node[2])
        return disclosure.is_hidden((*key, measure), cells, hidden)

    return is_hidden


def _period_key(period: Period) -> tuple[str, int]:
    return (period.kind, period.index)


def _nodes(periods, territories, programmes):
    return [(p, t, g) for p in periods for t in territories for g in programmes]


def _groups(cells, year: int, parents: dict[str, list[str]]):
    """The additive groups of the protection table: (parent cell, child cells)."""
    keys = list(cells)
    by_node = defaultdict(set)  # (period, territory, programme) → measures present
    for period, territory, programme, measure in keys:
        by_node[(period, territory, programme)].add(measure)
    lines = {(t, g, m) for _p, t, g, m in keys}
    hierarchy = [
        (_period_key(parent), [_period_key(c) for c in children])
        for parent, children in Period.hierarchy(year)
    ]
    for t, g, m in lines:
        for parent, children in hierarchy:
            yield (parent, t, g, m), [(c, t, g, m) for c in children]
    # Territories: each grouping is its communes; all territories are the departments plus
    # the allocations whose commune is unknown ("?").
    members = defaultdict(set)
    for commune, groupings in parents.items():
        for grouping in groupings:
            members[grouping].add(commune)
    members[""] = {g for gs in parents.values() for g in gs if g.startswith("D")} | {"?"}
    programmes = {g for _p, _t, g, _m in keys if g != "all"}
    points = {(p, g, m) for p, _t, g, m in keys}
    for p, g, m in points:
        for grouping, children in members.items():
            yield (p, grouping, g, m), [(p, c, g, m) for c in sorted(children)]
    for p, t, _g, m in {(p, t, "all", m) for p, t, _g, m in keys}:
        yield (p, t, "all", m), [(p, t, g, m) for g in sorted(programmes, key=repr)]
    for node, measures in by_node.items():
        for parent, children in CATEGORY_GROUPS:
            if isinstance(children, str):
                children = sorted(m for m in measures if m.startswith(children))
            yield (*node, parent), [(*node, c) for c in children]


def _protect(report: FunderReport, hidden) -> None:
    """Replace every figure a funder may not read by HIDDEN. Money, impact, shares and lead
    times are computed from counts (a charge divided by the tariff gives a count back): each
    is hidden with the counts it stands on."""

    def cell(measure: str, value):
        return HIDDEN if hidden(measure) else value

    devices_hidden = hidden("devices")
    report.devices = cell("devices", report.devices)
    report.people = cell("people", report.people)
    report.to_people = cell("to_people", report.to_people)
    report.to_structures = cell("to_structures", report.to_structures)
    report.by_type = [(c, label, cell(f"type:{c}", n)) for c, label, n in report.by_type]
    report.by_age = [(c, label, cell(f"age:{c}", n)) for c, label, n in report.by_age]
    report.by_situation = [
        (c, label, cell(f"situation:{c}", n)) for c, label, n in report.by_situation
    ]
    report.by_proof = [(c, label, cell(f"proof:{c}", n)) for c, label, n in report.by_proof]
    report.trained = cell("trained", report.trained)
    report.waived = cell("waived", report.waived)
    if devices_hidden or hidden("to_people"):
        report.charges_due = report.collected = HIDDEN
    if devices_hidden:
        # A weight is a count times a type's default: hidden with the count.
        report.co2e_kg = report.materials_kg = HIDDEN
        report.reused_kg = report.reused_t = HIDDEN
        report.unweighed = 0
        report.to_ready = report.to_allocated = LeadTime(0, None, None)
    if hidden("exemptions"):
        report.exemptions = report.exempted_amount = HIDDEN
    if hidden("qpv") or hidden("nonqpv"):
        report.qpv_share = HIDDEN
    # Donors are listed by name: their "handed over" column is a category of the devices.
    donor_ids = report.donor_ids
    report.donors = [
        (name, given, cell(f"donor:{pk}", reused), scrapped)
        for pk, (name, given, reused, scrapped) in zip(donor_ids, report.donors, strict=True)
    ]
    if report.other_donors:
        n, given, reused, scrapped = report.other_donors
        rest = donor_ids[DONORS_SHOWN:]
        if any(hidden(f"donor:{pk}") for pk in rest):
            reused = HIDDEN
        report.other_donors = (n, given, reused, scrapped)
    report.communes = {
        code: HIDDEN if hidden("devices", territory=code) else n
        for code, n in report.communes.items()
    }


def funder_report_pdf(report: FunderReport) -> bytes:
    # The report is the coordination's: its identity heads the document.
    issuer = Organisation.objects.filter(kind=OrganisationKind.COORDINATION).order_by("pk").first()
    return render_pdf(
        "reports/funder_pdf.html",
        {"report": report, "charts": report.charts(), "issuer": issuer},
    )


def _rows(report: FunderReport) -> list[list]:
    def s(value):  # already protected for funders
        return value

    rows = [
        [_("Period"), str(report.filters.period or _period_range(report.filters))],
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
        [_("Weight reused (kg)"), report.reused_kg],
        [_("kg of raw materials avoided"), report.materials_kg],
    ]
    rows += [[_("Devices: %(type)s") % {"type": label}, s(n)] for _c, label, n in report.by_type]
    rows += [[_("Age band: %(band)s") % {"band": label}, s(n)] for _c, label, n in report.by_age]
    rows += [[_("Situation: %(s)s") % {"s": label}, s(n)] for _c, label, n in report.by_situation]
    rows += [
        [_("Proof of eligibility: %(kind)s") % {"kind": k}, s(n)] for _c, k, n in report.by_proof
    ]
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


def _period_range(filters: FunderFilters) -> str:
    return f"{filters.date_from:%d/%m/%Y} – {filters.date_to:%d/%m/%Y}"


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
