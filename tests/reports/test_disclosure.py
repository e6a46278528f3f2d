"""Funders cannot difference their way to one person (issue 13, point 10).

The attack of the issue: comparing 10/06→10/06 with 10/06→11/06 told the age band, situation,
training and charge of the one person equipped on 11 June. Free ranges are now refused; the
attacker below asks every whole period, territory and programme it may, then solves every
"total = sum of its parts" equation it knows with one unknown, again and again: it never learns
a figure between 1 and 4."""

import datetime
import itertools
import random

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.enums import Role
from beneficiaries.enums import AgeBand, CoopSituation
from beneficiaries.models import Allocation
from reports import disclosure, funder
from reports.funder import HIDDEN, FunderFilters, funder_report_build
from reports.jobs import report_job_create, report_job_run
from reports.periods import MONTH, QUARTER, Period
from tests.factories import member
from tests.reports.test_funder_report import funded  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

YEAR_ = 2025
COMMUNES = {"92025": "200057990", "92050": "200057982"}  # Colombes, Nanterre → their EPT
TERRITORIES = ["", "D92", *COMMUNES, *COMMUNES.values()]
# The report's categories: every age band, La Coop's situations (what a funder reads).
AGES = [v for v, _label in AgeBand.choices]
SITUATIONS = [v for v, _label in CoopSituation.choices]


def _at(day: datetime.date, hour=11):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def june(funded):  # noqa: F811
    """A spring of handovers in 2025, and the one person of the issue: equipped on 11 June,
    aged 65 or over, retired."""
    equip = funded["equip"]
    plan = (
        [("colombes", datetime.date(YEAR_, 4, 14), "26-44", "job_seeker")] * 6
        + [("colombes", datetime.date(YEAR_, 5, 20), "45-64", "employed")] * 5
        + [("nanterre", datetime.date(YEAR_, 5, 21), "26-44", "job_seeker")] * 6
        + [("colombes", datetime.date(YEAR_, 6, 10), "26-44", "job_seeker")] * 5
        + [("colombes", datetime.date(YEAR_, 6, 11), "65+", "retired")]
    )
    for i, (where, day, band, situation) in enumerate(plan):
        allocation = equip(where, f"S{i}", band, situation)
        Allocation.objects.filter(pk=allocation.pk).update(handed_over_at=_at(day))
    return funded


def _reader(funded):  # noqa: F811
    return member(funded["funder"], Role.READER, username="funder-attacker")


def _figures(report) -> dict[str, object]:
    figures = {
        "devices": report.devices,
        "people": report.people,
        "to_people": report.to_people,
        "to_structures": report.to_structures,
        "trained": report.trained,
        "waived": report.waived,
        "charges_due": report.charges_due,
    }
    figures |= {f"type:{c}": n for c, _l, n in report.by_type}
    figures |= {f"age:{c}": n for c, _l, n in report.by_age}
    figures |= {f"situation:{c}": n for c, _l, n in report.by_situation}
    return figures


def _periods():
    return (
        [Period(YEAR_)]
        + [Period(YEAR_, QUARTER, q) for q in range(1, 5)]
        + [Period(YEAR_, MONTH, m) for m in range(1, 13)]
    )


def _everything_a_funder_may_ask(user, programmes) -> dict[tuple, object]:
    known = {}
    for period, territory, programme in itertools.product(_periods(), TERRITORIES, programmes):
        report = funder_report_build(
            user=user, filters=FunderFilters.for_period(period, programme, territory)
        )
        for measure, value in _figures(report).items():
            known[(period, territory, programme.pk if programme else None, measure)] = value
    return known


def _equations(programmes):
    """Every "total = sum of parts" the attacker knows, assuming the worst for us: communes
    without figures hold nobody, and the funder's programmes are all there is."""
    progs = [None, *(p.pk for p in programmes if p)]
    measures = ["devices", "people", "to_people", "to_structures", "trained", "waived"]
    types = ["type:laptop", "type:desktop", "type:tablet", "type:smartphone"]
    measures += types + [f"age:{a}" for a in AGES] + [f"situation:{s}" for s in SITUATIONS]
    for t, g, m in itertools.product(TERRITORIES, progs, measures):
        for parent, children in Period.hierarchy(YEAR_):
            yield (parent, t, g, m), [(c, t, g, m) for c in children]
    for p, g, m in itertools.product(_periods(), progs, measures):
        yield (p, "D92", g, m), [(p, c, g, m) for c in COMMUNES]
        yield (p, "", g, m), [(p, "D92", g, m)]
        for commune, ept in COMMUNES.items():
            yield (p, ept, g, m), [(p, commune, g, m)]
    for p, t, m in itertools.product(_periods(), TERRITORIES, measures):
        yield (p, t, None, m), [(p, t, g, m) for g in progs[1:]]
    for p, t, g in itertools.product(_periods(), TERRITORIES, progs):
        node = (p, t, g)
        yield (*node, "devices"), [(*node, m) for m in ("to_people", "to_structures")]
        yield (*node, "people"), [(*node, f"age:{a}") for a in AGES]
        yield (*node, "people"), [(*node, f"situation:{s}") for s in SITUATIONS]
        yield (*node, "people"), [(*node, m) for m in ("trained", "waived")]


