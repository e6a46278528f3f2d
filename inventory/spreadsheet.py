"""Reading and parsing of donor spreadsheets (CSV and XLSX).

This module is pure: no models, no database. ``read_sheet`` turns an uploaded file into a
``ParsedSheet`` (header located, columns mapped to canonical fields, one ``SheetRow`` per
non-blank data row, with its row number in the workbook, or for CSV the line of the file where
the record starts). The ``parse_*`` functions turn one cell into a Python value or raise
``ValueError`` with a translated, concrete message; the import service adds the line number
and the column.

Lenient on purpose: cells such as "-", "N/A", "NC" or "?" parse like empty cells, and
"Sans disque" is an empty storage list.

The downloadable template (``template_csv``/``template_xlsx``) is a French document: its
headers, examples and "Aide" sheet are French whatever the interface language, like the
spreadsheets the donors send.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from operator import itemgetter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import UTF16_BOMS, decode_text

__all__ = [
    "CANONICAL_FIELDS",
    "FIELD_LABELS",
    "HEADER_SYNONYMS",
    "KEYBOARD_LAYOUTS",
    "MAX_ROWS",
    "ParsedSheet",
    "SheetRow",
    "SpreadsheetError",
    "normalise_header",
    "parse_date",
    "parse_device_type",
    "parse_keyboard_layout",
    "parse_money",
    "parse_percent",
    "parse_ram_mb",
    "parse_screen_size",
    "parse_storage",
    "read_sheet",
    "template_csv",
    "template_rows",
    "template_xlsx",
]

CANONICAL_FIELDS = (
    "serial_number",
    "manufacturer",
    "model",
    "device_type",
    "cpu",
    "ram",
    "storage",
    "battery_health",
    "screen_size",
    "keyboard_layout",
    "purchase_date",
    "declared_value",
    "notes",
)

FIELD_LABELS: dict[str, str] = {
    "serial_number": gettext_lazy("Serial number"),
    "manufacturer": gettext_lazy("Manufacturer"),
    "model": gettext_lazy("Model"),
    "device_type": gettext_lazy("Device type"),
    "cpu": gettext_lazy("Processor"),
    "ram": gettext_lazy("Memory (RAM)"),
    "storage": gettext_lazy("Storage"),
    "battery_health": gettext_lazy("Battery health"),
    "screen_size": gettext_lazy("Screen size"),
    "keyboard_layout": gettext_lazy("Keyboard layout"),
    "purchase_date": gettext_lazy("Purchase date"),
    "declared_value": gettext_lazy("Declared value"),
    "notes": gettext_lazy("Notes"),
}

KEYBOARD_LAYOUTS: list[tuple[str, str]] = [
    ("azerty_fr", gettext_lazy("AZERTY (French)")),
    ("azerty_be", gettext_lazy("AZERTY (Belgian)")),
    ("qwerty_us", gettext_lazy("QWERTY (US)")),
    ("qwerty_uk", gettext_lazy("QWERTY (UK)")),
    ("qwertz_de", gettext_lazy("QWERTZ (German)")),
    ("qwertz_ch", gettext_lazy("QWERTZ (Swiss)")),
    ("other", gettext_lazy("Other")),
]

MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 20


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong format, no header found, empty).

    ``str()`` is the translated message; ``line`` is set when the problem is on one line.
    """

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


@dataclass(slots=True)
class SheetRow:
    line: int
    values: dict[str, str]


@dataclass
class ParsedSheet:
    header_line: int
    columns: dict[str, str]
    unknown_columns: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Text folding and headers
# --------------------------------------------------------------------------------------------

_COMBINING_RE = re.compile(r"[\u0300-\u036f]+")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_BRACKETS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def _fold(text: str) -> str:
    """Lowercase without accents (NFKD also turns º into o and no-break spaces into spaces)."""
    text = text.lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return _COMBINING_RE.sub("", text)


def normalise_header(text: str) -> str:
    """Lowercase, accents removed, punctuation and ° replaced by spaces, spaces collapsed."""
    return _NON_ALNUM_RE.sub(" ", _fold(text)).strip()


