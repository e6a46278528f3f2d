"""Bad uploads are refused with a message a person understands, before anything is stored:
too large, the wrong type whatever the name says, zip bombs, billion laughs."""

import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from beneficiaries.models import Structure
from inventory.importing import analyse_file
from inventory.models import Device, DeviceEvent, HardwareReport, ImportJob, StorageDrive
from inventory.spreadsheet import readers as spreadsheet
from reconditioning.models import ErasureRecord
from tests.factories import make_device
from tests.security.upload_files import (
    HARDWARE_SAMPLES,
    MEDNUM_SAMPLES,
    NWIPE_SAMPLES,
    PNG_HEADER,
    SPREADSHEET_SAMPLES,
    XLSX_SAMPLE,
    billion_laughs_xlsx,
    ods_file,
    plain_zip,
    zip_bomb_xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are checked in English (their French text is in the catalogue).
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def counts():
    return (
        Device.objects.count(),
        StorageDrive.objects.count(),
        DeviceEvent.objects.count(),
        ImportJob.objects.count(),
        HardwareReport.objects.count(),
    )


def upload_spreadsheet(client, batch, content, name):
    return client.post(
        reverse("inventory:batch_import", args=[batch.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def form_errors(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["form"].errors.get("file", []))


# --- spreadsheets ---------------------------------------------------------------------------


def test_spreadsheet_limit_is_twenty_megabytes(settings):
    assert settings.SPREADSHEET_UPLOAD_MAX_BYTES == 20 * 1024 * 1024
    assert settings.HARDWARE_REPORT_MAX_BYTES == 2 * 1024 * 1024


def test_spreadsheet_over_the_limit_is_refused_in_french_before_a_job_exists(
    tech_client, batch, settings
):
    content = (SPREADSHEET_SAMPLES / "donor_english.csv").read_bytes()
    settings.SPREADSHEET_UPLOAD_MAX_BYTES = len(content) - 1
    before = counts()
    response = upload_spreadsheet(tech_client, batch, content, "donateur.csv")
    assert "The file is too large" in form_errors(response)
    assert "the limit is" in form_errors(response)
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PNG_HEADER * 4, "inventaire.csv", "not a spreadsheet"),
        (PNG_HEADER * 4, "inventaire.xlsx", "could not be opened as an Excel workbook"),
        (b"%PDF-1.7\n" + b"\x00\x01" * 400, "inventaire.csv", "not a spreadsheet"),
        (plain_zip(), "inventaire.xlsx", "zip archive, not an Excel workbook"),
        (plain_zip(), "inventaire.csv", "zip archive, not an Excel workbook"),
        (ods_file(), "inventaire.xlsx", "Files of type .ods cannot be read"),
        (b"PK\x03\x04" + b"\x00" * 200, "inventaire.xlsx", "could not be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "x.xlsx", "old Excel format"),
    ],
)
def test_type_is_judged_on_content_not_name(tech_client, batch, content, name, message):
    before = counts()
    response = upload_spreadsheet(tech_client, batch, content, name)
    with pytest.raises(spreadsheet.SpreadsheetError) as refused:
        spreadsheet.check_content(content, name)
    assert message in str(refused.value)
    assert form_errors(response)  # the form says why, in the user's language
    assert counts() == before


def test_zip_bomb_is_refused_before_openpyxl_opens_it(tech_client, batch, monkeypatch):
    bomb = zip_bomb_xlsx(inflated_mb=100)
    assert len(bomb) < 200_000  # 0.2 MB on the wire, 100 MB once inflated
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    before = counts()
    response = upload_spreadsheet(tech_client, batch, bomb, "inventaire.xlsx")
    assert "zip bomb" in form_errors(response)
    assert counts() == before
    # The Celery job and the import command go through read_sheet: refused there too.
    analysis = analyse_file(bomb, "inventaire.xlsx")
    assert not analysis.specs and "zip" in analysis.errors[0].message
    assert opened == []


def test_workbook_inflating_past_the_total_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheet, "XLSX_MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(spreadsheet.SpreadsheetError, match="zip bomb"):
        spreadsheet.read_sheet(XLSX_SAMPLE.read_bytes(), "donateur.xlsx")


def test_real_workbook_passes_the_archive_checks(tech_client, batch):
    response = upload_spreadsheet(tech_client, batch, XLSX_SAMPLE.read_bytes(), "don.xlsx")
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


def test_billion_laughs_is_refused_with_a_clear_message(tech_client, batch):
    before = counts()
    response = upload_spreadsheet(tech_client, batch, billion_laughs_xlsx(), "inventaire.xlsx")
    assert "XML entity declarations" in form_errors(response)
    assert counts() == before


def test_defusedxml_refuses_entities_the_pre_scan_cannot_see():
    """A DTD pushed past the 64 KB the pre-scan reads is still refused, by defusedxml."""
    assert openpyxl.DEFUSEDXML is True
    padded = billion_laughs_xlsx(padding=100_000)
    spreadsheet.check_xlsx_archive(padded)  # the cheap scan does not see it...
    with pytest.raises(spreadsheet.SpreadsheetError, match="XML entity declarations"):
        spreadsheet.read_sheet(padded, "inventaire.xlsx")  # ...openpyxl + defusedxml do


def test_importer_refuses_when_defusedxml_is_switched_off(monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(spreadsheet.SpreadsheetError):
        spreadsheet.read_sheet(XLSX_SAMPLE.read_bytes(), "donateur.xlsx")


def test_binary_csv_refused_but_stray_nul_bytes_tolerated():
    with pytest.raises(spreadsheet.SpreadsheetError, match="not a spreadsheet"):
        spreadsheet.check_content(b"Serial;Brand\n" + b"\x00" * 200, "x.csv")
    # A truncated export ending in a few NULs still reads (the NULs are dropped).
    sheet = spreadsheet.read_sheet(b"Serial;Brand\nS1;HP\n\x00\x00\x00", "x.csv")
    assert sheet.rows[0].values["manufacturer"] == "HP"


# --- hardware reports (API) -----------------------------------------------------------------


def test_hardware_report_over_two_megabytes_is_413_and_writes_nothing(machine, batch):
    lshw = json.loads((HARDWARE_SAMPLES / "lshw_thinkpad_t480.json").read_text())
    lshw["padding"] = "x" * (2 * 1024 * 1024)
    before = counts()
    response = machine.post(
        "/api/hardware-reports/", {"lshw": lshw, "batch": batch.pk}, format="json"
    )
    assert response.status_code == 413
    assert "the limit is 2.0\xa0MB" in response.json()["detail"]
    assert counts() == before


def test_hardware_report_just_under_the_limit_is_read(machine, batch):
    lshw = json.loads((HARDWARE_SAMPLES / "lshw_thinkpad_t480.json").read_text())
    lshw["padding"] = "x" * (1024 * 1024)
    response = machine.post(
        "/api/hardware-reports/", {"lshw": lshw, "batch": batch.pk}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"lshw=%7B%7D", "application/x-www-form-urlencoded", 415),
        (PNG_HEADER, "application/json", 400),
        (b'{"lshw": {"class": "system"', "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"lshw": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json", 400),
        (b'{"lshw": "\\u0000"}', "application/json", 400),
        (b'{"lshw": {}, "smartctl": "not a list"}', "application/json", 400),
        (b'{"lshw": {}, "battery": [1, 2]}', "application/json", 400),
    ],
)
def test_hardware_report_bad_bodies_are_4xx_and_write_nothing(
    machine, batch, body, content_type, status
):
    before = counts()
    response = machine.generic("POST", "/api/hardware-reports/", body, content_type=content_type)
    assert response.status_code == status, response.content
    assert response.json()  # a reason, never an empty body
    assert counts() == before


def test_hardware_command_refuses_a_file_over_the_limit(tmp_path, technician, settings, capsys):
    from django.core.management import CommandError, call_command

    settings.HARDWARE_REPORT_MAX_BYTES = 1000
    path = tmp_path / "big.json"
    path.write_bytes((HARDWARE_SAMPLES / "lshw_thinkpad_t480.json").read_bytes())
    before = counts()
    with pytest.raises(CommandError):
        call_command("ingest_hardware", str(path), user=technician.username)
    assert "too large" in capsys.readouterr().err
    assert counts() == before


# --- nwipe logs and LaMednum files ----------------------------------------------------------


def test_nwipe_log_over_the_limit_is_refused(tech_client, batch, settings):
    device = make_device(batch, drives=[{"capacity_gb": 500, "kind": "hdd"}])
    content = (NWIPE_SAMPLES / "nwipe_033_user_aborted.log").read_bytes()
    settings.NWIPE_LOG_MAX_BYTES = len(content) - 1
    response = tech_client.post(
        reverse("reconditioning:device_nwipe", args=[device.pk]),
        {"log": SimpleUploadedFile("nwipe.log", content)},
    )
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert ErasureRecord.objects.count() == 0


def test_nwipe_binary_file_is_refused(tech_client, batch):
    device = make_device(batch, drives=[{"capacity_gb": 500, "kind": "hdd"}])
    response = tech_client.post(
        reverse("reconditioning:device_nwipe", args=[device.pk]),
        {"log": SimpleUploadedFile("nwipe.log", PNG_HEADER * 10)},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert ErasureRecord.objects.count() == 0


def test_mednum_file_over_the_limit_is_refused(client, coordinator, settings):
    client.force_login(coordinator)
    content = (MEDNUM_SAMPLES / "lieux-mediation-numerique-92.csv").read_bytes()
    settings.MEDNUM_CSV_MAX_BYTES = len(content) - 1
    before = Structure.objects.count()
    response = client.post(
        reverse("beneficiaries:structure_import"),
        {"file": SimpleUploadedFile("lieux.csv", content)},
    )
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert Structure.objects.count() == before


@pytest.mark.parametrize("content", [billion_laughs_xlsx(), zip_bomb_xlsx(10), PNG_HEADER * 5])
def test_mednum_refuses_workbooks_and_binaries(client, coordinator, content):
    client.force_login(coordinator)
    before = Structure.objects.count()
    response = client.post(
        reverse("beneficiaries:structure_import"),
        {"file": SimpleUploadedFile("lieux.csv", content)},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Structure.objects.count() == before
