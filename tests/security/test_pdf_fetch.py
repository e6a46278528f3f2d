"""PDFs: WeasyPrint fetches nothing but the project's static files and small inline images.

Real documents are rendered with donor, person, location names, models and notes full of
HTML, CSS and URLs: the text comes out printed as typed (escaped), and a recording fetcher
shows that nothing outside the allowed set was asked for, while the network and urllib are
booby-trapped so that any fetch attempt fails the test."""

import datetime
import io
import re
import socket
import urllib.request
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from beneficiaries import allocations, services
from beneficiaries.models import EligibilityCriterion, TrainingProgramme
from core import pdf
from inventory.enums import DeviceStatus as S
from inventory.labels import label_pdf, label_sheet_pdf
from reconditioning.demo import walk_to
from reports.certificates import batch_certificate_pdf, device_certificate_pdf
from reports.documents import handover_pdf, receipt_pdf
from reports.donor import (
    donation_receipt_pdf,
    donor_batch_report_pdf,
    donor_year_report_pdf,
)
from reports.funder import FunderFilters, funder_report_build, funder_report_pdf
from reports.stock import stock_report_build, stock_report_pdf
from tests.beneficiaries.conftest import train
from tests.factories import (
    DonorFactory,
    LocationFactory,
    OrganisationFactory,
    make_batch,
    make_device,
    member,
)

pytestmark = pytest.mark.django_db

EVIL = "evil.example"
DONOR = f'Mairie <img src="file:///etc/passwd"> <style>@import url(http://{EVIL}/d.css);</style>'
MODEL = f'Latitude <link rel="stylesheet" href="https://{EVIL}/m.css">'
MANUFACTURER = f"Dell <script>fetch('http://{EVIL}/s')</script>"
NOTES = f'<div style="background:url(http://{EVIL}/bg.png)">note</div>'
PERSON = f'Awa <iframe src="http://{EVIL}/p"></iframe>'
STRUCTURE = f"Centre <object data='ftp://{EVIL}/o'></object>"
LOCATION_ZONE = f"Étagère url(http://{EVIL}/l.png)"
LOCATION_SHELF = "<svg><image href='file:///etc/hosts'/>"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-"
    return squeeze("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def fetches(monkeypatch):
    """Every URL WeasyPrint asks for; any real fetch (urllib, socket) fails the test."""
    asked: list[str] = []
    original = pdf.url_fetcher

    def recording(url, *args, **kwargs):
        asked.append(url)
        return original(url, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError(f"a real fetch was attempted: {args[:1]}")

    monkeypatch.setattr(pdf, "url_fetcher", recording)
    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket.socket, "connect", forbidden)
    import weasyprint.urls

    monkeypatch.setattr(weasyprint.urls, "default_url_fetcher", forbidden)
    return asked


def assert_only_allowed(asked: list[str]) -> None:
    for url in asked:
        assert url.startswith(("data:image/svg+xml", "data:image/png")) or url.startswith(
            pdf.BASE_URL + "static/"
        ), url
        assert EVIL not in url and "file:" not in url


@pytest.fixture
def world(workshop, technician):
    donor = DonorFactory(workshop=workshop, name=DONOR, kind="company")
    location = LocationFactory(workshop=workshop, zone=LOCATION_ZONE, shelf=LOCATION_SHELF)
    batch = make_batch(workshop, donor=donor, user=technician)
    device = make_device(
        batch,
        user=technician,
        manufacturer=MANUFACTURER,
        model=MODEL,
        notes=NOTES,
        ram_mb=8192,
        serial_number="EVIL1",
        drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "D1"}],
    )
    device.location = location
    device.save(update_fields=["location"])
    return {"donor": donor, "batch": batch, "device": device}


def test_label_and_label_sheet(world, fetches):
    for data in (label_pdf(world["device"]), label_sheet_pdf([world["device"]])):
        text = pdf_text(data)
        assert squeeze(MANUFACTURER) + "Latitude<link" in text  # the title is cut to fit
    assert fetches and all(url.startswith("data:image/svg+xml") for url in fetches)  # QR code


def test_erasure_certificates(world, technician, fetches):
    device = walk_to(world["device"], S.ERASED, technician)
    text = pdf_text(device_certificate_pdf(device))
    assert squeeze('<img src="file:///etc/passwd">') in text  # printed, not loaded
    assert squeeze(f"@import url(http://{EVIL}/d.css);") in text
    text = pdf_text(batch_certificate_pdf(world["batch"], user=technician))
    assert squeeze('<img src="file:///etc/passwd">') in text
    assert_only_allowed(fetches)