# Synonyms as a person would type them; normalised when the module is loaded.
_STRONG_SYNONYMS: dict[str, str] = {
    "serial_number": (
        "n° de série|no de série|nº de série|numéro de série|num série|num. série|n série|"
        "n° série|no série|numéro série|numéro de série constructeur|"
        "numéro de série fabricant|n° de série constructeur|serial|serial number|serial no|"
        "serial nr|serial #|serial_number|s/n|sn|n/s|service tag"
    ),
    "manufacturer": (
        "marque|fabricant|constructeur|manufacturer|brand|make|vendor|marque / fabricant|"
        "nom du fabricant"
    ),
    "model": (
        "modèle|model|model name|nom du modèle|modèle exact|référence modèle|réf. modèle|"
        "modèle / référence"
    ),
    "device_type": (
        "type de matériel|type d'équipement|type d'appareil|catégorie|device type|category|"
        "equipment type|type de machine|type d'ordinateur"
    ),
    "cpu": (
        "processeur|cpu|processor|proc|modèle de processeur|type de processeur|modèle processeur"
    ),
    "ram": (
        "mémoire|mémoire vive|ram|memory|ram (go)|mémoire ram|quantité de mémoire|"
        "taille mémoire|capacité mémoire"
    ),
    "storage": (
        "stockage|disque|disque dur|capacité disque|storage|disk|hdd|ssd|hard drive|"
        "capacité de stockage|disque dur / ssd|hdd / ssd|ssd / hdd|taille disque|disques"
    ),
    "battery_health": (
        "batterie|état batterie|santé batterie|battery|battery health|état de la batterie|"
        "santé de la batterie|capacité batterie"
    ),
    "screen_size": (
        "écran|taille écran|taille d'écran|taille de l'écran|screen|screen size|diagonale|"
        "diagonale écran|display size"
    ),
    "keyboard_layout": (
        "clavier|disposition clavier|disposition du clavier|keyboard|keyboard layout|"
        "langue clavier|langue du clavier|type de clavier"
    ),
    "purchase_date": (
        "date d'achat|date achat|date de mise en service|mise en service|purchase date|"
        "date d'acquisition|date acquisition|date de facture|date facture"
    ),
    "declared_value": (
        "valeur|valeur déclarée|valeur nette comptable|vnc|value|declared value|"
        "valeur comptable|valeur résiduelle|valeur estimée"
    ),
    "notes": (
        "notes|note|remarques|remarque|commentaire|commentaires|observations|observation|"
        "comments|comment|remarks"
    ),
}

# Vaguer headers: used only when no column of the sheet has a clearer header for the same
# field (a "Date" column next to "Date d'achat", or "Désignation" next to "Modèle", is then
# reported as ignored instead of being a duplicate).
_WEAK_SYNONYMS: dict[str, str] = {
    "serial_number": "série",
    "model": "référence|réf|ref|désignation|libellé",
    "device_type": "type|nature|famille",
    "purchase_date": "date",
}

# Trailing unit words tolerated after a header ("RAM Go", "Mémoire en Go", "Valeur €").
_HEADER_UNIT_WORDS = frozenset(
    "go gb mo mb to tb gio gib en pouces pouce inches inch in cm eur euro euros ht ttc pct"
    " percent pourcentage".split()
)

HEADER_SYNONYMS: dict[str, str] = {}
_WEAK_HEADERS: frozenset[str]


def _build_synonyms() -> frozenset[str]:
    weak = set()
    for table, is_weak in ((_STRONG_SYNONYMS, False), (_WEAK_SYNONYMS, True)):
        for canonical, synonyms in table.items():
            for synonym in synonyms.split("|"):
                key = normalise_header(synonym)
                assert HEADER_SYNONYMS.get(key, canonical) == canonical, synonym
                HEADER_SYNONYMS[key] = canonical
                if is_weak:
                    weak.add(key)
    return frozenset(weak)


_WEAK_HEADERS = _build_synonyms()

_header_cache: dict[str, tuple[str, bool] | None] = {}


def _match_header(text: str) -> tuple[str, bool] | None:
    """(canonical field, is_weak) for a header cell, or None."""
    try:
        return _header_cache[text]
    except KeyError:
        pass
    result = None
    key = normalise_header(text)
    if key:
        candidates = [key]
        stripped = normalise_header(_BRACKETS_RE.sub(" ", text))
        if stripped and stripped != key:
            candidates.append(stripped)
        for candidate in list(candidates):
            words = candidate.split()
            while len(words) > 1 and words[-1] in _HEADER_UNIT_WORDS:
                words.pop()
                candidates.append(" ".join(words))
        for candidate in candidates:
            canonical = HEADER_SYNONYMS.get(candidate)
            if canonical:
                result = (canonical, candidate in _WEAK_HEADERS)
                break
    if len(_header_cache) < 10_000:
        _header_cache[text] = result
    return result


def _expected_headers() -> str:
    return ", ".join(str(label) for label in FIELD_LABELS.values())


def _no_header_error() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "No header row found in the first %(count)s non-empty rows: the file needs a row "
            "of column titles with at least two of these columns: %(columns)s."
        )
        % {"count": HEADER_SEARCH_ROWS, "columns": _expected_headers()}
    )


@dataclass
class _Header:
    line: int
    index: int  # position of the header among the buffered candidate rows
    mapping: dict[str, int]  # canonical field -> column index
    columns: dict[str, str]  # canonical field -> header text
    unknown: list[str]
    score: int
    width: int


def _analyse_header(line: int, index: int, cells: list[str]) -> _Header | None:
    strong: dict[str, list[int]] = {}
    weak: dict[str, list[int]] = {}
    unknown_idx: list[int] = []
    for position, cell in enumerate(cells):
        if not cell:
            continue
        match = _match_header(cell)
        if match is None:
            unknown_idx.append(position)
        else:
            (weak if match[1] else strong).setdefault(match[0], []).append(position)
    score = len(strong.keys() | weak.keys())
    if score < 2:
        return None
    mapping: dict[str, int] = {}
    ignored: list[int] = []
    for canonical in CANONICAL_FIELDS:
        positions = strong.get(canonical)
        if positions:
            ignored.extend(weak.get(canonical, ()))
        else:
            positions = weak.get(canonical)
        if not positions:
            continue
        mapping[canonical] = positions[0]
    header = _Header(
        line=line,
        index=index,
        mapping=mapping,
        columns={canonical: cells[i] for canonical, i in mapping.items()},
        unknown=[cells[i] for i in sorted(unknown_idx + ignored)],
        score=score,
        width=len(cells),
    )
    return header


