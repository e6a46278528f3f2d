"""The downloadable template of a donor spreadsheet, as CSV and as XLSX.

A French document: its headers, examples and "Aide" sheet are French whatever the interface
language, like the spreadsheets the donors send."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from inventory.values import parse_date

from .headers import CANONICAL_FIELDS


@dataclass(frozen=True)
class _Column:
    header: str
    width: int
    examples: tuple[str, str]  # the two example rows
    required: str  # "Obligatoire" on the "Aide" sheet
    description: str  # "Contenu attendu" on the "Aide" sheet


_COLUMNS: dict[str, _Column] = {
    "serial_number": _Column(
        "Numéro de série",
        20,
        ("5CG8123XYZ", "CZC9876ABC"),
        "Recommandé",
        "Numéro de série du fabricant, tel qu'il figure sous l'appareil (ou « Service Tag » "
        "chez Dell). Il sert à identifier chaque appareil et à repérer les doublons.",
    ),
    "manufacturer": _Column(
        "Marque", 14, ("HP", "Dell"), "Non", "Marque ou fabricant : HP, Dell, Lenovo, Apple…"
    ),
    "model": _Column(
        "Modèle",
        22,
        ("EliteBook 840 G5", "OptiPlex 7060"),
        "Non",
        "Modèle exact : EliteBook 840 G5, Latitude 5490, ThinkPad T480…",
    ),
    "device_type": _Column(
        "Type",
        14,
        ("PC portable", "PC fixe"),
        "Oui",
        "PC portable, PC fixe (ou unité centrale, tour, mini PC, tout-en-un), Tablette, "
        "Smartphone, Écran, Autre (imprimante…). Les mots anglais sont aussi acceptés : "
        "Laptop, Desktop, Tablet, Phone, Monitor, Other.",
    ),
    "cpu": _Column(
        "Processeur",
        24,
        ("Intel Core i5-8350U", "Intel Core i5-8500"),
        "Non",
        "Processeur : Intel Core i5-8350U, AMD Ryzen 5 3500U…",
    ),
    "ram": _Column(
        "Mémoire",
        11,
        ("8 Go", "16 Go"),
        "Non",
        "Mémoire vive : 8 Go, 16 Go, 512 Mo, 2 x 4 Go. Un nombre seul est lu en Go (en Mo à "
        "partir de 256).",
    ),
    "storage": _Column(
        "Stockage",
        24,
        ("256 Go SSD", "512 Go SSD + 1 To HDD"),
        "Non",
        "Disque(s) avec capacité et type : 256 Go SSD, 1 To HDD, NVMe 512 Go, eMMC 32 Go. "
        "Plusieurs disques : 256 Go SSD + 1 To HDD. « Sans disque » si le disque a été retiré.",
    ),
    "battery_health": _Column(
        "Santé batterie (%)",
        18,
        ("85", ""),
        "Non",
        "Santé de la batterie en pourcentage, de 0 à 100 : 85 ou 85 %.",
    ),
    "screen_size": _Column(
        "Écran (pouces)",
        15,
        ("14", ""),
        "Non",
        "Diagonale de l'écran en pouces : 14, 15,6. Les cm sont acceptés : 39,6 cm.",
    ),
    "keyboard_layout": _Column(
        "Clavier",
        11,
        ("AZERTY", ""),
        "Non",
        "AZERTY (France), BE (AZERTY belge), QWERTY (US), UK (QWERTY britannique), "
        "QWERTZ (Allemagne), CH (Suisse), Autre.",
    ),
    "purchase_date": _Column(
        "Date d'achat",
        14,
        ("15/03/2019", "02/09/2018"),
        "Non",
        "Date au format jj/mm/aaaa : 15/03/2019.",
    ),
    "declared_value": _Column(
        "Valeur déclarée (€)",
        19,
        ("150", "80"),
        "Non",
        "Valeur déclarée en euros, sans signe moins : 150 ou 150,50 €.",
    ),
    "weight": _Column(
        "Poids (kg)",
        11,
        ("2,1", ""),
        "Non",
        "Poids en kg : 2,1 ou 2,1 kg ; en grammes : 850 g. Vide : le poids par défaut du type.",
    ),
    "notes": _Column(
        "Notes",
        34,
        ("Chargeur fourni", "Sans clavier ni souris"),
        "Non",
        "Toute information utile : accessoires fournis, défauts constatés…",
    ),
}
# In the import's column order; a device column missing above fails when the module loads.
_TEMPLATE = [_COLUMNS[name] for name in CANONICAL_FIELDS]


def template_rows() -> tuple[list[str], list[list[str]]]:
    """French headers in CANONICAL_FIELDS order and two example rows."""
    headers = [column.header for column in _TEMPLATE]
    rows = [[column.examples[index] for column in _TEMPLATE] for index in range(2)]
    return headers, rows


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
    for index, column in enumerate(_TEMPLATE, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
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
    for column in _TEMPLATE:
        help_sheet.append([column.header, column.required, column.description, column.examples[0]])
    for row in help_sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for letter, width in zip("ABCD", (22, 13, 80, 22), strict=True):
        help_sheet.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
