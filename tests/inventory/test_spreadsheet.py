"""Donor spreadsheets, reading and parsing layer: encodings, delimiters, messy headers, line
numbers, XLSX cells, value parsers, the template and the French messages. No database.

Runs under pytest-django (config.settings) and also without it:
``pytest -p no:django --noconftest tests/inventory/test_spreadsheet.py`` (the project conftest
needs pytest-django); minimal settings are then configured below.
"""

import ast
import codecs
import datetime
import io
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import django
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=True, LANGUAGE_CODE="en")
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

import openpyxl  # noqa: E402
import pytest  # noqa: E402
from django.utils import translation  # noqa: E402
from openpyxl.styles import Font  # noqa: E402

from inventory.spreadsheet import (  # noqa: E402
    CANONICAL_FIELDS,
    FIELD_LABELS,
    HEADER_SYNONYMS,
    KEYBOARD_LAYOUTS,
    ParsedSheet,
    SheetRow,
    SpreadsheetError,
    normalise_header,
    parse_date,
    parse_device_type,
    parse_keyboard_layout,
    parse_money,
    parse_percent,
    parse_ram_mb,
    parse_screen_size,
    parse_storage,
    read_sheet,
    template_csv,
    template_rows,
    template_xlsx,
)
from inventory.spreadsheet import readers as spreadsheet  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).resolve().parent / "samples"
PO_FRAGMENT = ROOT / "locale" / "fragments" / "spreadsheet.po"
MODULE_SOURCES = [
    ROOT / "inventory" / "values.py",
    *(ROOT / "inventory" / "spreadsheet").glob("*.py"),
]

FR_HEADER = (
    "N° de série;Marque;Modèle;Type;Processeur;Mémoire;Stockage;Batterie;Écran;Clavier;"
    "Date d'achat;Valeur;Remarques"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_bytes(lines, *, encoding="utf-8", newline="\r\n", bom=False):
    data = (newline.join(lines) + newline).encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


def xlsx_bytes(build):
    workbook = openpyxl.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("N° de série", "n de serie"),
        ("  Numéro   de  SÉRIE ", "numero de serie"),
        ("S/N", "s n"),
        ("Type d'équipement", "type d equipement"),
        ("RAM (Go)", "ram go"),
        ("Nº de série", "no de serie"),
        ("Cœur", "coeur"),
        ("Date\nd'achat", "date d achat"),
        ("Valeur\u00a0déclarée (€)", "valeur declaree"),
        ("", ""),
    ],
)
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


