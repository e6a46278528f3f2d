"""A technician logs in, opens a batch, scans three serials, prints a label and sees the
devices listed, in a real Chromium."""

import os
from pathlib import Path

import pytest

from inventory.models import Device
from tests.factories import make_batch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_technician_intake_journey(live_server, browser_page, workshop, technician):
    batch = make_batch(workshop, user=technician, declared_quantity=3)
    page = browser_page
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("tech")
    page.get_by_label("Mot de passe").fill("pass-1234!")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="Lots").first.click()
    page.get_by_role("link", name=batch.reference).click()
    page.get_by_role("link", name="Scanner des appareils").click()

    page.get_by_label("Type").select_option("laptop")
    page.get_by_label("Fabricant").fill("Lenovo")
    page.get_by_label("Modèle").fill("ThinkPad T480")
    serial = page.get_by_label("Numéro de série")
    for n, value in enumerate(["PF1E2E01", "PF1E2E02", "PF1E2E03"], start=1):
        serial = page.get_by_label("Numéro de série")
        serial.fill(value)
        serial.press("Enter")  # what a barcode scanner sends
        page.locator("#recent tbody tr", has_text=value).wait_for()
        page.get_by_text(f"{n} appareil").first.wait_for()
        # the next scan needs no click: the serial field is focused and empty again
        assert page.evaluate("document.activeElement.name") == "serial_number"
        assert page.get_by_label("Modèle").input_value() == "ThinkPad T480"

    assert Device.objects.filter(batch=batch).count() == 3
    if os.environ.get("FILIERE_SCREENSHOTS"):
        page.screenshot(
            path=str(Path(os.environ["FILIERE_SCREENSHOTS"]) / "intake.png"), full_page=True
        )

    label_link = page.get_by_role("link", name="Imprimer son étiquette")
    href = label_link.get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(f"{live_server.url}{batch.get_absolute_url()}")
    rows = page.locator("#devices tbody tr")
    assert rows.count() == 3
    for value in ["PF1E2E01", "PF1E2E02", "PF1E2E03"]:
        assert page.locator("#devices", has_text=value).count() == 1
