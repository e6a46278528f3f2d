"""Correcting a device, a batch, and managing locations from the staff screens."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from inventory.models import Device, Location
from tests.factories import LocationFactory, make_batch, make_device

pytestmark = pytest.mark.django_db


def test_device_edit_corrects_specs_and_keeps_drives(tech_client, batch):
    device = make_device(
        batch, model="T48O", ram_mb=4096, drives=[{"capacity_gb": 256, "kind": "ssd"}]
    )
    url = reverse("inventory:device_edit", args=[device.pk])
    form = tech_client.get(url).content.decode()
    assert 'value="T48O"' in form and "256 Go SSD" in form
    response = tech_client.post(
        url,
        {
            "device_type": "laptop",
            "manufacturer": "Lenovo",
            "model": "ThinkPad T480",
            "serial_number": "pf1x",
            "ram": "8 Go",
            "storage": "",
        },
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.model, device.serial_number, device.ram_mb) == ("ThinkPad T480", "PF1X", 8192)
    assert [(d.capacity_gb, d.kind) for d in device.drives.all()] == [(256, "ssd")]


def test_device_edit_refuses_a_serial_taken_by_another(tech_client, batch):
    make_device(batch, manufacturer="Dell", serial_number="TAKEN")
    device = make_device(batch, manufacturer="Dell", serial_number="MINE")
    response = tech_client.post(
        reverse("inventory:device_edit", args=[device.pk]),
        {"device_type": "laptop", "manufacturer": "Dell", "serial_number": "taken"},
    )
    assert response.status_code == 200
    assert "déjà enregistré" in response.content.decode()
    device.refresh_from_db()
    assert device.serial_number == "MINE"


def test_device_edit_of_another_workshop(tech_client, other_workshop):
    theirs = make_device(make_batch(other_workshop))
    assert tech_client.get(reverse("inventory:device_edit", args=[theirs.pk])).status_code == 404


def test_batch_edit_updates_received_quantity(tech_client, batch):
    call_command("loaddata", "territories_92", verbosity=0)  # the communes the form checks
    url = reverse("inventory:batch_edit", args=[batch.pk])
    response = tech_client.post(
        url,
        {
            "collected_on": "2026-11-02",
            "received_quantity": 38,
            "declared_quantity": 40,
            "commune_insee": "92050",
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.declared_quantity, batch.received_quantity) == (40, 38)


def test_locations_screen_lists_and_creates(tech_client, workshop, other_workshop):
    LocationFactory(workshop=other_workshop, zone="Ailleurs")
    url = reverse("inventory:location_list")
    response = tech_client.post(url, {"zone": "Stock", "shelf": "B2"})
    assert response.status_code == 302
    assert Location.objects.filter(workshop=workshop, zone="Stock", shelf="B2").exists()
    again = tech_client.post(url, {"zone": "stock", "shelf": "b2"})
    assert "existe déjà" in again.content.decode()
    page = tech_client.get(url).content.decode()
    assert "B2" in page and "Ailleurs" not in page
    assert Device.objects.count() == 0
