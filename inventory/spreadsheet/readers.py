"""Reading donor spreadsheets: the file's kind judged on its content (CSV or XLSX, zip bombs
and XML entities refused before openpyxl), then its cells, from the header row on.

``read_sheet`` turns an uploaded file into a ``ParsedSheet`` (header located, columns mapped to
canonical fields, one ``SheetRow`` per non-blank data row, with its row number in the workbook,
or for CSV the line of the file where the record starts). Cells stay text: the value parsers
are in ``inventory.values``."""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter

import openpyxl
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from core.text import UTF16_BOMS, decode_text

from .errors import SpreadsheetError
from .headers import (
    HEADER_SEARCH_ROWS,
    Header,
    check_duplicates,
    no_header_error,
    pick_header,
)

MAX_ROWS = 200_000


@dataclass(slots=True)
class SheetRow:
    line: int
    values: dict[str, str]


@dataclass(slots=True)
class CellProblem:
    """A cell that cannot be taken as it is (a formula): the importer reports it by line
    and column, and its row is not imported."""

    line: int
    field: str
    message: str


@dataclass
class ParsedSheet:
    header_line: int
    columns: dict[str, str]
    unknown_columns: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


# A CSV cell a spreadsheet would run as a formula: "=" then anything; "@SUM(", "+A1",
# "-cmd|' /C calc'!A0", "+HYPERLINK(". Not "-12,5", "+33 6 12 34 56 78" nor "- rayure".
_CSV_FORMULA_RE = re.compile(
    r"""=\S.*
    | [+\-@] \s* (?: [A-Za-z_][\w.]* \( .* )      # a function call
    | [+\-] \$?[A-Za-z]{1,3}\$?\d+ (?:\W.*)?     # a cell reference: +A1, -B$12*2
    | [+\-@] .* \| .* ! .*                        # a DDE link: cmd|'...'!A0
    """,
    re.VERBOSE | re.DOTALL,
)


def _csv_formula_problems(rows: list[SheetRow]) -> list[CellProblem]:
    problems = []
    for row in rows:
        for name, value in row.values.items():
            if value[:1] in ("=", "+", "-", "@") and _CSV_FORMULA_RE.fullmatch(value):
                message = _(
                    "Formula ignored: the cell starts like a formula (“%(formula)s”), which a "
                    "spreadsheet would run instead of showing it. Type the value itself, "
                    "without the leading “%(sign)s”."
                ) % {"formula": _excerpt(value), "sign": value[0]}
                problems.append(CellProblem(row.line, name, message))
    return problems


def _too_many_rows() -> SpreadsheetError:
    return SpreadsheetError(
        _("The file has more than %(max)s rows: split it into several files.")
        % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
    )


# --------------------------------------------------------------------------------------------
# Content checks
# --------------------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_XLSX_EXTENSIONS = {"xlsx", "xlsm"}
_OTHER_SPREADSHEETS = {"ods", "numbers", "xlsb", "fods", "xml", "pdf", "doc", "docx", "odt"}


# Zip bombs: an XLSX is a zip archive, and its central directory says how large each part
# inflates to (zipfile never yields more than that). A real 200,000-row workbook inflates to
# about 100 MB at a ratio under 20; a bomb needs a ratio in the thousands.
XLSX_MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
XLSX_MAX_RATIO = 200
XLSX_RATIO_FROM_BYTES = 1024 * 1024  # small parts (styles, empty sheets) may compress oddly
XLSX_MAX_MEMBERS = 10_000
_DTD_SCAN_BYTES = 64 * 1024
# A text file has no NUL bytes; a few stray ones (a truncated export) are tolerated and dropped.
_MAX_NUL_SHARE = 0.01
_MAX_STRAY_NULS = 16


