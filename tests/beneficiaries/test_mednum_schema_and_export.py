"""The national schema both ways: a file checked against the shipped schema.json (frictionless),
its findings in French by line and column; the structures handing out devices exported as a CSV
of that schema, re-imported and validated."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.enums import OrganisationKind, Role
from beneficiaries.mednum import read_mednum_csv
from beneficiaries.mednum_export import SOLIDARITY_DEVICES, UNKNOWN_PIVOT, national_export
from beneficiaries.mednum_schema import (
    SCHEMA_PATH,
    SCHEMA_VERSION,
    field_names,
    schema_descriptor,
    validate_mednum_schema,
)
from beneficiaries.models import Allocation, Commune, Structure
from beneficiaries.services import structures_import_mednum
from tests.factories import OrganisationFactory, make_batch, make_device, member

SAMPLES = Path(__file__).parent / "mednum_samples"


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def test_the_shipped_schema_names_its_version():
    assert SCHEMA_VERSION in SCHEMA_PATH.name
    descriptor = schema_descriptor()
    assert descriptor["version"] == SCHEMA_VERSION == "1.0.1"
    assert descriptor["primaryKey"] == ["id"]
    names = field_names()
    assert names[:5] == ["id", "pivot", "nom", "commune", "code_postal"] and len(names) == 32
    pivot = descriptor["fields"][1]
    assert pivot["constraints"] == {"required": True, "pattern": "^[a-zA-Z0-9]{9,14}$"}


def test_a_conforming_file_has_no_error():
    assert validate_mednum_schema((SAMPLES / "lieux-92-bom.csv").read_bytes()) == []


def test_a_broken_file_is_reported_in_french_by_line_and_column():
    errors = validate_mednum_schema((SAMPLES / "lieux-92-erreurs.csv").read_bytes())
    found = {(e.line, e.column): e.message for e in errors}
    # Physical lines: row 2 of the file spans two lines (a cell holding a line break).
    assert "obligatoire" in found[(4, "id")]
    assert "obligatoire" in found[(4, "pivot")]
    assert "920040" in found[(5, "code_insee")] and "règle du schéma" in found[(5, "code_insee")]
    assert "12/03/2024" in found[(6, "date_maj")] and "AAAA-MM-JJ" in found[(6, "date_maj")]
    assert "921200" in found[(7, "code_postal")]
    assert "Réparation d'ordinateurs" in found[(8, "services")]
    assert "obligatoire" in found[(13, "nom")]
    assert all(e.message and "%(" not in e.message for e in errors)


def test_a_bare_4_digit_postal_code_breaks_the_schema_too():
    header = ",".join(field_names())
    row = ["p1", "21920050500010", "Lieu", "Nanterre", "9205", "92050", "1 rue", *[""] * 13]
    row += ["2024-03-12", *[""] * 11]
    errors = validate_mednum_schema(f"{header}\n{','.join(row)}\n".encode())
    assert [(e.line, e.column) for e in errors] == [(2, "code_postal")]


# --- export ------------------------------------------------------------------------------------


def _commune(code, name, postal):
    return Commune.objects.get_or_create(
        code_insee=code,
        defaults={"name": name, "department": code[:2], "region": "11", "postal_codes": [postal]},
    )[0]


def _hand_out(organisation, user):
    workshop = OrganisationFactory()
    device = make_device(make_batch(workshop))
    return Allocation.objects.create(
        device=device,
        structure=organisation,
        tariff_amount=Decimal("40.00"),
        charge=Decimal("0.00"),
        handed_over_by=user,
    )


@pytest.fixture
def world(db):
    coordinator = member(OrganisationFactory(kind=OrganisationKind.COORDINATION), Role.COORDINATOR)
    nanterre = _commune("92050", "Nanterre", "92000")
    clichy = _commune("92024", "Clichy", "92110")
    acacias = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Les Acacias")
    Structure.objects.create(
        organisation=acacias,
        mednum_id="acacias-92",
        pivot="21920050500010",
        address="8 rue des Anciennes Mairies",
        postal_code="92000",
        commune=nanterre,
        programmes=["Conseillers numériques", "France Services"],
        contact_email="contact@acacias.fr",
        contact_phone="+33141374200",
    )
    maison = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="=Maison du numérique")
    Structure.objects.create(
        organisation=maison,
        address="12 rue Martre",
        postal_code="92110",
        commune=clichy,
        contact_phone="01 41 37 42 00",  # not the schema's international form: left out
    )
    incomplete = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Sans adresse")
    Structure.objects.create(organisation=incomplete, postal_code="92000", commune=nanterre)
    idle = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Aucun don")
    Structure.objects.create(
        organisation=idle, address="1 place", postal_code="92000", commune=nanterre
    )
    for organisation in (acacias, maison, incomplete):
        _hand_out(organisation, coordinator)
    return coordinator


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_export_lists_the_structures_handing_out_devices(world):
    export = national_export(world)
    assert not export.content.startswith(b"\xef\xbb\xbf")
    rows = _rows(export.content)
    assert list(rows[0]) == field_names()
    assert [row["nom"] for row in rows] == ["'=Maison du numérique", "Les Acacias"]
    assert export.skipped == ["Sans adresse"] and export.exported == 2
    maison, acacias = rows
    assert acacias["id"] == "acacias-92" and acacias["pivot"] == "21920050500010"
    assert acacias["services"] == SOLIDARITY_DEVICES == maison["services"]
    assert acacias["dispositif_programmes_nationaux"] == "Conseillers numériques|France Services"
    assert acacias["telephone"] == "+33141374200" and acacias["code_insee"] == "92050"
    assert maison["pivot"] == UNKNOWN_PIVOT and maison["telephone"] == ""
    assert maison["id"].startswith("filiere-structure-")


def test_export_round_trip_validates_and_reimports_without_duplicates(world):
    content = national_export(world).content
    assert validate_mednum_schema(content) == []
    parsed = read_mednum_csv(content)
    assert parsed.errors == [] and len(parsed.places) == 2
    assert all(SOLIDARITY_DEVICES in place.services for place in parsed.places)
    before = Structure.objects.count()
    report = structures_import_mednum(content=content, user=world)
    assert (report["created"], report["updated"]) == (0, 2)
    assert report["schema_errors"] == []
    assert Structure.objects.count() == before
    acacias = Structure.objects.get(mednum_id="acacias-92")
    assert acacias.programmes == ["Conseillers numériques", "France Services"]


def test_export_screen_is_for_the_coordination(client, world):
    url = reverse("beneficiaries:structure_export_national")
    mediator = member(OrganisationFactory(kind=OrganisationKind.MEDIATION), Role.STAFF)
    client.force_login(mediator)
    assert client.get(url).status_code == 403
    client.force_login(world)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "lieux-mediation-numerique" in response["Content-Disposition"]
    assert validate_mednum_schema(response.content) == []
    page = client.get(reverse("beneficiaries:structure_list")).content.decode()
    assert "v1.0.1" in page and "Sans adresse" in page


def test_import_refuses_a_commune_code_of_another_commune(db, world):
    header = ",".join(field_names())
    row = ["p1", "21920050500010", "Lieu", "Clichy", "92000", "92024", "1 rue", *[""] * 13]
    row += ["2024-03-12", *[""] * 11]
    report = structures_import_mednum(content=f"{header}\n{','.join(row)}\n".encode(), user=world)
    assert report["created"] == 0
    [issue] = [i for i in report["issues"] if i["blocking"]]
    assert (issue["line"], issue["field"]) == (2, "code_insee")
    assert "92110" in issue["message"] and "Clichy" in issue["message"]
    assert not Structure.objects.filter(mednum_id="p1").exists()


def test_import_screen_shows_the_schema_report(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world)
    bad = (SAMPLES / "lieux-92-erreurs.csv").read_bytes()
    page = client.post(
        reverse("beneficiaries:structure_import"), {"file": SimpleUploadedFile("b.csv", bad)}
    ).content.decode()
    assert "Conformité avec le schéma national (v1.0.1)" in page
    assert "920040" in page


# --- trainings in La Coop's categories ------------------------------------------------------------


def test_default_programme_carries_la_coop_themes(db):
    from beneficiaries.enums import CoopTheme
    from beneficiaries.models import TrainingProgramme

    programme = TrainingProgramme.objects.get(title="Premiers pas avec son équipement")
    assert programme.themes and set(programme.themes) <= set(CoopTheme.values)
    assert "Prendre en main du matériel" in programme.theme_labels()


def test_unknown_theme_is_refused(db):
    from django.core.exceptions import ValidationError

    from beneficiaries.models import TrainingProgramme

    programme = TrainingProgramme(title="X", duration_hours=1, themes=["Jardinage"])
    with pytest.raises(ValidationError) as info:
        programme.full_clean()
    assert "Jardinage" in str(info.value)


def test_session_page_shows_the_programme_themes(client, db):
    import datetime

    from beneficiaries import services
    from beneficiaries.models import TrainingProgramme

    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION)
    mediator = member(structure, Role.STAFF)
    programme = TrainingProgramme.objects.get(title="Premiers pas avec son équipement")
    session = services.session_create(
        structure=structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        starts_at=datetime.datetime(2026, 11, 10, 14, tzinfo=datetime.UTC),
        place="Salle 2",
        trainer="Lina",
        capacity=8,
    )
    client.force_login(mediator)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "La Coop de la médiation numérique" in page
    assert "Prévention en sécurité numérique" in page


def test_structures_page_names_every_incomplete_one_without_building_the_file(world, client):
    """Blank-looking values are missing values: an address of spaces, a 4-digit postal code,
    no commune. The page names them from one query, as the file leaves them out."""
    nanterre = Structure.objects.get(organisation__name="Les Acacias").commune
    for name, fields in [
        ("Adresse blanche", {"address": "   ", "postal_code": "92000", "commune": nanterre}),
        ("Code court", {"address": "1 rue", "postal_code": "9200", "commune": nanterre}),
        ("Sans commune", {"address": "1 rue", "postal_code": "92000", "commune": None}),
        ("Complète", {"address": "1 rue", "postal_code": "92000", "commune": nanterre}),
    ]:
        organisation = OrganisationFactory(kind=OrganisationKind.MEDIATION, name=name)
        Structure.objects.create(organisation=organisation, **fields)
        _hand_out(organisation, world)
    export = national_export(world)
    expected = ["Adresse blanche", "Code court", "Sans adresse", "Sans commune"]
    assert export.skipped == expected
    assert "Complète" in {row["nom"] for row in _rows(export.content)}
    client.force_login(world)
    body = client.get(reverse("beneficiaries:structure_list")).content.decode()
    skipped = body.split('id="export-skipped"')[1].split("</p>")[0]
    assert [n for n in expected if n in skipped] == expected and "Complète" not in skipped


def test_structures_page_names_twenty_left_out_and_counts_the_others(world, client):
    """Issue 17: the page names at most 20 of the structures the file leaves out and counts
    the rest, so that it reads a bounded number of structures for a coordination of 5,000
    (it named all of them: 5,000 names)."""
    for i in range(24):
        organisation = OrganisationFactory(kind=OrganisationKind.MEDIATION, name=f"Lieu {i:02d}")
        Structure.objects.create(organisation=organisation, address="", postal_code="92000")
        _hand_out(organisation, world)
    client.force_login(world)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("beneficiaries:structure_list")).content.decode()
    skipped = body.split('id="export-skipped"')[1].split("</p>")[0]
    # "Sans adresse" (the world's own) and the 24 new ones: 25, of which 20 are named.
    assert "25 structures qui remettent des équipements sont laissées hors" in skipped
    named = [n for n in ["Sans adresse", *(f"Lieu {i:02d}" for i in range(24))] if n in skipped]
    assert len(named) == 20 and "et 5 autres." in skipped
    reads = [q["sql"] for q in ctx.captured_queries if "beneficiaries_allocation" in q["sql"]]
    assert reads and all("LIMIT" in sql for sql in reads), reads
    assert len(national_export(world).skipped) == 25  # the file's own summary names them all


def test_structures_page_names_the_left_out_in_natural_order(world, client):
    """Names with numbers read as a person counts: "Lieu 2" before "Lieu 10"."""
    for name in ["Lieu 10", "lieu 2", "Lieu 1", "Lieu 2b"]:
        organisation = OrganisationFactory(kind=OrganisationKind.MEDIATION, name=name)
        Structure.objects.create(organisation=organisation, address="", postal_code="92000")
        _hand_out(organisation, world)
    client.force_login(world)
    body = client.get(reverse("beneficiaries:structure_list")).content.decode()
    skipped = body.split('id="export-skipped"')[1].split("</p>")[0]
    assert "Lieu 1, lieu 2, Lieu 2b, Lieu 10, Sans adresse" in skipped
