"""The weight of devices: a default per type set by the coordination, an optional weight per
device typed at intake or on the edit form, absurd weights refused."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from inventory.enums import DeviceType
from inventory.models import Device, DeviceEvent, DeviceTypeWeight
from inventory.values import parse_weight_kg
from inventory.weights import DEFAULT_WEIGHTS, kg_display, tonnes_display
from tests.factories import make_device

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def scan(client, batch, serial, **fields):
    data = {"device_type": "laptop", "manufacturer": "Lenovo", "serial_number": serial, **fields}
    return client.post(reverse("inventory:batch_intake", args=[batch.pk]), data, **HTMX)


def test_every_type_has_a_seeded_default():
    defaults = dict(DeviceTypeWeight.objects.values_list("device_type", "weight_kg"))
    assert set(defaults) == set(DeviceType.values)
    assert defaults["laptop"] == Decimal("2.00") and defaults["smartphone"] == Decimal("0.20")
    assert defaults == {t: kg.quantize(Decimal("0.01")) for t, kg in DEFAULT_WEIGHTS.items()}
    assert all("à vérifier" in s for s in DeviceTypeWeight.objects.values_list("source", flat=True))


@pytest.mark.parametrize(
    ("typed", "kg"),
    [("2,3", "2.30"), ("2.3 kg", "2.30"), ("850 g", "0.85"), ("150", "150.00"), ("", None)],
)
def test_weights_people_type(typed, kg):
    assert parse_weight_kg(typed) == (Decimal(kg) if kg else None)


@pytest.mark.parametrize("typed", ["-3", "0", "5000", "150,5", "deux kilos", "2 t"])
def test_absurd_weights_are_refused(typed):
    with pytest.raises(ValueError, match="poids plausible"):
        parse_weight_kg(typed)


def test_french_display():
    assert tonnes_display(Decimal("1250")) == "1,25\xa0t"
    assert tonnes_display(Decimal("3.2")) == "0,003\xa0t"
    assert tonnes_display(Decimal("11.5")) == "0,012\xa0t"  # to the kilogram, half up
    assert tonnes_display(Decimal("12345678")) == "12\u202f345,678\xa0t"
    assert tonnes_display(None) == "0,00\xa0t"
    assert kg_display(Decimal("1250.55")) == "1\u202f250,6\xa0kg"


def test_intake_form_offers_the_weight(tech_client, batch):
    page = tech_client.get(reverse("inventory:batch_intake", args=[batch.pk])).content.decode()
    assert "Poids (kg)" in page and "vide = poids par défaut du type" in page
    assert 'name="weight"' in page


def test_intake_keeps_a_typed_weight_or_leaves_the_default(tech_client, batch):
    assert scan(tech_client, batch, "W1", weight="1,45").status_code == 200
    assert scan(tech_client, batch, "W2").status_code == 200
    weights = dict(Device.objects.values_list("serial_number", "weight_kg"))
    assert weights == {"W1": Decimal("1.45"), "W2": None}


@pytest.mark.parametrize("typed", ["5000", "-2"])
def test_intake_refuses_an_absurd_weight_and_writes_nothing(tech_client, batch, typed):
    response = scan(tech_client, batch, "HEAVY", weight=typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "non enregistré" in page and "Poids (kg)" in page and "poids plausible" in page
    assert not Device.objects.exists() and not DeviceEvent.objects.exists()


def test_edit_sets_then_clears_the_weight(tech_client, batch):
    device = make_device(batch, serial_number="ED1")
    url = reverse("inventory:device_edit", args=[device.pk])
    data = {"device_type": "laptop", "manufacturer": "Lenovo", "serial_number": "ED1"}
    page = tech_client.get(url).content.decode()
    assert "Poids (kg)" in page and "vide = poids par défaut du type" in page
    assert tech_client.post(url, {**data, "weight": "2,75"}).status_code == 302
    device.refresh_from_db()
    assert device.weight_kg == Decimal("2.75")
    assert 'value="2,75"' in tech_client.get(url).content.decode()
    detail = tech_client.get(device.get_absolute_url()).content.decode()
    assert "2,75 kg" in detail
    assert tech_client.post(url, {**data, "weight": ""}).status_code == 302
    device.refresh_from_db()
    assert device.weight_kg is None
    assert "poids par défaut du type" in tech_client.get(device.get_absolute_url()).content.decode()


def test_edit_refuses_an_absurd_weight_and_changes_nothing(tech_client, batch):
    device = make_device(batch, serial_number="ED2", model="T480", weight_kg=Decimal("2.10"))
    url = reverse("inventory:device_edit", args=[device.pk])
    response = tech_client.post(
        url,
        {
            "device_type": "laptop",
            "manufacturer": "Lenovo",
            "model": "T490",
            "serial_number": "ED2",
            "weight": "5000",
        },
    )
    assert response.status_code == 200
    assert "poids plausible" in response.content.decode()
    device.refresh_from_db()
    assert (device.model, device.weight_kg) == ("T480", Decimal("2.10"))


def test_coordination_edits_a_default_in_the_back_office(admin_client):
    row = DeviceTypeWeight.objects.get(device_type="laptop")
    url = reverse("admin:inventory_devicetypeweight_change", args=[row.pk])
    data = {"device_type": "laptop", "weight_kg": "2.2", "source": "Pesée de l'atelier"}
    assert admin_client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.weight_kg == Decimal("2.20")
    refused = admin_client.post(url, {**data, "weight_kg": "5000"})
    assert refused.status_code == 200 and "150" in refused.content.decode()
    refused = admin_client.post(url, {**data, "weight_kg": "-1"})
    assert refused.status_code == 200
    row.refresh_from_db()
    assert row.weight_kg == Decimal("2.20")


def test_a_default_cannot_be_deleted_from_the_back_office(admin_client):
    row = DeviceTypeWeight.objects.get(device_type="monitor")
    url = reverse("admin:inventory_devicetypeweight_delete", args=[row.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert DeviceTypeWeight.objects.filter(pk=row.pk).exists()


def test_a_donor_file_brings_each_devices_weight(tmp_path, batch):
    path = tmp_path / "poids.csv"
    path.write_text(
        "N° de série;Marque;Modèle;Type;Poids (kg)\n"
        "W1;Lenovo;ThinkPad T480;PC portable;1,9 kg\n"
        "W2;Lenovo;ThinkPad T480;PC portable;\n"
        "W3;Apple;iPad;Tablette;480 g\n",
        encoding="utf-8",
    )
    call_command("import_devices", str(path), "--batch", str(batch.pk))
    weights = dict(Device.objects.values_list("serial_number", "weight_kg"))
    assert weights == {"W1": Decimal("1.90"), "W2": None, "W3": Decimal("0.48")}


def test_an_absurd_weight_in_a_file_is_refused_by_line_and_nothing_is_written(tmp_path, batch):
    path = tmp_path / "poids.csv"
    path.write_text(
        "Serial;Brand;Model;Type;Weight\nW1;Dell;Latitude;laptop;2\nW2;Dell;Latitude;laptop;5000\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_devices", str(path), "--batch", str(batch.pk), stderr=err)
    assert "line 3" in err.getvalue() and "5000" in err.getvalue()
    assert not Device.objects.exists()


def test_exports_and_the_api_give_the_weight(tech_client, batch):
    make_device(batch, serial_number="W9", weight_kg=Decimal("1.75"))
    csv = tech_client.get(reverse("inventory:device_list"), {"export": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert "Poids (kg)" in header
    assert lines[1].split(";")[header.index("Poids (kg)")] in ("1.75", "1,75")
    api = tech_client.get("/api/devices/")
    assert api.json()["results"][0]["weight_kg"] == "1.75"
