"""The system's own labels scan back: a QR (device URL and tag) and a Code 128 of the tag,
read from the rendered PDF with zbarimg and typed into the scan box as a scanner would. The
search behind the box finds partial serials and models, and never contradicts the list."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from inventory import labels
from inventory import views as inventory_views
from inventory.scanning import read_scan
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db

needs_zbar = pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
    reason="zbarimg and pdftoppm read the labels back (apt-get install zbar-tools poppler-utils)",
)


def _decode(pdf: bytes, tmp_path, dpi: int = 300) -> list[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "labels.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(tmp_path / "labels.pdf"), str(tmp_path / "p")],
        check=True,
    )
    pages = sorted(str(p) for p in tmp_path.glob("p*.png"))
    out = subprocess.run(["zbarimg", "-q", *pages], capture_output=True, text=True).stdout
    return out.split()


@needs_zbar
def test_every_label_scans_back_to_its_device(tech_client, batch, technician, tmp_path):
    devices = [make_device(batch, user=technician) for _ in range(3)]
    symbols = _decode(labels.label_sheet_pdf(devices), tmp_path)
    qr = sorted(s.removeprefix("QR-Code:") for s in symbols if s.startswith("QR-Code:"))
    code128 = sorted(s.removeprefix("CODE-128:") for s in symbols if s.startswith("CODE-128:"))
    assert code128 == sorted(d.asset_tag for d in devices)
    assert qr == sorted(labels.qr_payload(d) for d in devices)
    for device in devices:
        for typed in (device.asset_tag, labels.qr_payload(device)):
            response = tech_client.get(reverse("inventory:scan"), {"q": typed})
            assert response.status_code == 302 and response.url == device.get_absolute_url()


@needs_zbar
def test_the_single_label_scans_back(batch, technician, tmp_path):
    device = make_device(batch, user=technician)
    symbols = _decode(labels.label_pdf(device), tmp_path)
    assert f"CODE-128:{device.asset_tag}" in symbols
    assert f"QR-Code:{labels.qr_payload(device)}" in symbols


@needs_zbar
@pytest.mark.parametrize("dpi", [150, 203])
def test_a_full_sheet_and_a_single_label_scan_back_at_a_printers_resolution(
    batch, technician, tmp_path, dpi
):
    """Thermal label printers print at 203 dpi, a screen or a cheap copy is nearer 150: the
    bars were scaled down to 0.19-0.23 mm by the label's CSS and no Code 128 read at 150 dpi,
    20 of 21 at 203 (persona walk)."""
    devices = [make_device(batch, user=technician) for _ in range(21)]  # a whole A4 sheet
    symbols = _decode(labels.label_sheet_pdf(devices), tmp_path / "sheet", dpi)
    code128 = sorted(s.removeprefix("CODE-128:") for s in symbols if s.startswith("CODE-128:"))
    assert code128 == sorted(d.asset_tag for d in devices)
    single = _decode(labels.label_pdf(devices[0]), tmp_path / "single", dpi)
    assert f"CODE-128:{devices[0].asset_tag}" in single


@pytest.mark.parametrize(
    "typed, kind, value",
    [
        ("FL0000025", "tag", "FL0000025"),
        ("  fl0000025\n", "tag", "FL0000025"),
        ("http://filiere.example/appareils/25/#FL0000025", "tag", "FL0000025"),
        ("https://filiere.example/appareils/25/", "pk", "25"),
        ("PF1ABC23", "text", "PF1ABC23"),
        ("XFL00000251", "text", "XFL00000251"),
    ],
)
def test_what_a_scanner_types_is_read_once(typed, kind, value):
    scan = read_scan(typed)
    assert (scan.kind, scan.value) == (kind, value)


def test_a_label_of_another_workshop_is_not_named(client, workshop, other_workshop, technician):
    theirs = make_device(make_batch(other_workshop), model="Latitude Secrète")
    client.force_login(technician)
    for typed in (theirs.asset_tag, labels.qr_payload(theirs)):
        response = client.get(reverse("inventory:scan"), {"q": typed}, follow=True)
        page = response.content.decode()
        assert "pas dans votre atelier" in page
        assert theirs.asset_tag not in page.split("<main", 1)[-1].replace(typed, "")
        assert "Latitude Secrète" not in page


def test_a_model_search_does_not_say_nothing_matches(tech_client, batch, technician):
    for _ in range(15):
        make_device(batch, user=technician, manufacturer="Lenovo", model="ThinkPad T480")
    response = tech_client.get(reverse("inventory:scan"), {"q": "ThinkPad"}, follow=True)
    page = response.content.decode()
    assert "Aucun appareil ne correspond" not in page
    assert page.count("ThinkPad T480") >= 15


def test_partial_serials_donors_and_several_words_find_devices(tech_client, batch, technician):
    wanted = make_device(batch, user=technician, serial_number="PF1ABC23", model="ThinkPad X1")
    make_device(batch, user=technician, serial_number="ZZ999", model="EliteBook 840")
    url = reverse("inventory:device_list")
    for q in ("abc2", "thinkpad x1", "lenovo x1", batch.donor.name[:6]):
        page = tech_client.get(url, {"q": q}).content.decode()
        assert wanted.asset_tag in page, q
    page = tech_client.get(url, {"q": "abc2"}).content.decode()
    assert "EliteBook" not in page


def test_the_search_query_count_is_pinned(
    tech_client, batch, technician, django_assert_max_num_queries
):
    for _ in range(30):
        make_device(batch, user=technician, model="ThinkPad T480")
    with django_assert_max_num_queries(12):
        response = tech_client.get(reverse("inventory:device_list"), {"q": "T480"})
    assert response.status_code == 200


def test_a_search_is_counted_to_a_lower_cap(tech_client, batch, technician, monkeypatch):
    monkeypatch.setattr(inventory_views, "SEARCH_COUNT_CAP", 2)
    for _ in range(4):
        make_device(batch, user=technician, model="ThinkPad T480")
    url = reverse("inventory:device_list")
    searched = tech_client.get(url, {"q": "thinkpad"}).content.decode()
    assert "plus de 2 appareils" in searched.split('id="device-count"')[1][:200]
    everything = tech_client.get(url).content.decode()
    assert "4 appareils" in everything.split('id="device-count"')[1][:200]