def _check_duplicates(header: _Header, cells: list[str]) -> None:
    strong: dict[str, list[int]] = {}
    weak: dict[str, list[int]] = {}
    for position, cell in enumerate(cells):
        match = _match_header(cell) if cell else None
        if match:
            (weak if match[1] else strong).setdefault(match[0], []).append(position)
    for canonical in CANONICAL_FIELDS:
        positions = strong.get(canonical) or weak.get(canonical) or []
        if len(positions) > 1:
            raise SpreadsheetError(
                _(
                    "The columns “%(first)s” and “%(second)s” both correspond to "
                    "“%(field)s”: keep only one of them, or rename the other."
                )
                % {
                    "first": cells[positions[0]],
                    "second": cells[positions[1]],
                    "field": FIELD_LABELS[canonical],
                },
                line=header.line,
            )


def _pick_header(candidates: list[tuple[int, list[str]]]) -> _Header | None:
    """Best header among the first non-blank rows: most recognised columns, earliest on ties."""
    best = None
    for index, (line, cells) in enumerate(candidates):
        header = _analyse_header(line, index, cells)
        if header is not None and (best is None or header.score > best.score):
            best = header
    return best


def _too_many_rows() -> SpreadsheetError:
    return SpreadsheetError(
        _("The file has more than %(max)s rows: split it into several files.")
        % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
    )


# --------------------------------------------------------------------------------------------
# Entry point
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
    import zipfile

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
            except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError) as e:
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


def _read_csv(content: bytes) -> ParsedSheet:
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
        header = _pick_header(candidates)
        if header is None:
            continue
        if best is None or (header.score, header.width) > (best[0].score, best[0].width):
            best = (header, candidates, records, reader)
    if best is None:
        raise first_error or _no_header_error()
    header, candidates, records, reader = best
    _check_duplicates(header, candidates[header.index][1])
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
    )


def _collect_rows(header: _Header, records, already: int = 0) -> list[SheetRow]:
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
    import openpyxl  # imported here: the CSV path and the value parsers do not need it

    if not openpyxl.DEFUSEDXML:  # OPENPYXL_DEFUSEDXML=False or defusedxml missing: fail closed
        raise SpreadsheetError(_damaged_xlsx_message())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # zipfile, XML, KeyError…: all mean "cannot open"
            raise _workbook_error(error) from error
        try:
            return _read_workbook(workbook)
        except SpreadsheetError:
            raise
        except Exception as error:
            raise _workbook_error(error) from error
        finally:
            workbook.close()


def _workbook_error(error: BaseException) -> SpreadsheetError:
    """defusedxml's refusal (entities, DTD) is often wrapped by openpyxl in a ValueError."""
    from defusedxml import DefusedXmlException

    seen = 0
    cause: BaseException | None = error
    while cause is not None and seen < 10:
        if isinstance(cause, DefusedXmlException):
            return _xml_entities_error()
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return SpreadsheetError(_damaged_xlsx_message())


def _read_workbook(workbook) -> ParsedSheet:
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
        header = _pick_header(candidates)
        if header is None:
            continue
        _check_duplicates(header, candidates[header.index][1])
        rows = _collect_rows(header, candidates[header.index + 1 :])
        rows.extend(_collect_xlsx_rows(header, records, len(rows)))
        return ParsedSheet(
            header_line=header.line,
            columns=header.columns,
            unknown_columns=header.unknown,
            rows=rows,
        )
    raise _no_header_error()


def _collect_xlsx_rows(header: _Header, records, already: int) -> list[SheetRow]:
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


# --------------------------------------------------------------------------------------------
# Value parsers
# --------------------------------------------------------------------------------------------

# Cell contents meaning "nothing to say" (compared folded): parsed like an empty cell.
_EMPTY_MARKERS = frozenset(
    (
        "-|/|?|–|—|--|??|na|nc|nr|---|n.c|n/a|n/c|n.a.|n.c.|none|null|sans|aucun|aucune|"
        "inconnu|unknown|inconnue|non renseigne|non communique"
    ).split("|")
)
_NO_STORAGE = frozenset(
    (
        "no|non|absent|retire|no disk|removed|no drive|sans disque|disk removed|"
        "disque absent|disque retire|pas de disque"
    ).split("|")
)

_SPACES_RE = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    """Folded (lowercase, no accents), spaces collapsed; "" for empty markers."""
    if text is None:
        return ""
    folded = _SPACES_RE.sub(" ", _fold(text)).strip()
    if folded in _EMPTY_MARKERS:
        return ""
    return folded


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


