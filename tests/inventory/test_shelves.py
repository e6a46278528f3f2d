"""Shelves and stocktakes (issue 14): scan a shelf label, then devices; count a location and
accept what the count found, as movement rows."""

import io
import shutil
import subprocess

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from inventory import labels, shelves
from inventory.models import Device, Location, Movement, Stocktake, StocktakeLine
from tests.factories import LocationFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(workshop):
    return LocationFactory(workshop=workshop, zone="Stock", shelf="A1")


@pytest.fixture
def elsewhere(workshop):
    return LocationFactory(workshop=workshop, zone="Stock", shelf="B2")


@pytest.fixture
def manager(workshop):
    return member(workshop, Role.MANAGER, username="resp")


def _place(device, location, user):
    from inventory.services import device_move

    device_move(device=device, to_location=location, user=user)
    device.refresh_from_db()
    return device


def test_a_shelf_label_scans_back_to_its_page(client, technician, shelf, tmp_path):
    pdf = labels.shelf_label_sheet_pdf([shelf])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert shelf.code in text and "Stock / A1" in text
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        (tmp_path / "shelf.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", str(tmp_path / "shelf.pdf"), str(tmp_path / "p")],
            check=True,
        )
        pages = sorted(str(p) for p in tmp_path.glob("p*.png"))
        read = subprocess.run(["zbarimg", "-q", *pages], capture_output=True, text=True).stdout
        assert sorted(read.split()) == [f"CODE-128:{shelf.code}", f"QR-Code:{shelf.code}"]
    client.force_login(technician)
    response = client.get(reverse("inventory:scan"), {"q": shelf.code})
    assert response.status_code == 302 and response.url == shelf.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "Ranger des appareils ici" in page and shelf.code in page


def test_a_shelf_of_another_workshop_is_not_opened(client, technician):
    other = OrganisationFactory(name="Atelier Voisin", kind=OrganisationKind.WORKSHOP)
    theirs = LocationFactory(workshop=other, zone="Secret", shelf="Z9")
    client.force_login(technician)
    response = client.get(reverse("inventory:scan"), {"q": theirs.code}, follow=True)
    body = response.content.decode()
    assert "pas dans votre atelier" in body and "Secret" not in body
    assert client.get(theirs.get_absolute_url()).status_code == 404
    refused = client.post(reverse("inventory:stocktake_create", args=[theirs.pk]), {"scans": ""})
    assert refused.status_code == 404 and not Stocktake.objects.exists()


def test_scanning_devices_onto_a_shelf_moves_each_once(client, batch, technician, shelf):
    a, b, c = (make_device(batch, user=technician) for _ in range(3))
    client.force_login(technician)
    scans = "\n".join(
        [a.asset_tag, f"https://filiere.example/appareils/{b.pk}/#{b.asset_tag}", c.serial_number]
        + [a.asset_tag]  # scanned twice: one move
    )
    response = client.post(
        reverse("inventory:location_put_away", args=[shelf.pk]), {"scans": scans}, follow=True
    )
    assert "3 appareils rangés" in response.content.decode()
    assert set(Device.objects.filter(location=shelf).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
        c.pk,
    }
    assert Movement.objects.filter(to_location=shelf).count() == 3


def test_one_bad_scan_moves_nothing_and_says_which_line(client, batch, technician, shelf):
    a = make_device(batch, user=technician)
    other = OrganisationFactory(name="Atelier Voisin", kind=OrganisationKind.WORKSHOP)
    theirs = make_device(make_batch(other), serial_number="THEIRS0001")
    client.force_login(technician)
    scans = f"{a.asset_tag}\nNOPE-42\n{theirs.asset_tag}"
    page = client.post(
        reverse("inventory:location_put_away", args=[shelf.pk]), {"scans": scans}, follow=True
    ).content.decode()
    assert "Ligne 2" in page and "NOPE-42" in page
    assert "Ligne 3" in page and "pas dans votre atelier" in page
    assert theirs.asset_tag not in page and "THEIRS0001" not in page
    assert not Movement.objects.exists() and not Device.objects.filter(location=shelf).exists()


