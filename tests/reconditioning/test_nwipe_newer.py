"""nwipe 0.35–0.42: newer methods and the Erasure Summary table are read; an unknown method is
reported under its own name; `manage.py import_nwipe` imports a wipe station's logs."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from inventory.enums import DeviceStatus as S
from reconditioning import services
from reconditioning.demo import take_step
from reconditioning.models import ErasureRecord
from reconditioning.nwipe import nist_level, nwipe_method, parse_nwipe_log
from tests.factories import make_device
from tests.reconditioning.logtools import dated_in_cycle

SAMPLES = Path(__file__).parent / "nwipe_samples"
BRUCE7 = SAMPLES / "nwipe_040_bruce7_erasure_summary.log"  # WD-WX51A1234567, 28 Nov 2026
BMB21 = SAMPLES / "nwipe_042_bmb21_summary_only.log"  # X0KPC1ABCDE, 30 Nov 2026
UNKNOWN = SAMPLES / "nwipe_041_unknown_method.log"  # "Quantum Shuffle 4-Pass"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# ----------------------------------------------------------------------------- parsing


def test_bruce_schneier_7_pass_with_the_erasure_summary_table():
    log = parse_nwipe_log(BRUCE7.read_bytes())
    assert log.nwipe_version == "0.40"
    assert log.warnings == []
    (drive,) = log.drives
    assert (drive.serial, drive.method, drive.passes, drive.result) == (
        "WD-WX51A1234567",
        "Bruce Schneier 7-Pass",
        7,
        "passed",
    )
    assert (drive.started_at.isoformat(), drive.ended_at.isoformat()) == (
        "2026-11-28T09:10:04",
        "2026-11-28T16:41:37",
    )


def test_bmb21_from_the_erasure_summary_alone():
    """A log whose per-drive lines are missing: the Erasure Summary gives dates and result."""
    (drive,) = parse_nwipe_log(BMB21.read_bytes()).drives
    assert (drive.serial, drive.method, drive.passes, drive.result) == (
        "X0KPC1ABCDE",
        "BMB21-2019",
        6,
        "passed",
    )
    assert drive.started_at.isoformat() == "2026-11-30T14:03:02"
    assert drive.ended_at.isoformat() == "2026-11-30T15:11:45"


def test_erasure_summary_columns_are_read_by_their_names():
    text = BMB21.read_text()
    swapped = text.replace(
        "!   Device | Status | Method     | Start               | End                 |",
        "!   Device | Method     | End                 | Start               | Status |",
    ).replace(
        "   nvme0n1 | Erased | BMB21-2019 | 2026/11/30 14:03:02 | 2026/11/30 15:11:45 |",
        "   nvme0n1 | BMB21-2019 | 2026/11/30 15:11:45 | 2026/11/30 14:03:02 | Erased |",
    )
    assert swapped != text
    (drive,) = parse_nwipe_log(swapped).drives
    assert (drive.result, drive.started_at.hour, drive.ended_at.hour) == ("passed", 14, 15)


def test_newer_methods_have_a_nist_level_and_unknown_ones_none():
    assert nist_level("Bruce Schneier 7-Pass") == "clear"
    assert nist_level("bmb21-2019") == "clear"
    assert nist_level("Sanitize Crypto Erase (ATA/SCSI/NVMe)") == "purge"
    assert nwipe_method("Verify Zeros (0x00)").verify_only
    assert nwipe_method("Quantum Shuffle 4-Pass") is None
    assert nwipe_method("") is None


def test_unknown_method_is_reported_with_its_name():
    log = parse_nwipe_log(UNKNOWN.read_bytes())
    assert log.drives[0].method == "Quantum Shuffle 4-Pass"
    assert any("Quantum Shuffle 4-Pass" in w and "unknown" in w for w in log.warnings)


# ----------------------------------------------------------------------------- import


def laptop_for(batch, technician, serial, kind="hdd"):
    device = make_device(
        batch, user=technician, drives=[{"capacity_gb": 500, "kind": kind, "serial_number": serial}]
    )
    take_step(device, S.DIAGNOSED, technician)
    return device


@pytest.mark.django_db
def test_bruce7_log_erases_the_device(batch, technician):
    device = laptop_for(batch, technician, "WD-WX51A1234567")
    records = services.nwipe_log_import(
        devices=[device], content=dated_in_cycle([device], BRUCE7.read_bytes()), user=technician
    )
    (record,) = records
    assert (record.result, record.nist_level, record.sanitization, record.passes) == (
        "passed",
        "clear",
        "overwrite",
        7,
    )
    assert record.nist_revision == "2" and record.technique == "Bruce Schneier 7-Pass"
    device.refresh_from_db()
    assert device.status == S.ERASED


@pytest.mark.django_db
def test_unknown_method_is_refused_with_its_name_not_as_verification(batch, technician):
    device = laptop_for(batch, technician, "WD-WX51A1234567")
    with pytest.raises(ValidationError) as exc:
        services.nwipe_log_import(
            devices=[device],
            content=dated_in_cycle([device], UNKNOWN.read_bytes()),
            user=technician,
        )
    message = " ".join(exc.value.messages)
    assert "Quantum Shuffle 4-Pass" in message and "unknown" in message
    assert "Verification-only" not in message
    assert ErasureRecord.objects.count() == 0


# ----------------------------------------------------------------------------- the command


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("import_nwipe", *args, stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_imports_a_folder_of_logs(batch, technician, tmp_path):
    one = laptop_for(batch, technician, "WD-WX51A1234567")
    two = laptop_for(batch, technician, "X0KPC1ABCDE", kind="nvme")
    (tmp_path / "a.log").write_bytes(dated_in_cycle([one], BRUCE7.read_bytes()))
    (tmp_path / "b.log").write_bytes(dated_in_cycle([two], BMB21.read_bytes()))
    code, out, err = run(str(tmp_path / "a.log"), str(tmp_path / "b.log"), "--user", "tech")
    assert code == 0, err
    assert ErasureRecord.objects.count() == 2
    for device in (one, two):
        device.refresh_from_db()
        assert device.status == S.ERASED


@pytest.mark.django_db
def test_command_dry_run_writes_nothing_and_says_what_it_would_do(batch, technician, tmp_path):
    device = laptop_for(batch, technician, "WD-WX51A1234567")
    log = tmp_path / "a.log"
    log.write_bytes(dated_in_cycle([device], BRUCE7.read_bytes()))
    code, out, err = run(str(log), "--user", "tech", "--dry-run")
    assert code == 0, err
    assert ErasureRecord.objects.count() == 0
    device.refresh_from_db()
    assert device.status == S.DIAGNOSED
    for expected in ["WD-WX51A1234567", device.asset_tag, "Bruce Schneier 7-Pass", "Clear"]:
        assert expected in out, expected
    assert "would be accepted" in out
    assert "Passed" in out and "started" in out and "ended" in out


@pytest.mark.django_db
def test_command_dry_run_refuses_a_log_from_before_the_cycle(batch, technician, tmp_path):
    device = laptop_for(batch, technician, "WD-WX51A1234567")  # received today
    log = tmp_path / "old.log"
    log.write_bytes(BRUCE7.read_bytes().replace(b"2026/11/", b"2023/11/"))
    code, out, err = run(str(log), "--user", "tech", "--dry-run", "--device", device.asset_tag)
    assert code == 1
    assert "would be refused" in err and "2023" in err
    assert ErasureRecord.objects.count() == 0


@pytest.mark.django_db
def test_command_is_all_or_nothing_per_log_and_exits_1(batch, technician, tmp_path):
    good = laptop_for(batch, technician, "WD-WX51A1234567")
    (tmp_path / "good.log").write_bytes(dated_in_cycle([good], BRUCE7.read_bytes()))
    (tmp_path / "stranger.log").write_bytes(BMB21.read_bytes())  # no such drive here
    (tmp_path / "junk.log").write_bytes(b"hello\n")
    code, out, err = run(
        *(str(tmp_path / n) for n in ("good.log", "stranger.log", "junk.log")), "--user", "tech"
    )
    assert code == 1
    assert "X0KPC1ABCDE" in err and "junk.log" in err
    assert ErasureRecord.objects.count() == 1  # the good log only


@pytest.mark.django_db
def test_command_refuses_another_workshops_user(batch, technician, other_technician, tmp_path):
    device = laptop_for(batch, technician, "WD-WX51A1234567")
    log = tmp_path / "a.log"
    log.write_bytes(dated_in_cycle([device], BRUCE7.read_bytes()))
    code, _out, err = run(str(log), "--user", "tech-other")
    assert code == 1
    assert ErasureRecord.objects.count() == 0