# RAM --------------------------------------------------------------------------------------

_UNIT = r"(?P<unit>tib|tio|tb|to|t|gib|gio|gb|go|g|mib|mio|mb|mo|m)"
_RAM_TERM_RE = re.compile(
    r"\s*(?:(?P<mult>\d+)\s*[x×*]\s*)?(?P<num>\d+(?:[.,]\d+)?)\s*" + _UNIT + r"?\s*"
)
_RAM_NOISE_RE = re.compile(
    r"^(?:memoire|ram|memory)\s*:?\s*|"
    r"(?:\s*\b(?:ram|de ram|memoire|ddr\d?l?|lpddr\d?x?|sdram|so-?dimm|dimm|ecc|\d+\s*mhz)\b)+$"
)
_RAM_FACTORS = {
    None: None,
    "m": 1, "mb": 1, "mo": 1, "mib": 1, "mio": 1,
    "g": 1024, "gb": 1024, "go": 1024, "gib": 1024, "gio": 1024,
    "t": 1024 * 1024, "tb": 1024 * 1024, "to": 1024 * 1024, "tib": 1024 * 1024,
    "tio": 1024 * 1024,
}  # fmt: skip
_MAX_RAM_MB = 2**31 - 1


def _ram_error(text: str) -> ValueError:
    return ValueError(
        _("“%(value)s” is not a memory size: write for example 8 Go, 512 Mo or 1 To.")
        % {"value": text.strip()}
    )


@lru_cache(maxsize=4096)
def _parse_ram_mb(cleaned: str) -> int:
    body = _RAM_NOISE_RE.sub("", cleaned)
    if not body:
        raise LookupError
    total = Decimal(0)
    for part in body.split("+"):
        match = _RAM_TERM_RE.fullmatch(part)
        if match is None:
            raise LookupError
        amount = _number(match["num"])
        factor = _RAM_FACTORS[match["unit"]]
        if factor is None:  # bare number: megabytes from 256 up, gigabytes below
            factor = 1 if amount >= 256 else 1024
        total += amount * factor * int(match["mult"] or 1)
    megabytes = int(total.to_integral_value(ROUND_HALF_UP))
    if megabytes <= 0 or megabytes > _MAX_RAM_MB:
        raise LookupError
    return megabytes