def check_content(content: bytes, filename: str) -> str:
    """The file's kind judged on its bytes, not its name: "xlsx" or "csv", or SpreadsheetError.

    Cheap (no XML parsed, no cell read): the upload form runs it before anything is stored."""
    name = (filename or "").strip().lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension == "xls":
        raise SpreadsheetError(
            _(
                "Excel 97-2003 files (.xls) cannot be read: open the file in Excel or "
                "LibreOffice and save it as .xlsx or .csv."
            )
        )
    if extension in _OTHER_SPREADSHEETS:
        raise SpreadsheetError(
            _(
                "Files of type .%(extension)s cannot be read: open the file in your "
                "spreadsheet software and save it as .xlsx or .csv."
            )
            % {"extension": extension}
        )
    if not content or not content.strip():
        raise SpreadsheetError(_("The file is empty."))
    if content.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            _(
                "This file is in the old Excel format (.xls) or is protected by a password: "
                "remove the password, then save it as .xlsx or .csv."
            )
        )
    if content.startswith(_ZIP_MAGIC):
        check_xlsx_archive(content)
        return "xlsx"
    if extension in _XLSX_EXTENSIONS:
        raise SpreadsheetError(_damaged_xlsx_message())
    utf16 = content.startswith(UTF16_BOMS)
    nuls = 0 if utf16 else content.count(b"\x00")  # half of UTF-16 is NUL bytes
    if nuls > _MAX_STRAY_NULS and nuls > len(content) * _MAX_NUL_SHARE:
        raise _not_a_spreadsheet()
    return "csv"


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(
        _("This file is not a spreadsheet: upload a .xlsx file or a .csv file.")
    )


def _zip_bomb_error() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "This workbook would take far more room once opened than a spreadsheet of devices "
            "can (it may be a “zip bomb”): it was refused. Save the sheet again as .xlsx or "
            ".csv from your spreadsheet software."
        )
    )


def _xml_entities_error() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "This workbook contains XML entity declarations, which spreadsheet software never "
            "writes: it was refused for safety. Save the sheet again as .xlsx or .csv from "
            "your spreadsheet software."
        )
    )


