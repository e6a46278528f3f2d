"""Which device a hardware report belongs to: a report never overwrites another machine, and
a report that would change what a device is waits for a technician's confirmation."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from inventory.enums import DeviceStatus as S
from inventory.models import Device, HardwareReport, PendingHardwareReport, StorageDrive
from reconditioning.demo import walk_to
from tests.factories import make_device

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "hardware_samples"


def sample(name):
    return json.loads((SAMPLES / name).read_text())


def root(doc):
    return doc[0] if isinstance(doc, list) else doc


def disks(node):
    if node.get("class") == "disk" and str(node.get("id", "")).startswith("disk"):
        yield node
    for child in node.get("children") or []:
        yield from disks(child)


def post(machine, lshw, **extra):
    return machine.post("/api/hardware-reports/", {"lshw": lshw, **extra}, format="json")


def three_drive_hp(batch, serial="5CG6341ABC"):
    return make_device(
        batch,
        manufacturer="HP",
        model="EliteBook 840 G3",
        serial_number=serial,
        drives=[
            {"capacity_gb": 256, "kind": "ssd", "serial_number": "S2R4NX0H612345"},
            {"capacity_gb": 160, "kind": "hdd", "serial_number": "5VCABCDE"},
            {"capacity_gb": 500, "kind": "hdd", "serial_number": "Z3T4ABCD"},
        ],
    )


def test_report_without_system_serial_does_not_take_over_another_make(machine, batch):
    hp = three_drive_hp(batch)
    asus = sample("lshw_eeepc_1005ha.json")
    root(asus).pop("serial")  # the ASUS shares a drive serial with the HP
    response = post(machine, asus, batch=batch.pk)
    assert response.status_code == 201, response.content
    hp.refresh_from_db()
    assert (hp.manufacturer, hp.model, hp.drives.count()) == ("HP", "EliteBook 840 G3", 3)
    created = Device.objects.exclude(pk=hp.pk).get()
    assert created.manufacturer == "ASUS"
    assert any(hp.asset_tag in w for w in response.json()["warnings"])


@pytest.mark.parametrize("disk_serial", ["VB6c2f1e7d-4a9b3c58", "QM00001"])
def test_two_virtual_machines_are_not_merged_by_their_virtual_disk(machine, batch, disk_serial):
    first = sample("lshw_virtualbox.json")
    next(disks(root(first)))["serial"] = disk_serial
    second = copy.deepcopy(first)
    assert post(machine, first, batch=batch.pk).status_code == 201
    response = post(machine, second, batch=batch.pk)
    assert response.status_code == 201, response.content
    assert Device.objects.filter(is_virtual=True).count() == 2


def test_a_disguised_virtual_machine_is_flagged_and_not_merged(machine, batch, tech_client):
    # A hypervisor may hide behind made-up firmware strings: its disks still give it away.
    report = sample("lshw_whitebox_to_be_filled.json")
    disk = next(disks(root(report)))
    disk.update(product="QEMU HARDDISK", vendor="", serial="QM00001")
    assert post(machine, report, batch=batch.pk).status_code == 201
    assert post(machine, copy.deepcopy(report), batch=batch.pk).status_code == 201
    assert Device.objects.filter(is_virtual=True).count() == 2
    page = tech_client.get(Device.objects.first().get_absolute_url()).content.decode()
    assert "Machine virtuelle" in page


def test_white_box_pc_is_still_found_by_its_disk(machine, batch):
    report = sample("lshw_whitebox_to_be_filled.json")
    assert post(machine, report, batch=batch.pk).status_code == 201
    response = post(machine, report, batch=batch.pk)
    assert response.status_code == 200, response.content
    assert Device.objects.count() == 1


def test_report_that_would_change_the_model_is_held(machine, batch, tech_client, technician):
    device = make_device(
        batch,
        manufacturer="Lenovo",
        model="IdeaPad 5 14",
        serial_number="PF1A2B3C",
        drives=[{"capacity_gb": 256, "kind": "nvme"}],
    )
    response = post(machine, sample("lshw_thinkpad_t480.json"))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["held"] is True and "confirmation" in body["detail"]
    device.refresh_from_db()
    assert device.model == "IdeaPad 5 14" and not HardwareReport.objects.exists()
    pending = PendingHardwareReport.objects.get()
    assert pending.device == device and pending.status == "pending"
    page = tech_client.get(device.get_absolute_url()).content.decode()
    assert "IdeaPad 5 14" in page and "ThinkPad T480" in page  # the difference is shown
    url = reverse("inventory:hardware_pending_decide", args=[pending.pk])
    assert url in page
    response = tech_client.post(url, {"decision": "confirm"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.model == "ThinkPad T480" and device.cpu
    pending.refresh_from_db()
    assert pending.status == "confirmed" and pending.decided_by == technician
    assert HardwareReport.objects.get().device == device
    # Deciding twice changes nothing and says why.
    response = tech_client.post(url, {"decision": "confirm"}, follow=True)
    assert "déjà" in response.content.decode()
    assert HardwareReport.objects.count() == 1


def test_report_that_would_change_the_drive_count_is_held_then_rejected(
    machine, batch, tech_client
):
    device = make_device(
        batch,
        manufacturer="Dell",
        model="OptiPlex 7010",
        serial_number="4K2J8Y1",
        drives=[{"capacity_gb": 500, "kind": "hdd"}],
    )
    response = post(machine, sample("lshw_optiplex_7010.json"))  # two disks
    assert response.status_code == 202, response.content
    assert device.drives.count() == 1
    pending = PendingHardwareReport.objects.get()
    response = tech_client.post(
        reverse("inventory:hardware_pending_decide", args=[pending.pk]), {"decision": "reject"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "rejected"
    device.refresh_from_db()
    assert device.drives.count() == 1 and not device.cpu
    assert not HardwareReport.objects.exists()


def test_report_of_another_make_on_the_same_system_serial_is_held(machine, batch):
    device = make_device(batch, manufacturer="Dell", model="", serial_number="PF1A2B3C")
    response = post(machine, sample("lshw_thinkpad_t480.json"), batch=batch.pk)
    assert response.status_code == 202
    device.refresh_from_db()
    assert device.manufacturer == "Dell" and Device.objects.count() == 1


def test_bad_decision_writes_nothing(machine, batch, tech_client):
    make_device(batch, manufacturer="Lenovo", model="IdeaPad 5 14", serial_number="PF1A2B3C")
    post(machine, sample("lshw_thinkpad_t480.json"))
    pending = PendingHardwareReport.objects.get()
    url = reverse("inventory:hardware_pending_decide", args=[pending.pk])
    response = tech_client.post(url, {"decision": "whatever"})
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending" and not HardwareReport.objects.exists()


def test_other_workshop_cannot_decide(machine, batch, client, other_technician):
    make_device(batch, manufacturer="Lenovo", model="IdeaPad 5 14", serial_number="PF1A2B3C")
    post(machine, sample("lshw_thinkpad_t480.json"))
    pending = PendingHardwareReport.objects.get()
    client.force_login(other_technician)
    url = reverse("inventory:hardware_pending_decide", args=[pending.pk])
    assert client.post(url, {"decision": "confirm"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_reingesting_without_smartctl_keeps_the_smart_results(machine, batch):
    lshw = sample("lshw_thinkpad_t480.json")
    smart = sample("smartctl_nvme.json")
    assert post(machine, lshw, smartctl=[smart], batch=batch.pk).status_code == 201
    drive = StorageDrive.objects.get()
    assert drive.smart_passed is True and drive.power_on_hours
    response = post(machine, lshw)
    assert response.status_code == 200, response.content
    again = StorageDrive.objects.get()
    assert again.pk == drive.pk
    assert (again.smart_passed, again.power_on_hours) == (True, drive.power_on_hours)


def test_reingesting_after_diagnosis_keeps_drives_and_fills_only_blanks(machine, batch, technician):
    lshw = sample("lshw_thinkpad_t480.json")
    assert post(machine, lshw, batch=batch.pk).status_code == 201
    device = Device.objects.get()
    walk_to(device, S.ERASED, technician)
    drive = device.drives.get()
    response = post(machine, lshw, smartctl=[sample("smartctl_nvme.json")])
    assert response.status_code == 200, response.content
    again = device.drives.get()
    assert again.pk == drive.pk and again.smart_passed is True


def test_command_prints_a_held_report(batch, technician):
    make_device(batch, manufacturer="Lenovo", model="IdeaPad 5 14", serial_number="PF1A2B3C")
    out = io.StringIO()
    call_command(
        "ingest_hardware",
        str(SAMPLES / "lshw_thinkpad_t480.json"),
        "--user",
        technician.username,
        stdout=out,
    )
    assert "held" in out.getvalue() and "IdeaPad 5 14" in out.getvalue()
    assert PendingHardwareReport.objects.count() == 1