def parse_ram_mb(text: str) -> int | None:
    """Memory in megabytes (1 Go = 1024 Mo); a bare number is Mo from 256 up, Go below."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    try:
        return _parse_ram_mb(cleaned)
    except (LookupError, InvalidOperation):
        raise _ram_error(text) from None


# Storage ----------------------------------------------------------------------------------

_KIND_WORD = (
    r"(?:nvme|pcie|pci-?e|m\.?2|e[-.]?mmc|sshd|ssd|hdd|hd|disque\s+dur|disque|flash|sata|"
    r"mecanique|dur|mmc)"
)
_KIND_SEQ = _KIND_WORD + r"(?:[\s\-]*" + _KIND_WORD + r")*\b"
_STORAGE_ITEM_RE = re.compile(
    r"\s*(?:(?P<pre>" + _KIND_SEQ + r")\s*:?\s*)?"
    r"(?:(?P<mult>\d+)\s*[x×*]\s*)?"
    r"(?P<num>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>tib|tio|tb|to|t|gib|gio|gb|go|g|mib|mio|mb|mo|m)?\b\s*"
    r"(?:(?P<post>" + _KIND_SEQ + r"))?\s*"
)
_STORAGE_SEP_RE = re.compile(r"\s*(?:\+|/|&|;|,|\||\bet\b|\band\b)\s*")
_STORAGE_FACTORS = {
    None: Decimal(1),
    "g": Decimal(1), "gb": Decimal(1), "go": Decimal(1), "gib": Decimal(1), "gio": Decimal(1),
    "t": Decimal(1000), "tb": Decimal(1000), "to": Decimal(1000), "tib": Decimal(1000),
    "tio": Decimal(1000),
    "m": Decimal("0.001"), "mb": Decimal("0.001"), "mo": Decimal("0.001"),
    "mib": Decimal("0.001"), "mio": Decimal("0.001"),
}  # fmt: skip
_MAX_STORAGE_GB = 2**31 - 1


def _storage_kind(words: str) -> str:
    if not words:
        return "other"
    if "nvme" in words or "pci" in words:
        return "nvme"
    if "mmc" in words:
        return "emmc"
    hybrid = "sshd" in words  # solid-state hybrid drive: a hard disk with a cache
    if not hybrid and ("ssd" in words or "flash" in words or "m2" in words.replace(".", "")):
        return "ssd"
    if hybrid or "hd" in words or "dur" in words or "mecanique" in words:
        return "hdd"
    return "other"


def _storage_error(text: str) -> ValueError:
    return ValueError(
        _(
            "“%(value)s” is not a storage size: write for example 256 Go SSD, 1 To HDD or "
            "256 Go SSD + 1 To HDD."
        )
        % {"value": text.strip()}
    )


@lru_cache(maxsize=4096)
def _parse_storage(cleaned: str) -> tuple[tuple[int, str], ...]:
    drives: list[tuple[int, str]] = []
    position, end = 0, len(cleaned)
    while True:
        match = _STORAGE_ITEM_RE.match(cleaned, position)
        if match is None:
            raise LookupError
        item_end = match.end()
        post = match["post"]
        if post and match["pre"] and item_end < end:
            # "SSD 256 Go HDD 1 To": the kind after the size introduces the next drive.
            if not _STORAGE_SEP_RE.match(cleaned, item_end):
                item_end = match.start("post")
                post = None
        kind = _storage_kind(" ".join(filter(None, (match["pre"], post))))
        amount = _number(match["num"]) * _STORAGE_FACTORS[match["unit"]]
        if amount <= 0:
            raise LookupError
        gigabytes = int(amount.to_integral_value(ROUND_HALF_UP)) or 1  # Mo below 1 Go -> 1
        if gigabytes > _MAX_STORAGE_GB:
            raise LookupError
        drives.extend([(gigabytes, kind)] * int(match["mult"] or 1))
        position = item_end
        if position >= end:
            break
        separator = _STORAGE_SEP_RE.match(cleaned, position)
        if separator is not None:
            position = separator.end()
    if len(drives) > 64:
        raise LookupError
    return tuple(drives)


def parse_storage(text: str) -> list[tuple[int, str]]:
    """Drives as (capacity in Go, kind), kind in hdd, ssd, nvme, emmc, other; decimal units."""
    cleaned = _clean(text)
    if not cleaned or cleaned in _NO_STORAGE:
        return []
    try:
        return list(_parse_storage(cleaned))
    except (LookupError, InvalidOperation):
        raise _storage_error(text) from None


# Dates ------------------------------------------------------------------------------------

_TIME_SUFFIX = r"(?:[ t]+\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DMY_RE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})" + _TIME_SUFFIX)
_YMD_RE = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _TIME_SUFFIX)
_WORDS_DATE_RE = re.compile(r"(?:1er|(\d{1,2}))\s+([a-z]+)\.?\s+(\d{4})")
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip


def _date_error(text: str) -> ValueError:
    return ValueError(
        _("“%(value)s” is not a valid date: write it as dd/mm/yyyy, for example 15/03/2021.")
        % {"value": text.strip()}
    )


def _impossible_date_error(text: str) -> ValueError:
    return ValueError(
        _(
            "“%(value)s” is not a valid date: this day does not exist. Dates are read day "
            "first, as dd/mm/yyyy."
        )
        % {"value": text.strip()}
    )


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd/mm/yy) or yyyy-mm-dd; never mm/dd."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _DMY_RE.fullmatch(cleaned)
    if match:
        day, month, year = int(match[1]), int(match[2]), match[3]
        if len(year) == 2:
            year = 2000 + int(year)
            if year > date.today().year + 1:  # "15/03/98" is 1998, not 2098
                year -= 100
        else:
            year = int(year)
    else:
        match = _YMD_RE.fullmatch(cleaned)
        if match:
            year, month, day = int(match[1]), int(match[2]), int(match[3])
        else:
            match = _WORDS_DATE_RE.fullmatch(cleaned)
            if match is None or match[2] not in _MONTHS:
                raise _date_error(text)
            day, month, year = int(match[1] or 1), _MONTHS[match[2]], int(match[3])
    if not 1900 <= year <= 2200:
        raise _date_error(text)
    try:
        return date(year, month, day)
    except ValueError:
        raise _impossible_date_error(text) from None


# Device type ------------------------------------------------------------------------------

_DEVICE_TYPES: dict[str, str] = {
    "laptop": (
        "pc portable|portable|ordinateur portable|laptop|notebook|netbook|ultraportable|"
        "ultrabook|chromebook|macbook|macbook air|macbook pro|pc portable reconditionne|"
        "ordinateur portable reconditionne|portable pc|laptop pc|2 en 1|2 in 1|convertible"
    ),
    "desktop": (
        "pc fixe|fixe|unite centrale|uc|tour|desktop|tower|mini pc|all in one|all-in-one|"
        "tout en un|tout-en-un|aio|ordinateur fixe|ordinateur de bureau|pc de bureau|"
        "poste fixe|station de travail|workstation|imac|mac mini|sff|desktop pc|pc tour|"
        "micro ordinateur|client leger|thin client"
    ),
    "tablet": "tablette|tablet|ipad|tablette tactile|tablette android",
    "smartphone": (
        "smartphone|telephone|telephone mobile|telephone portable|mobile|phone|iphone|"
        "mobile phone|gsm|portable telephone"
    ),
    "monitor": "ecran|moniteur|monitor|screen|display|ecran plat",
    "other": "autre|other|imprimante|printer|autres|divers",
}
_DEVICE_LOOKUP = {
    normalise_header(name): code
    for code, names in _DEVICE_TYPES.items()
    for name in names.split("|")
}
# Fallback on words inside a longer text ("PC portable Dell", "Écran 24 pouces"), in order.
_DEVICE_KEYWORDS = (
    ("smartphone", re.compile(r"\b(?:telephone|smartphone|iphone|gsm)\b")),
    ("tablet", re.compile(r"\b(?:tablette|tablet|ipad)\b")),
    (
        "laptop",
        re.compile(
            r"\b(?:portable|laptop|notebook|netbook|ultraportable|ultrabook|chromebook|macbook)\b"
        ),
    ),
    (
        "desktop",
        re.compile(
            r"\b(?:pc fixe|fixe|unite centrale|desktop|tower|mini pc|all in one|tout en un"
            r"|ordinateur de bureau|station de travail|workstation|imac|mac mini)\b"
        ),
    ),
    ("monitor", re.compile(r"\b(?:ecran|moniteur|monitor)\b")),
    ("other", re.compile(r"\b(?:imprimante|printer)\b")),
)


@lru_cache(maxsize=1024)
def _parse_device_type(key: str) -> str:
    code = _DEVICE_LOOKUP.get(key)
    if code:
        return code
    singular = " ".join(word[:-1] if word.endswith("s") else word for word in key.split())
    code = _DEVICE_LOOKUP.get(singular)
    if code:
        return code
    for code, pattern in _DEVICE_KEYWORDS:
        if pattern.search(singular):
            return code
    raise LookupError


def parse_device_type(text: str) -> str | None:
    """One of laptop, desktop, tablet, smartphone, monitor, other."""
    key = normalise_header(_clean(text))
    if not key:
        return None
    try:
        return _parse_device_type(key)
    except LookupError:
        raise ValueError(
            _(
                "“%(value)s” is not a known device type: write laptop, desktop, tablet, "
                "smartphone, monitor or other."
            )
            % {"value": text.strip()}
        ) from None


# Battery ----------------------------------------------------------------------------------

_PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|pct|pourcents?|percent)?")


def parse_percent(text: str) -> int | None:
    """Whole percentage 0..100 ("85", "85 %"); fractions such as 0,85 are refused."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _PERCENT_RE.fullmatch(cleaned)
    if match:
        value = _number(match[1])
        if 0 <= value <= 100 and (value >= 1 or value == value.to_integral()):
            return int(value.to_integral_value(ROUND_HALF_UP))
    raise ValueError(
        _("“%(value)s” is not a percentage: write a whole number between 0 and 100, such as 85.")
        % {"value": text.strip()}
    )