def test_donor_documents(world, technician, fetches):
    walk_to(world["device"], S.READY, technician)
    batch = world["batch"]
    for data in (
        donor_batch_report_pdf(batch),
        donation_receipt_pdf(batch),
        donor_year_report_pdf(world["donor"], batch.collected_on.year, [batch]),
    ):
        assert squeeze('<img src="file:///etc/passwd">') in pdf_text(data)
    assert_only_allowed(fetches)


def test_stock_report(world, technician, fetches):
    text = pdf_text(stock_report_pdf(stock_report_build(user=technician)))
    assert squeeze("Étagère url(http://")[:18] in text
    assert_only_allowed(fetches)


def test_receipt_handover_and_funder_report(world, workshop, technician, fetches):
    structure = OrganisationFactory(name=STRUCTURE, kind=OrganisationKind.MEDIATION)
    mediator = member(structure, Role.STAFF, username="med")
    person = services.person_create(
        structure=structure,
        user=mediator,
        first_name=PERSON,
        last_name=f"<b>Traoré</b> url(https://{EVIL}/n)",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="26-44",
        situation="job_seeker",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )
    train(person, TrainingProgramme.objects.get(title="Premiers pas avec son équipement"), mediator)
    device = walk_to(world["device"], S.READY, technician)
    allocation = allocations.allocation_create(
        device=device, structure=structure, user=mediator, person=person
    )
    payment = allocations.payment_record(
        allocation=allocation, amount=Decimal("10"), method="cash", user=mediator
    )
    receipt = pdf_text(receipt_pdf(payment))
    handover = pdf_text(handover_pdf(allocation))
    for text in (receipt, handover):
        assert squeeze(f'<iframe src="http://{EVIL}/p">') in text
        assert squeeze("<object data=") in text
    assert squeeze(f'<link rel="stylesheet" href="https://{EVIL}/m.css">') in handover
    coordinator = member(
        OrganisationFactory(name="Coordination", kind=OrganisationKind.COORDINATION),
        Role.COORDINATOR,
        username="coord",
    )
    today = datetime.date.today()
    report = funder_report_build(
        user=coordinator,
        filters=FunderFilters(date_from=today - datetime.timedelta(days=365), date_to=today),
    )
    assert pdf_text(funder_report_pdf(report))
    assert_only_allowed(fetches)


# --- the fetcher itself, on markup that does reach WeasyPrint --------------------------------

HOSTILE_HTML = f"""<html><head>
<style>@import url(http://{EVIL}/a.css); body {{ background: url(https://{EVIL}/b.png) }}</style>
<link rel="stylesheet" href="file:///etc/passwd">
<style>@font-face {{ font-family: x; src: url(ftp://{EVIL}/f.ttf) }}</style>
</head><body>
<img src="file:///etc/passwd"><img src="http://{EVIL}/c.png"><img src="//{EVIL}/d.png">
<img src="data:text/html;base64,PHNjcmlwdD4="><img src="../../../../etc/passwd">
<img src="/static/../../config/settings.py"><img src="static/%2e%2e/%2e%2e/manage.py">
<div style="background-image: url('gopher://{EVIL}/e')">hostile</div>
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/%3E">
</body></html>"""


def test_markup_that_reaches_weasyprint_fetches_nothing_forbidden(fetches):
    text = pdf_text(pdf.html_to_pdf(HOSTILE_HTML))
    assert "hostile" in text
    assert len(fetches) >= 10  # WeasyPrint asked for each of them...
    allowed = [u for u in fetches if u.startswith("data:image/svg+xml")]
    assert len(allowed) == 1  # ...and only the small inline SVG was served


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"http://{EVIL}/x.png",
        f"https://{EVIL}/x.css",
        "https://pdf.filiere.invalid/media/imports/donor.xlsx",
        "https://pdf.filiere.invalid/static/../config/settings.py",
        "https://pdf.filiere.invalid/static/%2e%2e/manage.py",
        "https://pdf.filiere.invalid/static/nothing-here.css",
        "data:text/html,<script>alert(1)</script>",
        "data:image/svg+xml;base64," + "A" * (pdf.DATA_URI_MAX_BYTES * 2),
        "ftp://evil.example/x",
    ],
)
def test_fetcher_refuses(url):
    with pytest.raises(pdf.ForbiddenFetch):
        pdf.url_fetcher(url)


def test_fetcher_serves_the_project_static_files():
    found = pdf.url_fetcher(pdf.BASE_URL + "static/css/app.css")
    assert found["mime_type"] == "text/css" and found["string"]
    html = '<link rel="stylesheet" href="/static/css/app.css"><p>styled</p>'
    assert "styled" in pdf_text(pdf.html_to_pdf(html))


def test_static_script_is_not_served_to_documents():
    with pytest.raises(pdf.ForbiddenFetch):
        pdf.url_fetcher(pdf.BASE_URL + "static/js/app.js")
