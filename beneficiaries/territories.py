"""Communes and territories: loading the open data of the official geographic code.

The files (`communes.csv`, `epci.csv`, `ept.csv`, see `shared/data/territories/README.md`) come
from `@etalab/decoupage-administratif`, built from INSEE's COG, the DGCL's EPCI composition and
INSEE's EPT list. The project ships Hauts-de-Seine as the fixture `territories_92`;
`manage.py load_territories` loads the whole country (or some departments) from the files."""

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.text import match_key

from .models.territories import Commune, Territory

FILES = ("communes.csv", "epci.csv", "ept.csv")

# Departments, overseas departments and collectivities present in the COG, by code.
DEPARTMENT_NAMES = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
    "989": "Île de Clipperton",
}


def department_code(department: str) -> str:
    """The code of a department's territory: "D92"."""
    return f"D{department}"


def department_name(department: str) -> str:
    return DEPARTMENT_NAMES.get(department, f"Département {department}")


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


def territories_files_missing(path: Path) -> list[Path]:
    """The expected files absent from `path` (empty when everything is there)."""
    return [path / name for name in FILES if not (path / name).is_file()]


@transaction.atomic
def territories_load(path: Path, *, departments: set[str] | None = None) -> tuple[int, int]:
    """Load (insert or update) the communes and their territories from the open files in `path`.

    With `departments`, only the communes of those departments are loaded, with the EPCI and
    EPT having at least one of them as member and the departments themselves; otherwise the
    whole country. Membership comes from the communes file; running it again changes nothing.
    Returns the number of communes and of territories (EPCI, EPT and departments) loaded."""
    missing = territories_files_missing(path)
    if missing:
        raise FileNotFoundError(", ".join(str(m) for m in missing))
    wanted = {d.strip().upper() for d in departments} if departments is not None else None

    communes: list[Commune] = []
    links: list[tuple[str, str]] = []  # (EPCI, EPT) codes of each commune
    for row in _rows(path / "communes.csv"):
        department = row["departement"].strip()
        if wanted is not None and department not in wanted:
            continue
        communes.append(
            Commune(
                code_insee=row["code_insee"].strip(),
                name=row["nom"].strip(),
                department=department,
                region=row["region"].strip(),
                postal_codes=_split(row["codes_postaux"]),
                population=_int(row["population"]),
            )
        )
        links.append((row["epci"].strip(), row["ept"].strip()))
    used = {code for pair in links for code in pair if code}

    territories: dict[str, Territory] = {}
    for filename, kind in (("epci.csv", Territory.Kind.EPCI), ("ept.csv", Territory.Kind.EPT)):
        for row in _rows(path / filename):
            code = row["code"].strip()
            if wanted is not None and code not in used:
                continue
            territories[code] = Territory(
                code=code,
                name=row["nom"].strip(),
                kind=kind,
                epci_type=row["type"].strip(),
                population=_int(row["population"]),
            )
    populations: dict[str, int] = {}
    for commune in communes:
        populations[commune.department] = populations.get(commune.department, 0) + (
            commune.population or 0
        )
    for department, population in populations.items():
        code = department_code(department)
        territories[code] = Territory(
            code=code,
            name=department_name(department),
            kind=Territory.Kind.DEPARTMENT,
            population=population,
        )

    Territory.objects.bulk_create(
        list(territories.values()),
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "kind", "epci_type", "population"],
        batch_size=500,
    )
    ids = dict(Territory.objects.filter(code__in=territories).values_list("code", "id"))
    for commune, (epci, ept) in zip(communes, links, strict=True):
        commune.epci_id = ids.get(epci)
        commune.ept_id = ids.get(ept)
    Commune.objects.bulk_create(
        communes,
        update_conflicts=True,
        unique_fields=["code_insee"],
        update_fields=["name", "department", "region", "postal_codes", "population", "epci", "ept"],
        batch_size=500,
    )
    return len(communes), len(territories)


def commune_validate(code: str) -> Commune:
    """The commune with this INSEE code ("92050", "2A004"), or a ValidationError."""
    normalised = (code or "").strip().upper()
    commune = Commune.objects.filter(code_insee=normalised).first() if normalised else None
    if commune is None:
        raise ValidationError(
            _("No commune has the INSEE code “%(code)s”."),
            code="unknown_commune",
            params={"code": normalised or code},
        )
    return commune


# Communes by name or postal code (every form that asks for a commune) -------------------