def check_xlsx_archive(content: bytes) -> None:
    """Refuse a zip that is not a workbook, a zip bomb, or XML with a DTD, before openpyxl."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise SpreadsheetError(_damaged_xlsx_message()) from error
    with archive:
        members = archive.infolist()
        names = {info.filename for info in members}
        if len(members) > XLSX_MAX_MEMBERS:
            raise _zip_bomb_error()
        if "[Content_Types].xml" not in names:
            if "mimetype" in names or "content.xml" in names:
                raise SpreadsheetError(
                    _(
                        "Files of type .%(extension)s cannot be read: open the file in your "
                        "spreadsheet software and save it as .xlsx or .csv."
                    )
                    % {"extension": "ods"}
                )
            raise SpreadsheetError(
                _(
                    "This file is a zip archive, not an Excel workbook: upload a .xlsx file or "
                    "a .csv file."
                )
            )
        total = 0
        for info in members:
            total += info.file_size
            if total > XLSX_MAX_UNCOMPRESSED_BYTES:
                raise _zip_bomb_error()
            if info.file_size > XLSX_RATIO_FROM_BYTES and info.file_size > XLSX_MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise _zip_bomb_error()
        # Billion laughs: caught by defusedxml when openpyxl parses, refused here with a
        # clearer message (a DTD sits before the root element, so the start is enough).
        for info in members:
            if not info.filename.endswith((".xml", ".rels")) or info.is_dir():
                continue
            try:
                with archive.open(info) as part:
                    head = part.read(_DTD_SCAN_BYTES)
            except (
                zipfile.BadZipFile,
                zlib.error,
                NotImplementedError,
                ValueError,
                OSError,
                EOFError,
            ) as e:
                raise SpreadsheetError(_damaged_xlsx_message()) from e
            except RuntimeError as error:  # an encrypted member
                raise SpreadsheetError(_damaged_xlsx_message()) from error
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise _xml_entities_error()


def read_sheet(content: bytes, filename: str) -> ParsedSheet:
    """Read a donor spreadsheet (CSV or XLSX) into a ParsedSheet, or raise SpreadsheetError."""
    if check_content(content, filename) == "xlsx":
        return _read_xlsx(content)
    return _read_csv(content)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------

_DELIMITERS = (";", ",", "\t")


def _decode(content: bytes) -> str:
    # Not UTF-8: Windows-1252 (its five undefined bytes become U+FFFD), unless NUL bytes near
    # the start say it is no text at all.
    fallback = None if b"\x00" in content[:4096] else "cp1252"
    try:
        return decode_text(content, utf16=True, fallback=fallback)[0]
    except UnicodeDecodeError:
        raise _not_a_spreadsheet() from None


def _csv_records(reader):
    """(line where the record starts, cells) for each record, blank lines included."""
    start = reader.line_num + 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _first_non_blank(records, limit: int) -> list[tuple[int, list[str]]]:
    found = []
    for line, cells in records:
        cells = [cell.strip() for cell in cells]
        if any(cells):
            found.append((line, cells))
            if len(found) >= limit:
                break
    return found


def _csv_error(reader) -> SpreadsheetError:
    line = reader.line_num or 1
    return SpreadsheetError(
        _(
            "The file could not be read as CSV near line %(line)s: check that it is a text "
            "file exported from a spreadsheet."
        )
        % {"line": line},
        line=line,
    )


# Python's own default: a longer cell is a damaged file. Set at each read, since the limit
# is process-wide and a library imported elsewhere (frictionless) raises it to 2 GB.
CSV_CELL_MAX = 131_072


def _read_csv(content: bytes) -> ParsedSheet:
    csv.field_size_limit(CSV_CELL_MAX)
    text = _decode(content)
    if "\x00" in text:  # stray NUL characters: invisible, and refused by PostgreSQL
        text = text.replace("\x00", "")
    if "\r\n" in text:
        # Same line count (a CRLF is one line break either way); cells keep plain "\n".
        text = text.replace("\r\n", "\n")
    # The delimiter is the one that makes a header row appear (the most recognised columns,
    # then the most cells): counting characters is misled by "15,6" or "1,5 To".
    best = None
    first_error = None
    for delimiter in _DELIMITERS:
        if delimiter not in text:
            continue
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = _csv_records(reader)
        try:
            candidates = _first_non_blank(records, HEADER_SEARCH_ROWS)
        except csv.Error:
            first_error = first_error or _csv_error(reader)
            continue
        header = pick_header(candidates)
        if header is None:
            continue
        if best is None or (header.score, header.width) > (best[0].score, best[0].width):
            best = (header, candidates, records, reader)
    if best is None:
        raise first_error or no_header_error()
    header, candidates, records, reader = best
    check_duplicates(header, candidates[header.index][1])
    rows = _collect_rows(header, candidates[header.index + 1 :])
    try:
        rows.extend(_collect_rows(header, records, len(rows)))
    except csv.Error as error:
        raise _csv_error(reader) from error
    return ParsedSheet(
        header_line=header.line,
        columns=header.columns,
        unknown_columns=header.unknown,
        rows=rows,
        problems=_csv_formula_problems(rows),
    )


def _collect_rows(header: Header, records, already: int = 0) -> list[SheetRow]:
    """SheetRows for the mapped columns of each non-blank record (cells are str)."""
    fields = tuple(header.mapping)
    getter = itemgetter(*header.mapping.values())  # at least two columns: returns a tuple
    width = max(header.mapping.values()) + 1
    padding = [""] * width
    strip = str.strip
    limit = MAX_ROWS - already
    rows: list[SheetRow] = []
    append = rows.append
    for line, cells in records:
        if len(cells) < width:
            if not cells:
                continue
            cells = list(cells) + padding[: width - len(cells)]
        values = tuple(map(strip, getter(cells)))
        if not any(values):
            continue
        if len(rows) >= limit:
            raise _too_many_rows()
        append(SheetRow(line, dict(zip(fields, values, strict=True))))
    return rows


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _damaged_xlsx_message() -> str:
    return _(
        "The file could not be opened as an Excel workbook (.xlsx): it may be damaged. Open it "
        "in your spreadsheet software and save it again as .xlsx or .csv."
    )


def _format_float(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    if math.isinf(value) or math.isnan(value):
        return ""
    text = repr(value)
    if len(text) > 17:  # 0.1 + 0.2: show what the spreadsheet shows (15 significant digits)
        text = f"{value:.15g}"
    return text


def _cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is float or kind is int:
        number_format = cell.number_format
        if number_format and "%" in number_format:
            return _format_float(round(float(value) * 100, 9)) + " %"
        return _format_float(value) if kind is float else str(value)
    if kind is bool:
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, time):
        return value.strftime("%H:%M") if not value.second else value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _xlsx_records(worksheet):
    worksheet.reset_dimensions()  # some generators write a wrong <dimension>
    return enumerate(worksheet.iter_rows(), start=1)


def _read_xlsx(content: bytes) -> ParsedSheet:
    if not openpyxl.DEFUSEDXML:  # OPENPYXL_DEFUSEDXML=False: fail closed
        raise SpreadsheetError(_damaged_xlsx_message())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # zipfile, XML, KeyError…: all mean "cannot open"
            raise _workbook_error(error) from error
        try:
            sheet, worksheet, mapping = _read_workbook(workbook)
            if _has_formulas(content):
                sheet.problems = _uncomputed_formulas(
                    content, worksheet, mapping, sheet.header_line
                )
            return sheet
        except SpreadsheetError:
            raise
        except Exception as error:
            raise _workbook_error(error) from error
        finally:
            workbook.close()


def _workbook_error(error: BaseException) -> SpreadsheetError:
    """defusedxml's refusal (entities, DTD) is often wrapped by openpyxl in a ValueError."""
    seen = 0
    cause: BaseException | None = error
    while cause is not None and seen < 10:
        if isinstance(cause, DefusedXmlException):
            return _xml_entities_error()
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return SpreadsheetError(_damaged_xlsx_message())