def _solve(known: dict, equations) -> dict:
    """Propagate every equation with a single unknown until nothing new comes out."""
    values = {k: v for k, v in known.items() if isinstance(v, int)}
    equations = list(equations)
    learned = {}
    changed = True
    while changed:
        changed = False
        for parent, children in equations:
            unknown = [k for k in (parent, *children) if k not in values]
            if len(unknown) != 1:
                continue
            (key,) = unknown
            if key == parent:
                value = sum(values[c] for c in children)
            else:
                value = values[parent] - sum(values[c] for c in children if c != key)
            values[key] = learned[key] = value
            changed = True
    return learned


def _attack(user, programmes, zeros=()):
    """What the funder learns, told besides which figures are truly zero (the strongest
    attacker: it knows, say, that a structure serves nobody under 18)."""
    shown = _everything_a_funder_may_ask(user, programmes)
    learned = _solve(shown | dict.fromkeys(zeros, 0), _equations(programmes))
    return shown, {k: v for k, v in learned.items() if 0 < v < disclosure.THRESHOLD}


def test_free_ranges_are_refused_to_funders(june):
    reader = _reader(june)
    for start, end in [((6, 10), (6, 10)), ((6, 10), (6, 11)), ((6, 1), (6, 29))]:
        free = FunderFilters(datetime.date(YEAR_, *start), datetime.date(YEAR_, *end))
        with pytest.raises(ValueError, match="entiers"):
            funder_report_build(user=reader, filters=free)
    # A job asked with free dates (an old link, a crafted request) fails with the reason.
    job = report_job_create(
        kind="funder", fmt="csv", user=reader, params={"from": "2025-06-10", "to": "2025-06-11"}
    )
    job = report_job_run(job_id=job.pk)
    assert job.status == "failed" and "entiers" in job.message and not job.file


def test_the_form_offers_whole_periods_only(client, june):
    client.force_login(_reader(june))
    page = client.get(reverse("beneficiaries:funder_report"), {"year": YEAR_, "part": "06"})
    body = page.content.decode()
    assert 'type="date"' not in body and "juin 2025" in body
    assert 'name="part"' in body and 'name="date_from"' not in body
    crafted = client.get(
        reverse("beneficiaries:funder_report"),
        {"date_from": "2025-06-10", "date_to": "2025-06-11", "year": YEAR_, "part": "06-10"},
    )
    assert crafted.status_code == 200 and 'id="figures"' not in crafted.content.decode()


def _zeros(coordinator, programmes):
    """The figures that are truly zero (2025 holds only the funder's programme: the
    coordinator's exact figures are the funder's)."""
    truth = _everything_a_funder_may_ask(coordinator, programmes)
    return [k for k, v in truth.items() if v == 0]


def test_the_one_person_of_june_cannot_be_found_by_differencing(june, coordinator):
    reader = _reader(june)
    programmes = [None, june["programme"]]
    known, small = _attack(reader, programmes, _zeros(coordinator, programmes))
    assert small == {}, f"the attacker learned {small}"
    # The month itself tells nothing about the person: their band and situation are hidden
    # and read like the empty ones.
    june = (Period(YEAR_, MONTH, 6), "", None)
    june_cells = {m: v for (p, t, g, m), v in known.items() if (p, t, g) == june}
    assert june_cells["age:65+"] == june_cells["age:u18"] == HIDDEN
    assert june_cells["situation:retired"] == june_cells["situation:schooled"] == HIDDEN
    # Money stands on counts: wherever the people or devices are hidden, so are the charges.
    for (p, t, g, m), v in known.items():
        if m in ("devices", "to_people") and v == HIDDEN:
            assert known[(p, t, g, "charges_due")] == HIDDEN, (p, t, g)
    # Not everything is hidden: the protection leaves the spring's figures readable.
    spring = {m: v for (p, t, g, m), v in known.items() if (p, t, g) == (Period(YEAR_), "", None)}
    assert spring["devices"] == 23 and spring["type:laptop"] == 23


