"""The one way to write a spreadsheet or a CSV file: every text cell is neutralised here.

A cell starting with = + - @ tab or CR is prefixed with a quote, which spreadsheets show as text
and never run (OWASP CSV injection). django-import-export's own option only strips a leading
"=", so its resources call `escape_cell` too (inventory.resources)."""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses longer sheet titles.
SHEET_TITLE_MAX = 31
# Dates as French spreadsheets read and show them (day first); XLSX cells stay dates.
CSV_DATE, CSV_DATETIME = "%d/%m/%Y", "%d/%m/%Y %H:%M"
XLSX_DATE, XLSX_DATETIME = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"


def escape_cell(value):
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _local(value):
    """An aware datetime in local time without its zone (spreadsheets know no time zones)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _xlsx_cell(value):
    value = _local(escape_cell(value))
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
    kept = (str, int, float, bool, datetime.date, datetime.time, datetime.timedelta)
    if value is not None and not isinstance(value, kept):
        return escape_cell(str(value))  # anything else is shown as its text
    return value


def _csv_cell(value, decimal_comma: bool):
    if value is None:
        return ""
    if decimal_comma and isinstance(value, (Decimal, float)):
        # Fixed point (a Decimal may print as "1E+2"), no grouping: the spreadsheet reads it.
        text = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return text.replace(".", ",")
    if decimal_comma and isinstance(value, datetime.date):
        value = _local(value)
        if isinstance(value, datetime.datetime):
            return value.strftime(CSV_DATETIME)
        return value.strftime(CSV_DATE)
    return escape_cell(value)


def csv_bytes(rows: Iterable[Sequence], *, delimiter: str = ";") -> bytes:
    """UTF-8 with a BOM (what French Excel opens correctly), ";" by default, None as empty.
    With ";" the decimals are written with a comma, as the spreadsheets that expect ";" read
    them ("13,40": "13.40" is text or a date there)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    decimal_comma = delimiter == ";"
    for row in rows:
        writer.writerow([_csv_cell(v, decimal_comma) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    title: str
    rows: Iterable[Sequence]
    bold_first_cell: bool = False


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """One workbook, a sheet per `Sheet`, in order."""
    workbook = Workbook()
    first = True
    for sheet in sheets:
        ws = workbook.active if first else workbook.create_sheet()
        first = False
        ws.title = str(sheet.title)[:SHEET_TITLE_MAX]
        for row in sheet.rows:
            cells = [_xlsx_cell(v) for v in row]
            ws.append(cells)
            for column, value in enumerate(cells, start=1):
                if isinstance(value, datetime.date):
                    ws.cell(row=ws.max_row, column=column).number_format = (
                        XLSX_DATETIME if isinstance(value, datetime.datetime) else XLSX_DATE
                    )
        if sheet.bold_first_cell:
            ws["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
