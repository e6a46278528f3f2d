"""The scan-first intake screen: serial + Enter logs a device, the rest is kept."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from inventory.enums import DeviceStatus
from inventory.models import Device, DeviceEvent, Movement
from tests.factories import LocationFactory, make_device

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def scan(client, batch, serial, **fields):
    data = {
        "device_type": "laptop",
        "manufacturer": "Lenovo",
        "model": "ThinkPad T480",
        "ram": "8 Go",
        "storage": "256 Go SSD",
        "serial_number": serial,
        **fields,
    }
    return client.post(reverse("inventory:batch_intake", args=[batch.pk]), data, **HTMX)


def test_intake_page_has_serial_focus(tech_client, batch):
    body = tech_client.get(reverse("inventory:batch_intake", args=[batch.pk])).content.decode()
    assert 'name="serial_number"' in body and "autofocus" in body
    assert "Numéro de série" in body


def test_scan_logs_device_with_tag_event_and_label_link(tech_client, batch, technician):
    response = scan(tech_client, batch, " pf1abc23 ")
    assert response.status_code == 200
    device = Device.objects.get()
    assert device.serial_number == "PF1ABC23"
    assert device.asset_tag.startswith("FL") and len(device.asset_tag) == 9
    assert device.status == DeviceStatus.RECEIVED
    assert device.ram_mb == 8192
    assert [(d.capacity_gb, d.kind) for d in device.drives.all()] == [(256, "ssd")]
    assert device.created_by == technician
    event = DeviceEvent.objects.get(device=device)
    assert (event.from_status, event.to_status, event.actor) == ("", "received", technician)
    body = response.content.decode()
    assert f"{device.asset_tag} enregistré" in body and "PF1ABC23" in body
    assert reverse("inventory:device_label", args=[device.pk]) in body


def test_sticky_fields_make_a_batch_of_identical_laptops_one_scan_each(tech_client, batch):
    scan(tech_client, batch, "A1")
    # The scan answer is the feedback only: the form (and what it holds) stays in the page.
    for serial in ["A2", "A3"]:
        scan(tech_client, batch, serial)
    assert Device.objects.filter(model="ThinkPad T480").count() == 3
    # Opening the screen again (another day, another PC) starts from the last values.
    page = tech_client.get(reverse("inventory:batch_intake", args=[batch.pk])).content.decode()
    assert 'value="ThinkPad T480"' in page and 'value="8 Go"' in page
    assert 'name="serial_number"' in page and 'value="A3"' not in page


def test_scan_answer_is_the_feedback_fragment(tech_client, batch):
    body = scan(tech_client, batch, "FRAG1").content.decode()
    assert "<form" not in body and 'id="recent"' in body and "FRAG1" in body


def test_duplicate_serial_is_refused_with_link(tech_client, batch):
    scan(tech_client, batch, "DUP-1")
    existing = Device.objects.get()
    response = scan(tech_client, batch, "dup-1")
    body = response.content.decode()
    assert Device.objects.count() == 1
    assert "déjà enregistré" in body
    assert existing.get_absolute_url() in body


def test_same_serial_other_manufacturer_is_allowed(tech_client, batch):
    scan(tech_client, batch, "123")
    scan(tech_client, batch, "123", manufacturer="Dell", model="Latitude")
    assert Device.objects.count() == 2


def test_devices_without_serial_are_allowed(tech_client, batch):
    scan(tech_client, batch, "")
    scan(tech_client, batch, "")
    assert Device.objects.filter(serial_number="").count() == 2


def test_bad_values_are_explained_and_nothing_written(tech_client, batch):
    response = scan(tech_client, batch, "X9", ram="huit", battery_health="140")
    body = response.content.decode()
    assert Device.objects.count() == 0
    assert "huit" in body
    assert "Mémoire" in body or "RAM" in body


def test_location_records_a_movement(tech_client, batch, technician):
    shelf = LocationFactory(workshop=batch.workshop)
    scan(tech_client, batch, "LOC1", location=shelf.pk)
    device = Device.objects.get()
    assert device.location == shelf
    movement = Movement.objects.get(device=device)
    assert movement.to_location == shelf and movement.moved_by == technician


def test_location_of_another_workshop_is_refused(tech_client, batch, other_workshop):
    shelf = LocationFactory(workshop=other_workshop)
    scan(tech_client, batch, "LOC2", location=shelf.pk)
    assert Device.objects.count() == 0


def test_without_htmx_post_redirects_and_keeps_values(tech_client, batch):
    data = {
        "device_type": "tablet",
        "manufacturer": "Samsung",
        "model": "Galaxy Tab A",
        "serial_number": "TAB1",
    }
    url = reverse("inventory:batch_intake", args=[batch.pk])
    response = tech_client.post(url, data)
    assert response.status_code == 302
    page = tech_client.get(url).content.decode()
    assert 'value="Galaxy Tab A"' in page and "TAB1" in page


def test_device_move_writes_ledger(tech_client, batch, technician):
    device = make_device(batch)
    a, b = LocationFactory(workshop=batch.workshop), LocationFactory(workshop=batch.workshop)
    url = reverse("inventory:device_move", args=[device.pk])
    tech_client.post(url, {"location": a.pk})
    tech_client.post(url, {"location": b.pk, "note": "rangé"})
    moves = list(Movement.objects.filter(device=device).order_by("id"))
    assert [(m.from_location, m.to_location) for m in moves] == [(None, a), (a, b)]
    device.refresh_from_db()
    assert device.location == b
    page = tech_client.get(device.get_absolute_url()).content.decode()
    assert "rangé" in page


def test_ledger_rows_cannot_be_edited(batch):
    device = make_device(batch)
    event = device.events.get()
    from inventory.models import AppendOnlyError

    event.note = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_asset_tags_are_unique_and_sequential(batch):
    tags = [make_device(batch).asset_tag for _ in range(3)]
    numbers = [int(t[2:]) for t in tags]
    assert numbers == sorted(numbers) and len(set(tags)) == 3
    assert numbers[1] == numbers[0] + 1


def test_batch_page_lists_devices_with_fixed_queries(
    tech_client, batch, django_assert_max_num_queries
):
    for _ in range(3):
        make_device(batch)
    url = reverse("inventory:batch_detail", args=[batch.pk])
    with django_assert_max_num_queries(12) as ctx:
        tech_client.get(url)
    few = len(ctx.captured_queries)
    for _ in range(10):
        make_device(batch)
    with django_assert_max_num_queries(few) as ctx:
        body = tech_client.get(url).content.decode()
    assert body.count('class="badge received"') == 13


def test_device_list_queries_do_not_grow(tech_client, batch, django_assert_max_num_queries):
    for _ in range(3):
        make_device(batch)
    url = reverse("inventory:device_list")
    with django_assert_max_num_queries(12) as ctx:
        tech_client.get(url)
    few = len(ctx.captured_queries)
    for _ in range(20):
        make_device(batch)
    with django_assert_max_num_queries(few):
        tech_client.get(url)


def test_batch_creation_screen(tech_client, workshop):
    from tests.factories import DonorFactory

    call_command("loaddata", "territories_92", verbosity=0)
    donor = DonorFactory(workshop=workshop, name="Mairie de Nanterre")
    response = tech_client.post(
        reverse("inventory:batch_create"),
        {
            "donor": donor.pk,
            "collected_on": "2026-11-20",
            "commune_insee": "92050",
            "declared_quantity": 40,
            "pickup_address": "88 rue du 8 mai 1945",
        },
    )
    assert response.status_code == 302
    batch = donor.batches.get()
    assert batch.reference == "LOT-2026-0001"
    assert response.url == reverse("inventory:batch_intake", args=[batch.pk])


def test_batch_creation_refuses_bad_insee(tech_client, workshop):
    from tests.factories import DonorFactory

    donor = DonorFactory(workshop=workshop)
    response = tech_client.post(
        reverse("inventory:batch_create"),
        {
            "donor": donor.pk,
            "collected_on": "2026-11-20",
            "commune_insee": "9205",
        },
    )
    assert response.status_code == 200
    assert "Aucune commune ne s&#x27;appelle ou n&#x27;a le code « 9205 »" in (
        response.content.decode()
    )
    assert not donor.batches.exists()


def test_donor_creation_validates_siret(tech_client):
    url = reverse("inventory:donor_create")
    bad = tech_client.post(url, {"name": "X", "kind": "company", "siret": "73282932000075"})
    assert "SIRET" in bad.content.decode() and bad.status_code == 200
    ok = tech_client.post(url, {"name": "Y", "kind": "company", "siret": "732 829 320 00074"})
    assert ok.status_code == 302
    from inventory.models import Donor

    assert Donor.objects.get().siret == "73282932000074"
