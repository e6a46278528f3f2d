"""The device list's CSV and XLSX exports are read by French spreadsheets: numbers are numbers
(an XLSX cell "8192" as text cannot be summed), memory is in GB as the screens say it, dates are
day first in local time, and a file exported can be imported again with the same figures."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.importing import analyse_file
from inventory.models import Device
from tests.factories import make_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(batch):
    make_device(
        batch,
        serial_number="EXP-1",
        ram_mb=8192,
        battery_health_pct=87,
        screen_size_in=Decimal("14.0"),
        weight_kg=Decimal("1.58"),
    )
    make_device(batch, serial_number="EXP-2", ram_mb=1536, device_type="tablet")
    make_device(batch, serial_number="EXP-3", model="=cmd|' /C calc'!A0")
    # Logged at 23:30 UTC on 3 December: already 4 December in Paris.
    Device.objects.filter(serial_number="EXP-1").update(
        created_at=datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)
    )
    return batch


def export(client, batch, fmt):
    r = client.get(f"{reverse('inventory:device_list')}?batch={batch.pk}&export={fmt}")
    assert r.status_code == 200
    return r.content


def csv_rows(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_csv_says_memory_in_gb_with_french_decimals_and_dates(tech_client, exported):
    rows = csv_rows(export(tech_client, exported, "csv"))
    header, by_serial = rows[0], {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert "Mémoire vive (Go)" in header and "Mémoire vive (Mo)" not in header
    first = by_serial["EXP-1"]
    assert first["Mémoire vive (Go)"] == "8"
    assert by_serial["EXP-2"]["Mémoire vive (Go)"] == "1,5"
    assert first["Poids (kg)"] == "1,58" and first["Écran (pouces)"] == "14,0"
    assert first["Santé de la batterie (%)"] == "87"
    assert first["Enregistré"] == "04/12/2026 00:30"  # Paris time, day first
    assert by_serial["EXP-3"]["Modèle"].startswith("'=")  # a formula stays text


def test_xlsx_cells_are_numbers_and_dates(tech_client, exported):
    sheet = openpyxl.load_workbook(io.BytesIO(export(tech_client, exported, "xlsx"))).active
    header = [c.value for c in sheet[1]]
    rows = {row[1].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    first = rows["EXP-1"]
    assert first["Mémoire vive (Go)"].value == 8
    assert rows["EXP-2"]["Mémoire vive (Go)"].value == 1.5
    assert first["Santé de la batterie (%)"].value == 87
    assert first["Poids (kg)"].value == pytest.approx(1.58)
    logged = first["Enregistré"]
    assert logged.value == datetime.datetime(2026, 12, 4, 0, 30)
    assert logged.number_format == "dd/mm/yyyy hh:mm"
    assert rows["EXP-3"]["Modèle"].value.startswith("'=")
    assert first["Type"].value == "Ordinateur portable" and first["Statut"].value == "Reçu"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_with_the_same_memory(tech_client, exported, workshop, fmt):
    """The columns the export writes are the ones the importer reads: the same devices again
    (as another batch would bring them) give the same memory, type and screen."""
    content = export(tech_client, exported, fmt)
    analysis = analyse_file(content, f"appareils.{fmt}")
    assert not [e for e in analysis.errors if e.line is None], analysis.errors
    specs = {s.serial_number: s for s in analysis.specs}
    assert specs["EXP-1"].ram_mb == 8192 and specs["EXP-2"].ram_mb == 1536
    assert specs["EXP-1"].screen_size_in == Decimal("14.0")
    assert specs["EXP-2"].device_type == "tablet"


def test_export_reads_a_bounded_number_of_queries(
    tech_client, exported, django_assert_max_num_queries
):
    for i in range(20):
        make_device(exported, serial_number=f"MORE-{i}")
    with django_assert_max_num_queries(12):
        assert csv_rows(export(tech_client, exported, "csv"))[1:]


def test_aware_times_are_local_in_every_csv():
    from core.exports import csv_bytes

    moment = timezone.make_aware(datetime.datetime(2026, 7, 1, 9, 5), datetime.UTC)
    text = csv_bytes([["a", moment, datetime.date(2026, 12, 3)]]).decode("utf-8-sig")
    assert text.strip() == "a;01/07/2026 11:05;03/12/2026"  # summer time in Paris


def test_the_back_office_export_says_gb_under_its_gb_header(batch):
    from inventory.resources import HEADERS, DeviceResource

    make_device(batch, serial_number="ADM-1", ram_mb=8192)
    dataset = DeviceResource().export(Device.objects.all())
    column = dataset.headers.index(str(HEADERS["ram_mb"]))
    assert str(HEADERS["ram_mb"]) == "Mémoire vive (Go)"
    assert [str(row[column]) for row in dataset] == ["8"]


def test_the_back_office_export_reads_drives_with_the_rows(batch):
    """The admin's export read each device's drives (and batch) with a query per device."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.resources import DeviceResource

    disk = [{"capacity_gb": 256, "kind": "ssd"}]

    def export_queries():
        with CaptureQueriesContext(connection) as ctx:
            dataset = DeviceResource().export(Device.objects.all())
        return len(ctx.captured_queries), dataset

    make_device(batch, drives=disk)
    few, _ = export_queries()
    for _ in range(10):
        make_device(batch, drives=disk + [{"capacity_gb": 1000, "kind": "hdd"}])
    many, dataset = export_queries()
    assert many == few
    column = dataset.headers.index("Stockage")
    cells = sorted(str(row[column]) for row in dataset)
    assert cells == ["256 Go SSD"] + ["256 Go SSD + 1 To Disque dur (HDD)"] * 10