# Screen -----------------------------------------------------------------------------------

_SCREEN_RE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>\"|''|″|′′|“|”|inches|inch|in|pouces?|po|p|cm)?\.?"
    r"(?:\s*(?:fhd|full hd|hd\+?|uhd|4k|qhd|wuxga|wxga|ips|tactile|touch|mat|brillant|"
    r"retina|led|lcd|oled)\b)*"
)
_CM_PER_INCH = Decimal("2.54")
_TENTH = Decimal("0.1")


def parse_screen_size(text: str) -> Decimal | None:
    """Diagonal in inches, one decimal ("15,6", "15.6\"", "14 in", "39,6 cm" -> 15.6)."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _SCREEN_RE.fullmatch(cleaned)
    if match:
        size = _number(match[1])
        if match["unit"] == "cm":
            size /= _CM_PER_INCH
        size = size.quantize(_TENTH, ROUND_HALF_UP)
        if Decimal(1) <= size <= Decimal(150):
            return size
    raise ValueError(
        _(
            "“%(value)s” is not a screen size: write the diagonal in inches, for example 15,6 "
            "or 14 pouces (or in cm: 39,6 cm)."
        )
        % {"value": text.strip()}
    )


# Keyboard ---------------------------------------------------------------------------------

_KEYBOARD_NAMES: dict[str, str] = {
    "azerty_fr": (
        "azerty|fr|francais|azerty fr|azerty francais|fr fr|french|france|azerty france|fra|"
        "azerty fra"
    ),
    "azerty_be": "be|belge|azerty be|azerty belge|belgian|belgique|fr be|azerty bel",
    "qwerty_us": (
        "qwerty|us|en us|anglais|english|qwerty us|us international|us intl|"
        "qwerty us international|americain|en|qwerty en|qwerty anglais|international|usa"
    ),
    "qwerty_uk": (
        "uk|gb|qwerty uk|qwerty gb|en gb|british|britannique|anglais uk|royaume uni|"
        "anglais britannique"
    ),
    "qwertz_de": "qwertz|de|allemand|german|qwertz de|de de|deutsch|allemagne|qwertz allemand",
    "qwertz_ch": (
        "ch|suisse|swiss|qwertz ch|fr ch|de ch|qwertz suisse|suisse romand|suisse francais"
    ),
    "other": "autre|other|autres",
}
_KEYBOARD_LOOKUP = {
    normalise_header(name): code
    for code, names in _KEYBOARD_NAMES.items()
    for name in names.split("|")
}
_KEYBOARD_NOISE_RE = re.compile(r"^(?:clavier|keyboard|disposition)\s+|\s+(?:layout|keyboard)$")


def parse_keyboard_layout(text: str) -> str | None:
    """azerty_fr, azerty_be, qwerty_us, qwerty_uk, qwertz_de, qwertz_ch or other."""
    key = normalise_header(_clean(text))
    if not key:
        return None
    code = _KEYBOARD_LOOKUP.get(key) or _KEYBOARD_LOOKUP.get(_KEYBOARD_NOISE_RE.sub("", key))
    if code:
        return code
    raise ValueError(
        _(
            "“%(value)s” is not a known keyboard layout: write AZERTY, BE (Belgian AZERTY), "
            "QWERTY, UK, QWERTZ, CH (Swiss) or other."
        )
        % {"value": text.strip()}
    )


# Money ------------------------------------------------------------------------------------

_MONEY_NOISE_RE = re.compile(r"€|\beur(?:os?)?\b|\bht\b|\bttc\b|[\s'’]")
_MONEY_RE = re.compile(r"(-)?(\d[\d.,]*)(-)?")
# "1.200" or "1,200": a thousands separator or three decimals? Refused rather than guessed.
_AMBIGUOUS_THOUSANDS_RE = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_CENT = Decimal("0.01")
_MAX_MONEY = Decimal("99999999.99")


def _money_error(text: str) -> ValueError:
    return ValueError(
        _("“%(value)s” is not an amount: write for example 120 or 120,50 €.")
        % {"value": text.strip()}
    )


def parse_money(text: str) -> Decimal | None:
    """Amount in euros with two decimals; comma or dot decimals, spaces as thousands."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    if cleaned.isdigit() and cleaned.isascii() and len(cleaned) < 9:
        return Decimal(cleaned).quantize(_CENT)
    compact = _MONEY_NOISE_RE.sub("", cleaned)
    negative = compact.startswith("(") and compact.endswith(")")
    if negative:
        compact = compact[1:-1]
    match = _MONEY_RE.fullmatch(compact)
    if match is None:
        raise _money_error(text)
    digits = match[2]
    dots, commas = digits.count("."), digits.count(",")
    if _AMBIGUOUS_THOUSANDS_RE.fullmatch(digits):
        raise ValueError(
            _(
                "“%(value)s” is ambiguous: write the amount without a thousands separator and "
                "with a comma before the cents, for example 1200 or 1200,50."
            )
            % {"value": text.strip()}
        )
    if dots and commas:  # 1.234,56 or 1,234.56: the last one is the decimal separator
        decimal_sep = "." if digits.rfind(".") > digits.rfind(",") else ","
        whole, _sep, cents = digits.rpartition(decimal_sep)
        if not _THOUSANDS_RE.fullmatch(whole) or not cents.isdigit():
            raise _money_error(text)
        digits = f"{re.sub(r'[.,]', '', whole)}.{cents}"
    elif commas > 1 or dots > 1:  # 1.200.000 or 1,200,000
        if not _THOUSANDS_RE.fullmatch(digits):
            raise _money_error(text)
        digits = re.sub(r"[.,]", "", digits)
    else:
        digits = digits.replace(",", ".")
    if digits.endswith(".") or digits.startswith("."):
        raise _money_error(text)
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise _money_error(text) from None
    if negative or match[1] or match[3]:
        if amount:
            raise ValueError(
                _("“%(value)s” is negative: a declared value cannot be below zero.")
                % {"value": text.strip()}
            )
    amount = amount.quantize(_CENT, ROUND_HALF_UP)
    if amount > _MAX_MONEY:
        raise ValueError(
            _("“%(value)s” is too large for a declared value.") % {"value": text.strip()}
        )
    return amount


