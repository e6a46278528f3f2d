"""Read the national open data of digital-mediation places ("lieux de médiation numérique") into
places ready to become mediation structures, without the database.

The format is La MedNum / ANCT's schema ``LaMednum/standard-mediation-num`` (table schema published
on schema.data.gouv.fr). What was checked against v1.0.0 and v1.0.1 of its documentation, the
repository's schema.json and exemple-valide.csv, and the ANCT's TypeScript models:

* CSV in UTF-8, comma-separated, one header line with the schema's column names, primary key
  ``id`` (free local identifier, unique in the file);
* several values in one cell are separated by ``|`` (v1.x; v0.1 used ``;``);
* required columns: ``id``, ``pivot``, ``nom``, ``commune``, ``code_postal`` (``^\\d{5}$``),
  ``adresse``, ``date_maj`` (ISO date); ``services`` required in v1.0.0, optional from v1.0.1;
* ``code_insee`` optional, pattern ``^([013-9]\\d|2[AB1-9])\\d{3}$``;
* ``pivot``: SIRET, else RNA (associations without SIRET), else RIDET (pattern
  ``^[a-zA-Z0-9]{9,14}$``); national exports write ``00000000000000`` when it is unknown;
* ``latitude``/``longitude``: WGS84 numbers; ``telephone`` international (``+33…``);
  ``courriels``, ``site_web``: ``|``-separated;
* ``services`` (9 values) and ``dispositif_programmes_nationaux`` (11 values) are closed lists,
  see SERVICES and PROGRAMMES below; v0.1 files have ``courriel`` and ``labels_nationaux``
  (France Services, CNFS, Aidants Connect… mixed with labels) instead.

This reader is lenient where the data is merely untidy and strict where a place could not be
identified or located. A file is refused (MednumFileError) only when it cannot be read at all or
lacks ``id``, ``nom`` or both ``code_postal`` and ``code_insee``. A row is refused (blocking
issue) when it has no id or name, a repeated id, a malformed postal or INSEE code (a 4-digit
postal code is not "repaired": the missing digit cannot be guessed), an INSEE code of another
département than the postal code's, a date_maj that is not a date, or more values than the
header has columns. Everything else (unknown service, a missing pivot or one that does not
follow the schema's pattern, coordinates out of range, missing address…) is a warning, reported
by line, and the row is kept. beneficiaries.mednum_schema checks a file against the schema's
schema.json itself.
Semicolon-separated files (French spreadsheets) and Windows-1252 files are read, with a warning.
Never raises anything but MednumFileError.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext

from core.text import decode_text

__all__ = [
    "PROGRAMMES",
    "SERVICES",
    "MednumFile",
    "MednumFileError",
    "MednumIssue",
    "MednumPlace",
    "read_mednum_csv",
    "structures_programmes",
]

_MAX_BYTES = 100 * 1024 * 1024  # the whole national file (about 19,000 places) is ~20 MB


def _(message: str) -> str:
    # Translated under Django; plain English when settings/apps are not ready (scripts, bare tests).
    try:
        return gettext(message)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return message


# --- vocabularies -------------------------------------------------------------------------------

# v1.0.x "services" (the schema's pattern; its description misspells "Comprehension").
SERVICES: tuple[str, ...] = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)

# v0.1.x "services": still found in older departmental files; accepted without a warning.
_LEGACY_SERVICES: tuple[str, ...] = (
    "Devenir autonome dans les démarches administratives",
    "Réaliser des démarches administratives avec un accompagnement",
    "Prendre en main un smartphone ou une tablette",
    "Prendre en main un ordinateur",
    "Utiliser le numérique au quotidien",
    "Approfondir ma culture numérique",
    "Favoriser mon insertion professionnelle",
    "Accéder à une connexion internet",
    "Accéder à du matériel",
    "S'équiper en matériel informatique",
    "Créer et développer mon entreprise",
    "Créer avec le numérique",
    "Accompagner les démarches de santé",
    "Promouvoir la citoyenneté numérique",
    "Soutenir la parentalité et l'éducation avec le numérique",
)

# v1.0.x "dispositif_programmes_nationaux", spelled as in the schema's pattern.
PROGRAMMES: tuple[str, ...] = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)


def _key(value: str) -> str:
    """Comparison key: no accents, case, apostrophe style, hyphens or repeated spaces."""
    text = unicodedata.normalize("NFKD", value.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.replace("-", " ").split())


_SERVICE_KEYS: dict[str, str] = {_key(s): s for s in SERVICES + _LEGACY_SERVICES}

# Other spellings met in the data, v0.1 "labels_nationaux" values that name a programme included.
_PROGRAMME_KEYS: dict[str, str] = {_key(p): p for p in PROGRAMMES} | {
    _key(alias): programme
    for alias, programme in (
        ("CNFS", "Conseillers numériques"),
        ("Conseiller numérique", "Conseillers numériques"),
        ("Conseiller numérique France Services", "Conseillers numériques"),
        ("Conseillers numériques France Services", "Conseillers numériques"),
        ("France Service", "France Services"),
        ("Espace France Services", "France Services"),
        ("Maison France Services", "France Services"),
        ("Aidant Connect", "Aidants Connect"),
        ("Grandes écoles du numérique", "Grande école du numérique"),
        ("Point numérique CAF", "Point d'accès numérique CAF"),
        ("Bibliothèques numériques de référence", "Bibliothèques numérique de référence"),
        ("Bibliothèque numérique de référence", "Bibliothèques numérique de référence"),
        ("Relais numériques (Emmaüs Connect)", "Relais numérique (Emmaüs Connect)"),
        ("Relais numérique Emmaüs Connect", "Relais numérique (Emmaüs Connect)"),
        ("Croix Rouge", "La Croix Rouge"),
        ("Croix-Rouge française", "La Croix Rouge"),
        ("Promeneurs du Net", "Promeneurs du net"),
        ("PIX", "Certification PIX"),
    )
}

_SPLIT_LIST = re.compile(r"\s*[|;,]\s*")  # closed lists: "|" (v1), ";" (v0.1), "," (seen in data)
_SPLIT_EMAILS = re.compile(r"[|;,\s]+")
_SPLIT_URLS = re.compile(r"\s*\|\s*|\s*;\s*(?=https?://|www\.)")
_SPLIT_PHONES = re.compile(r"\s*[|;]\s*")

_CODE_INSEE = re.compile(r"^(?:[013-9]\d|2[AB1-9])\d{3}$")  # the schema's pattern
_POSTAL = re.compile(r"^\d{5}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_PIVOT = re.compile(r"^[A-Z0-9]{9,14}$")  # the schema's pattern (upper-cased here)
_PHONE = re.compile(r"^(?:\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

_REQUIRED_COLUMNS = ("id", "nom")
_SCHEMA_REQUIRED = ("pivot", "commune", "code_postal", "adresse", "date_maj")


# --- results ------------------------------------------------------------------------------------


@dataclass
class MednumPlace:
    line: int  # physical line in the file where the row starts (the header is line 1)
    id: str  # the schema's id: the stable key for re-imports
    pivot: str  # SIRET, SIREN, RNA or RIDET (the schema's pattern), "" when absent or unknown
    name: str
    address: str  # adresse, then complement_adresse after ", "
    postal_code: str
    code_insee: str
    commune: str
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""  # the first number, as written
    emails: list[str] = field(default_factory=list)
    website: str = ""  # the first address
    services: list[str] = field(default_factory=list)  # canonical spelling; unknown ones kept
    programmes: list[str] = field(default_factory=list)  # PROGRAMMES values, in that order
    updated_on: date | None = None
    source: str = ""
    opening_hours: str = ""  # "horaires", OpenStreetMap's opening_hours syntax, as written


@dataclass
class MednumIssue:
    line: int | None  # None: about the whole file
    field: str  # the schema's column name; "" for the row or the file as a whole
    message: str  # translated
    blocking: bool  # True: the row is refused; False: a warning, the row is kept


@dataclass
class MednumFile:
    places: list[MednumPlace] = field(default_factory=list)  # accepted rows, in file order
    issues: list[MednumIssue] = field(default_factory=list)  # file issues first, then by line
    total_rows: int = 0  # data rows read, blank rows not counted

    @property
    def errors(self) -> list[MednumIssue]:
        return [issue for issue in self.issues if issue.blocking]

    @property
    def warnings(self) -> list[MednumIssue]:
        return [issue for issue in self.issues if not issue.blocking]


class MednumFileError(ValueError):
    """A file that cannot be read at all. str(exc) is a user-facing translated message."""


# --- helpers ------------------------------------------------------------------------------------


def _split(value: str, pattern: re.Pattern[str]) -> list[str]:
    seen: dict[str, None] = {}
    for part in pattern.split(value):
        part = part.strip()
        if part:
            seen.setdefault(part)
    return list(seen)


def _programmes(values: list[str]) -> tuple[list[str], list[str]]:
    known: set[str] = set()
    unknown: list[str] = []
    for value in values:
        for part in _split(value or "", _SPLIT_LIST):
            programme = _PROGRAMME_KEYS.get(_key(part))
            if programme:
                known.add(programme)
            elif part not in unknown:
                unknown.append(part)
    return [p for p in PROGRAMMES if p in known], unknown


def structures_programmes(values: list[str]) -> list[str]:
    """National programmes named by raw cell values, in PROGRAMMES spelling and order.

    Each value may hold several programmes ("France Services|CNFS"); other spellings (CNFS,
    "Point numérique CAF"…) are recognised, anything else is left out.
    """
    return _programmes(values)[0]


def _departement(code: str) -> str:
    """The département of a postal or INSEE code, Corsica (20xxx, 2Axxx, 2Bxxx) as "20"."""
    return "20" if code[:2] in ("2A", "2B") else code[:2]


def _delimiter(text: str) -> str:
    """The separator of the header line: "," unless it has more ";" (or tabs) outside quotes."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _column_name(raw: str) -> str:
    name = raw.replace("\ufeff", "").strip().strip('"').strip().lower()
    return re.sub(r"[\s\-]+", "_", name)