def test_without_the_secondary_suppression_the_attack_succeeds(june, coordinator, monkeypatch):
    """The attacker is strong enough: with only "below 5 is hidden", it finds the person."""
    programmes = [None, june["programme"]]
    zeros = _zeros(coordinator, programmes)
    monkeypatch.setattr(
        disclosure,
        "suppress",
        lambda cells, groups, threshold=disclosure.THRESHOLD: {
            k for k, n in cells.items() if n < threshold
        },
    )
    _known, small = _attack(_reader(june), programmes, zeros)
    june_65 = (Period(YEAR_, MONTH, 6), "", None, "age:65+")
    assert small[june_65] == 1


def test_staff_see_exact_figures_for_any_range(june, coordinator):
    free = FunderFilters(datetime.date(YEAR_, 6, 10), datetime.date(YEAR_, 6, 11))
    report = funder_report_build(user=coordinator, filters=free)
    assert report.devices == 6 and dict((c, n) for c, _l, n in report.by_age)["65+"] == 1


# The rule itself, on random tables.

GROUP_SHAPES = st.lists(st.integers(0, 12), min_size=2, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(GROUP_SHAPES, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_no_group_is_left_with_a_single_sensitive_hidden_cell(rows, rnd):
    """A two-level table (rows of cells, each row a total, a grand total), as a year of
    quarters of months: after suppress(), no equation has exactly one unknown that counts
    somebody, and the attacker's propagation learns no small figure."""
    cells, groups = {}, []
    for r, row in enumerate(rows):
        for c, n in enumerate(row):
            cells[("cell", r, c)] = n
        cells[("row", r)] = sum(row)
        groups.append((("row", r), [("cell", r, c) for c in range(len(row))]))
    cells["total"] = sum(cells[("row", r)] for r in range(len(rows)))
    groups.append(("total", [("row", r) for r in range(len(rows))]))
    rnd.shuffle(groups)
    hidden = disclosure.suppress(cells, groups)
    for parent, children in groups:
        sensitive = [k for k in (parent, *children) if k in hidden and cells[k] > 0]
        assert len(sensitive) != 1, (parent, children, hidden)
    known = {k: (HIDDEN if k in hidden else v) for k, v in cells.items()}
    learned = _solve(known, groups)
    assert not {k: v for k, v in learned.items() if 0 < v < disclosure.THRESHOLD}


def test_a_hidden_parent_is_not_given_back_by_its_children():
    """Q4 hidden to protect December must not be the sum of three shown months."""
    months = {("m", i): n for i, n in enumerate([9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 7, 2])}
    quarters = {("q", q): sum(months[("m", 3 * q + i)] for i in range(3)) for q in range(4)}
    cells = months | quarters | {"year": sum(quarters.values())}
    groups = [("year", list(quarters))] + [
        (("q", q), [("m", 3 * q + i) for i in range(3)]) for q in range(4)
    ]
    hidden = disclosure.suppress(cells, groups)
    known = {k: (HIDDEN if k in hidden else v) for k, v in cells.items()}
    assert ("m", 11) in hidden
    assert not {k: v for k, v in _solve(known, groups).items() if 0 < v < 5}


def test_zero_reads_like_a_small_figure():
    hidden = disclosure.suppress({"total": 12, "a": 12, "b": 0}, [("total", ["a", "b"])])
    assert hidden == {"b"}  # an empty category is hidden, and protects nobody
    assert disclosure.is_hidden("c", {"total": 12}, hidden)  # never counted: zero, hidden


def test_many_random_handover_years_resist_the_attack_on_the_table():
    """The funder's protection table on random data, attacked through its own groups."""
    rnd = random.Random(13)
    for _ in range(30):
        cells = {}
        for month in range(1, 13):
            for commune in ("A", "B", "C"):
                cells[(Period(YEAR_, MONTH, month), commune)] = rnd.choice([0, 0, 1, 2, 3, 5, 7])
        for month in range(1, 13):
            m = Period(YEAR_, MONTH, month)
            cells[(m, "D")] = sum(cells[(m, c)] for c in "ABC")
        for parent, children in Period.hierarchy(YEAR_):
            for t in "ABCD":
                cells[(parent, t)] = sum(cells.get((c, t), 0) for c in children)
        groups = [
            ((parent, t), [(c, t) for c in children])
            for parent, children in Period.hierarchy(YEAR_)
            for t in "ABCD"
        ]
        groups += [((p, "D"), [(p, c) for c in "ABC"]) for p in _periods()]
        hidden = disclosure.suppress(cells, groups)
        known = {k: (HIDDEN if k in hidden else v) for k, v in cells.items()}
        assert not {k: v for k, v in _solve(known, groups).items() if 0 < v < 5}


def test_the_rule_is_documented():
    from pathlib import Path

    text = (Path(funder.__file__).resolve().parents[1] / "docs" / "privacy.md").read_text()
    assert "secondary suppression" in text.lower() and "whole month" in text.lower()