HEADER_CASES = {
    "serial_number": [
        "N° de série", "No de série", "Numéro de série", "Num série", "N série", "Série",
        "Serial", "Serial number", "Serial No", "S/N", "SN", "N/S", "Nº de série",
        "Numéro de série constructeur", "SERIAL NUMBER", "n° série",
    ],
    "manufacturer": [
        "Marque", "Fabricant", "Constructeur", "Manufacturer", "Brand", "Make", "Vendor",
    ],
    "model": ["Modèle", "Model", "Modele", "Référence", "Désignation", "Model name"],
    "device_type": [
        "Type", "Type de matériel", "Type d'équipement", "Catégorie", "Device type",
        "Category", "Equipment type",
    ],
    "cpu": ["Processeur", "CPU", "Processor", "Proc", "Proc."],
    "ram": ["Mémoire", "Mémoire vive", "RAM", "Memory", "RAM (Go)", "Mémoire (Mo)", "RAM Go"],
    "storage": [
        "Stockage", "Disque", "Disque dur", "Capacité disque", "Storage", "Disk", "HDD", "SSD",
        "Hard drive", "Stockage (Go)",
    ],
    "battery_health": [
        "Batterie", "État batterie", "Santé batterie", "Battery", "Battery health",
        "Santé batterie (%)",
    ],
    "screen_size": [
        "Écran", "Ecran", "Taille écran", "Taille d'écran", "Screen", "Screen size",
        "Diagonale", "Écran (pouces)", 'Écran (")',
    ],
    "keyboard_layout": ["Clavier", "Disposition clavier", "Keyboard", "Keyboard layout"],
    "purchase_date": [
        "Date d'achat", "Date achat", "Date de mise en service", "Mise en service",
        "Purchase date", "Date",
    ],
    "declared_value": [
        "Valeur", "Valeur déclarée", "Valeur nette comptable", "VNC", "Value",
        "Declared value", "Valeur (€)", "Valeur déclarée (€)", "Valeur en euros",
    ],
    "notes": [
        "Notes", "Remarques", "Commentaire", "Commentaires", "Observations", "Comments",
        "Remarks",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    "header, field",
    [(header, field) for field, headers in HEADER_CASES.items() for header in headers],
)
def test_header_variants_map_to_their_field(header, field):
    # Each header next to a second recognised one, so the row is a header row.
    other = "Notes" if field != "notes" else "Marque"
    sheet = read_sheet(csv_bytes([f"{header};{other}", "a;b"]), "f.csv")
    assert sheet.columns[field] == header
    assert sheet.rows[0].values[field] == "a"


def test_header_synonyms_are_normalised_and_canonical():
    assert set(HEADER_SYNONYMS.values()) == set(CANONICAL_FIELDS)
    for key in HEADER_SYNONYMS:
        assert key == normalise_header(key)
    assert HEADER_SYNONYMS["n de serie"] == "serial_number"
    assert HEADER_SYNONYMS["s n"] == "serial_number"


def test_field_labels_are_lazy_english_and_recognised_as_headers():
    assert tuple(FIELD_LABELS) == CANONICAL_FIELDS
    assert FIELD_LABELS["serial_number"] == "Serial number"
    header = ";".join(str(label) for label in FIELD_LABELS.values())
    sheet = read_sheet(csv_bytes([header, ";".join(["x"] * len(CANONICAL_FIELDS))]), "f.csv")
    assert list(sheet.columns) == list(CANONICAL_FIELDS)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def test_csv_semicolon_cp1252_with_title_and_blank_lines():
    content = csv_bytes(
        [
            "Inventaire du don – Société Générale;;;",
            "",
            ";;;;",
            FR_HEADER,
            'PF0A1;Lenovo;ThinkPad T480;PC portable;i5-8350U;8 Go;256 Go SSD;85 %;14";AZERTY;'
            "15/03/2019;120,00 €;Écran rayé – œuvre",
            "",
            ";;;;;",
            "  PF0A2 ; Dell ;Latitude 5490",
        ],
        encoding="cp1252",
    )
    assert b"\xe9" in content and b"\x80" in content  # really Windows-1252
    sheet = read_sheet(content, "inventaire.csv")
    assert isinstance(sheet, ParsedSheet)
    assert sheet.header_line == 4
    assert sheet.columns["serial_number"] == "N° de série"
    assert sheet.unknown_columns == []
    assert [row.line for row in sheet.rows] == [5, 8]
    first, second = sheet.rows
    assert isinstance(first, SheetRow)
    assert first.values["notes"] == "Écran rayé – œuvre"
    assert first.values["declared_value"] == "120,00 €"
    assert first.values["screen_size"] == '14"'
    assert set(first.values) == set(CANONICAL_FIELDS) - {"weight"}  # the file has no weight
    # Short rows are padded, cells stripped.
    assert second.values["serial_number"] == "PF0A2"
    assert second.values["manufacturer"] == "Dell"
    assert second.values["notes"] == ""


def test_csv_utf8_with_bom_and_commas():
    content = csv_bytes(
        ["Serial,Brand,Model,RAM", "ABC1,Apple,MacBook Air,8 GB", "ABC2,Dell,XPS 13,16GB"],
        bom=True,
    )
    sheet = read_sheet(content, "donor.csv")
    assert sheet.header_line == 1
    assert sheet.columns == {
        "serial_number": "Serial",
        "manufacturer": "Brand",
        "model": "Model",
        "ram": "RAM",
    }
    assert [row.values["serial_number"] for row in sheet.rows] == ["ABC1", "ABC2"]
    assert sheet.rows[1].line == 3


def test_csv_utf8_without_bom_keeps_accents():
    content = csv_bytes(["Numéro de série;Modèle", "X1;Modèle été"])
    assert read_sheet(content, "f.csv").rows[0].values["model"] == "Modèle été"


def test_csv_tab_delimited_and_utf16_excel_unicode_text():
    lines = ["Marque\tModèle\tMémoire", "HP\tProBook 450\t8 Go"]
    for content in (
        csv_bytes(lines),
        codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le"),
    ):
        sheet = read_sheet(content, "export.txt")
        assert sheet.rows[0].values == {"manufacturer": "HP", "model": "ProBook 450", "ram": "8 Go"}


def test_csv_delimiter_chosen_from_header_not_from_decimal_commas():
    # Many commas in the values, semicolons between the cells.
    content = csv_bytes(
        ["Marque;Modèle;Écran;Valeur", "HP;ProBook 450, G5;15,6;1,5", "Dell;a, b, c;14,0;2,5"]
    )
    sheet = read_sheet(content, "f.csv")
    assert sheet.rows[0].values == {
        "manufacturer": "HP",
        "model": "ProBook 450, G5",
        "screen_size": "15,6",
        "declared_value": "1,5",
    }


def test_csv_quoted_multiline_cell_keeps_following_line_numbers():
    content = csv_bytes(
        [
            "Titre du fichier",
            "Serial;Brand;Notes",
            'S1;HP;"line one',
            "line two",
            'line three"',
            "S2;Dell;",
            "",
            'S3;Lenovo;"a ""quoted"" word"',
        ]
    )
    sheet = read_sheet(content, "f.csv")
    assert sheet.header_line == 2
    assert [(row.line, row.values["serial_number"]) for row in sheet.rows] == [
        (3, "S1"),
        (6, "S2"),
        (8, "S3"),
    ]
    assert sheet.rows[0].values["notes"] == "line one\nline two\nline three"
    assert sheet.rows[2].values["notes"] == 'a "quoted" word'


def test_csv_lf_and_cr_line_endings_count_lines_too():
    for newline in ("\n", "\r"):
        content = csv_bytes(["", "Serial,Brand", "", "S1,HP", "S2,Dell"], newline=newline)
        sheet = read_sheet(content, "f.csv")
        assert sheet.header_line == 2
        assert [row.line for row in sheet.rows] == [4, 5]


def test_unknown_columns_reported_and_rows_without_mapped_data_skipped():
    content = csv_bytes(
        ["Serial;Code interne;Brand;;Site", "S1;A-1;HP;;Lyon", ";A-2;;;Paris", "S3;;HP;;"]
    )
    sheet = read_sheet(content, "f.csv")
    assert sheet.unknown_columns == ["Code interne", "Site"]
    assert set(sheet.rows[0].values) == {"serial_number", "manufacturer"}
    assert [row.line for row in sheet.rows] == [2, 4]


def test_vague_header_yields_to_a_precise_one():
    content = csv_bytes(
        ["Date;Date d'achat;Désignation;Modèle;Type", "01/01/2024;15/03/2019;PC HP;840 G5;PC"]
    )
    sheet = read_sheet(content, "f.csv")
    assert sheet.columns == {
        "model": "Modèle",
        "device_type": "Type",
        "purchase_date": "Date d'achat",
    }
    assert sheet.unknown_columns == ["Date", "Désignation"]
    assert sheet.rows[0].values == {
        "model": "840 G5",
        "device_type": "PC",
        "purchase_date": "15/03/2019",
    }


def test_title_row_with_two_known_words_does_not_hide_the_real_header():
    content = csv_bytes(["Type;Date;", "Don;12/03/2024", "", FR_HEADER, "S1;HP"])
    sheet = read_sheet(content, "f.csv")
    assert sheet.header_line == 4
    assert sheet.rows[0].values["serial_number"] == "S1"


@pytest.mark.parametrize(
    "header, first, second",
    [
        ("N° de série;Serial;Marque", "N° de série", "Serial"),
        ("Marque;SSD;HDD", "SSD", "HDD"),
        ("Modèle;Mémoire;RAM (Go)", "Mémoire", "RAM (Go)"),
        ("Marque;Type;Catégorie;Type de matériel", "Catégorie", "Type de matériel"),
    ],
)
def test_two_columns_for_the_same_field_is_an_error_naming_both(header, first, second):
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(csv_bytes(["Titre", header, "a;b;c;d"]), "f.csv")
    message = str(caught.value)
    assert f"“{first}”" in message and f"“{second}”" in message
    assert caught.value.line == 2


def test_no_header_is_an_error_listing_the_expected_columns():
    content = csv_bytes(["Liste;du;matériel", "PF1;HP;8 Go", "PF2;Dell;16 Go"])
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(content, "f.csv")
    message = str(caught.value)
    assert "No header row" in message
    for label in FIELD_LABELS.values():
        assert str(label) in message


def test_header_must_be_in_the_first_twenty_non_blank_rows():
    title = [f"Ligne de titre {i}" for i in range(19)]
    ok = csv_bytes(["", *title, "", "Serial;Brand", "S1;HP"])
    assert read_sheet(ok, "f.csv").header_line == 22
    too_far = csv_bytes([*title, "Encore un titre", "Serial;Brand", "S1;HP"])
    with pytest.raises(SpreadsheetError):
        read_sheet(too_far, "f.csv")


def test_header_only_gives_no_rows():
    sheet = read_sheet(csv_bytes(["Serial;Brand", "", ";"]), "f.csv")
    assert sheet.rows == []
    assert sheet.header_line == 1


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", codecs.BOM_UTF8 + b"\n"])
def test_empty_file(content):
    with pytest.raises(SpreadsheetError):
        read_sheet(content, "f.csv")


def test_unreadable_csv_reports_the_line():
    content = b"Serial;Brand\nS1;HP\nS2;" + b"x" * 200_000 + b"\nS3;HP\n"
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(content, "f.csv")
    assert caught.value.line == 3 and "line 3" in str(caught.value)


def test_nul_characters_are_dropped():
    sheet = read_sheet(b"Serial;Brand\nS1;\x00HP\x00\n", "f.csv")
    assert sheet.rows[0].values["manufacturer"] == "HP"


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 5)
    lines = ["Serial;Brand"] + [f"S{i};HP" for i in range(5)]
    assert len(read_sheet(csv_bytes(lines), "f.csv").rows) == 5
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(csv_bytes([*lines, "S9;HP"]), "f.csv")
    assert "split it" in str(caught.value)


