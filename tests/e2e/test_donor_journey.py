"""The donor company on the demo data, in a real Chromium: finds its batch and downloads the
erasure certificate of every medium the batch held."""

import io

import pytest
from pypdf import PdfReader

from inventory.models import CollectionBatch
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_donor_downloads_the_batch_certificate(live_server, browser_page, seeded):
    batch = CollectionBatch.objects.get(donor__name="Société Générale d'Équipement")
    page, base = browser_page, live_server.url
    login(page, base, "donateur")
    shot(page, "donateur-1-home")
    page.get_by_role("link", name=batch.reference).click()
    page.wait_for_url(f"{base}{batch.get_absolute_url()}")
    shot(page, "donateur-2-batch")
    link = page.get_by_role("link", name="Certificat d'effacement")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert batch.reference in text
    # only the devices erased so far are certified: one of the ready laptops' tags is there
    ready = batch.devices.filter(status="ready").first()
    assert ready.asset_tag in text
