"""beneficiaries.mednum: the national "lieux de médiation numérique" CSV to places, no database.

The samples in mednum_samples/ follow LaMednum/standard-mediation-num v1.0.x (columns in the
schema's order, ``|`` between values) for places of the Hauts-de-Seine with real INSEE codes;
lieux-92-v0.1.csv follows v0.1 (``courriel``, ``labels_nationaux``, ``;`` between values).
"""

import ast
import csv
import io
import random
import re
from datetime import date
from pathlib import Path

import pytest

from beneficiaries import mednum
from beneficiaries.mednum import (
    PROGRAMMES,
    SERVICES,
    MednumFile,
    MednumFileError,
    MednumIssue,
    MednumPlace,
    read_mednum_csv,
    structures_programmes,
)

SAMPLES = Path(__file__).parent / "mednum_samples"
ROOT = Path(__file__).resolve().parents[2]

COLUMNS = (
    "id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,longitude,"
    "typologie,telephone,courriels,site_web,horaires,presentation_resume,presentation_detail,source,"
    "itinerance,structure_parente,date_maj,services,publics_specifiquement_adresses,"
    "prise_en_charge_specifique,frais_a_charge,dispositif_programmes_nationaux,formations_labels,"
    "autres_formations_labels,modalites_acces,modalites_accompagnement,fiche_acces_libre,prise_rdv"
).split(",")


@pytest.fixture(autouse=True)
def _english():
    """Messages in English whatever LANGUAGE_CODE is; a no-op when Django is not set up."""
    from django.apps import apps

    if not apps.ready:
        yield
        return
    from django.utils import translation

    with translation.override("en"):
        yield


def sample(name: str) -> MednumFile:
    return read_mednum_csv((SAMPLES / name).read_bytes())


def place(**values: str) -> dict[str, str]:
    """A conforming row, overridden by values."""
    base = {
        "id": "p1",
        "pivot": "21920050500010",
        "nom": "Médiathèque de Nanterre",
        "commune": "Nanterre",
        "code_postal": "92000",
        "code_insee": "92050",
        "adresse": "8 Rue des Anciennes Mairies",
        "date_maj": "2024-03-12",
        "services": "Aide aux démarches administratives",
    }
    return base | values