# <f> (or <x:f>) holds a cell's formula; <v> beside it, the value last computed.
_FORMULA_TAG_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(content: bytes) -> bool:
    """Any formula in the worksheets? Most donor files have none: no second pass then."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with archive.open(info) as part:  # in chunks: a sheet may inflate to 100 MB
                tail = b""
                while chunk := part.read(1024 * 1024):
                    if _FORMULA_TAG_RE.search(tail + chunk):
                        return True
                    tail = chunk[-16:]  # a tag cut between two chunks
    return False


def _uncomputed_formulas(
    content: bytes, computed, mapping: dict[str, int], header_line: int
) -> list[CellProblem]:
    """The formulas of the mapped cells that have no computed value. openpyxl's data_only
    read (`computed`, the worksheet already read) gives the value a spreadsheet saved with
    each formula, and None when there is none (files written by scripts): such a cell is
    reported, never silently emptied. A formula whose result is an empty text is typed "str"
    with an empty value: that one is a value."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        formulas = workbook[computed.title]
        formulas.reset_dimensions()
        problems = []
        start = header_line + 1
        rows = zip(
            computed.iter_rows(min_row=start), formulas.iter_rows(min_row=start), strict=False
        )
        for line, (values, cells) in enumerate(rows, start=start):
            for name, index in mapping.items():
                cell = cells[index] if index < len(cells) else _EMPTY
                if getattr(cell, "data_type", None) != "f":
                    continue
                value = values[index] if index < len(values) else _EMPTY
                if value.value is not None or getattr(value, "data_type", None) == "str":
                    continue
                message = _(
                    "Formula ignored: the cell holds the formula “%(formula)s” but no computed "
                    "value. Open the file in Excel or LibreOffice and save it again, or type "
                    "the value."
                ) % {"formula": _excerpt(str(cell.value))}
                problems.append(CellProblem(line, name, message))
        return problems
    finally:
        workbook.close()


def _read_workbook(workbook) -> tuple[ParsedSheet, object, dict[str, int]]:
    """The first worksheet with a header: its rows, the worksheet and its column mapping."""
    for worksheet in workbook.worksheets:
        if not hasattr(worksheet, "iter_rows"):
            continue
        records = _xlsx_records(worksheet)
        candidates = []
        for line, cells in records:
            texts = [_cell_text(cell) for cell in cells]
            if any(texts):
                candidates.append((line, texts))
                if len(candidates) >= HEADER_SEARCH_ROWS:
                    break
        header = pick_header(candidates)
        if header is None:
            continue
        check_duplicates(header, candidates[header.index][1])
        rows = _collect_rows(header, candidates[header.index + 1 :])
        rows.extend(_collect_xlsx_rows(header, records, len(rows)))
        sheet = ParsedSheet(
            header_line=header.line,
            columns=header.columns,
            unknown_columns=header.unknown,
            rows=rows,
        )
        return sheet, worksheet, header.mapping
    raise no_header_error()


def _collect_xlsx_rows(header: Header, records, already: int) -> list[SheetRow]:
    fields = tuple(header.mapping)
    getter = itemgetter(*header.mapping.values())
    width = max(header.mapping.values()) + 1
    limit = MAX_ROWS - already
    rows: list[SheetRow] = []
    append = rows.append
    for line, cells in records:
        if len(cells) < width:
            if not cells:
                continue
            cells = tuple(cells) + (_EMPTY,) * (width - len(cells))
        values = tuple(map(_cell_text, getter(cells)))
        if not any(values):
            continue
        if len(rows) >= limit:
            raise _too_many_rows()
        append(SheetRow(line, dict(zip(fields, values, strict=True))))
    return rows


class _EmptyCell:
    value = None
    number_format = None


_EMPTY = _EmptyCell()
