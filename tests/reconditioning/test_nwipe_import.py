"""An nwipe log fills the erasure records of the drives it names, or nothing."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inventory.enums import DeviceStatus as S
from reconditioning import services
from reconditioning.demo import take_step
from reconditioning.models import ErasureRecord
from reconditioning.nwipe import parse_nwipe_log
from tests.factories import make_device
from tests.reconditioning.logtools import dated_in_cycle

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "nwipe_samples"


def sample_with_drives():
    for path in sorted(SAMPLES.glob("*.log")):
        try:
            log = parse_nwipe_log(path.read_bytes())
        except Exception:
            continue
        good = [d for d in log.drives if d.serial and d.result == "passed"]
        if good and all(d.serial for d in log.drives):
            return path, log
    pytest.skip("no sample with identified drives")


def test_log_fills_records_and_erases_the_device(batch, technician):
    path, log = sample_with_drives()
    device = make_device(
        batch,
        drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": d.serial} for d in log.drives],
    )
    take_step(device, S.DIAGNOSED, technician)
    records = services.nwipe_log_import(
        devices=[device], content=dated_in_cycle([device], path.read_bytes()), user=technician
    )
    assert len(records) == len(log.drives)
    assert {r.media_serial for r in records} == {d.serial.upper() for d in log.drives}
    assert all(r.tool == "nwipe" and r.source == "nwipe" for r in records)
    device.refresh_from_db()
    expected = S.ERASED if all(d.result == "passed" for d in log.drives) else S.DIAGNOSED
    assert device.status == expected


def test_log_with_nul_bytes_is_recorded_without_them(batch, technician):
    """A log copied from a pulled USB stick carries NUL bytes, which PostgreSQL text refuses."""
    path, log = sample_with_drives()
    device = make_device(
        batch,
        drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": d.serial} for d in log.drives],
    )
    take_step(device, S.DIAGNOSED, technician)
    lines = dated_in_cycle([device], path.read_bytes()).split(b"\n")
    content = b"\n".join([lines[0] + b"\x00\x00", *lines[1:]]) + b"\x00" * 64
    records = services.nwipe_log_import(devices=[device], content=content, user=technician)
    assert len(records) == len(log.drives)
    assert all("\x00" not in r.log_excerpt and r.log_excerpt for r in records)


def test_unknown_drive_records_nothing(batch, technician):
    path, _log = sample_with_drives()
    device = make_device(
        batch, drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": "NOT-IN-LOG"}]
    )
    take_step(device, S.DIAGNOSED, technician)
    with pytest.raises(ValidationError):
        services.nwipe_log_import(devices=[device], content=path.read_bytes(), user=technician)
    assert ErasureRecord.objects.count() == 0


def test_upload_screen_reports_a_bad_file(tech_client, batch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    device = make_device(batch)
    response = tech_client.post(
        reverse("reconditioning:device_nwipe", args=[device.pk]),
        {"log": SimpleUploadedFile("x.log", b"hello world\n")},
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert ErasureRecord.objects.count() == 0
