"""The technician's morning on the demo data, in a real Chromium: a batch received by
scanning, its labels printed, then (see test_reconditioning_journey) devices taken to ready."""

import pytest

from inventory.models import CollectionBatch, Device
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_technician_intake_journey(live_server, browser_page, seeded):
    batch = CollectionBatch.objects.get(donor__name="Association Relais Numérique")
    before = batch.devices.count()
    page, base = browser_page, live_server.url
    login(page, base, "technicien")
    shot(page, "technicien-1-home")

    page.get_by_role("link", name="Lots").first.click()
    page.get_by_role("link", name=batch.reference).click()
    page.wait_for_url(f"{base}{batch.get_absolute_url()}")
    shot(page, "technicien-2-batch")
    page.get_by_role("link", name="Scanner des appareils").click()

    page.get_by_label("Type").select_option("laptop")
    page.get_by_label("Fabricant").fill("Lenovo")
    page.get_by_label("Modèle").fill("ThinkPad T480")
    serials = ["PF1E2E01", "PF1E2E02", "PF1E2E03"]
    for n, value in enumerate(serials, start=1):
        serial = page.get_by_label("Numéro de série")
        serial.fill(value)
        serial.press("Enter")  # what a barcode scanner sends
        page.locator("#recent tbody tr", has_text=value).wait_for()
        page.get_by_text(f"{before + n} appareil").first.wait_for()
        # the next scan needs no click: the serial field is focused and empty again
        assert page.evaluate("document.activeElement.name") == "serial_number"
        assert page.get_by_label("Modèle").input_value() == "ThinkPad T480"
    assert Device.objects.filter(batch=batch, serial_number__in=serials).count() == 3
    # the feedback the scans wrote into the page is checked too
    page.axe.check(f"{page.url} after three scans")
    shot(page, "technicien-3-intake")

    # the label of the last device scanned, then the whole batch's A4 sheet
    href = page.get_by_role("link", name="Imprimer son étiquette").get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(f"{base}{batch.get_absolute_url()}")
    for value in serials:
        assert page.locator("#devices", has_text=value).count() == 1
    sheet = page.get_by_role("link", name="Imprimer toutes les étiquettes (A4)")
    response = page.request.get(base + sheet.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    shot(page, "technicien-4-labels")