# --------------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------------

_TEMPLATE_HEADERS = [
    "Numéro de série",
    "Marque",
    "Modèle",
    "Type",
    "Processeur",
    "Mémoire",
    "Stockage",
    "Santé batterie (%)",
    "Écran (pouces)",
    "Clavier",
    "Date d'achat",
    "Valeur déclarée (€)",
    "Notes",
]
_TEMPLATE_EXAMPLES = [
    [
        "5CG8123XYZ",
        "HP",
        "EliteBook 840 G5",
        "PC portable",
        "Intel Core i5-8350U",
        "8 Go",
        "256 Go SSD",
        "85",
        "14",
        "AZERTY",
        "15/03/2019",
        "150",
        "Chargeur fourni",
    ],
    [
        "CZC9876ABC",
        "Dell",
        "OptiPlex 7060",
        "PC fixe",
        "Intel Core i5-8500",
        "16 Go",
        "512 Go SSD + 1 To HDD",
        "",
        "",
        "",
        "02/09/2018",
        "80",
        "Sans clavier ni souris",
    ],
]
_TEMPLATE_WIDTHS = [20, 14, 22, 14, 24, 11, 24, 18, 15, 11, 14, 19, 34]

# (obligatoire, contenu attendu) for the "Aide" sheet, in CANONICAL_FIELDS order.
_TEMPLATE_HELP = [
    (
        "Recommandé",
        "Numéro de série du fabricant, tel qu'il figure sous l'appareil (ou « Service Tag » "
        "chez Dell). Il sert à identifier chaque appareil et à repérer les doublons.",
    ),
    ("Non", "Marque ou fabricant : HP, Dell, Lenovo, Apple…"),
    ("Non", "Modèle exact : EliteBook 840 G5, Latitude 5490, ThinkPad T480…"),
    (
        "Oui",
        "PC portable, PC fixe (ou unité centrale, tour, mini PC, tout-en-un), Tablette, "
        "Smartphone, Écran, Autre (imprimante…). Les mots anglais sont aussi acceptés : "
        "Laptop, Desktop, Tablet, Phone, Monitor, Other.",
    ),
    ("Non", "Processeur : Intel Core i5-8350U, AMD Ryzen 5 3500U…"),
    (
        "Non",
        "Mémoire vive : 8 Go, 16 Go, 512 Mo, 2 x 4 Go. Un nombre seul est lu en Go (en Mo à "
        "partir de 256).",
    ),
    (
        "Non",
        "Disque(s) avec capacité et type : 256 Go SSD, 1 To HDD, NVMe 512 Go, eMMC 32 Go. "
        "Plusieurs disques : 256 Go SSD + 1 To HDD. « Sans disque » si le disque a été retiré.",
    ),
    ("Non", "Santé de la batterie en pourcentage, de 0 à 100 : 85 ou 85 %."),
    ("Non", "Diagonale de l'écran en pouces : 14, 15,6. Les cm sont acceptés : 39,6 cm."),
    (
        "Non",
        "AZERTY (France), BE (AZERTY belge), QWERTY (US), UK (QWERTY britannique), "
        "QWERTZ (Allemagne), CH (Suisse), Autre.",
    ),
    ("Non", "Date au format jj/mm/aaaa : 15/03/2019."),
    ("Non", "Valeur déclarée en euros, sans signe moins : 150 ou 150,50 €."),
    ("Non", "Toute information utile : accessoires fournis, défauts constatés…"),
]