def test_spreadsheet_error_is_a_value_error_with_its_message():
    error = SpreadsheetError("Message", line=3)
    assert isinstance(error, ValueError)
    assert str(error) == "Message" and error.line == 3


def test_100000_csv_rows():
    rows = [
        f"SN{i:08d};Dell;Latitude 5490;PC portable;i5-8350U;8 Go;256 Go SSD;85;14;AZERTY;"
        "15/03/2019;150,00;ok"
        for i in range(100_000)
    ]
    content = csv_bytes(["Don;;", "", FR_HEADER, *rows], encoding="cp1252")
    sheet = read_sheet(content, "big.csv")
    assert len(sheet.rows) == 100_000
    assert sheet.rows[-1].line == 100_003
    assert sheet.rows[-1].values["serial_number"] == "SN00099999"
    sample = sheet.rows[::1000]
    assert {parse_ram_mb(row.values["ram"]) for row in sample} == {8192}
    assert {parse_money(row.values["declared_value"]) for row in sample} == {Decimal("150.00")}


# --------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------


def test_xls_is_refused_with_advice_to_save_as_xlsx_or_csv():
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "vieux.xls")
    assert ".xlsx" in str(caught.value) and ".csv" in str(caught.value)
    # Even when the content does not look like Excel 97-2003.
    with pytest.raises(SpreadsheetError):
        read_sheet(b"Serial;Brand\nS1;HP\n", "export.XLS")


def test_old_excel_content_under_another_name_is_refused():
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "fichier.xlsx")
    assert ".xls" in str(caught.value)


def test_other_formats_refused():
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(b"PK\x03\x04whatever", "classeur.ods")
    assert ".ods" in str(caught.value)


