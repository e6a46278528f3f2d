"""Hardware reports through the API (workshop machine token) and the ingest_hardware command."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import machine_token_create
from inventory.models import Device, HardwareReport, StorageDrive
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "hardware_samples"


def sample(name):
    return json.loads((SAMPLES / name).read_text())


def test_report_creates_device_in_batch(machine, batch):
    response = machine.post(
        "/api/hardware-reports/",
        {
            "lshw": sample("lshw_thinkpad_t480.json"),
            "smartctl": [sample("smartctl_nvme.json")],
            "battery": {"energy_full": 41000, "energy_full_design": 50000},
            "batch": batch.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    device = Device.objects.get()
    assert (device.serial_number, device.model, device.device_type) == (
        "PF1A2B3C",
        "ThinkPad T480",
        "laptop",
    )
    assert device.ram_mb == 16384 and device.battery_health_pct == 82
    drive = device.drives.get()
    assert drive.kind == "nvme" and drive.serial_number == "S41GNX0M123456"
    assert drive.smart_passed is True
    assert body["device"]["asset_tag"] == device.asset_tag
    assert HardwareReport.objects.get().device == device


def test_report_fills_existing_device_found_by_serial(machine, batch):
    device = make_device(
        batch,
        manufacturer="LENOVO",
        model="",
        serial_number="pf1a2b3c",
        notes="rayure capot",
        drives=[{"capacity_gb": 128, "kind": "other"}],
    )
    response = machine.post(
        "/api/hardware-reports/", {"lshw": sample("lshw_thinkpad_t480.json")}, format="json"
    )
    assert response.status_code == 200, response.content
    device.refresh_from_db()
    assert device.model == "ThinkPad T480" and device.cpu and device.notes == "rayure capot"
    assert [(d.kind, d.capacity_gb) for d in device.drives.all()] == [("nvme", 256)]
    assert Device.objects.count() == 1


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("lshw_*.json")))
def test_every_real_sample_is_accepted(machine, batch, name):
    response = machine.post(
        "/api/hardware-reports/", {"lshw": sample(name), "batch": batch.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Device.objects.count() == 1


@pytest.mark.parametrize(
    "name", sorted(p.name for p in SAMPLES.glob("broken_*.json") if "smartctl" not in p.name)
)
def test_unreadable_reports_get_a_clear_error_and_write_nothing(machine, batch, name):
    raw = (SAMPLES / name).read_bytes()
    try:
        lshw = json.loads(raw)
    except ValueError:
        lshw = raw.decode("latin-1")  # sent as a string: the service parses it
    payload = {"lshw": lshw, "batch": batch.pk}
    response = machine.post("/api/hardware-reports/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()
    assert Device.objects.count() == 0 and StorageDrive.objects.count() == 0
    assert HardwareReport.objects.count() == 0


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("broken_*.json")))
def test_unreadable_smartctl_keeps_the_lshw_part_and_says_so(machine, batch, name):
    raw = (SAMPLES / name).read_bytes()
    try:
        smart = json.loads(raw)
    except ValueError:
        smart = raw.decode("latin-1")
    payload = {
        "lshw": sample("lshw_thinkpad_t480.json"),
        "smartctl": [sample("smartctl_nvme.json"), smart],
        "batch": batch.pk,
    }
    response = machine.post("/api/hardware-reports/", payload, format="json")
    assert response.status_code == 201, response.content
    device = Device.objects.get()
    assert device.serial_number == "PF1A2B3C" and device.ram_mb == 16384
    assert device.drives.get().smart_passed is True  # the readable SMART report still counts
    warnings = response.json()["warnings"]
    unreadable = [
        w for w in warnings if w.startswith("Le rapport SMART 2 sur 2 n’a pas pu être lu")
    ]
    assert len(unreadable) == 1, warnings
    assert HardwareReport.objects.get().warnings == warnings


def test_unknown_device_without_batch_is_refused(machine):
    response = machine.post(
        "/api/hardware-reports/", {"lshw": sample("lshw_thinkpad_t480.json")}, format="json"
    )
    assert response.status_code == 400
    assert "PF1A2B3C" in response.json()["detail"]


def test_batch_of_another_workshop_is_refused(machine, other_workshop):
    theirs = make_batch(other_workshop)
    response = machine.post(
        "/api/hardware-reports/",
        {"lshw": sample("lshw_thinkpad_t480.json"), "batch": theirs.pk},
        format="json",
    )
    assert response.status_code == 400
    assert Device.objects.count() == 0


def test_device_of_another_workshop_is_not_touched(machine, other_workshop, batch):
    theirs = make_device(
        make_batch(other_workshop), manufacturer="LENOVO", serial_number="PF1A2B3C", model="old"
    )
    response = machine.post(
        "/api/hardware-reports/",
        {"lshw": sample("lshw_thinkpad_t480.json"), "batch": batch.pk},
        format="json",
    )
    assert response.status_code == 400  # the serial is taken: no second device
    theirs.refresh_from_db()
    assert theirs.model == "old"


def test_bad_or_revoked_token(batch, workshop):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert client.post("/api/hardware-reports/", {}, format="json").status_code == 401
    token, key = machine_token_create(workshop=workshop, label="x")
    from django.utils import timezone

    token.revoked_at = timezone.now()
    token.save()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/devices/").status_code == 401


def test_machine_token_is_stored_hashed(workshop):
    token, key = machine_token_create(workshop=workshop, label="x")
    assert key not in token.key_hash and len(token.key_hash) == 64


def test_openapi_schema_is_served(tech_client):
    response = tech_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "/api/hardware-reports/" in schema["paths"]
    assert "/api/devices/" in schema["paths"]


def test_api_device_list_query_count_is_fixed(tech_client, batch, django_assert_max_num_queries):
    for _ in range(3):
        make_device(batch)
    with django_assert_max_num_queries(10) as ctx:
        tech_client.get("/api/devices/")
    few = len(ctx.captured_queries)
    for _ in range(15):
        make_device(batch)
    with django_assert_max_num_queries(few):
        assert len(tech_client.get("/api/devices/").json()["results"]) == 18


def test_ingest_command(tmp_path, batch, technician):
    out = io.StringIO()
    call_command(
        "ingest_hardware",
        str(SAMPLES / "lshw_optiplex_7010.json"),
        str(SAMPLES / "lshw_eeepc_1005ha.json"),
        "--user",
        technician.username,
        "--batch",
        str(batch.pk),
        stdout=out,
    )
    assert Device.objects.count() == 2
    assert "created" in out.getvalue()


def test_ingest_command_reports_bad_files_and_keeps_good_ones(batch, technician):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "ingest_hardware",
            str(SAMPLES / "broken_truncated.json"),
            str(SAMPLES / "lshw_optiplex_7010.json"),
            "--user",
            technician.username,
            "--batch",
            str(batch.pk),
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "broken_truncated.json" in err.getvalue()
    assert Device.objects.count() == 1  # each report is all or nothing on its own


DMIDECODE_TEXT = (
    "# dmidecode 3.4\nHandle 0x000F, DMI type 1, 27 bytes\nSystem Information\n"
    "\tManufacturer: LENOVO\n\tProduct Name: 20L5CTO1WW\n\tVersion: ThinkPad T480\n"
    "\tSerial Number: PF1A2B3C\n\nHandle 0x0011, DMI type 3, 22 bytes\nChassis Information\n"
    "\tType: Notebook\n\nHandle 0x0012, DMI type 4, 48 bytes\nProcessor Information\n"
    "\tVersion: Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz\n\tStatus: Populated, Enabled\n\n"
    "Handle 0x0003, DMI type 17, 40 bytes\nMemory Device\n\tSize: 16 GB\n"
)


def test_dmidecode_text_sent_as_lshw_creates_the_device_and_says_drives_are_missing(machine, batch):
    response = machine.post(
        "/api/hardware-reports/", {"lshw": DMIDECODE_TEXT, "batch": batch.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    device = Device.objects.get()
    assert (device.serial_number, device.model, device.device_type, device.ram_mb) == (
        "PF1A2B3C",
        "ThinkPad T480",
        "laptop",
        16384,
    )
    assert device.drives.count() == 0
    assert any("dmidecode ne liste pas les disques" in w for w in response.json()["warnings"])
    assert HardwareReport.objects.get().lshw == {"raw": DMIDECODE_TEXT}  # kept as it came


def test_dmidecode_report_held_then_confirmed_is_read_again(machine, batch, tech_client):
    device = make_device(batch, manufacturer="Lenovo", model="IdeaPad 5", serial_number="PF1A2B3C")
    response = machine.post("/api/hardware-reports/", {"lshw": DMIDECODE_TEXT}, format="json")
    assert response.status_code == 202, response.content
    pending = device.pending_reports.get()
    response = tech_client.post(
        reverse("inventory:hardware_pending_decide", args=[pending.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.model == "ThinkPad T480" and device.ram_mb == 16384