def test_a_stocktake_lists_found_missing_and_unexpected(
    client, batch, technician, manager, shelf, elsewhere
):
    found, missing = (_place(make_device(batch, user=technician), shelf, technician) for _ in "ab")
    stray = _place(make_device(batch, user=technician), elsewhere, technician)
    nowhere = make_device(batch, user=technician)
    client.force_login(technician)
    response = client.post(
        reverse("inventory:stocktake_create", args=[shelf.pk]),
        {"scans": f"{found.asset_tag}\n{stray.asset_tag}\n{nowhere.asset_tag}"},
    )
    stocktake = Stocktake.objects.get()
    assert response.url == stocktake.get_absolute_url()
    results = dict(stocktake.lines.values_list("device__asset_tag", "result"))
    assert results == {
        found.asset_tag: "found",
        missing.asset_tag: "missing",
        stray.asset_tag: "unexpected",
        nowhere.asset_tag: "unexpected",
    }
    page = client.get(stocktake.get_absolute_url()).content.decode()
    missing_table = page.split('id="missing"')[1].split("</table>")[0]
    assert missing.asset_tag in missing_table and found.asset_tag not in missing_table
    assert "Stock / B2" in page.split('id="unexpected"')[1].split("</table>")[0]
    assert 'id="accept"' not in page  # a technician counts; the manager accepts
    refused = client.post(reverse("inventory:stocktake_accept", args=[stocktake.pk]))
    assert refused.status_code == 403 and Movement.objects.count() == 3

    client.force_login(manager)
    assert 'id="accept"' in client.get(stocktake.get_absolute_url()).content.decode()
    before = Movement.objects.count()
    page = client.post(
        reverse("inventory:stocktake_accept", args=[stocktake.pk]), follow=True
    ).content.decode()
    assert "3 mouvements" in page
    assert Movement.objects.count() == before + 3
    assert {d.location_id for d in Device.objects.filter(pk__in=[stray.pk, nowhere.pk])} == {
        shelf.pk
    }
    assert Device.objects.get(pk=missing.pk).location_id is None
    note = Movement.objects.filter(device=missing).latest("id").note
    assert f"Inventaire n° {stocktake.pk}" in note and "manquant" in note
    stocktake.refresh_from_db()
    assert stocktake.accepted_by == manager and stocktake.accepted_at
    # Accepted once: a second time writes nothing.
    client.post(reverse("inventory:stocktake_accept", args=[stocktake.pk]))
    assert Movement.objects.count() == before + 3


def test_accepting_is_refused_when_a_device_moved_since(
    batch, technician, manager, shelf, elsewhere
):
    stray = _place(make_device(batch, user=technician), elsewhere, technician)
    stocktake = shelves.stocktake_record(user=technician, location=shelf, text=stray.asset_tag)
    _place(stray, None, technician)  # moved again after the count
    before = Movement.objects.count()
    with pytest.raises(Exception, match=stray.asset_tag):
        shelves.stocktake_accept(user=manager, stocktake=stocktake)
    assert Movement.objects.count() == before
    assert Stocktake.objects.get().accepted_at is None


def test_the_stocktake_report_as_pdf_and_xlsx(client, batch, technician, shelf):
    missing = _place(make_device(batch, user=technician), shelf, technician)
    stocktake = shelves.stocktake_record(user=technician, location=shelf, text="")
    client.force_login(technician)
    pdf = client.get(reverse("inventory:stocktake_pdf", args=[stocktake.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert f"Inventaire n° {stocktake.pk}" in text and missing.asset_tag in text
    assert "Manquants" in text
    xlsx = client.get(reverse("inventory:stocktake_xlsx", args=[stocktake.pk]))
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("Manquant", missing.asset_tag, missing.serial_number)


def test_a_count_costs_the_same_queries_for_3_or_30_scans(batch, technician, shelf):
    devices = [make_device(batch, user=technician) for _ in range(30)]

    def queries(n):
        with CaptureQueriesContext(connection) as ctx:
            scanned = shelves.devices_from_scans(
                user=technician, location=shelf, text="\n".join(d.asset_tag for d in devices[:n])
            )
        assert len(scanned.devices) == n
        return len(ctx.captured_queries)

    queries(3)  # the user's memberships, read once
    assert queries(3) == queries(30)


def test_an_empty_shelf_can_be_counted_but_not_put_away(batch, technician, shelf):
    stocktake = shelves.stocktake_record(user=technician, location=shelf, text="  \n ")
    assert not StocktakeLine.objects.filter(stocktake=stocktake).exists()
    with pytest.raises(Exception, match="au moins un"):
        shelves.put_away(user=technician, location=shelf, text="")
    assert Location.objects.count() == 1


@pytest.mark.parametrize(
    "typed, kind, value",
    [
        ("LOC000012", "location", "12"),
        ("loc000012\n", "location", "12"),
        ("https://filiere.example/emplacements/12/", "location", "12"),
        ("LOC12", "text", "LOC12"),  # too short for a shelf label: a serial, maybe
        ("XLOC000012", "text", "XLOC000012"),
    ],
)
def test_the_scan_box_reads_shelf_labels(typed, kind, value):
    from inventory.scanning import read_scan

    scan = read_scan(typed)
    assert (scan.kind, scan.value) == (kind, value)
