"""The funder on the demo data, in a real Chromium: picks a period, looks at the figures and
downloads the PDF report."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_funder_downloads_the_pdf(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "financeur")
    shot(page, "financeur-1-home")
    page.get_by_role("link", name="Rapports financeurs").click()
    today = timezone.localdate()
    # Whole periods only: the year, then a quarter or a month of it.
    page.locator("#id_year").select_option(str(today.year))
    page.locator("#id_part").select_option(f"Q{(today.month - 1) // 3 + 1}")
    page.locator("#funder-filters button").click()
    page.locator("#figures").wait_for()
    shot(page, "financeur-2-report")
    page.get_by_role("button", name="Télécharger le PDF").click()
    link = page.locator("#download")
    link.wait_for()
    page.axe.check(f"{page.url} when the file is ready")
    shot(page, "financeur-3-download")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "Rapport financeur" in text and today.strftime("%Y") in text

    # the accessibility statement, from the footer of any page
    page.locator("footer a[href='/accessibilite/']").click()
    page.wait_for_url(f"{base}/accessibilite/")
    assert page.locator("h1").count() == 1 and page.get_by_text("Défenseur des droits").count()
