"""Thermal printers and labels for a selection (issue 14): ZPL for Zebra, Brother QL raster,
chosen per workstation, printed on intake if the station asks."""

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from inventory import printing
from tests.factories import LocationFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def tech_client(client, technician):
    client.force_login(technician)
    return client


def test_a_zebra_label_holds_the_tag_as_code128_and_qr(tech_client, batch, technician):
    device = make_device(batch, user=technician, model="ThinkPad ^XZ~JA evil")
    response = tech_client.get(reverse("inventory:device_label", args=[device.pk]), {"fmt": "zpl"})
    assert response["Content-Disposition"].endswith(f'etiquette-{device.asset_tag}.zpl"')
    zpl = response.content.decode()
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert f"^BCN,56,N,N,N^FH\\^FD{device.asset_tag}^FS" in zpl
    assert "^BQN,2,3^FH\\^FDMA,http" in zpl and f"#{device.asset_tag}^FS" in zpl
    # A model name cannot end the label or send a command to the printer.
    assert zpl.count("^XZ") == 1 and "~JA" not in zpl and "\\5EXZ\\7EJA evil" in zpl


def test_a_brother_label_is_raster_of_a_label_that_scans_back(
    tech_client, batch, technician, tmp_path
):
    device = make_device(batch, user=technician)
    response = tech_client.get(
        reverse("inventory:device_label", args=[device.pk]), {"fmt": "brother"}
    )
    data = response.content
    assert response["Content-Type"] == "application/octet-stream"
    assert b"\x1bia\x01" in data[:400] and len(data) > 1000  # raster mode, then the lines
    image = printing.label_image(printing.device_label(device))
    assert image.size == (696, 271)
    if shutil.which("zbarimg"):
        image.save(tmp_path / "label.png")
        read = subprocess.run(
            ["zbarimg", "-q", str(tmp_path / "label.png")], capture_output=True, text=True
        ).stdout.split()
        assert f"CODE-128:{device.asset_tag}" in read
        assert any(s.startswith("QR-Code:http") and s.endswith(device.asset_tag) for s in read)


def test_the_workstation_chooses_its_printer(tech_client, batch, technician):
    device = make_device(batch, user=technician)
    label = reverse("inventory:device_label", args=[device.pk])
    assert tech_client.get(label)["Content-Type"] == "application/pdf"
    page = tech_client.get(reverse("inventory:printer_settings"))
    assert "Zebra" in page.content.decode() and "Brother" in page.content.decode()
    tech_client.post(
        reverse("inventory:printer_settings"), {"printer": "zpl", "print_on_intake": "on"}
    )
    assert tech_client.get(label).content.startswith(b"^XA")
    # Print on intake: the label of the device just logged is printed without a click.
    feedback = tech_client.post(
        reverse("inventory:batch_intake", args=[batch.pk]),
        {"serial_number": "PRINTME01", "device_type": "laptop", "manufacturer": "Dell"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-autoprint="zpl"' in feedback
    refused = tech_client.post(reverse("inventory:printer_settings"), {"printer": "laser"})
    assert refused.status_code == 200 and tech_client.get(label).content.startswith(b"^XA")


def test_labels_for_a_selection_of_devices(tech_client, batch, technician):
    a, b, c = (make_device(batch, user=technician) for _ in range(3))
    other = OrganisationFactory(name="Atelier Voisin", kind=OrganisationKind.WORKSHOP)
    theirs = make_device(make_batch(other), serial_number="THEIRS0001")
    response = tech_client.post(
        reverse("inventory:labels_selection"), {"devices": [a.pk, c.pk, theirs.pk, "x", "9" * 30]}
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert a.asset_tag in text and c.asset_tag in text
    assert b.asset_tag not in text and theirs.asset_tag not in text
    empty = tech_client.post(
        reverse("inventory:labels_selection"), {"devices": [theirs.pk]}, follow=True
    )
    assert "Sélectionnez au moins un appareil" in empty.content.decode()
    steps = tech_client.get(reverse("reconditioning:batch_steps", args=[batch.pk]))
    assert reverse("inventory:labels_selection") in steps.content.decode()


def test_shelf_labels_for_a_zebra(tech_client, workshop):
    shelf = LocationFactory(workshop=workshop, zone="Stock", shelf="A1")
    response = tech_client.get(reverse("inventory:shelf_labels"), {"fmt": "zpl"})
    assert f"^FD{shelf.code}^FS" in response.content.decode()


def test_the_device_list_ticks_devices_for_their_labels(tech_client, client, batch, technician):
    devices = [make_device(batch, user=technician) for _ in range(3)]
    html = tech_client.get(reverse("inventory:device_list")).content.decode()
    form = html.split('id="device-selection"')[1].split("</form>")[0]
    for d in devices:
        assert f'name="devices" value="{d.pk}"' in form
    assert f"Sélectionner {devices[0].asset_tag}" in form and "data-select-all" in form
    # Someone who reads the devices without working on them gets the list, not the button.
    reader = member(OrganisationFactory(kind=OrganisationKind.COORDINATION), Role.READER)
    client.force_login(reader)
    page = client.get(reverse("inventory:device_list")).content.decode()
    assert 'id="device-selection"' not in page
