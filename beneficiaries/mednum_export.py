"""The structures that hand out refurbished devices, as a CSV of the national schema of
digital-mediation places (LaMednum/standard-mediation-num, SCHEMA_VERSION), so that the national
map shows them with the service "Acquisition de matériel informatique à prix solidaire".

The file is what the schema asks, not the project's French-spreadsheet CSV: UTF-8 without BOM,
"," between columns, "|" between the values of one cell, every column of the schema in its order.
A structure lacking a value the schema requires (name, commune, postal code, address) is left
out and named in `skipped`; an unknown pivot is written "00000000000000", as the national
exports do."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts import permissions
from core.exports import escape_cell
from core.pagination import capped_count
from core.sorting import natural_key

from .mednum import SERVICES
from .mednum_schema import field_names
from .models import Allocation, Structure

SOLIDARITY_DEVICES = "Acquisition de matériel informatique à prix solidaire"
assert SOLIDARITY_DEVICES in SERVICES
UNKNOWN_PIVOT = "00000000000000"
SOURCE = "Filière"

_PIVOT = re.compile(r"^[a-zA-Z0-9]{9,14}$")
# The schema's telephone pattern: "+" then digits only, so it cannot run as a formula and is
# written as it is (escaping it would break the pattern).
_PHONE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}$")


@dataclass
class NationalExport:
    content: bytes
    exported: int
    skipped: list[str] = field(default_factory=list)  # names of the structures left out


def handing_out_structures(user):
    """Structures that have handed out at least one device (returned or not)."""
    handed = Allocation.objects.filter(structure_id=OuterRef("organisation_id"))
    return (
        Structure.objects.visible_to(user)
        .filter(Exists(handed))
        .select_related("organisation", "commune")
        .order_by("organisation__name", "pk")
    )


def incomplete() -> Q:
    """A structure lacking what the schema requires: a name, a commune, a postal code of five
    digits, an address. In SQL, so that the structures' page names those left out without
    reading every structure."""
    blank = r"^\s*$"
    return (
        Q(organisation__name__regex=blank)
        | Q(commune__isnull=True)
        | ~Q(postal_code__regex=r"^\s*\d{5}\s*$")
        | Q(address__regex=blank)
    )


def left_out(user):
    """The structures handing out devices that the national file leaves out."""
    return handing_out_structures(user).filter(incomplete())


def skipped_names(user) -> list[str]:
    return list(left_out(user).values_list("organisation__name", flat=True))


SKIPPED_SHOWN = 20


@dataclass
class Skipped:
    count: int
    more: bool  # more than `count`
    names: list[str]

    @property
    def others(self) -> int:
        return 0 if self.more else self.count - len(self.names)


def skipped_summary(user) -> Skipped:
    """What the structures' page says of those the file leaves out: how many (counted up to
    COUNT_CAP) and the first names, oldest structures first, so that the page reads a bounded
    number of structures however many the coordination has (the whole list cost 28 ms and
    5,000 names at 5,000 structures)."""
    oldest_first = left_out(user).order_by("pk")
    count, more = capped_count(oldest_first)
    names = sorted(
        oldest_first.values_list("organisation__name", flat=True)[:SKIPPED_SHOWN],
        key=natural_key,
    )
    return Skipped(count, more, names)


def _row(structure: Structure, today: date) -> dict[str, str]:
    organisation = structure.organisation
    commune = structure.commune
    postal_code = structure.postal_code.strip()
    pivot = structure.pivot or organisation.siret
    phone = re.sub(r"[\s.\-()]", "", structure.contact_phone)
    return {
        "id": structure.mednum_id or f"filiere-structure-{structure.pk}",
        "pivot": pivot if _PIVOT.match(pivot or "") else UNKNOWN_PIVOT,
        "nom": organisation.name,
        "commune": commune.name,
        "code_postal": postal_code,
        "code_insee": commune.code_insee,
        "adresse": structure.address,
        "telephone": phone if _PHONE.match(phone) else "",
        "courriels": structure.contact_email,
        "source": SOURCE,
        "date_maj": (structure.updated_on or today).isoformat(),
        "services": SOLIDARITY_DEVICES,
        "dispositif_programmes_nationaux": "|".join(structure.programmes or []),
    }


def national_export(user) -> NationalExport:
    permissions.require(user, "structures.export_national")
    columns = field_names()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    today = timezone.localdate()
    exported = 0
    skipped = skipped_names(user)
    for structure in handing_out_structures(user).exclude(incomplete()):
        row = _row(structure, today)
        writer.writerow(
            [
                row.get(name, "") if name == "telephone" else escape_cell(row.get(name, ""))
                for name in columns
            ]
        )
        exported += 1
    return NationalExport(buffer.getvalue().encode("utf-8"), exported, skipped)
