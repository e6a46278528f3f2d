"""Regressions found in review: write rights, manufacturer spellings, limits, leaks."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.enums import OrganisationKind, Role
from inventory.importing import analyse_file
from inventory.models import Device, HardwareReport
from inventory.services import DeviceSpecs, canonical_manufacturer
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "hardware_samples"


def lshw(name="lshw_optiplex_7010.json"):
    return json.loads((SAMPLES / name).read_text())


@pytest.mark.parametrize(
    "kind,role",
    [
        (OrganisationKind.DONOR, Role.READER),
        (OrganisationKind.COORDINATION, Role.COORDINATOR),
        (OrganisationKind.FUNDER, Role.READER),
    ],
)
def test_only_workshop_members_may_post_hardware_reports(workshop, kind, role):
    org = OrganisationFactory(kind=kind)
    user = member(org, role)
    batch = make_batch(workshop, donor=DonorFactory(workshop=workshop, organisation=org))
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        "/api/hardware-reports/", {"lshw": lshw(), "batch": batch.pk}, format="json"
    )
    assert response.status_code in (400, 403)
    assert Device.objects.count() == 0


@pytest.mark.parametrize(
    "raw,canonical",
    [
        ("Dell Inc.", "Dell"),
        ("DELL", "Dell"),
        ("Hewlett-Packard", "HP"),
        ("LENOVO", "Lenovo"),
        ("ASUSTeK COMPUTER INC.", "ASUS"),
        ("Framework", "Framework"),
    ],
)
def test_manufacturer_spellings(raw, canonical):
    assert canonical_manufacturer(raw) == canonical
    assert DeviceSpecs(device_type="laptop", manufacturer=raw).manufacturer == canonical


def test_report_finds_the_device_typed_as_dell(tech_client, batch):
    device = make_device(batch, manufacturer="Dell", serial_number="4K2J8Y1", model="")
    response = tech_client.post(
        "/api/hardware-reports/", {"lshw": lshw()}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert Device.objects.count() == 1
    device.refresh_from_db()
    assert device.model == "OptiPlex 7010"


def test_absurd_values_do_not_crash(tech_client, batch):
    report = lshw()
    report["serial"] = "AB12" * 75
    report["product"] = "M\u0000odel"

    def walk(node):
        if node.get("class") == "memory" and "size" in node:
            node["size"] = 2**62
        for child in node.get("children", []):
            walk(child)

    walk(report)
    response = tech_client.post(
        "/api/hardware-reports/",
        {"lshw": report, "batch": batch.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    device = Device.objects.get()
    assert len(device.serial_number) == 100 and device.ram_mb is None
    assert "\x00" not in device.model
    assert "\x00" not in json.dumps(HardwareReport.objects.get().lshw)


def test_empty_report_is_refused(tech_client, batch):
    response = tech_client.post(
        "/api/hardware-reports/",
        {"lshw": {"class": "system", "id": "x", "children": [{}]}, "batch": batch.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Device.objects.count() == 0


def test_deeply_nested_json_is_a_bad_request(tech_client):
    body = "[" * 100000 + "]" * 100000
    response = tech_client.post("/api/hardware-reports/", body, content_type="application/json")
    assert response.status_code == 400


def test_duplicate_in_another_workshop_does_not_name_its_tag(tech_client, batch, other_workshop):
    theirs = make_device(make_batch(other_workshop), manufacturer="Acer", serial_number="SECRET1")
    response = tech_client.post(
        reverse("inventory:batch_intake", args=[batch.pk]),
        {"serial_number": "SECRET1", "manufacturer": "Acer", "device_type": "laptop"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "autre atelier" in body and theirs.asset_tag not in body
    analysis = analyse_file(
        b"Serial,Brand,Type\nSECRET1,Acer,laptop\n", "x.csv", workshop_id=batch.workshop_id
    )
    assert theirs.asset_tag not in analysis.errors[0].message


def test_export_headers_are_french_and_control_chars_do_not_break_xlsx(tech_client, batch):
    make_device(batch, notes="a\x01b")
    xlsx = tech_client.get(reverse("inventory:device_list"), {"export": "xlsx"})
    assert xlsx.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    headers = [c.value for c in next(ws.iter_rows())]
    assert "Numéro d'inventaire" in headers and "Numéro de série" in headers


def test_admin_export_is_formula_safe(admin_client, batch):
    make_device(batch, model="=cmd|' /C calc'!A0")
    from inventory.resources import DeviceResource

    dataset = DeviceResource().export(Device.objects.all())
    assert all(not str(cell).startswith("=") for row in dataset for cell in row)


def test_admin_cannot_move_a_device_without_a_movement(admin_client, batch):
    device = make_device(batch)
    page = admin_client.get(reverse("admin:inventory_device_change", args=[device.pk]))
    assert page.status_code == 200
    assert 'name="location"' not in page.content.decode()


def test_donor_form_does_not_list_donor_accounts(tech_client):
    OrganisationFactory(name="Donateur Secret SA", kind=OrganisationKind.DONOR)
    page = tech_client.get(reverse("inventory:donor_create")).content.decode()
    assert "Donateur Secret SA" not in page


def test_batch_and_donor_lists_hide_other_workshops(tech_client, workshop, other_workshop):
    mine = make_batch(workshop)
    theirs = make_batch(
        other_workshop, donor=DonorFactory(workshop=other_workshop, name="Donateur Voisin")
    )
    for url in [reverse("inventory:batch_list"), reverse("home")]:
        body = tech_client.get(url).content.decode()
        assert mine.reference in body
        assert theirs.reference not in body and "Donateur Voisin" not in body
    donors = tech_client.get(reverse("inventory:donor_list")).content.decode()
    assert mine.donor.name in donors and "Donateur Voisin" not in donors
