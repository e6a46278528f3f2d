"""Check a CSV against the national schema's own schema.json, with frictionless (a Table Schema
validator), and say what it finds in French, by line and column.

The schema shipped is LaMednum/standard-mediation-num v1.0.1 (beneficiaries/schemas/, see its
README.md for where it comes from). beneficiaries.mednum reads files leniently; this module says
whether a file conforms, field by field, as the national map's own checks would."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import decode_text

SCHEMA_VERSION = "1.0.1"
SCHEMA_PATH = (
    Path(__file__).resolve().parent
    / "schemas"
    / f"lieux-mediation-numerique-{SCHEMA_VERSION}.schema.json"
)
# A whole national file with errors on every row must not make a page of 100,000 lines.
MAX_ERRORS = 500

_CONSTRAINT = re.compile(r'constraint "(\w+)"')
_TYPE_NOTE = re.compile(r'type is "(\w+)')
_TYPES = {
    "date": gettext_lazy("a date (YYYY-MM-DD)"),
    "number": gettext_lazy("a number"),
    "integer": gettext_lazy("a whole number"),
}


@dataclass(frozen=True)
class SchemaError:
    line: int | None  # physical line where the row starts (the header is line 1); None: file
    column: str  # the schema's column name, "" for the row or the file
    message: str  # translated


@cache
def schema_descriptor() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def field_names() -> list[str]:
    return [field["name"] for field in schema_descriptor()["fields"]]


def _physical_lines(text: str) -> dict[int, int]:
    """Row number as frictionless counts it (header 1, blank rows skipped) -> physical line."""
    lines: dict[int, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    number = 0
    for row in reader:
        start, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in row):
            number += 1
            lines[number] = start
    return lines


def _message(error) -> str:
    kind = error.type
    column = getattr(error, "field_name", "") or ""
    cell = getattr(error, "cell", "") or ""
    note = getattr(error, "note", "") or ""
    if kind == "constraint-error":
        found = _CONSTRAINT.search(note)
        constraint = found.group(1) if found else ""
        if constraint == "required":
            return _("The column %(column)s is required by the schema and is empty.") % {
                "column": column
            }
        if constraint == "pattern":
            return _("“%(value)s” does not follow the schema's rule for %(column)s.") % {
                "value": cell,
                "column": column,
            }
        if constraint == "maxLength":
            return _("The value of %(column)s is longer than the schema allows.") % {
                "column": column
            }
        if constraint == "enum":
            return _("“%(value)s” is not one of the values the schema allows for %(column)s.") % {
                "value": cell,
                "column": column,
            }
    if kind == "type-error":
        found = _TYPE_NOTE.search(note)
        field_type = found.group(1) if found else ""
        return _("“%(value)s” is not of the type the schema requires for %(column)s: %(type)s.") % {
            "value": cell,
            "type": _TYPES.get(field_type, field_type),
            "column": column,
        }
    if kind == "primary-key":
        return _("The id is missing or already used on another line: it must be unique.")
    if kind == "unique-error":
        return _("The value of %(column)s is already used on another line.") % {"column": column}
    if kind == "extra-cell":
        return _("The row has more values than the header has columns.")
    if kind == "missing-cell":
        return _("The row has fewer values than the header has columns.")
    if kind == "missing-label":
        return _("The column %(column)s of the schema is missing.") % {"column": column}
    if kind in ("extra-label", "incorrect-label"):
        return _("The column “%(label)s” is not where the schema expects %(column)s.") % {
            "label": getattr(error, "label", "") or "",
            "column": column or "—",
        }
    if kind in ("duplicate-label", "blank-label"):
        return _("The header has an empty or repeated column name.")
    return _("The file does not follow the schema (%(kind)s): %(note)s") % {
        "kind": kind,
        "note": note,
    }


def validate_mednum_schema(content: bytes) -> list[SchemaError]:
    """The file's departures from the schema (empty when it conforms), at most MAX_ERRORS."""
    # frictionless is heavy to import and only needed here.
    from frictionless import Resource, Schema

    text, _encoding = decode_text(bytes(content), fallback="cp1252")
    text = text.lstrip("\ufeff")
    lines = _physical_lines(text)
    resource = Resource(
        text.encode("utf-8"),
        format="csv",
        encoding="utf-8",
        schema=Schema.from_descriptor(schema_descriptor()),
    )
    report = resource.validate(limit_errors=MAX_ERRORS)
    out: list[SchemaError] = []
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            line = lines.get(row, row) if row else (1 if hasattr(error, "label") else None)
            out.append(SchemaError(line, getattr(error, "field_name", "") or "", _message(error)))
    for error in report.errors:  # about the resource itself (unreadable…)
        out.append(SchemaError(None, "", _message(error)))
    return out