def test_broken_xlsx_and_binary_files():
    with pytest.raises(SpreadsheetError):
        read_sheet(b"Serial;Brand\nS1;HP\n", "pas-un-classeur.xlsx")
    with pytest.raises(SpreadsheetError):
        read_sheet(b"PK\x03\x04" + b"\x00" * 50, "damaged.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(SpreadsheetError):
        read_sheet(buffer.getvalue(), "zip.xlsx")
    with pytest.raises(SpreadsheetError):
        read_sheet(b"\x00\x01\x02\x03" * 100, "image.csv")


def _corrupt_deflate(workbook: bytes, member: str) -> bytes:
    """The workbook with one member's compressed bytes flipped (its header kept)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        info = archive.getinfo(member)
    header = 30 + len(info.filename.encode()) + len(info.extra)
    start = info.header_offset + header
    data = bytearray(workbook)
    for i in range(start, start + min(info.compress_size, 64)):
        data[i] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("member", ["[Content_Types].xml", "xl/worksheets/sheet1.xml"])
def test_a_workbook_with_corrupt_compressed_data_is_refused_clearly(member):
    workbook = xlsx_bytes(
        lambda wb: (wb.active.append(["Serial", "Brand"]), wb.active.append(["S1", "HP"]))
    )
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(_corrupt_deflate(workbook, member), "abime.xlsx")
    assert str(caught.value)


def test_format_from_content_when_the_name_does_not_say():
    workbook = xlsx_bytes(
        lambda wb: (wb.active.append(["Serial", "Brand"]), wb.active.append(["S1", "HP"]))
    )
    for name in ("upload", "donnees.csv", "", "file.bin"):
        assert read_sheet(workbook, name).rows[0].values == {
            "serial_number": "S1",
            "manufacturer": "HP",
        }
    assert read_sheet(b"Serial;Brand\nS1;HP\n", "upload").rows[0].line == 2


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _messy_workbook(wb):
    ws = wb.active
    ws.title = "Inventaire"
    ws["A1"] = "Don de matériel — Mairie"
    ws["A1"].font = Font(bold=True)
    ws.merge_cells("A1:E1")
    # row 2 blank, row 3: a "date" line, row 4 blank
    ws["A3"] = "Date"
    ws["B3"] = datetime.date(2024, 3, 12)
    ws.append([])
    ws.append(
        ["S/N", "Marque", "Modèle", "RAM (Go)", "Stockage", "Batterie", "Écran (pouces)",
         "Date d'achat", "Valeur (€)", None, "Remarques"]
    )  # fmt: skip
    ws.append(
        [12345678, "HP", "ProBook 450 G5", 8, "256 Go SSD", 0.85, 15.6,
         datetime.date(2019, 3, 15), 150.0, None, "Bon état"]
    )  # fmt: skip
    ws.append(
        ["CZC1", None, "EliteDesk", 16.0, 500, 72, 14,
         datetime.datetime(2018, 9, 2, 14, 30), 0.1 + 0.2, "hors tableau", None]
    )  # fmt: skip
    ws.merge_cells("B6:B7")  # merged-looking empty cell on row 7
    ws.append([None] * 11)
    ws.append(["X9", "Dell", None, 4, None, None, None, "01/02/2017", "12,50 €", None, None])
    ws["F6"].number_format = "0%"
    ws["H6"].number_format = "DD/MM/YYYY"
    ws["H7"].number_format = "DD/MM/YYYY HH:MM"


def test_xlsx_title_row_merged_cells_numbers_dates_and_percentages():
    sheet = read_sheet(xlsx_bytes(_messy_workbook), "don.xlsx")
    assert sheet.header_line == 5
    assert sheet.columns["ram"] == "RAM (Go)"
    assert sheet.unknown_columns == []
    assert [row.line for row in sheet.rows] == [6, 7, 9]
    first, second, third = (row.values for row in sheet.rows)
    assert first == {
        "serial_number": "12345678",
        "manufacturer": "HP",
        "model": "ProBook 450 G5",
        "ram": "8",
        "storage": "256 Go SSD",
        "battery_health": "85 %",
        "screen_size": "15.6",
        "purchase_date": "15/03/2019",
        "declared_value": "150",
        "notes": "Bon état",
    }
    assert second["manufacturer"] == ""  # merged with the cell above
    assert second["ram"] == "16" and second["storage"] == "500"
    assert second["battery_health"] == "72"
    assert second["purchase_date"] == "02/09/2018"
    assert second["declared_value"] == "0.3"
    assert third["purchase_date"] == "01/02/2017"
    assert third["model"] == ""
    # What the parsers make of them.
    assert parse_percent(first["battery_health"]) == 85
    assert parse_screen_size(first["screen_size"]) == Decimal("15.6")
    assert parse_ram_mb(first["ram"]) == 8192
    assert parse_storage(second["storage"]) == [(500, "other")]
    assert parse_date(second["purchase_date"]) == datetime.date(2018, 9, 2)
    assert parse_money(third["declared_value"]) == Decimal("12.50")


def test_xlsx_first_sheet_with_a_header_is_used():
    def build(wb):
        notice = wb.active
        notice.title = "Notice"
        notice.append(["Merci pour votre don !"])
        notice.append(["Remplissez l'onglet suivant."])
        data = wb.create_sheet("Matériel")
        data.append([])
        data.append(["Numéro de série", "Marque"])
        data.append(["S1", "Lenovo"])

    sheet = read_sheet(xlsx_bytes(build), "don.xlsx")
    assert sheet.header_line == 2
    assert [(row.line, row.values["serial_number"]) for row in sheet.rows] == [(3, "S1")]


def test_xlsx_without_header_and_empty_workbook():
    def no_header(wb):
        wb.active.append(["Liste", "du", "matériel"])
        wb.active.append(["PF1", "HP", "8 Go"])

    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(xlsx_bytes(no_header), "f.xlsx")
    assert "No header row" in str(caught.value)
    with pytest.raises(SpreadsheetError):
        read_sheet(xlsx_bytes(lambda wb: None), "f.xlsx")


def test_xlsx_duplicate_columns():
    def build(wb):
        wb.active.append(["Serial", "N° de série", "Marque"])
        wb.active.append(["S1", "S1", "HP"])

    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(xlsx_bytes(build), "f.xlsx")
    assert "“Serial”" in str(caught.value) and "“N° de série”" in str(caught.value)


def test_xlsx_with_a_wrong_dimension_record_is_read_entirely():
    content = xlsx_bytes(
        lambda wb: [wb.active.append(row) for row in (["Serial", "Brand", "RAM"], ["S1", "HP", 8])]
    )
    # Some generators write <dimension ref="A1"/>: read-only openpyxl would then see one cell.
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
            target.writestr(item, data)
    sheet = read_sheet(buffer.getvalue(), "f.xlsx")
    assert sheet.rows[0].values == {"serial_number": "S1", "manufacturer": "HP", "ram": "8"}


# --------------------------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------------------------


def _with_cached_values(content: bytes, values: dict[str, str]) -> bytes:
    """The workbook as Excel saves it: each formula of `values` with its computed value."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, value in values.items():
                    kind = b"" if value.isdigit() else b' t="str"'  # a text result (maybe "")
                    data = re.sub(
                        rb'<c r="' + ref.encode() + rb'"([^>]*)>(<f>[^<]*</f>)<v ?/>',
                        rb'<c r="'
                        + ref.encode()
                        + rb'"\1'
                        + kind
                        + rb">\2<v>"
                        + value.encode()
                        + b"</v>",
                        data,
                    )
            target.writestr(item, data)
    return buffer.getvalue()


def _formula_workbook(wb):
    ws = wb.active
    ws.append(["Serial", "Brand", "RAM", "Notes"])
    ws.append(["S1", "HP", "=4*2", "ok"])
    ws.append(["S2", '=UPPER("dell")', 16, None])
    ws.append(['=CONCAT("S","3")', None, None, None])  # a row of nothing but a formula


def test_xlsx_formula_is_read_as_its_computed_value():
    content = _with_cached_values(
        xlsx_bytes(_formula_workbook), {"C2": "8", "B3": "DELL", "A4": "S3"}
    )
    sheet = read_sheet(content, "f.xlsx")
    assert [row.values for row in sheet.rows] == [
        {"serial_number": "S1", "manufacturer": "HP", "ram": "8", "notes": "ok"},
        {"serial_number": "S2", "manufacturer": "DELL", "ram": "16", "notes": ""},
        {"serial_number": "S3", "manufacturer": "", "ram": "", "notes": ""},
    ]
    assert sheet.problems == []


def test_xlsx_formula_without_computed_value_is_reported_by_line_and_column():
    content = _with_cached_values(xlsx_bytes(_formula_workbook), {"C2": "8"})
    sheet = read_sheet(content, "f.xlsx")
    found = [(p.line, p.field, p.message) for p in sheet.problems]
    assert found == [
        (
            3,
            "manufacturer",
            'Formula ignored: the cell holds the formula “=UPPER("dell")” but no computed '
            "value. Open the file in Excel or LibreOffice and save it again, or type the value.",
        ),
        (4, "serial_number", found[1][2]),
    ]
    assert '“=CONCAT("S","3")”' in found[1][2]
    assert sheet.rows[0].values["ram"] == "8"  # the computed one is read


def test_xlsx_formula_whose_result_is_an_empty_text_is_a_blank_value():
    def build(wb):
        wb.active.append(["Serial", "Brand", "Notes"])
        wb.active.append(["S1", "HP", '=IF(A2="S1","","x")'])

    content = xlsx_bytes(build)
    # As Excel and LibreOffice save it: typed as text, with an empty result.
    content = _with_cached_values(content, {"C2": ""})
    sheet = read_sheet(content, "f.xlsx")
    assert sheet.problems == []
    assert sheet.rows[0].values["notes"] == ""


def test_xlsx_without_formulas_is_read_once():
    content = xlsx_bytes(
        lambda wb: [wb.active.append(r) for r in (["Serial", "Brand"], ["S1", "HP"])]
    )
    assert spreadsheet._has_formulas(content) is False
    assert read_sheet(content, "f.xlsx").problems == []


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://x.example","clic")',
        "+SUM(A1:A3)",
        "-SUM(A1:A3)",
        "@SUM(A1:A3)",
        "+A1",
        "-B$12*2",
        "-2+3+cmd|' /C calc'!A0",
        "@cmd|'/c notepad'!A1",
    ],
)
def test_csv_cell_that_starts_like_a_formula_is_reported(cell):
    content = csv_bytes(["Serial;Brand;Notes", f"S1;HP;{cell}", "S2;Dell;ok"])
    sheet = read_sheet(content, "f.csv")
    assert [(p.line, p.field) for p in sheet.problems] == [(2, "notes")]
    assert sheet.problems[0].message.startswith("Formula ignored: the cell starts like a formula")
    assert f"without the leading “{cell[0]}”" in sheet.problems[0].message