def csv_bytes(*rows: dict[str, str], columns=COLUMNS, delimiter=",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode()


def read(*rows: dict[str, str], **kwargs) -> MednumFile:
    return read_mednum_csv(csv_bytes(*rows, **kwargs))


def only(result: MednumFile) -> MednumPlace:
    assert len(result.places) == 1, result.issues
    return result.places[0]


def issues_of(result: MednumFile, field: str) -> list[MednumIssue]:
    return [issue for issue in result.issues if issue.field == field]


def error_of(content: bytes) -> str:
    with pytest.raises(MednumFileError) as info:
        read_mednum_csv(content)
    assert str(info.value)
    return str(info.value)


# --- the samples --------------------------------------------------------------------------------


def test_every_sample_is_read_or_refused_with_a_message():
    refused = {"vide.csv", "mauvais-entetes.csv"}
    names = sorted(path.name for path in SAMPLES.glob("*.csv"))
    assert len(names) >= 8
    for name in names:
        if name in refused:
            assert error_of((SAMPLES / name).read_bytes())
            continue
        result = sample(name)
        assert result.places, name
        for item in result.places:
            assert item.id and item.name and (item.postal_code or item.code_insee)
            assert item.code_insee.startswith("92") and item.postal_code.startswith("92")
        for issue in result.issues:
            assert issue.message and isinstance(issue.blocking, bool)


def test_departmental_file_is_read_whole_and_clean():
    result = sample("lieux-mediation-numerique-92.csv")
    assert result.total_rows == 10
    assert len(result.places) == 10
    assert result.issues == [] and result.errors == [] and result.warnings == []
    assert len({item.id for item in result.places}) == 10
    assert {item.code_insee for item in result.places} == {
        "92050",
        "92036",
        "92025",
        "92012",
        "92044",
        "92048",
        "92062",
        "92026",
        "92078",
    }
    for item in result.places:
        assert set(item.programmes) <= set(PROGRAMMES)
        assert set(item.services) <= set(SERVICES)
        assert isinstance(item.updated_on, date)


def test_exact_fields_of_the_mediatheque_de_nanterre():
    first = sample("lieux-mediation-numerique-92.csv").places[0]
    assert first == MednumPlace(
        line=2,
        id="a3f1c2d4-5e6f-4a1b-9c8d-7e6f5a4b3c21",
        pivot="21920050500010",
        name="Médiathèque de Nanterre",
        address="8 Rue des Anciennes Mairies, Espace numérique, 1er étage",
        postal_code="92000",
        code_insee="92050",
        commune="Nanterre",
        latitude=48.8925,
        longitude=2.2069,
        phone="+33141374200",
        emails=["mediatheque@mairie-nanterre.fr", "numerique.mediatheque@mairie-nanterre.fr"],
        website="https://www.nanterre.fr/mediatheques",
        services=[
            "Maîtrise des outils numériques du quotidien",
            "Accès internet et matériel informatique",
            "Loisirs et créations numériques",
        ],
        programmes=["Bibliothèques numérique de référence", "Conseillers numériques"],
        updated_on=date(2024, 3, 12),
        source="Hub Francil'IN",
        opening_hours="Tu-Fr 10:00-12:30,14:00-18:00; Sa 10:00-17:00",
    )


def test_exact_fields_of_france_services_de_gennevilliers_and_the_acacias():
    result = sample("lieux-mediation-numerique-92.csv")
    by_id = {item.id: item for item in result.places}
    efs = by_id["cartographie-92036-efs"]
    assert efs.line == 3
    assert efs.name == "Espace France Services de Gennevilliers"
    assert efs.address == "177 Avenue Gabriel Péri"
    assert (efs.postal_code, efs.code_insee, efs.commune) == ("92230", "92036", "Gennevilliers")
    assert efs.programmes == ["Aidants Connect", "Conseillers numériques", "France Services"]
    assert efs.services == [
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
    ]
    assert efs.updated_on == date(2024, 2, 28) and efs.source == "ANCT"

    acacias = by_id["cs-acacias-colombes"]
    assert acacias.line == 4  # its presentation_detail runs over lines 4 and 5
    assert acacias.pivot == "W922004567"  # an association known by its RNA number
    assert acacias.services == [
        "Aide aux démarches administratives",
        "Parentalité et éducation avec le numérique",
        "Utilisation sécurisée du numérique",
    ]
    assert by_id["caf92-boulogne-pan"].line == 6
    assert by_id["caf92-boulogne-pan"].pivot == ""  # 00000000000000: unknown
    assert by_id["caf92-boulogne-pan"].programmes == ["Point d'accès numérique CAF"]
    assert by_id["levallois-espace-numerique"].website == "https://www.ville-levallois.fr"
    assert by_id["levallois-espace-numerique"].services[0] == "Compréhension du monde numérique"
    assert by_id["courbevoie-mq-faubourg-arche"].latitude is None
    assert by_id["cd92-bus-numerique"].phone == "+33806001234"


# --- broken rows --------------------------------------------------------------------------------

BROKEN = [
    # line, field, blocking
    (4, "id", True),  # no id
    (4, "pivot", False),  # no pivot (required by the schema): said on each such line
    (5, "code_insee", True),  # 920040
    (5, "pivot", False),
    (6, "date_maj", True),  # 12/03/2024
    (6, "pivot", False),
    (7, "code_postal", True),  # 921200
    (7, "pivot", False),
    (8, "services", False),  # "Réparation d'ordinateurs"
    (8, "dispositif_programmes_nationaux", False),  # "Label Numérique Inclusif"
    (9, "", True),  # 33 values for 32 columns: an unquoted comma in the address
    (10, "id", True),  # clichy-maison-numerique again
    (10, "pivot", False),
    # Line 11: a SIRET with a wrong check digit follows the schema's pattern: accepted.
    (12, "pivot", False),
    (12, "latitude", False),  # 248.93
    (13, "nom", True),  # no name
    (13, "pivot", False),
]


def test_each_broken_row_is_reported_with_its_line_and_field():
    result = sample("lieux-92-erreurs.csv")
    assert result.total_rows == 11
    reported = [(issue.line, issue.field, issue.blocking) for issue in result.issues]
    assert reported == BROKEN
    assert all(issue.message for issue in result.issues)
    assert [item.line for item in result.places] == [2, 8, 11, 12]
    assert [item.id for item in result.places] == [
        "clichy-maison-numerique",
        "issy-repair-cafe",
        "clamart-bad-siret",
        "gennevilliers-bad-lat",
    ]
    refused = {line for line, _field, blocking in BROKEN if blocking}
    assert refused.isdisjoint(item.line for item in result.places)
    assert len(result.errors) == len(refused)


def test_broken_rows_messages_name_the_value_and_the_first_line():
    result = sample("lieux-92-erreurs.csv")
    messages = {(issue.line, issue.field): issue.message for issue in result.issues}
    assert "920040" in messages[(5, "code_insee")]
    assert "12/03/2024" in messages[(6, "date_maj")]
    assert "921200" in messages[(7, "code_postal")]
    assert "Réparation d'ordinateurs" in messages[(8, "services")]
    assert "33" in messages[(9, "")] and "32" in messages[(9, "")]
    assert "clichy-maison-numerique" in messages[(10, "id")] and "line 2" in messages[(10, "id")]
    assert (11, "pivot") not in messages


def test_warned_rows_are_kept_with_the_doubtful_value_left_out_or_kept():
    by_id = {item.id: item for item in sample("lieux-92-erreurs.csv").places}
    repair = by_id["issy-repair-cafe"]
    assert repair.services == [
        "Réparation d'ordinateurs",
        "Acquisition de matériel informatique à prix solidaire",
    ]
    assert repair.programmes == ["France Services"]
    assert by_id["clamart-bad-siret"].pivot == "21920023000016"  # the schema's rule only
    assert by_id["gennevilliers-bad-lat"].latitude is None
    assert by_id["gennevilliers-bad-lat"].longitude is None


def test_duplicate_ids_refuse_the_second_row_only():
    result = read(place(id="dup", nom="Premier"), place(id="dup", nom="Second"), place(id="other"))
    assert [item.name for item in result.places] == ["Premier", "Médiathèque de Nanterre"]
    [issue] = result.issues
    assert (issue.line, issue.field, issue.blocking) == (3, "id", True)
    assert "line 2" in issue.message


def test_ids_are_kept_as_written_but_stripped():
    assert only(read(place(id="  Structure-1 "))).id == "Structure-1"


def test_a_row_in_error_is_reported_for_every_problem_it_has():
    result = read(place(id="", nom="", code_insee="9X050", date_maj="hier"))
    assert result.places == []
    assert {issue.field for issue in result.errors} == {"id", "nom", "code_insee", "date_maj"}


# --- values -------------------------------------------------------------------------------------


def test_multiple_values_are_split_on_bars_and_stripped():
    item = only(
        read(
            place(
                services=" Aide aux démarches administratives |Loisirs et créations numériques|"
                "Aide aux démarches administratives",
                courriels="a@example.fr | b@example.fr|a@example.fr",
                site_web=" https://un.example.fr/ | https://deux.example.fr/",
                telephone="+33141374200|+33141374201",
                dispositif_programmes_nationaux="France Services | Conseillers numériques|",
            )
        )
    )
    assert item.services == [
        "Aide aux démarches administratives",
        "Loisirs et créations numériques",
    ]
    assert item.emails == ["a@example.fr", "b@example.fr"]
    assert item.website == "https://un.example.fr/"
    assert item.phone == "+33141374200"
    assert item.programmes == ["Conseillers numériques", "France Services"]


def test_older_separators_are_still_understood():
    item = only(
        read(
            place(
                services="Aide aux démarches administratives;Loisirs et créations numériques",
                courriels="a@example.fr;b@example.fr",
                site_web="https://un.example.fr/;https://deux.example.fr/",
                dispositif_programmes_nationaux="Aidants Connect, Conseillers numériques",
            )
        )
    )
    assert len(item.services) == 2 and item.emails == ["a@example.fr", "b@example.fr"]
    assert item.website == "https://un.example.fr/"
    assert item.programmes == ["Aidants Connect", "Conseillers numériques"]


def test_service_spellings_are_made_canonical_and_unknown_ones_warned():
    result = read(
        place(services="comprehension du monde numerique|Réparer son ordinateur"),
    )
    item = only(result)
    assert item.services == ["Compréhension du monde numérique", "Réparer son ordinateur"]
    [issue] = result.issues
    assert (issue.field, issue.blocking, issue.line) == ("services", False, 2)


def test_bad_emails_are_dropped_with_a_warning():
    result = read(place(courriels="contact@ville.fr|pas-une-adresse"))
    assert only(result).emails == ["contact@ville.fr"]
    assert issues_of(result, "courriels")[0].blocking is False


def test_phone_not_in_international_form_is_kept_with_a_warning():
    result = read(place(telephone="01 41 37 42 00"))
    assert only(result).phone == "01 41 37 42 00"
    assert not issues_of(result, "telephone")[0].blocking
    assert read(place(telephone="+33 1 41 37 42 00")).issues == []


def test_www_address_gets_a_scheme():
    assert only(read(place(site_web="www.nanterre.fr"))).website == "https://www.nanterre.fr"


def test_address_joins_the_complement():
    assert only(read(place(complement_adresse="Bâtiment B"))).address == (
        "8 Rue des Anciennes Mairies, Bâtiment B"
    )
    assert only(read(place(complement_adresse=""))).address == "8 Rue des Anciennes Mairies"


@pytest.mark.parametrize(
    "pivot, expected, warned",
    [
        ("21920050500010", "21920050500010", False),
        ("219 200 505 00010", "21920050500010", False),
        ("00000000000000", "", False),  # "unknown" in the national exports
        ("", "", True),  # required by the schema: reported on its line, the place kept
        ("W922004567", "W922004567", False),
        ("w2a1000123", "W2A1000123", False),  # Corsica
        ("35600000000056", "35600000000056", False),
        # The schema's pattern only: no check digit (it refused 31 of 36 real values).
        ("21920050500011", "21920050500011", False),
        ("219200505", "219200505", False),  # a SIREN
        ("W92200456", "W92200456", False),  # 9 characters: the schema accepts it
        ("12345678", "", True),  # too short
        ("219200505000100", "", True),  # 15 characters
        ("2192-0050", "", True),  # not letters or digits
    ],
)
def test_pivot(pivot, expected, warned):
    result = read(place(pivot=pivot))
    assert only(result).pivot == expected
    assert bool(issues_of(result, "pivot")) is warned
    assert all(not issue.blocking for issue in result.issues)


@pytest.mark.parametrize(
    "code, expected, issue",
    [
        ("92050", "92050", None),
        ("2A004", "2A004", None),
        ("2b033", "2B033", None),
        ("97411", "97411", None),
        ("", "", None),
        ("1053", "01053", False),  # a spreadsheet ate the leading zero
        ("920500", None, True),
        ("92A50", None, True),
        ("20004", None, True),  # Corsica is 2A/2B since 1976
        ("Nanterre", None, True),
    ],
)
def test_code_insee(code, expected, issue):
    postal = "01000" if code == "1053" else "20000" if code.upper().startswith("2") else "92000"
    postal = "97400" if code == "97411" else postal
    result = read(place(code_insee=code, code_postal=postal))
    found = issues_of(result, "code_insee")
    if issue is None:
        assert found == [] and only(result).code_insee == expected
    elif issue is False:
        assert not found[0].blocking and only(result).code_insee == expected
    else:
        assert found[0].blocking and result.places == []


@pytest.mark.parametrize(
    "code, expected, blocking",
    [
        ("92000", "92000", None),
        ("92 000", "92000", None),
        ("1000", None, True),  # never "repaired" into 01000
        ("9205", None, True),  # 92050 cut short, or 09205 of the Ariège? Nobody can say.
        ("920001", None, True),
        ("9200A", None, True),
    ],
)
def test_code_postal(code, expected, blocking):
    insee = "01053" if code == "1000" else "92050"
    result = read(place(code_postal=code, code_insee=insee))
    found = issues_of(result, "code_postal")
    if blocking is None:
        assert found == [] and only(result).postal_code == expected
    elif blocking is False:
        assert not found[0].blocking and only(result).postal_code == expected
    else:
        assert found[0].blocking and result.places == []


def test_postal_code_may_be_missing_when_the_insee_code_is_given():
    result = read(place(code_postal=""))
    assert only(result).postal_code == "" and not issues_of(result, "code_postal")[0].blocking
    result = read(place(code_postal="", code_insee=""))
    assert result.places == [] and issues_of(result, "code_postal")[0].blocking


def test_postal_and_insee_codes_of_different_departements_are_refused():
    result = read(place(code_postal="75015", code_insee="92050"))
    assert result.places == []
    [issue] = result.issues
    assert (issue.line, issue.field, issue.blocking) == (2, "code_insee", True)
    assert "75015" in issue.message and "92050" in issue.message
    assert read(place(code_postal="20000", code_insee="2A004")).issues == []
    assert read(place(code_postal="97400", code_insee="97411")).issues == []


def test_four_digit_postal_code_is_refused_not_repaired():
    result = read(place(code_postal="9205", code_insee=""))
    assert result.places == []
    [issue] = result.issues
    assert (issue.line, issue.field, issue.blocking) == (2, "code_postal", True)
    assert "9205" in issue.message


def test_empty_pivot_is_reported_by_line():
    result = read(place(id="a"), place(id="b", pivot=""), place(id="c", pivot="  "))
    assert [item.id for item in result.places] == ["a", "b", "c"]
    assert [(i.line, i.field, i.blocking) for i in result.issues] == [
        (3, "pivot", False),
        (4, "pivot", False),
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-03-12", date(2024, 3, 12)),
        ("2024-03-12T09:30:00.000Z", date(2024, 3, 12)),
        ("2024-03-12 09:30", date(2024, 3, 12)),
    ],
)
def test_date_maj_accepted(value, expected):
    result = read(place(date_maj=value))
    assert only(result).updated_on == expected and result.issues == []


