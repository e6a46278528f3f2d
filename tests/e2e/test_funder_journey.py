"""A funder logs in, picks a period and downloads the PDF report."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from tests.factories import OrganisationFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_funder_downloads_the_pdf(live_server, browser_page):
    funder = OrganisationFactory(name="Département", kind=OrganisationKind.FUNDER)
    from beneficiaries.models import FundingProgramme

    FundingProgramme.objects.create(funder=funder, name="Inclusion 2026")
    member(funder, Role.READER, username="dep")
    page, base = browser_page, live_server.url
    page.goto(f"{base}/connexion/")
    page.locator("#id_username").fill("dep")
    page.locator("#id_password").fill("pass-1234!")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name="Rapports financeurs").click()
    today = timezone.localdate()
    page.locator("#id_date_from").fill((today - datetime.timedelta(days=90)).isoformat())
    page.locator("#id_date_to").fill(today.isoformat())
    page.locator("#funder-filters button").click()
    page.locator("#figures").wait_for()
    page.get_by_role("button", name="Télécharger le PDF").click()
    link = page.locator("#download")
    link.wait_for()
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "Rapport financeur" in text