# --- reading ------------------------------------------------------------------------------------


def read_mednum_csv(content: bytes) -> MednumFile:
    """Read a file of the "lieux de médiation numérique" schema (see the module's docstring)."""
    if not isinstance(content, (bytes, bytearray)):
        raise MednumFileError(_("The file could not be read."))
    if len(content) > _MAX_BYTES:
        raise MednumFileError(
            _("The file is too large: more than %(size)s MB.") % {"size": _MAX_BYTES // 2**20}
        )
    if content[:4] == b"PK\x03\x04":
        raise MednumFileError(
            _("This is a spreadsheet (.xlsx or .ods), not a CSV file: export it as CSV first.")
        )
    if b"\x00" in content:
        raise MednumFileError(_("The file is not text: it cannot be a CSV file."))
    text, encoding = decode_text(bytes(content), fallback="cp1252")
    if not text.strip():
        raise MednumFileError(_("The file is empty."))

    result = MednumFile()
    file_issues = result.issues
    if encoding == "cp1252":
        file_issues.append(
            MednumIssue(
                None,
                "",
                _(
                    "The file is not in UTF-8: it was read as Windows-1252. "
                    "Check the accented letters."
                ),
                False,
            )
        )
    delimiter = _delimiter(text)
    if delimiter != ",":
        file_issues.append(
            MednumIssue(
                None,
                "",
                _(
                    "The columns are separated by “%(separator)s” instead of commas, as the "
                    "schema requires; the file was read anyway."
                )
                % {"separator": _("tab") if delimiter == "\t" else delimiter},
                False,
            )
        )

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_row: list[str] | None = None
        for row in reader:
            if any(cell.strip() for cell in row):
                header_row = row
                break
        if header_row is None:
            raise MednumFileError(_("The file is empty."))
        columns = [_column_name(cell) for cell in header_row]
        index: dict[str, int] = {}
        for position, name in enumerate(columns):
            if not name:
                continue
            if name in index:
                file_issues.append(
                    MednumIssue(
                        None,
                        name,
                        _("The column %(column)s appears twice; the first one is read.")
                        % {"column": name},
                        False,
                    )
                )
                continue
            index[name] = position
        if "courriels" not in index and "courriel" in index:  # v0.1
            index["courriels"] = index["courriel"]

        missing = [name for name in _REQUIRED_COLUMNS if name not in index]
        if "code_postal" not in index and "code_insee" not in index:
            missing.append("code_postal")
        if missing:
            raise MednumFileError(
                _(
                    "This is not a file of the “lieux de médiation numérique” schema: "
                    "the columns %(columns)s are missing."
                )
                % {"columns": ", ".join(missing)}
            )
        for name in _SCHEMA_REQUIRED:
            if name not in index:
                file_issues.append(
                    MednumIssue(
                        None,
                        name,
                        _("The column %(column)s of the schema is missing.") % {"column": name},
                        False,
                    )
                )

        row_reader = _RowReader(index, len(header_row), result)
        previous_line = reader.line_num
        for row in reader:
            start = previous_line + 1
            previous_line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            result.total_rows += 1
            row_reader.read(start, row)
    except csv.Error as exc:
        raise MednumFileError(
            _("The CSV file could not be read near line %(line)s.") % {"line": reader.line_num or 1}
        ) from exc
    return result


class _RowReader:
    def __init__(self, index: dict[str, int], width: int, result: MednumFile):
        self.index = index
        self.width = width
        self.result = result
        self.first_line_of: dict[str, int] = {}

    def read(self, line: int, row: list[str]) -> None:
        issues: list[MednumIssue] = []

        def report(column: str, message: str, blocking: bool) -> None:
            issues.append(MednumIssue(line, column, message, blocking))

        if len(row) > self.width:
            report(
                "",
                _(
                    "The row has %(count)s values but the header has %(expected)s columns "
                    "(a comma outside quotes?); it was not read."
                )
                % {"count": len(row), "expected": self.width},
                True,
            )
            self.result.issues.extend(issues)
            return
        if len(row) < self.width:
            report(
                "",
                _(
                    "The row has %(count)s values but the header has %(expected)s columns; "
                    "the missing ones are taken as empty."
                )
                % {"count": len(row), "expected": self.width},
                False,
            )

        def cell(column: str) -> str:
            position = self.index.get(column)
            if position is None or position >= len(row):
                return ""
            return row[position].strip()

        place_id = cell("id")
        if not place_id:
            report("id", _("The id is missing."), True)
        elif place_id in self.first_line_of:
            report(
                "id",
                _("The id %(id)s was already used on line %(line)s.")
                % {"id": place_id, "line": self.first_line_of[place_id]},
                True,
            )
        else:
            self.first_line_of[place_id] = line

        name = cell("nom")
        if not name:
            report("nom", _("The name (nom) is missing."), True)

        code_insee = cell("code_insee").upper().replace(" ", "")
        if code_insee and len(code_insee) == 4 and code_insee.isdigit():
            code_insee = "0" + code_insee
            report(
                "code_insee",
                _("The code %(value)s lacked its leading zero; it was added.")
                % {"value": cell("code_insee")},
                False,
            )
        if code_insee and not _CODE_INSEE.match(code_insee):
            report(
                "code_insee",
                _("%(value)s is not an INSEE code (5 characters, such as 92050 or 2A004).")
                % {"value": cell("code_insee")},
                True,
            )

        postal_code = re.sub(r"\s+", "", cell("code_postal"))
        if len(postal_code) == 4 and postal_code.isdigit():
            # Not repaired: "9205" is as likely a cut 92050 as a 09205 of another département.
            report(
                "code_postal",
                _(
                    "%(value)s has 4 digits: a postal code has 5, and the missing one cannot be "
                    "guessed (a leading zero would make it a code of another département)."
                )
                % {"value": cell("code_postal")},
                True,
            )
        elif postal_code and not _POSTAL.match(postal_code):
            report(
                "code_postal",
                _("%(value)s is not a postal code (5 digits).") % {"value": cell("code_postal")},
                True,
            )
        elif not postal_code:
            if code_insee:
                if "code_postal" in self.index:  # else said once for the file
                    report("code_postal", _("The postal code is missing."), False)
            else:
                report(
                    "code_postal", _("Neither the postal code nor the INSEE code is given."), True
                )

        if (
            postal_code
            and code_insee
            and _POSTAL.match(postal_code)
            and _CODE_INSEE.match(code_insee)
            and _departement(postal_code) != _departement(code_insee)
        ):
            # One of the two is wrong and nothing says which: the place could not be located.
            report(
                "code_insee",
                _(
                    "The INSEE code %(code_insee)s contradicts the postal code %(postal_code)s: "
                    "they are not in the same département."
                )
                % {"postal_code": postal_code, "code_insee": code_insee},
                True,
            )

        updated_on = None
        raw_date = cell("date_maj")
        match = _DATE.match(raw_date)
        if match:
            try:
                updated_on = date(*(int(part) for part in match.groups()))
            except ValueError:
                match = None
        if raw_date and not match:
            report(
                "date_maj",
                _("%(value)s is not a date in the form YYYY-MM-DD.") % {"value": raw_date},
                True,
            )
        elif not raw_date and "date_maj" in self.index:
            report("date_maj", _("The update date (date_maj) is missing."), False)

        # The schema's own rule, nothing stricter: a check digit refused most real SIRETs.
        pivot = re.sub(r"[\s.]+", "", cell("pivot")).upper()
        if not pivot:
            if "pivot" in self.index:  # else said once for the file
                report(
                    "pivot",
                    _(
                        "The pivot (SIRET, SIREN, RNA or RIDET number), required by the schema, "
                        "is missing; the place was read without it."
                    ),
                    False,
                )
        elif set(pivot) == {"0"}:
            pivot = ""  # national exports write 00000000000000 for "unknown"
        elif not _PIVOT.match(pivot):
            report(
                "pivot",
                _(
                    "%(value)s does not follow the schema's rule for the pivot (9 to 14 letters "
                    "or digits: SIREN, SIRET, RNA or RIDET); it was ignored."
                )
                % {"value": cell("pivot")},
                False,
            )
            pivot = ""

        if "commune" in self.index and not cell("commune"):
            report("commune", _("The commune is missing."), False)
        if "adresse" in self.index and not cell("adresse"):
            report("adresse", _("The street address (adresse) is missing."), False)

        latitude, longitude = self._coordinates(cell("latitude"), cell("longitude"), report)

        phones = _split(cell("telephone"), _SPLIT_PHONES)
        phone = phones[0] if phones else ""
        if phone and not _PHONE.match(re.sub(r"[\s.\-()]", "", phone)):
            report(
                "telephone",
                _("%(value)s is not in the international form (+33…); it was kept as written.")
                % {"value": phone},
                False,
            )

        emails = []
        for email in _split(cell("courriels"), _SPLIT_EMAILS):
            if _EMAIL.match(email):
                emails.append(email)
            else:
                report(
                    "courriels",
                    _("%(value)s is not an email address; it was ignored.") % {"value": email},
                    False,
                )

        urls = _split(cell("site_web"), _SPLIT_URLS)
        website = urls[0] if urls else ""
        if website.lower().startswith("www."):
            website = "https://" + website

        services = []
        for value in _split(cell("services"), _SPLIT_LIST):
            canonical = _SERVICE_KEYS.get(_key(value))
            if canonical is None:
                report(
                    "services",
                    _("“%(value)s” is not one of the schema's services; it was kept as written.")
                    % {"value": value},
                    False,
                )
                canonical = value
            if canonical not in services:
                services.append(canonical)

        programmes, unknown = _programmes([cell("dispositif_programmes_nationaux")])
        for value in unknown:
            report(
                "dispositif_programmes_nationaux",
                _("“%(value)s” is not one of the schema's national programmes; it was ignored.")
                % {"value": value},
                False,
            )
        if cell("labels_nationaux"):  # v0.1: labels (APTIC, French Tech…) silently left out
            from_labels, _labels = _programmes([cell("labels_nationaux")])
            programmes = [p for p in PROGRAMMES if p in programmes or p in from_labels]

        address = ", ".join(part for part in (cell("adresse"), cell("complement_adresse")) if part)

        self.result.issues.extend(issues)
        if any(issue.blocking for issue in issues):
            return
        self.result.places.append(
            MednumPlace(
                line=line,
                id=place_id,
                pivot=pivot,
                name=name,
                address=address,
                postal_code=postal_code,
                code_insee=code_insee,
                commune=cell("commune"),
                latitude=latitude,
                longitude=longitude,
                phone=phone,
                emails=emails,
                website=website,
                services=services,
                programmes=programmes,
                updated_on=updated_on,
                source=cell("source"),
                opening_hours=cell("horaires"),
            )
        )

    @staticmethod
    def _coordinates(raw_latitude: str, raw_longitude: str, report) -> tuple[float | None, ...]:
        if not raw_latitude and not raw_longitude:
            return None, None
        values: list[float | None] = []
        for column, raw, limit, message in (
            (
                "latitude",
                raw_latitude,
                90.0,
                _("%(value)s is not a valid latitude; the position was ignored."),
            ),
            (
                "longitude",
                raw_longitude,
                180.0,
                _("%(value)s is not a valid longitude; the position was ignored."),
            ),
        ):
            number = None
            if raw:
                try:
                    number = float(raw.replace(",", ".") if "." not in raw else raw)
                except ValueError:
                    number = None
                if number is None or not math.isfinite(number) or abs(number) > limit:
                    report(column, message % {"value": raw}, False)
                    return None, None
            values.append(number)
        if None in values:
            report(
                "latitude" if values[0] is None else "longitude",
                _("Only one of latitude and longitude is given; the position was ignored."),
                False,
            )
            return None, None
        return values[0], values[1]