@pytest.mark.parametrize("value", ["12/03/2024", "2024-02-30", "2024-3-12", "20240312", "mars"])
def test_date_maj_refused(value):
    result = read(place(date_maj=value))
    assert result.places == []
    [issue] = result.issues
    assert (issue.field, issue.blocking, issue.line) == ("date_maj", True, 2)


def test_missing_date_maj_is_a_warning():
    result = read(place(date_maj=""))
    assert only(result).updated_on is None
    assert not issues_of(result, "date_maj")[0].blocking


@pytest.mark.parametrize(
    "latitude, longitude, expected, warned",
    [
        ("48.8925", "2.2069", (48.8925, 2.2069), None),
        ("48,8925", "2,2069", (48.8925, 2.2069), None),
        ("-21.1151", "55.5364", (-21.1151, 55.5364), None),
        ("", "", (None, None), None),
        ("248.93", "2.29", (None, None), "latitude"),
        ("48.89", "200", (None, None), "longitude"),
        ("nan", "2.2", (None, None), "latitude"),
        ("48.89", "est", (None, None), "longitude"),
        ("48.89", "", (None, None), "longitude"),
        ("", "2.2", (None, None), "latitude"),
    ],
)
def test_coordinates(latitude, longitude, expected, warned):
    result = read(place(latitude=latitude, longitude=longitude))
    item = only(result)
    assert (item.latitude, item.longitude) == expected
    if warned is None:
        assert result.issues == []
    else:
        [issue] = result.issues
        assert (issue.field, issue.blocking) == (warned, False)


