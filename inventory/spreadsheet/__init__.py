"""Donor spreadsheets (CSV and XLSX), without models or database.

- ``readers``: the file's kind judged on its content, then its rows (``read_sheet``);
- ``headers``: the device's columns and the header texts that name them;
- ``template``: the downloadable template (``template_csv``/``template_xlsx``).

The value parsers (``parse_*``) are in ``inventory.values``, shared with the intake form, and
re-exported here. The limits (``MAX_ROWS``, ``XLSX_MAX_*``) are read in ``readers``: a test
that lowers one patches it there.
"""

from inventory.values import (
    KEYBOARD_LAYOUTS,
    parse_date,
    parse_device_type,
    parse_keyboard_layout,
    parse_money,
    parse_percent,
    parse_ram_mb,
    parse_screen_size,
    parse_storage,
)

from .errors import SpreadsheetError
from .headers import (
    CANONICAL_FIELDS,
    FIELD_LABELS,
    HEADER_SEARCH_ROWS,
    HEADER_SYNONYMS,
    normalise_header,
)
from .readers import (
    MAX_ROWS,
    XLSX_MAX_MEMBERS,
    XLSX_MAX_RATIO,
    XLSX_MAX_UNCOMPRESSED_BYTES,
    XLSX_RATIO_FROM_BYTES,
    CellProblem,
    ParsedSheet,
    SheetRow,
    check_content,
    check_xlsx_archive,
    read_sheet,
)
from .template import template_csv, template_rows, template_xlsx

__all__ = [
    "CANONICAL_FIELDS",
    "FIELD_LABELS",
    "HEADER_SEARCH_ROWS",
    "HEADER_SYNONYMS",
    "KEYBOARD_LAYOUTS",
    "MAX_ROWS",
    "XLSX_MAX_MEMBERS",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_UNCOMPRESSED_BYTES",
    "XLSX_RATIO_FROM_BYTES",
    "CellProblem",
    "ParsedSheet",
    "SheetRow",
    "SpreadsheetError",
    "check_content",
    "check_xlsx_archive",
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