@pytest.mark.parametrize(
    "cell",
    ["-12,5", "-5", "+33 6 12 34 56 78", "+33612345678", "+33 (0)1 23 45 67 89", "- rayure écran",
     "-", "=", "@mairie", "Écran A4 -20 %", "2-3 rayures"],
)  # fmt: skip
def test_csv_negative_numbers_phone_numbers_and_dashes_are_values(cell):
    content = csv_bytes(["Serial;Brand;Notes", f"S1;HP;{cell}"])
    sheet = read_sheet(content, "f.csv")
    assert sheet.problems == []
    assert sheet.rows[0].values["notes"] == cell


# --------------------------------------------------------------------------------------------
# Value parsers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8 Go", 8192),
        ("8Go", 8192),
        ("8 GB", 8192),
        ("8GB", 8192),
        ("8 GiB", 8192),
        ("8 gb", 8192),
        ("8", 8192),
        ("8,0 Go", 8192),
        ("8.0 GB", 8192),
        ("512 Mo", 512),
        ("512MB", 512),
        ("4096", 4096),
        ("256", 256),
        ("128", 131072),
        ("1 To", 1048576),
        ("1,5 Go", 1536),
        ("2 x 4 Go", 8192),
        ("4 Go + 4 Go", 8192),
        ("8 Go DDR4", 8192),
        ("16 Go DDR4 2666 MHz", 16384),
        (" 8\u00a0Go ", 8192),
        ("", None),
        ("  ", None),
        ("N/A", None),
        ("-", None),
    ],
)
def test_parse_ram_mb(text, expected):
    assert parse_ram_mb(text) == expected


