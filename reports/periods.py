"""Reporting periods a funder may choose: a whole month, a whole quarter or a whole year.

Free day-by-day ranges let two overlapping reports be subtracted to isolate one person; whole
calendar periods nest (months in quarters in a year), which the disclosure control of
reports/disclosure.py knows and protects."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str = YEAR
    index: int = 1  # month 1-12 or quarter 1-4; 1 for a year

    @classmethod
    def parse(cls, text: str) -> "Period":
        """ "2026", "2026-Q2" or "2026-06"; ValueError otherwise."""
        match = _PATTERN.match((text or "").strip().upper())
        if not match or not 2000 <= int(match["year"]) <= 2100:
            raise ValueError(_("Choose a whole month, quarter or year between 2000 and 2100."))
        year = int(match["year"])
        if match["quarter"]:
            return cls(year, QUARTER, int(match["quarter"]))
        if match["month"]:
            return cls(year, MONTH, int(match["month"]))
        return cls(year)

    @classmethod
    def from_range(cls, start: date, end: date) -> "Period | None":
        """The whole period that starts on `start` and ends on `end`, or None."""
        for candidate in (
            cls(start.year),
            cls(start.year, QUARTER, (start.month - 1) // 3 + 1),
            cls(start.year, MONTH, start.month),
        ):
            if (candidate.start, candidate.end) == (start, end):
                return candidate
        return None

    @property
    def key(self) -> str:
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.index}"
        if self.kind == MONTH:
            return f"{self.year}-{self.index:02d}"
        return str(self.year)

    def __str__(self) -> str:
        if self.kind == QUARTER:
            return _("Q%(q)s %(year)s") % {"q": self.index, "year": self.year}
        if self.kind == MONTH:
            return formats.date_format(self.start, "F Y")
        return str(self.year)

    @property
    def start(self) -> date:
        first_month = {YEAR: 1, QUARTER: 3 * self.index - 2, MONTH: self.index}[self.kind]
        return date(self.year, first_month, 1)

    @property
    def end(self) -> date:
        last_month = {YEAR: 12, QUARTER: 3 * self.index, MONTH: self.index}[self.kind]
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def months(self) -> list["Period"]:
        first = self.start.month
        last = self.end.month
        return [Period(self.year, MONTH, m) for m in range(first, last + 1)]

    @staticmethod
    def hierarchy(year: int) -> list[tuple["Period", list["Period"]]]:
        """(parent, children) of a calendar year: the year is its quarters, a quarter its
        months. Every figure of a period is the sum of its children's."""
        quarters = [Period(year, QUARTER, q) for q in range(1, 5)]
        groups = [(Period(year), quarters)]
        groups += [(q, q.months()) for q in quarters]
        return groups

    def contains(self, month: "Period") -> bool:
        return self.year == month.year and self.start <= month.start <= self.end


def period_choices() -> list[tuple[str, str]]:
    """The part of a year a funder may pick: the whole year, a quarter or a month."""
    choices = [("", _("Whole year"))]
    choices += [(f"Q{q}", _("Quarter %(q)s") % {"q": q}) for q in range(1, 5)]
    choices += [
        (f"{m:02d}", formats.date_format(date(2000, m, 1), "F").capitalize()) for m in range(1, 13)
    ]
    return choices
