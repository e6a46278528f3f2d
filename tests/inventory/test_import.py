"""Donor spreadsheets: preview with errors, nothing written before confirmation, then all or
nothing; the same importer from the command line."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from inventory.enums import DeviceSource, ImportStatus
from inventory.models import Device, DeviceEvent, ImportJob, StorageDrive
from tests.factories import make_device

pytestmark = pytest.mark.django_db

MESSY_CSV = (
    "Inventaire matériel réformé — Mairie de Nanterre;;;;\r\n"
    ";;;;\r\n"
    "N° de série;Marque;Modèle;Type;Mémoire;Stockage;Date d'achat\r\n"
    "PF1AAA01;Lenovo;ThinkPad T480;PC portable;8 Go;256 Go SSD;15/03/2019\r\n"
    ";;;;\r\n"
    "PF1AAA02;Lenovo;ThinkPad T480;Portable;8GB;256 Go SSD + 1 To HDD;01/09/2019\r\n"
    "CZC123;HP;EliteDesk 800 G3;Unité centrale;16 Go;1 To;\r\n"
).encode("cp1252")

BAD_CSV = (
    b"Serial,Brand,Model,Type,RAM\n"
    b"S1,Dell,Latitude,laptop,8GB\n"
    b"S2,Dell,Latitude,toaster,8GB\n"
    b"S1,Dell,Latitude,laptop,lots\n"
)


def upload(client, batch, content, name):
    return client.post(
        reverse("inventory:batch_import", args=[batch.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_preview_then_confirm_imports_everything(
    tech_client, batch, technician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(tech_client, batch, MESSY_CSV, "inventaire.csv")
    job = ImportJob.objects.get()
    assert response.url == reverse("inventory:import_job", args=[job.pk])
    assert job.status == ImportStatus.PREVIEW and job.total_rows == 3
    assert Device.objects.count() == 0  # nothing before confirmation
    page = tech_client.get(response.url).content.decode()
    assert "PF1AAA02" in page and "Confirmer" in page
    with django_capture_on_commit_callbacks(execute=True):
        tech_client.post(
            reverse("inventory:import_job_confirm", args=[job.pk]), {"action": "confirm"}
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 3
    devices = {d.serial_number: d for d in Device.objects.all()}
    assert set(devices) == {"PF1AAA01", "PF1AAA02", "CZC123"}
    assert devices["PF1AAA02"].ram_mb == 8192
    assert sorted((d.capacity_gb, d.kind) for d in devices["PF1AAA02"].drives.all()) == [
        (256, "ssd"),
        (1000, "hdd"),
    ]
    assert devices["CZC123"].device_type == "desktop"
    assert str(devices["PF1AAA01"].purchase_date) == "2019-03-15"
    assert {d.source for d in devices.values()} == {DeviceSource.SPREADSHEET}
    assert DeviceEvent.objects.count() == 3
    assert all(d.created_by == technician for d in devices.values())


def test_errors_listed_with_line_column_message_and_nothing_written(
    tech_client, batch, django_capture_on_commit_callbacks
):
    make_device(batch, manufacturer="Dell", serial_number="S9")
    content = BAD_CSV + b"S9,Dell,Latitude,laptop,4GB\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(tech_client, batch, content, "bad.csv")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    errors = {(e["line"], e["column"]) for e in job.report["errors"]}
    assert (3, "Type") in errors  # toaster
    assert (4, "Serial") in errors  # S1 twice in the file
    assert (5, "Serial") in errors  # S9 already in the database
    page = tech_client.get(response.url).content.decode()
    assert "toaster" in page and "deux fois" in page and "déjà enregistré" in page
    assert "Confirmer" not in page
    assert Device.objects.count() == 1


def test_xlsx_with_title_row(tech_client, batch, django_capture_on_commit_callbacks):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Parc informatique 2026"])
    ws.append([])
    ws.append(["S/N", "Fabricant", "Modèle", "Catégorie", "RAM", "Disque"])
    ws.append(["X1", "Apple", "iPad 6", "Tablette", 2, "32 Go"])
    ws.append(["X2", "Samsung", "Galaxy A52", "Smartphone", "6 Go", "128 Go"])
    buffer = io.BytesIO()
    wb.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        upload(tech_client, batch, buffer.getvalue(), "parc.xlsx")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PREVIEW, job.report
    assert [p["line"] for p in job.report["preview"]] == [4, 5]


def test_formulas_that_cannot_be_read_refuse_the_file_by_line_and_column(
    tech_client, batch, django_capture_on_commit_callbacks
):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["N° de série", "Marque", "Modèle", "Type", "Mémoire"])
    ws.append(["X1", "Dell", "Latitude 5490", "PC portable", "8 Go"])
    ws.append(["X2", "Dell", "Latitude 5490", "PC portable", "=4*2"])  # saved by a script
    ws.append(['=CONCAT("X","3")'])
    buffer = io.BytesIO()
    wb.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(tech_client, batch, buffer.getvalue(), "parc.xlsx")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    errors = [(e["line"], e["column"]) for e in job.report["errors"]]
    assert errors == [(3, "Mémoire"), (4, "N° de série")]
    page = tech_client.get(response.url).content.decode()
    assert "Formule ignorée" in page and "=4*2" in page and "Confirmer" not in page
    assert Device.objects.count() == 0  # the good row X1 is not written either


def test_csv_cell_starting_like_a_formula_refuses_the_file(tmp_path, batch):
    content = (
        "Serial;Brand;Model;Type;RAM;Notes\n"
        "S1;Dell;Latitude;laptop;8GB;-12 rayures\n"
        "S2;Dell;Latitude;laptop;8GB;=SUM(A1:A3)\n"
        "S3;Dell;Latitude;laptop;8GB;+33 6 12 34 56 78\n"
        "S4;Dell;Latitude;laptop;=4*2;ok\n"
    )
    path = tmp_path / "f.csv"
    path.write_text(content)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_devices", str(path), "--batch", str(batch.pk), stderr=err)
    assert "line 3" in err.getvalue() and "=SUM(A1:A3)" in err.getvalue()
    assert "line 2" not in err.getvalue() and "line 4" not in err.getvalue()
    assert err.getvalue().count("line 5") == 1  # the formula, not also "not a memory size"
    assert Device.objects.count() == 0


def test_database_changed_between_preview_and_confirm(
    tech_client, batch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(tech_client, batch, MESSY_CSV, "inventaire.csv")
    job = ImportJob.objects.get()
    make_device(batch, manufacturer="Lenovo", serial_number="PF1AAA01")  # scanned meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        tech_client.post(
            reverse("inventory:import_job_confirm", args=[job.pk]), {"action": "confirm"}
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert Device.objects.count() == 1  # all or nothing


def test_cancel_writes_nothing(tech_client, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(tech_client, batch, MESSY_CSV, "inventaire.csv")
    job = ImportJob.objects.get()
    tech_client.post(reverse("inventory:import_job_confirm", args=[job.pk]), {"action": "cancel"})
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and Device.objects.count() == 0


def test_unreadable_file_gets_a_clear_message(
    tech_client, batch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(tech_client, batch, b"hello;world\n1;2\n", "x.csv")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert job.report["errors"][0]["message"]
    assert tech_client.get(response.url).status_code == 200


def test_templates_download(tech_client):
    csv = tech_client.get(reverse("inventory:import_template", args=["csv"]))
    assert csv.status_code == 200 and "Numéro de série" in csv.content.decode("utf-8-sig")
    xlsx = tech_client.get(reverse("inventory:import_template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "Numéro de série"


def test_progress_fragment_polls_while_running(tech_client, batch, technician):
    job = ImportJob.objects.create(
        workshop=batch.workshop,
        batch=batch,
        created_by=technician,
        original_name="big.csv",
        status=ImportStatus.IMPORTING,
        total_rows=1000,
        processed_rows=250,
    )
    body = tech_client.get(
        reverse("inventory:import_job", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="25"' in body


def test_command_imports_and_dry_run(tmp_path, batch):
    path = tmp_path / "inventaire.csv"
    path.write_bytes(MESSY_CSV)
    out = io.StringIO()
    call_command("import_devices", str(path), "--batch", str(batch.pk), "--dry-run", stdout=out)
    assert "3" in out.getvalue() and Device.objects.count() == 0
    call_command("import_devices", str(path), "--batch", str(batch.pk), stdout=out)
    assert Device.objects.count() == 3 and StorageDrive.objects.count() == 4


def test_command_fails_with_errors_and_writes_nothing(tmp_path, batch):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD_CSV)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_devices", str(path), "--batch", str(batch.pk), stderr=err)
    assert "line 3" in err.getvalue()
    assert Device.objects.count() == 0


def test_command_exit_status_is_non_zero(tmp_path, batch):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD_CSV)
    # CommandError from the command line exits with status 1
    with pytest.raises(SystemExit) as exc:
        from django.core.management import execute_from_command_line

        execute_from_command_line(
            ["manage.py", "import_devices", str(path), "--batch", str(batch.pk)]
        )
    assert exc.value.code == 1


def test_export_neutralises_formulas(tech_client, batch):
    make_device(batch, model='=HYPERLINK("http://x")', manufacturer="+cmd", notes="@SUM(1)")
    body = tech_client.get(reverse("inventory:device_list"), {"export": "csv"}).content
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+cmd" in text
    xlsx = tech_client.get(reverse("inventory:device_list"), {"export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_error_messages_follow_the_language_even_when_cached():
    from django.utils import translation

    from inventory.importing import analyse_file

    content = b"Serial,Brand,Type,RAM\nL1,Dell,laptop,huit\n"
    with translation.override("en"):
        english = analyse_file(content, "x.csv").errors[0].message
    with translation.override("fr"):
        french = analyse_file(content, "x.csv").errors[0].message
    assert english != french and "huit" in english and "huit" in french


def test_export_writes_the_keyboard_as_the_screens_name_it(tech_client, batch):
    """The CSV's Keyboard column read "azerty_fr", the stored key (persona walk)."""
    make_device(batch, keyboard_layout="azerty_fr")
    body = tech_client.get(reverse("inventory:device_list"), {"export": "csv"}).content
    text = body.decode("utf-8-sig")
    assert "AZERTY (français)" in text and "azerty_fr" not in text


def test_the_preview_shows_each_rows_errors_next_to_its_line(
    tech_client, batch, django_capture_on_commit_callbacks
):
    """After a dozen columns the « Erreurs » column was off screen (persona walk)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(tech_client, batch, BAD_CSV, "bad.csv")
    page = tech_client.get(response.url).content.decode()
    headers = page.split('id="preview"')[1].split("</thead>")[0]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", headers)[:2] == ["Ligne", "Erreurs"]
