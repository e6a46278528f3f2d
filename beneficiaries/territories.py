"""Communes and territories: loading the open data of the official geographic code.

The files (`communes.csv`, `epci.csv`, `ept.csv`, see `shared/data/territories/README.md`) come
from `@etalab/decoupage-administratif`, built from INSEE's COG, the DGCL's EPCI composition and
INSEE's EPT list. The project ships Hauts-de-Seine as the fixture `territories_92`;
`manage.py load_territories` loads the whole country (or some departments) from the files."""

import csv
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
