"""Header rows of donor spreadsheets: the device's columns, the headers people type for them
(French and English, strong and weak synonyms), finding the header row and refusing two columns
for one field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import match_key

from .errors import SpreadsheetError

# The device's columns, defined once: CANONICAL_FIELDS, the template and the messages follow
# this table and its order.
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
    "weight": gettext_lazy("Weight"),
    "notes": gettext_lazy("Notes"),
}
CANONICAL_FIELDS = tuple(FIELD_LABELS)

HEADER_SEARCH_ROWS = 20

_BRACKETS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")

# Header cells and typed values are compared on the same key.
normalise_header = match_key

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
    "weight": "poids|poids net|poids brut|poids unitaire|masse|weight|net weight|poids en kg",
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
    " percent pourcentage kg kilos".split()
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


def no_header_error() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "No header row found in the first %(count)s non-empty rows: the file needs a row "
            "of column titles with at least two of these columns: %(columns)s."
        )
        % {"count": HEADER_SEARCH_ROWS, "columns": _expected_headers()}
    )


@dataclass
class Header:
    line: int
    index: int  # position of the header among the buffered candidate rows
    mapping: dict[str, int]  # canonical field -> column index
    columns: dict[str, str]  # canonical field -> header text
    unknown: list[str]
    score: int
    width: int


def _analyse_header(line: int, index: int, cells: list[str]) -> Header | None:
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
    header = Header(
        line=line,
        index=index,
        mapping=mapping,
        columns={canonical: cells[i] for canonical, i in mapping.items()},
        unknown=[cells[i] for i in sorted(unknown_idx + ignored)],
        score=score,
        width=len(cells),
    )
    return header


def check_duplicates(header: Header, cells: list[str]) -> None:
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


def pick_header(candidates: list[tuple[int, list[str]]]) -> Header | None:
    """Best header among the first non-blank rows: most recognised columns, earliest on ties."""
    best = None
    for index, (line, cells) in enumerate(candidates):
        header = _analyse_header(line, index, cells)
        if header is not None and (best is None or header.score > best.score):
            best = header
    return best