SUGGESTIONS = 15
_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_POSTAL_RE = re.compile(r"^\d{5}$")
_SAINT_RE = re.compile(r"\b(st|ste)\b")
_CHOSEN_RE = re.compile(r"^(\d{5}|2[abAB]\d{3}) (.+)$")


def _name_key(text: str) -> str:
    # "St-Cloud", "saint cloud" and "Saint-Cloud" are one key.
    key = match_key(text)
    return _SAINT_RE.sub(lambda m: "saint" if m[1] == "st" else "sainte", key)


def _label(commune: Commune) -> str:
    codes = ", ".join(commune.postal_codes) or "—"
    return f"{commune.name} ({codes})"


def communes_matching(text: str, limit: int = SUGGESTIONS) -> list[Commune]:
    """Communes a person may mean by `text`: its INSEE code, a postal code (every commune
    that shares it), or its name (accents, case, hyphens and "St" ignored; whole name first,
    then names that start so, then names that contain it)."""
    typed = " ".join((text or "").split())
    if not typed:
        return []
    code = typed.upper()
    if _INSEE_RE.match(code):
        exact = list(Commune.objects.filter(code_insee=code))
        by_postal = []
        if _POSTAL_RE.match(code):
            # JSON "contains" is not portable (SQLite): the department's communes, in Python.
            by_postal = [
                c
                for c in Commune.objects.filter(code_insee__startswith=code[:2])
                if code in (c.postal_codes or [])
            ]
        found = by_postal + [c for c in exact if c not in by_postal]
        return sorted(found, key=lambda c: c.name)[:limit]
    if code.isdigit() and 2 <= len(code) < 5:  # a postal code being typed: "921"
        starting = [
            c
            for c in Commune.objects.filter(code_insee__startswith=code[:2])
            if any(p.startswith(code) for p in c.postal_codes or [])
        ]
        return sorted(starting, key=lambda c: (min(c.postal_codes), c.name))[:limit]
    key = _name_key(typed)
    if len(key) < 2:
        return []
    ranked = []
    for name, code_insee in _name_index():
        if name == key:
            ranked.append((0, name, code_insee))
        elif name.startswith(key):
            ranked.append((1, name, code_insee))
        elif key in name:
            ranked.append((2, name, code_insee))
    codes = [code for _r, _n, code in sorted(ranked)[:limit]]
    by_code = Commune.objects.in_bulk(codes)
    return [by_code[code] for code in codes]


_INDEX: dict = {}


def _name_index() -> list[tuple[str, str]]:
    """(name key, INSEE code) of every commune, kept per process: the accents of the names
    make a database LIKE miss ("ecouen" and "Écouen"). Rebuilt when the communes change
    (their count and greatest code, one cheap query)."""
    stamp = tuple(Commune.objects.aggregate(n=models.Count("pk"), top=models.Max("pk")).values())
    if _INDEX.get("stamp") != stamp:
        _INDEX["rows"] = [
            (_name_key(name), code) for code, name in Commune.objects.values_list("pk", "name")
        ]
        _INDEX["stamp"] = stamp
    return _INDEX["rows"]


def commune_resolve(text: str) -> Commune | None:
    """The one commune `text` names, or a ValidationError that lists the candidates."""
    typed = " ".join((text or "").split())
    if not typed:
        return None
    chosen = _CHOSEN_RE.match(typed)  # an option of the suggestions: "92050 Nanterre"
    if chosen:
        commune = Commune.objects.filter(code_insee=chosen[1].upper()).first()
        if commune is not None and _name_key(commune.name) == _name_key(chosen[2]):
            return commune
    found = communes_matching(typed, limit=SUGGESTIONS + 1)
    exact_names = [c for c in found if _name_key(c.name) == _name_key(typed)]
    if len(exact_names) == 1:
        return exact_names[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValidationError(
            _("No commune is called or has the code “%(text)s”: type its name or postal code."),
            code="unknown_commune",
            params={"text": typed},
        )
    shown = ", ".join(f"{_label(c)} — {c.code_insee}" for c in found[:SUGGESTIONS])
    raise ValidationError(
        _("“%(text)s” may be several communes: %(communes)s. Choose one in the list."),
        code="ambiguous_commune",
        params={"text": typed, "communes": shown},
    )


def commune_choice(commune: Commune) -> str:
    """What the form holds once a suggestion is picked: the INSEE code, then the name."""
    return f"{commune.code_insee} {commune.name}"


def commune_suggestions(text: str) -> list[tuple[str, str]]:
    """(value, label) for the form's list of suggestions."""
    return [(commune_choice(c), _label(c)) for c in communes_matching(text)]