def test_missing_commune_and_address_are_warnings():
    result = read(place(commune="", adresse=""))
    assert only(result).address == ""
    assert {(i.field, i.blocking) for i in result.issues} == {
        ("commune", False),
        ("adresse", False),
    }


def test_short_rows_are_read_with_a_warning_long_rows_refused():
    text = ",".join(COLUMNS) + "\np1,,Médiathèque,Nanterre,92000,92050,1 Rue X\n"
    result = read_mednum_csv(text.encode())
    assert only(result).address == "1 Rue X"
    assert [(i.line, i.field, i.blocking) for i in result.issues[:1]] == [(2, "", False)]
    text = "id,nom,code_postal\np1,Médiathèque,92000,\np2,Médiathèque,92000\n"
    result = read_mednum_csv(text.encode())
    assert [item.id for item in result.places] == ["p2"]
    assert [(i.line, i.field, i.blocking) for i in result.errors] == [(2, "", True)]


def test_blank_rows_are_skipped_and_lines_stay_physical():
    content = csv_bytes(place(id="a")) + b"\n,,,\n" + csv_bytes(place(id="b")).split(b"\n", 1)[1]
    result = read_mednum_csv(content)
    assert [(item.id, item.line) for item in result.places] == [("a", 2), ("b", 5)]
    assert result.total_rows == 2