@pytest.mark.parametrize("text", ["beaucoup", "8 Go SSD", "0", "Go", "8 Qo", "-8 Go"])
def test_parse_ram_mb_errors(text):
    with pytest.raises(ValueError) as caught:
        parse_ram_mb(text)
    assert f"“{text}”" in str(caught.value)
    assert "8 Go, 512 Mo or 1 To" in str(caught.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("256 Go SSD", [(256, "ssd")]),
        ("1 To", [(1000, "other")]),
        ("1,5 To HDD", [(1500, "hdd")]),
        ("SSD 512GB", [(512, "ssd")]),
        ("256 Go SSD + 1 To HDD", [(256, "ssd"), (1000, "hdd")]),
        ("256GB SSD / 1TB HDD", [(256, "ssd"), (1000, "hdd")]),
        ("256 Go SSD, 1 To HDD", [(256, "ssd"), (1000, "hdd")]),
        ("256 Go SSD et 1 To HDD", [(256, "ssd"), (1000, "hdd")]),
        ("SSD 256 Go HDD 1 To", [(256, "ssd"), (1000, "hdd")]),
        ("2 x 500 Go", [(500, "other"), (500, "other")]),
        ("2x256 Go SSD", [(256, "ssd"), (256, "ssd")]),
        ("500", [(500, "other")]),
        ("eMMC 32 Go", [(32, "emmc")]),
        ("32 Go eMMC", [(32, "emmc")]),
        ("NVMe 512 Go", [(512, "nvme")]),
        ("512 Go SSD NVMe", [(512, "nvme")]),
        ("SSD M.2 256 Go", [(256, "ssd")]),
        ("Disque dur 500 Go", [(500, "hdd")]),
        ("1 To SSHD", [(1000, "hdd")]),
        ("500 Mo", [(1, "other")]),
        ("1500 Mo", [(2, "other")]),
        ("2 TB", [(2000, "other")]),
        ("", []),
        ("Sans disque", []),
        ("N/A", []),
    ],
)
def test_parse_storage(text, expected):
    assert parse_storage(text) == expected


@pytest.mark.parametrize("text", ["SSD", "grand", "256 Go Samsung", "0", "256 Go +"])
def test_parse_storage_errors(text):
    with pytest.raises(ValueError) as caught:
        parse_storage(text)
    assert f"“{text}”" in str(caught.value) and "256 Go SSD" in str(caught.value)


def test_parse_storage_returns_a_fresh_list():
    first = parse_storage("256 Go SSD")
    first.append((1, "hdd"))
    assert parse_storage("256 Go SSD") == [(256, "ssd")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15/03/2021", datetime.date(2021, 3, 15)),
        ("5/3/2021", datetime.date(2021, 3, 5)),
        ("05/03/2021", datetime.date(2021, 3, 5)),
        ("15-03-2021", datetime.date(2021, 3, 15)),
        ("15.03.2021", datetime.date(2021, 3, 15)),
        ("2021-03-15", datetime.date(2021, 3, 15)),
        ("15/03/21", datetime.date(2021, 3, 15)),
        ("01/02/03", datetime.date(2003, 2, 1)),
        ("15/03/2021 00:00:00", datetime.date(2021, 3, 15)),
        ("2021-03-15 10:30", datetime.date(2021, 3, 15)),
        ("29/02/2020", datetime.date(2020, 2, 29)),
        ("15 mars 2021", datetime.date(2021, 3, 15)),
        ("", None),
        ("NC", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["31/02/2020", "29/02/2021", "03/15/2021", "00/01/2020", "32/01/2020"]
)
def test_parse_date_impossible_dates(text):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    assert f"“{text}”" in str(caught.value) and "dd/mm/yyyy" in str(caught.value)


@pytest.mark.parametrize("text", ["hier", "2021", "15/2021", "15/03/202", "15/03/1850"])
def test_parse_date_bad_format(text):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    assert "15/03/2021" in str(caught.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        *[
            (name, "laptop")
            for name in ["PC portable", "Portable", "Ordinateur portable", "Laptop", "Notebook",
                         "Netbook", "Ultraportable", "pc PORTABLE", "PC portables"]
        ],
        *[
            (name, "desktop")
            for name in ["PC fixe", "Fixe", "Unité centrale", "UC", "Tour", "Desktop", "Tower",
                         "Mini PC", "All-in-one", "Tout-en-un", "Unite centrale"]
        ],
        *[(name, "tablet") for name in ["Tablette", "Tablet", "iPad"]],
        *[
            (name, "smartphone")
            for name in ["Smartphone", "Téléphone", "Téléphone mobile", "Mobile", "Phone",
                         "iPhone", "Téléphone portable"]
        ],
        *[(name, "monitor") for name in ["Écran", "Ecran", "Moniteur", "Monitor", "Screen"]],
        *[(name, "other") for name in ["Autre", "Other", "Imprimante", "Printer"]],
        ("PC portable Dell Latitude", "laptop"),
        ("", None),
    ],
)  # fmt: skip
def test_parse_device_type(text, expected):
    assert parse_device_type(text) == expected


def test_parse_device_type_accepts_its_own_codes():
    for code in ("laptop", "desktop", "tablet", "smartphone", "monitor", "other"):
        assert parse_device_type(code) == code


def test_parse_device_type_error_lists_accepted_values():
    with pytest.raises(ValueError) as caught:
        parse_device_type("Grille-pain")
    message = str(caught.value)
    assert "“Grille-pain”" in message
    for word in ("laptop", "desktop", "tablet", "smartphone", "monitor", "other"):
        assert word in message


@pytest.mark.parametrize(
    "text, expected",
    [("85", 85), ("85 %", 85), ("85%", 85), ("0", 0), ("100", 100), ("85,4", 85), ("", None)],
)
def test_parse_percent(text, expected):
    assert parse_percent(text) == expected


@pytest.mark.parametrize("text", ["0,85", "0.5", "101", "-5", "85 %%", "bonne"])
def test_parse_percent_errors(text):
    with pytest.raises(ValueError) as caught:
        parse_percent(text)
    assert "between 0 and 100" in str(caught.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15,6", Decimal("15.6")),
        ('15.6"', Decimal("15.6")),
        ("15,6 pouces", Decimal("15.6")),
        ("14 in", Decimal("14.0")),
        ("14", Decimal("14")),
        ("13.3 inch", Decimal("13.3")),
        ("14''", Decimal("14.0")),
        ("15,6″", Decimal("15.6")),
        ("39,6 cm", Decimal("15.6")),
        ("33,8 cm", Decimal("13.3")),
        ('15,6" Full HD', Decimal("15.6")),
        ("", None),
    ],
)
def test_parse_screen_size(text, expected):
    result = parse_screen_size(text)
    assert result == expected
    if result is not None:
        assert result.as_tuple().exponent == -1


