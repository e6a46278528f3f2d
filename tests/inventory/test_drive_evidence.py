"""Drives, their serials and health data are evidence: an edit never rewrites them from the
diagnosis on; adding or swapping a drive is its own recorded step, back to the erasure step."""

import pytest
from django.urls import reverse

from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent, StorageDrive
from reconditioning import lifecycle
from reconditioning.demo import walk_to
from reconditioning.models import DriveChange, ErasureRecord
from tests.factories import make_device

pytestmark = pytest.mark.django_db

TWO_DRIVES = [
    {"capacity_gb": 256, "kind": "ssd", "serial_number": "SSD1", "smart_passed": True},
    {"capacity_gb": 500, "kind": "hdd", "serial_number": "HDD1", "power_on_hours": 900},
]


@pytest.fixture
def laptop(batch, technician):
    return make_device(batch, user=technician, ram_mb=8192, drives=TWO_DRIVES)


def edit(client, device, **changes):
    url = reverse("inventory:device_edit", args=[device.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(changes)
    return client.post(url, data)


def drive_rows(device):
    return sorted(
        StorageDrive.all_objects.filter(device=device).values_list(
            "pk", "serial_number", "smart_passed", "power_on_hours", "removed_at"
        )
    )


@pytest.mark.parametrize("status", [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY])
def test_editing_only_the_model_keeps_every_drive_row(tech_client, laptop, technician, status):
    walk_to(laptop, status, technician)
    before = drive_rows(laptop)
    response = edit(tech_client, laptop, model="ThinkPad T480s")
    assert response.status_code == 302
    laptop.refresh_from_db()
    assert laptop.model == "ThinkPad T480s" and laptop.status == status
    assert drive_rows(laptop) == before  # same rows: serials, SMART and erasure links kept
    assert not ErasureRecord.objects.filter(device=laptop, drive__isnull=True).exists()
    if status == S.READY:
        assert lifecycle.erasure_missing(laptop) == []


@pytest.mark.parametrize("status", [S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY])
def test_edit_refuses_to_change_drives_from_diagnosis_on(tech_client, laptop, technician, status):
    walk_to(laptop, status, technician)
    before = drive_rows(laptop)
    response = edit(tech_client, laptop, storage="256 Go SSD + 500 Go HDD + 1 To HDD")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Changer un disque" in page  # the message points to the recorded step
    laptop.refresh_from_db()
    assert laptop.status == status and drive_rows(laptop) == before
    assert laptop.model == "ThinkPad T480"  # nothing of the form was written


def test_edit_before_diagnosis_keeps_the_replaced_drives_as_removed(tech_client, laptop):
    response = edit(tech_client, laptop, storage="1 To HDD")
    assert response.status_code == 302
    assert [(d.capacity_gb, d.kind) for d in laptop.drives.all()] == [(1000, "hdd")]
    old = StorageDrive.all_objects.filter(device=laptop, removed_at__isnull=False)
    assert sorted(old.values_list("serial_number", flat=True)) == ["HDD1", "SSD1"]


def swap_url(device):
    return reverse("reconditioning:device_step", args=[device.pk, "disques"])


def test_adding_a_drive_to_a_ready_device_sends_it_back_to_erasure(tech_client, laptop, technician):
    walk_to(laptop, S.READY, technician)
    page = tech_client.get(laptop.get_absolute_url()).content.decode()
    assert swap_url(laptop) in page
    response = tech_client.post(
        swap_url(laptop),
        {
            "expected_status": S.READY,
            "add": "1 To HDD",
            "add_serial": "WD-NEW1",
            "reason": "Disque de données ajouté à la demande de la structure",
        },
    )
    assert response.status_code == 302, response.content
    laptop.refresh_from_db()
    assert laptop.status == S.DIAGNOSED
    event = DeviceEvent.objects.filter(device=laptop).first()
    assert (event.from_status, event.to_status) == (S.READY, S.DIAGNOSED)
    assert [d.serial_number for d in laptop.drives.order_by("id")] == ["SSD1", "HDD1", "WD-NEW1"]
    missing = lifecycle.erasure_missing(laptop)
    assert len(missing) == 1 and "1 To" in missing[0]
    change = DriveChange.objects.get(device=laptop)
    assert change.recorded_by == technician and "structure" in change.notes
    page = tech_client.get(laptop.get_absolute_url()).content.decode()
    assert "WD-NEW1" in page and "Changement de disque" in page
    with pytest.raises(lifecycle.TransitionError):  # the old erasures do not cover the new drive
        lifecycle.device_transition(device=laptop, to_status=S.ERASED, user=technician)


def test_swapping_a_drive_keeps_the_old_one_and_its_erasure(tech_client, laptop, technician):
    walk_to(laptop, S.OS_INSTALLED, technician)
    hdd = laptop.drives.get(serial_number="HDD1")
    response = tech_client.post(
        swap_url(laptop),
        {
            "expected_status": S.OS_INSTALLED,
            "remove": [hdd.pk],
            "add": "480 Go SSD",
            "add_serial": "",
            "reason": "Disque dur en panne",
        },
    )
    assert response.status_code == 302, response.content
    laptop.refresh_from_db()
    assert laptop.status == S.DIAGNOSED
    assert [d.kind for d in laptop.drives.order_by("id")] == ["ssd", "ssd"]
    hdd = StorageDrive.all_objects.get(pk=hdd.pk)
    assert hdd.removed_at is not None and hdd.removed_by == technician
    assert ErasureRecord.objects.filter(drive=hdd).exists()  # the erasure still points at it


@pytest.mark.parametrize(
    "data, message",
    [
        ({"add": "", "remove": []}, "Choisissez"),
        ({"add": "douze téras"}, ""),
        ({"add": "1 To HDD", "reason": ""}, ""),
    ],
)
def test_bad_drive_change_writes_nothing(tech_client, laptop, technician, data, message):
    walk_to(laptop, S.READY, technician)
    before = drive_rows(laptop)
    payload = {"expected_status": S.READY, "reason": "Ajout", **data}
    response = tech_client.post(swap_url(laptop), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    laptop.refresh_from_db()
    assert laptop.status == S.READY and drive_rows(laptop) == before
    assert not DriveChange.objects.exists()


def test_drive_change_refused_for_a_reserved_device(laptop, technician):
    from reconditioning import services

    walk_to(laptop, S.READY, technician)
    lifecycle.device_transition(
        device=laptop, to_status=S.RESERVED, user=technician, allow_order_steps=True
    )
    with pytest.raises(lifecycle.TransitionError):
        services.drive_change_record(
            device=laptop, user=technician, add=[{"capacity_gb": 1000, "kind": "hdd"}], reason="x"
        )
    assert laptop.drives.count() == 2 and not DriveChange.objects.exists()


def test_other_workshop_cannot_change_drives(client, laptop, other_technician):
    client.force_login(other_technician)
    response = client.post(swap_url(laptop), {"expected_status": S.RECEIVED, "add": "1 To HDD"})
    assert response.status_code == 404
    assert laptop.drives.count() == 2