def test_crlf_line_endings_and_multiline_cells():
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in (place(id="a", presentation_detail="un\r\ndeux\r\ntrois"), place(id="b")):
        writer.writerow([row.get(column, "") for column in COLUMNS])
    result = read_mednum_csv(buffer.getvalue().encode())
    assert [(item.id, item.line) for item in result.places] == [("a", 2), ("b", 5)]


# --- whole files --------------------------------------------------------------------------------


def test_bom_is_ignored():
    raw = (SAMPLES / "lieux-92-bom.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    result = read_mednum_csv(raw)
    assert result.issues == []
    assert [item.id for item in result.places] == ["rueil-mediatheque", "issy-cyber-seniors"]
    assert result.places[0].name == "Médiathèque Jacques Baumel"


def test_semicolon_file_is_read_with_a_warning():
    result = sample("lieux-92-point-virgule.csv")
    assert [item.id for item in result.places] == ["asnieres-efs", "bagneux-mediatheque"]
    [issue] = result.issues
    assert (issue.line, issue.field, issue.blocking) == (None, "", False)
    assert "“;”" in issue.message
    assert result.places[0].programmes == ["Conseillers numériques", "France Services"]
    assert (result.places[1].latitude, result.places[1].longitude) == (48.796, 2.309)


def test_windows_1252_file_is_read_with_a_warning():
    result = sample("lieux-92-windows-1252.csv")
    assert only(result).name == "Médiathèque de Montrouge"
    assert only(result).services[0] == "Maîtrise des outils numériques du quotidien"
    [issue] = result.issues
    assert (issue.line, issue.blocking) == (None, False) and "Windows-1252" in issue.message


def test_version_0_1_file_maps_its_national_labels_to_programmes():
    result = sample("lieux-92-v0.1.csv")
    assert [(i.line, i.field) for i in result.issues] == [(3, "pivot")]
    clamart, montrouge = result.places
    assert clamart.programmes == ["Conseillers numériques", "France Services"]  # not APTIC
    assert clamart.emails == ["franceservices@clamart.fr"]  # v0.1 "courriel"
    assert clamart.services == [
        "Réaliser des démarches administratives avec un accompagnement",
        "Prendre en main un ordinateur",
    ]
    assert montrouge.programmes == ["Point d'accès numérique CAF"]  # not French Tech
    assert montrouge.pivot == ""


def test_empty_file_is_refused():
    assert error_of((SAMPLES / "vide.csv").read_bytes()) == "The file is empty."
    assert error_of(b"") == "The file is empty."
    assert error_of(b"\xef\xbb\xbf\r\n  \n") == "The file is empty."


def test_header_only_file_has_no_place():
    result = read()
    assert (result.places, result.issues, result.total_rows) == ([], [], 0)


def test_wrong_headers_are_refused_naming_the_missing_columns():
    message = error_of((SAMPLES / "mauvais-entetes.csv").read_bytes())
    assert "id, nom" in message
    message = error_of(b"id,nom,commune,adresse\n1,A,Nanterre,1 Rue X\n")
    assert "code_postal" in message
    message = error_of(b"Nom;Adresse;Ville\nA;1 Rue X;Nanterre\n")
    assert "id, code_postal" in message


def test_minimal_columns_are_enough_other_schema_columns_are_warned():
    result = read_mednum_csv(b"id,nom,code_insee\np1,Mediatheque,92050\n")
    assert only(result).code_insee == "92050"
    assert {issue.field for issue in result.issues} == {
        "pivot",
        "commune",
        "code_postal",
        "adresse",
        "date_maj",
    }
    assert all(issue.line is None and not issue.blocking for issue in result.issues)


def test_headers_are_matched_loosely_and_unknown_columns_ignored():
    content = (
        '"ID"," Nom ",Code Postal,code-insee,Itinerance,colonne_maison\n'
        "p1,Médiathèque,92000,92050,Fixe,x\n"
    ).encode()
    item = only(read_mednum_csv(content))
    assert (item.id, item.name, item.postal_code, item.code_insee) == (
        "p1",
        "Médiathèque",
        "92000",
        "92050",
    )


def test_a_repeated_column_is_warned_and_the_first_one_read():
    result = read_mednum_csv(b"id,nom,code_postal,nom\np1,Premier,92000,Second\n")
    assert only(result).name == "Premier"
    assert any(i.field == "nom" and i.line is None for i in result.issues)


def test_not_a_csv_file_is_refused():
    assert "spreadsheet" in error_of(b"PK\x03\x04" + bytes(100))
    assert "not text" in error_of(b"id,nom\x00,code_postal\n")
    assert "id, nom, code_postal" in error_of(b"texte")  # a lone word is not a header


def test_only_mednum_file_error_escapes_on_garbage():
    rng = random.Random(92)
    alphabet = [b",", b";", b'"', b"\n", b"\r", b"|", b"id", b"nom", b"code_postal", b"\xc3", b"x"]
    header = b"id,nom,code_postal,code_insee,date_maj,latitude,longitude,pivot\n"
    for _attempt in range(300):
        body = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        for content in (body, header + body):
            try:
                result = read_mednum_csv(content)
            except MednumFileError as exc:
                assert str(exc)
            else:
                assert len(result.places) <= result.total_rows


# --- programmes ---------------------------------------------------------------------------------


def test_structures_programmes_normalises_and_orders():
    assert structures_programmes(
        ["CNFS", "france services", "Conseiller numérique France Services", "APTIC"]
    ) == ["Conseillers numériques", "France Services"]
    assert structures_programmes(["Aidants Connect|France Services;Point numérique CAF"]) == [
        "Aidants Connect",
        "France Services",
        "Point d'accès numérique CAF",
    ]
    assert structures_programmes(["Relais numériques (Emmaüs Connect)"]) == [
        "Relais numérique (Emmaüs Connect)"
    ]
    other_spellings = ["Grandes écoles du numérique", "Point d’accès numérique CAF"]
    assert structures_programmes(other_spellings) == [
        "Grande école du numérique",
        "Point d'accès numérique CAF",
    ]
    assert structures_programmes([]) == [] and structures_programmes(["", "French Tech"]) == []
    assert structures_programmes(list(PROGRAMMES)) == list(PROGRAMMES)


def test_vocabularies_are_the_schema_ones():
    assert len(SERVICES) == 9 and len(PROGRAMMES) == 11
    assert "Compréhension du monde numérique" in SERVICES
    assert "Relais numérique (Emmaüs Connect)" in PROGRAMMES


# --- translations -------------------------------------------------------------------------------


def _msgids_in_code() -> set[str]:
    tree = ast.parse((ROOT / "beneficiaries" / "mednum.py").read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def _po_entries(path: Path) -> dict[str, tuple[str, bool]]:
    def joined(block: str, keyword: str) -> str | None:
        match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block, re.MULTILINE)
        if match is None:
            return None
        text = "".join(re.findall(r'"(.*)"', match.group(1)))
        return text.replace('\\"', '"').replace("\\\\", "\\")

    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid = joined(block, "msgid")
        if msgid:
            entries[msgid] = (joined(block, "msgstr") or "", "python-format" in block)
    return entries


def test_every_message_has_a_french_translation():
    po = _po_entries(ROOT / "locale" / "fragments" / "mednum.po")
    code = _msgids_in_code()
    assert len(code) > 30
    assert code - set(po) == set(), "missing in mednum.po"
    assert set(po) - code == set(), "stale in mednum.po"
    for msgid, (msgstr, python_format) in po.items():
        placeholders = re.findall(r"%\(\w+\)s", msgid)
        assert msgstr and msgstr != msgid, msgid
        assert sorted(placeholders) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
        assert python_format == bool(placeholders), msgid


def test_messages_are_formatted():
    result = sample("lieux-92-erreurs.csv")
    for issue in result.issues:
        assert "%(" not in issue.message
    assert mednum.__all__