@pytest.mark.parametrize("text", ["grand", "0", "15,6 m", "500"])
def test_parse_screen_size_errors(text):
    with pytest.raises(ValueError) as caught:
        parse_screen_size(text)
    assert "inches" in str(caught.value)


KEYBOARD_CASES = {
    "azerty_fr": ["AZERTY", "FR", "Français", "azerty fr", "AZERTY-FR", "Clavier AZERTY"],
    "azerty_be": ["BE", "Belge", "AZERTY BE"],
    "qwerty_us": ["QWERTY", "US", "EN-US", "Anglais", "qwerty us"],
    "qwerty_uk": ["UK", "GB", "QWERTY UK"],
    "qwertz_de": ["QWERTZ", "DE", "Allemand"],
    "qwertz_ch": ["CH", "Suisse", "QWERTZ CH"],
    "other": ["Autre", "Other"],
}


@pytest.mark.parametrize(
    "text, expected",
    [(text, code) for code, texts in KEYBOARD_CASES.items() for text in texts] + [("", None)],
)
def test_parse_keyboard_layout(text, expected):
    assert parse_keyboard_layout(text) == expected


def test_keyboard_layouts_are_the_choices_in_order_and_parse_to_themselves():
    assert [code for code, _label in KEYBOARD_LAYOUTS] == list(KEYBOARD_CASES)
    assert str(dict(KEYBOARD_LAYOUTS)["azerty_fr"]) == "AZERTY (French)"
    for code, _label in KEYBOARD_LAYOUTS:
        assert parse_keyboard_layout(code) == code


def test_parse_keyboard_layout_error():
    with pytest.raises(ValueError) as caught:
        parse_keyboard_layout("Dvorak")
    assert "“Dvorak”" in str(caught.value) and "AZERTY" in str(caught.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("120", Decimal("120.00")),
        ("120,50", Decimal("120.50")),
        ("120,50 €", Decimal("120.50")),
        ("€120.50", Decimal("120.50")),
        ("1 200,00 €", Decimal("1200.00")),
        ("1\u00a0200,00\u00a0€", Decimal("1200.00")),
        ("1\u202f200 €", Decimal("1200.00")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("150 EUR HT", Decimal("150.00")),
        ("0", Decimal("0.00")),
        ("12,345678", Decimal("12.35")),
        ("0,125", Decimal("0.13")),
        ("1.234.567,891", Decimal("1234567.89")),
        ("1,234,567", Decimal("1234567.00")),
        ("", None),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("-120", "negative"),
        ("-120,50 €", "negative"),
        ("(50)", "negative"),
        ("cher", "not an amount"),
        ("12,50,3", "not an amount"),
        ("1.2.3", "not an amount"),
        ("12.34,5.6", "not an amount"),
        ("1,23.45", "not an amount"),
        ("1.200", "ambiguous"),
        ("1,200", "ambiguous"),
        ("999999999", "too large"),
    ],
)
def test_parse_money_errors(text, fragment):
    with pytest.raises(ValueError) as caught:
        parse_money(text)
    assert fragment in str(caught.value) and f"“{text}”" in str(caught.value)


# --------------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------------


def test_template_rows():
    headers, rows = template_rows()
    assert headers[:3] == ["Numéro de série", "Marque", "Modèle"]
    assert len(headers) == len(CANONICAL_FIELDS) == 14
    assert len(rows) == 2 and all(len(row) == 14 for row in rows)
    for header, field in zip(headers, CANONICAL_FIELDS, strict=True):
        other = "Notes" if field != "notes" else "Marque"
        sheet = read_sheet(csv_bytes([f"{header};{other}", "x;y"]), "f.csv")
        assert sheet.columns[field] == header


def test_template_examples_are_valid():
    _headers, rows = template_rows()
    for row in rows:
        values = dict(zip(CANONICAL_FIELDS, row, strict=True))
        assert parse_device_type(values["device_type"])
        assert parse_ram_mb(values["ram"])
        assert parse_storage(values["storage"])
        parse_percent(values["battery_health"])
        parse_screen_size(values["screen_size"])
        parse_keyboard_layout(values["keyboard_layout"])
        assert parse_date(values["purchase_date"])
        assert parse_money(values["declared_value"]) is not None


def test_template_csv_round_trip():
    content = template_csv()
    assert content.startswith(codecs.BOM_UTF8)
    assert content.decode("utf-8-sig").splitlines()[0].count(";") == 13
    headers, rows = template_rows()
    sheet = read_sheet(content, "modele.csv")
    assert list(sheet.columns) == list(CANONICAL_FIELDS)
    assert list(sheet.columns.values()) == headers
    assert [row.values for row in sheet.rows] == [
        dict(zip(CANONICAL_FIELDS, row, strict=True)) for row in rows
    ]
    assert [row.line for row in sheet.rows] == [2, 3]


