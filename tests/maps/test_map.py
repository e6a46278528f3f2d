"""The territory on a map: each persona's layer data (scoping, funders' masking), the GeoJSON
loader, the fragility import, the public page and its switch, the funder PDF's map, and the
query counts of the data endpoints."""

import io
import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from beneficiaries import geography, services
from beneficiaries.models import (
    FragilityImport,
    FragilityScore,
    Outline,
    PublicMapSwitch,
    Structure,
)
from reports.funder import HIDDEN, FunderFilters, funder_report_build, funder_report_pdf
from reports.periods import Period
from tests.factories import OrganisationFactory, make_batch, make_device, member
from tests.reports.test_funder_report import PERIOD, funded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

SHIPPED_92 = Path(geography.__file__).parent / "data" / "communes-92.geojson"


@pytest.fixture(autouse=True)
def figures_in_the_request(settings):
    """These tests read the figures as counted in the request (no worker: tasks eager), as
    `make run` does; the PostgreSQL run has a broker. tests/maps/test_map_fresh.py has the
    worker's path."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def outlines(db):
    call_command("loaddata", "territories_92", verbosity=0)
    call_command("load_geojson", stdout=io.StringIO())


@pytest.fixture
def mapped(funded, outlines, workshop, technician):  # noqa: F811
    """`funded` (8 laptops handed over: 7 in Colombes, 1 in Nanterre) and 3 devices collected
    in Gennevilliers (92036)."""
    batch = make_batch(workshop, commune_insee="92036")
    for _ in range(3):
        make_device(batch, user=technician)
    return funded


def communes(client, user, year=None) -> dict[str, dict]:
    client.force_login(user)
    response = client.get(reverse("maps:communes_data"), {"year": year or PERIOD.date_from.year})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    return {f["properties"]["code"]: f["properties"] for f in data["features"]} | {
        "_legend": data["legend"]
    }


def test_coordination_reads_every_layer_exactly(client, mapped, coordinator):
    data = communes(client, coordinator)
    assert set(data["_legend"]) == {
        "collected", "donors", "allocated", "per_1000", "need", "fragility", "qpv"
    }  # fmt: skip
    colombes, nanterre = data["92025"], data["92050"]
    assert colombes["allocated"] == 7 and nanterre["allocated"] == 1
    assert colombes["per_1000"] == round(7000 / colombes["population"], 2)
    assert data["92036"]["collected"] == 3 and data["92036"]["donors"] == 1
    assert len([k for k in data if k != "_legend"]) == 36  # every commune with an outline


def test_a_commune_without_outline_is_listed_not_dropped(client, mapped, coordinator, workshop):
    make_device(make_batch(workshop, commune_insee="75056"))  # Paris: no outline loaded
    data = communes(client, coordinator)
    assert data["75056"]["collected"] == 1
    client.force_login(coordinator)
    response = client.get(reverse("maps:communes_data"))
    paris = next(f for f in response.json()["features"] if f["properties"]["code"] == "75056")
    assert paris["geometry"] is None  # valid GeoJSON; the map skips it
    table = client.get(reverse("maps:map")).content.decode().split('id="commune-figures"')[1]
    assert "75056 (pas de contour : absente de la carte)" in table


def test_funder_reads_small_figures_hidden(client, mapped):
    reader = member(mapped["funder"], Role.READER, username="funder-map")
    data = communes(client, reader)
    # Nanterre's single laptop is hidden, and Colombes' 6 with it: D92 − Colombes = Nanterre.
    assert data["92050"]["allocated"] == HIDDEN and data["92050"]["per_1000"] == HIDDEN
    assert data["92025"]["allocated"] == HIDDEN
    assert data["92036"]["collected"] == HIDDEN  # 3 collected
    for code, props in data.items():
        if code == "_legend":
            continue
        for key in ("collected", "donors", "allocated", "need"):
            assert props[key] == HIDDEN or props[key] >= 5, (code, key, props[key])
    # The map hides exactly what the funder's report for that commune hides (the same
    # protection table), whatever the figures become.
    for i in range(5):
        mapped["equip"]("nanterre", f"N{i}", "26-44")
    data = communes(client, reader)
    year = Period(PERIOD.date_from.year)
    for code in ("92025", "92050", "92036"):
        report = funder_report_build(
            user=reader, filters=FunderFilters.for_period(year, None, code)
        )
        assert data[code]["allocated"] == report.devices, code
    assert data["92050"]["allocated"] == 6 or data["92050"]["allocated"] == HIDDEN


def test_workshop_reads_collection_and_its_own_devices_destinations(
    client, mapped, technician, other_technician
):
    data = communes(client, technician)
    assert set(data["_legend"]) == {"collected", "donors", "allocated"}
    assert data["92025"]["allocated"] == 7 and data["92036"]["collected"] == 3
    assert "need" not in data["92025"] and "fragility" not in data["92025"]
    client.force_login(technician)
    assert client.get(reverse("maps:structures_data")).status_code == 403
    other = communes(client, other_technician)
    assert other["92025"]["allocated"] == 0 and other["92036"]["collected"] == 0


def test_mediation_staff_read_the_structures_layer_only(client, mapped):
    med = member(
        Structure.objects.get(commune_id="92025").organisation, Role.STAFF, username="med-map"
    )
    data = communes(client, med)
    assert data["_legend"] == {} and "allocated" not in data["92025"]
    response = client.get(reverse("maps:structures_data"))
    features = response.json()["features"]
    names = {f["properties"]["name"]: f for f in features}
    colombes = names["Centre social Colombes"]
    assert colombes["properties"]["status"] == "received"
    assert colombes["properties"]["position"] == "commune"  # no coordinates: the commune centre
    lon, lat = colombes["geometry"]["coordinates"]
    assert 48.9 < lat < 48.95 and 2.2 < lon < 2.3
    page = client.get(reverse("maps:map"))
    assert page.status_code == 200
    assert 'id="structure-list"' in page.content.decode()
    assert 'id="commune-figures"' not in page.content.decode()


def test_the_page_names_its_data_and_lists_the_same_figures(client, mapped, coordinator):
    client.force_login(coordinator)
    body = client.get(reverse("maps:map")).content.decode()
    assert f'data-communes-url="{reverse("maps:communes_data")}?year=' in body
    assert f'data-structures-url="{reverse("maps:structures_data")}"' in body
    assert "<script>" not in body  # no inline script: the CSP stays strict
    table = body.split('id="commune-figures"')[1].split("</table>")[0]
    colombes = table.split("92025")[1].split("</tr>")[0]
    assert '<td class="num">7</td>' in colombes


def test_donors_and_visitors_get_no_map(client, mapped):
    donor_org = OrganisationFactory(kind=OrganisationKind.DONOR)
    client.force_login(member(donor_org, Role.READER, username="donor-map"))
    for name in ("maps:map", "maps:communes_data", "maps:structures_data"):
        assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("maps:communes_data")).status_code == 302


def test_pinned_query_counts(client, mapped, coordinator, django_assert_num_queries):
    reader = member(mapped["funder"], Role.READER, username="funder-q")
    # Cold: the grouped aggregates; warm: the session, the user and one query of newest ids.
    for user, cold in ((coordinator, 13), (reader, 18)):
        client.force_login(user)
        with django_assert_num_queries(cold):
            client.get(reverse("maps:communes_data"))
        with django_assert_num_queries(6):
            client.get(reverse("maps:communes_data"))
    client.force_login(coordinator)
    with django_assert_num_queries(9):
        client.get(reverse("maps:structures_data"))
    with django_assert_num_queries(7):  # warm: newest ids, then the cache
        client.get(reverse("maps:structures_data"))
    # The layer is encoded once per data version and language, not for each request.
    from maps import layers

    with mock.patch.object(layers, "structures_geojson", wraps=layers.structures_geojson) as built:
        first = client.get(reverse("maps:structures_data")).content
        assert client.get(reverse("maps:structures_data")).content == first
        assert built.call_count == 0  # encoded by the requests above
        english = client.get(reverse("maps:structures_data"), HTTP_ACCEPT_LANGUAGE="en")
        assert built.call_count == 1 and english.json()["statuses"] != json.loads(first)["statuses"]
    # More data, same count: everything comes from grouped aggregates, and a new allocation
    # is a new state of the data (the cache is not read).
    for i in range(3):
        mapped["equip"]("nanterre", f"Q{i}", "26-44")
    with django_assert_num_queries(13):
        response = client.get(reverse("maps:communes_data"))
    nanterre = next(f for f in response.json()["features"] if f["properties"]["code"] == "92050")
    assert nanterre["properties"]["allocated"] == 4


# --- the GeoJSON loader ---------------------------------------------------------------------


def test_loader_on_a_real_file(db):
    out = io.StringIO()
    call_command("load_geojson", str(SHIPPED_92), stdout=out)
    assert "36 outlines loaded" in out.getvalue()
    nanterre = Outline.objects.get(kind="commune", code="92050")
    assert nanterre.name == "Nanterre" and nanterre.geometry["type"] in ("Polygon", "MultiPolygon")
    assert 48.87 < nanterre.centre_lat < 48.92 and 2.18 < nanterre.centre_lon < 2.24
    call_command("load_geojson", str(SHIPPED_92), stdout=out)  # again: replaced, not doubled
    assert Outline.objects.count() == 36


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"type": "FeatureCollection", "features": [', "pas du JSON valide"),
        (b'{"type": "Feature"}', "pas une FeatureCollection GeoJSON"),
        (
            b'{"type":"FeatureCollection","features":['
            b'{"type":"Feature","properties":{"code":"92050","nom":"Nanterre"},'
            b'"geometry":{"type":"Polygon","coordinates":[[[2.2,48.9],[2.3,48.9],[2.3,49],[2.2,48.9]]]}},'
            b'{"type":"Feature","properties":{"code":"92051","nom":"Neuilly"},'
            b'"geometry":{"type":"Polygon","coordinates":[[[2.2,48.9],[2.3,"x"],[2.3,49],[2.2,48.9]]]}}]}',
            "Entité 2 : une coordonnée n'est pas un nombre",
        ),
        (
            b'{"type":"FeatureCollection","features":[{"type":"Feature",'
            b'"properties":{"code":"ABCDE","nom":"X"},"geometry":null}]}',
            "ni un code INSEE de commune",
        ),
    ],
)
def test_loader_on_a_broken_file_loads_nothing(db, tmp_path, content, message):
    path = tmp_path / "broken.geojson"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("load_geojson", str(SHIPPED_92), str(path), stdout=io.StringIO())
    assert message in str(error.value)
    assert Outline.objects.count() == 0  # not even the good file given before it


# --- the fragility index ---------------------------------------------------------------------


def test_fragility_import_reports_bad_codes_by_line_and_writes_nothing(outlines, coordinator):
    content = "code_insee;score;qpv\n92050;12,5;20\n9205X;3\n75999;4\n92050;5\n92025;abc\n"
    with pytest.raises(ValidationError) as error:
        geography.fragility_import(content=content.encode(), filename="ifn.csv", user=coordinator)
    messages = error.value.messages
    assert messages[0].startswith("Ligne 3 :") and "9205X" in messages[0]
    assert messages[1].startswith("Ligne 4 :") and "75999" in messages[1]
    assert messages[2].startswith("Ligne 5 :") and "ligne 2" in messages[2]
    assert messages[3].startswith("Ligne 6 :") and "abc" in messages[3]
    assert FragilityImport.objects.count() == 0 and FragilityScore.objects.count() == 0


def test_fragility_import_two_columns_then_on_the_map(client, outlines, coordinator):
    client.force_login(coordinator)
    upload = io.BytesIO(b"92050,131.2\n92025,98.5\n")
    upload.name = "ifn.csv"
    response = client.post(reverse("maps:fragility"), {"file": upload})
    assert response.status_code == 302
    data = communes(client, coordinator)
    assert data["92050"]["fragility"] == 131.2 and data["92025"]["qpv"] is None
    # Through the page, a bad file lists its lines and imports nothing.
    upload = io.BytesIO(b"92050;1\n1234;2\n")
    upload.name = "bad.csv"
    page = client.post(reverse("maps:fragility"), {"file": upload})
    assert page.status_code == 200 and "Ligne 2" in page.content.decode()
    assert FragilityImport.objects.count() == 1


def test_only_the_coordination_imports_the_index(client, outlines, technician):
    client.force_login(technician)
    assert client.get(reverse("maps:fragility")).status_code == 403


# --- the public page ---------------------------------------------------------------------


def test_public_page_on_by_default_then_switched_off(client, mapped, coordinator):
    Structure.objects.filter(commune_id="92050").update(
        opening_hours="Mo-Fr 09:00-18:00", contact_phone="+33140000000"
    )
    quiet = OrganisationFactory(name="Club sans matériel", kind=OrganisationKind.MEDIATION)
    Structure.objects.create(organisation=quiet, commune_id="92050")
    page = client.get(reverse("maps:public"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Médiathèque Nanterre" in body and "Mo-Fr 09:00-18:00" in body
    assert "Club sans matériel" not in body  # hands out nothing
    client.force_login(coordinator)
    client.post(reverse("maps:public_switch"), {"enabled": "0"})
    client.logout()
    assert client.get(reverse("maps:public")).status_code == 404
    assert PublicMapSwitch.objects.get().changed_by == coordinator
    client.force_login(coordinator)
    client.post(reverse("maps:public_switch"), {"enabled": "1"})
    assert client.get(reverse("maps:public")).status_code == 200
    assert PublicMapSwitch.objects.count() == 2  # each change is kept


def test_only_the_coordination_switches_the_public_map(client, outlines, technician):
    client.force_login(technician)
    assert client.post(reverse("maps:public_switch"), {"enabled": "0"}).status_code == 403
    assert PublicMapSwitch.is_on() and not PublicMapSwitch.objects.exists()


def test_mednum_import_keeps_position_hours_and_services(outlines, coordinator):
    header = (
        "id,nom,commune,code_postal,code_insee,adresse,latitude,longitude,horaires,services,"
        "date_maj"
    )
    row = (
        'p1,Espace Numérique,Nanterre,92000,92050,1 rue X,48.89,2.2,"Mo-Fr 09:00-12:00",'
        "Acquisition de matériel informatique à prix solidaire,2024-01-01"
    )
    services.structures_import_mednum(content=f"{header}\n{row}\n".encode(), user=coordinator)
    s = Structure.objects.get(mednum_id="p1")
    assert (s.latitude, s.longitude, s.opening_hours) == (48.89, 2.2, "Mo-Fr 09:00-12:00")
    assert s.offers_devices


# --- the funder report's map ---------------------------------------------------------------


def test_funder_pdf_draws_the_allocations_per_commune(mapped, coordinator):
    reader = member(mapped["funder"], Role.READER, username="funder-pdf")
    report = funder_report_build(user=reader, filters=PERIOD)
    svg = report.charts()["map"]
    assert svg.startswith("<svg") and svg.count("<path") >= 36 + 1  # communes and department
    assert "Nanterre: —" in svg  # a hidden figure is drawn grey, never as a small number
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(funder_report_pdf(report))).pages)
    assert "Appareils remis par commune" in text
    staff = funder_report_build(user=coordinator, filters=PERIOD)
    assert "Colombes: 7" in staff.charts()["map"]


def test_fairness_lists_the_most_fragile_least_equipped_first(client, mapped, coordinator):
    geography.fragility_import(
        content=b"92050;150\n92025;100\n92002;50\n", filename="ifn.csv", user=coordinator
    )
    client.force_login(coordinator)
    body = client.get(reverse("maps:map")).content.decode()
    table = body.split('id="fairness-table"')[1].split("</table>")[0]
    order = [code for code in ("92050", "92002", "92025") if code in table]
    assert order == ["92050", "92002", "92025"]
    assert table.index("92050") < table.index("92002") < table.index("92025")
    assert "<circle" in body.split('id="fairness"')[1]  # the scatter chart
    reader = member(mapped["funder"], Role.READER, username="funder-fair")
    client.force_login(reader)
    assert 'id="fairness"' not in client.get(reverse("maps:map")).content.decode()
