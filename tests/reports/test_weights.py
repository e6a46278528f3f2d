"""Tonnes reused and recycled: the totals against the data the test builds, in one query, and
as the stock and donor reports show them (screen, PDF, XLSX)."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceTypeWeight
from reconditioning.demo import walk_to
from reconditioning.lifecycle import device_transition
from reports.models import ReportJob
from reports.weights import weight_totals
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


def handed_over(device, user, *, returned=False):
    walk_to(device, S.READY, user)
    steps = [S.RESERVED, S.ALLOCATED] + ([S.RETURNED] if returned else [])
    for step in steps:
        device_transition(device=device, to_status=step, user=user, allow_order_steps=True)
    return device


@pytest.fixture
def weighed(workshop, technician, other_workshop):
    """Reused: a laptop weighed 1,5 kg, a laptop at the default 2 kg, a desktop given back
    (default 8 kg); recycled: a monitor whose scrap record says 2,3 kg; a ready tablet and
    another workshop's handed-over laptop, not counted."""
    account = OrganisationFactory(name="Mairie de Puteaux", kind=OrganisationKind.DONOR)
    donor = DonorFactory(workshop=workshop, organisation=account, name="Mairie de Puteaux")
    batch = make_batch(workshop, donor=donor)
    handed_over(make_device(batch, weight_kg=Decimal("1.5")), technician)
    handed_over(make_device(batch), technician)
    desktop = make_device(batch, device_type="desktop", model="OptiPlex")
    handed_over(desktop, technician, returned=True)
    walk_to(make_device(batch, device_type="monitor", model="P2419H"), S.SCRAPPED, technician)
    walk_to(make_device(batch, device_type="tablet", model="iPad"), S.READY, technician)
    elsewhere = member(other_workshop, Role.TECHNICIAN, username="tech-else")
    handed_over(make_device(make_batch(other_workshop), serial_number="ELSEWHERE"), elsewhere)
    reader = member(account, Role.READER, username="donor-reader")
    return {"batch": batch, "donor": donor, "reader": reader}


def test_totals_against_the_data(weighed, technician):
    totals = weight_totals(Device.objects.visible_to(technician))
    assert totals["reused_kg"] == Decimal("11.50")  # 1,5 + 2 + 8
    assert totals["recycled_kg"] == Decimal("2.30")  # the scrap record's weight
    assert (totals["reused"], totals["recycled"], totals["unweighed"]) == (3, 1, 0)
    assert totals["reused_t"] == "0,012\xa0t" and totals["recycled_t"] == "0,002\xa0t"


def test_the_type_default_counts_unless_the_device_was_weighed(weighed, technician):
    DeviceTypeWeight.objects.filter(device_type="laptop").update(weight_kg=Decimal("2.5"))
    totals = weight_totals(Device.objects.visible_to(technician))
    assert totals["reused_kg"] == Decimal("12.00")  # 1,5 (weighed) + 2,5 + 8


def test_a_type_without_default_is_counted_as_unweighed(weighed, technician):
    DeviceTypeWeight.objects.filter(device_type="desktop").delete()
    totals = weight_totals(Device.objects.visible_to(technician))
    assert totals["reused_kg"] == Decimal("3.50") and totals["unweighed"] == 1


def test_empty_set():
    totals = weight_totals(Device.objects.none())
    assert totals["reused_kg"] == Decimal("0.00") and totals["reused_t"] == "0,00\xa0t"


def test_one_query(weighed, technician, django_assert_num_queries):
    devices = Device.objects.filter(workshop_id__in=technician.workshop_ids())
    with django_assert_num_queries(1):
        weight_totals(devices)


def test_stock_report_screen(tech_client, weighed):
    page = tech_client.get(reverse("inventory:stock_report")).content.decode()
    assert "0,012\xa0t" in page and "0,002\xa0t" in page
    assert "poids réemployé" in page and "poids recyclé" in page


def _job_file(client, fmt, callbacks):
    with callbacks(execute=True):
        client.post(reverse("inventory:stock_report_request"), {"fmt": fmt})
    job = ReportJob.objects.get()
    download = client.get(reverse("inventory:report_job_file", args=[job.pk]))
    return b"".join(download.streaming_content)


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_stock_report_pdf(tech_client, weighed, django_capture_on_commit_callbacks):
    text = pdf_text(_job_file(tech_client, "pdf", django_capture_on_commit_callbacks))
    assert "0,012 t" in text.replace("\xa0", " ") and "poids réemployé" in text


def test_stock_report_xlsx(tech_client, weighed, django_capture_on_commit_callbacks):
    content = _job_file(tech_client, "xlsx", django_capture_on_commit_callbacks)
    summary = {r[0].value: r[1].value for r in openpyxl.load_workbook(io.BytesIO(content)).active}
    assert summary["Poids réemployé (kg)"] == 11.5
    assert summary["Poids recyclé (kg)"] == 2.3


def test_donor_batch_report(client, weighed):
    client.force_login(weighed["reader"])
    url = reverse("inventory:batch_donor_report", args=[weighed["batch"].pk])
    response = client.get(url)
    assert response.status_code == 200
    text = pdf_text(response.content).replace("\xa0", " ")
    assert "Poids réemployé 0,012 t" in text and "Poids recyclé 0,002 t" in text


def test_donor_year_report(client, weighed, workshop, technician):
    # A second batch of the same year adds to the year's total.
    second = make_batch(workshop, donor=weighed["donor"])
    handed_over(make_device(second, weight_kg=Decimal("148.5")), technician)
    client.force_login(weighed["reader"])
    year = weighed["batch"].collected_on.year
    url = reverse("inventory:donor_year_report", args=[weighed["donor"].pk, year])
    response = client.get(url)
    assert response.status_code == 200
    text = pdf_text(response.content).replace("\xa0", " ")
    assert f"{second.reference} 02/11/2026 1 1 1 0 0,0 0,149 t 0,00 t" in text
    # 11,5 + 148,5 = 160 kg reused in the year, 2,3 kg recycled
    assert "Total 6 5 4 1 2,3 0,16 t 0,002 t" in text
    assert "Poids\nréemployé" in text