def test_template_xlsx_round_trip_and_help_sheet():
    content = template_xlsx()
    headers, rows = template_rows()
    sheet = read_sheet(content, "modele.xlsx")
    assert list(sheet.columns) == list(CANONICAL_FIELDS)
    assert sheet.unknown_columns == []
    assert [row.values for row in sheet.rows] == [
        dict(zip(CANONICAL_FIELDS, row, strict=True)) for row in rows
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[1] == "Aide"
    data = workbook.worksheets[0]
    assert [cell.value for cell in data[1]] == headers
    assert all(cell.font.bold for cell in data[1])
    assert data.column_dimensions["A"].width >= 15
    assert isinstance(data["K2"].value, datetime.datetime)  # a real date cell
    help_text = " ".join(
        str(cell.value) for row in workbook["Aide"].iter_rows() for cell in row if cell.value
    )
    for header in headers:
        assert header in help_text
    for accepted in ("PC portable", "AZERTY", "jj/mm/aaaa", "256 Go SSD + 1 To HDD"):
        assert accepted in help_text


# --------------------------------------------------------------------------------------------
# Shipped samples (also used by other tests)
# --------------------------------------------------------------------------------------------


def test_sample_semicolon_cp1252():
    content = (SAMPLES / "donor_semicolon_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    sheet = read_sheet(content, "donor_semicolon_cp1252.csv")
    assert sheet.header_line == 3
    assert sheet.unknown_columns == ["Code interne"]
    assert [row.line for row in sheet.rows] == [4, 6, 8, 9]
    first = sheet.rows[0].values
    assert first["notes"] == "Rayure sur le capot\nchargeur manquant"
    assert parse_screen_size(first["screen_size"]) == Decimal("14.0")
    assert parse_money(first["declared_value"]) == Decimal("120.00")
    assert parse_storage(sheet.rows[2].values["storage"]) == [(500, "hdd"), (256, "ssd")]
    assert sheet.rows[2].values["notes"] == "Écran non fourni – cœur de gamme"
    assert parse_date(sheet.rows[3].values["purchase_date"]) == datetime.date(2016, 10, 20)


def test_sample_english():
    sheet = read_sheet((SAMPLES / "donor_english.csv").read_bytes(), "donor_english.csv")
    assert sheet.header_line == 1 and len(sheet.columns) == 13
    assert [row.line for row in sheet.rows] == [2, 3, 5]
    assert sheet.rows[0].values["notes"] == "Minor scratches, works fine"
    assert parse_storage(sheet.rows[1].values["storage"]) == [(256, "ssd"), (1000, "hdd")]
    assert parse_keyboard_layout(sheet.rows[1].values["keyboard_layout"]) == "qwerty_uk"
    assert parse_device_type(sheet.rows[2].values["device_type"]) == "tablet"


def test_sample_xlsx_with_title():
    sheet = read_sheet((SAMPLES / "donor_with_title.xlsx").read_bytes(), "donor_with_title.xlsx")
    assert sheet.header_line == 4
    assert sheet.columns["serial_number"] == "S/N"
    assert sheet.unknown_columns == ["Site"]
    assert [row.line for row in sheet.rows] == [5, 6, 8]
    first, second, third = (row.values for row in sheet.rows)
    assert first["battery_health"] == "85 %" and first["declared_value"] == "150"
    assert first["purchase_date"] == "14/05/2018" and first["screen_size"] == "15.6"
    assert second["serial_number"] == "12345678" and second["manufacturer"] == ""
    assert second["ram"] == "16"
    assert third["device_type"] == "Tour"


# --------------------------------------------------------------------------------------------
# Translations
# --------------------------------------------------------------------------------------------


def _po_entries(path):
    """{msgid: msgstr} of a plain .po fragment (single or multi-line strings)."""
    entries, current, key = {}, {}, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith(("msgid ", "msgstr ")):
            key, _space, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line and current:
            entries[current["msgid"]] = current["msgstr"]
            current, key = {}, None
    return entries


def _module_msgids():
    msgids = set()
    nodes = (ast.walk(ast.parse(path.read_text(encoding="utf-8"))) for path in MODULE_SOURCES)
    for node in (node for tree in nodes for node in tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "gettext_lazy"}
        ):
            msgids.add(node.args[0].value)
    return msgids


def test_every_message_has_a_french_translation_with_the_same_placeholders():
    entries = _po_entries(PO_FRAGMENT)
    msgids = _module_msgids()
    assert len(msgids) > 30
    assert msgids == set(entries)
    for msgid, msgstr in entries.items():
        assert msgstr and msgstr != msgid or msgid == "Notes", msgid
        placeholders = re.compile(r"%\(\w+\)s")
        assert sorted(placeholders.findall(msgid)) == sorted(placeholders.findall(msgstr)), msgid


def test_french_field_labels_are_recognised_headers():
    entries = _po_entries(PO_FRAGMENT)
    french = [entries[str(label)] for label in FIELD_LABELS.values()]
    sheet = read_sheet(
        csv_bytes([";".join(french), ";".join(["x"] * len(CANONICAL_FIELDS))]), "f.csv"
    )
    assert list(sheet.columns) == list(CANONICAL_FIELDS)


def test_french_error_message_lists_french_accepted_values():
    entries = _po_entries(PO_FRAGMENT)
    device = next(v for k, v in entries.items() if "known device type" in k)
    for word in ("PC portable", "PC fixe", "tablette", "smartphone", "écran", "autre"):
        assert word in device
        parse_device_type(word)
    keyboard = next(v for k, v in entries.items() if "keyboard layout" in k and "%" in k)
    for word in ("AZERTY", "BE", "QWERTY", "UK", "QWERTZ", "CH", "autre"):
        assert word in keyboard
        parse_keyboard_layout(word)


def test_a_huge_cell_is_refused_even_after_a_library_raised_the_csv_limit():
    import csv  # noqa: PLC0415

    csv.field_size_limit(2**31 - 2)  # what importing frictionless does to the whole process
    content = b"Serial;Brand\nS1;HP\nS2;" + b"x" * 200_000 + b"\nS3;HP\n"
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(content, "f.csv")
    assert caught.value.line == 3


def test_a_semicolon_csv_writes_decimals_with_a_comma():
    """The funder CSV used ";" but wrote "8.1", which a French spreadsheet reads as text or a
    date (persona walk): every ";" CSV writes decimals as the spreadsheet expects them."""
    from decimal import Decimal

    from core.exports import csv_bytes

    text = csv_bytes([["a", Decimal("66.4"), 8.1, 3, Decimal("1E+2"), None, "=x"]])
    assert text.decode("utf-8-sig") == "a;66,4;8,1;3;100;;'=x\r\n"
    assert csv_bytes([[Decimal("1.5")]], delimiter=",").decode("utf-8-sig") == "1.5\r\n"