def template_rows() -> tuple[list[str], list[list[str]]]:
    """French headers in CANONICAL_FIELDS order and two example rows."""
    return list(_TEMPLATE_HEADERS), [list(row) for row in _TEMPLATE_EXAMPLES]


def template_csv() -> bytes:
    """The template as CSV: UTF-8 with BOM and ";" (what French Excel opens correctly)."""
    headers, rows = template_rows()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The template as XLSX: bold header, column widths, drop-down lists, an "Aide" sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    headers, rows = template_rows()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Matériel"
    sheet.append(headers)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    numeric = {"battery_health", "screen_size", "declared_value"}
    for row in rows:
        values: list[object] = []
        for canonical, text in zip(CANONICAL_FIELDS, row, strict=True):
            if text and canonical in numeric:
                values.append(int(text))
            elif text and canonical == "purchase_date":
                values.append(parse_date(text))
            else:
                values.append(text)
        sheet.append(values)
    last_row = 1000
    for index, width in enumerate(_TEMPLATE_WIDTHS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
    formats = {"serial_number": "@", "purchase_date": "DD/MM/YYYY"}
    formats["declared_value"] = '#,##0.00 "€"'
    for canonical, number_format in formats.items():
        column = CANONICAL_FIELDS.index(canonical) + 1
        for row_number in range(2, 2 + len(rows)):
            sheet.cell(row=row_number, column=column).number_format = number_format
    sheet.freeze_panes = "A2"
    lists = {
        "device_type": "PC portable,PC fixe,Tablette,Smartphone,Écran,Autre",
        "keyboard_layout": "AZERTY,BE,QWERTY,UK,QWERTZ,CH,Autre",
    }
    for canonical, choices in lists.items():
        letter = get_column_letter(CANONICAL_FIELDS.index(canonical) + 1)
        validation = DataValidation(
            type="list", formula1=f'"{choices}"', allow_blank=True, showErrorMessage=False
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)

    help_sheet = workbook.create_sheet("Aide")
    help_sheet.append(["Comment remplir le fichier"])
    help_sheet["A1"].font = Font(bold=True, size=14)
    for line in (
        "Une ligne par appareil, à partir de la ligne 2 de l'onglet « Matériel ». Les lignes "
        "d'exemple peuvent être remplacées.",
        "Les lignes vides sont ignorées ; une ligne de titre au-dessus des en-têtes est "
        "acceptée. Les colonnes peuvent être dans n'importe quel ordre, et les en-têtes en "
        "anglais (Serial, Brand, Model, RAM…) sont reconnus.",
        "Le fichier peut aussi être envoyé en CSV (séparateur point-virgule ou virgule).",
    ):
        help_sheet.append([line])
    help_sheet.append([])
    help_sheet.append(["Colonne", "Obligatoire", "Contenu attendu", "Exemple"])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = bold
        cell.fill = fill
    first_example = rows[0]
    for header, (required, description), example in zip(
        headers, _TEMPLATE_HELP, first_example, strict=True
    ):
        help_sheet.append([header, required, description, example])
    for row in help_sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for letter, width in zip("ABCD", (22, 13, 80, 22), strict=True):
        help_sheet.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
