"""A technician takes one device from received to ready in a real Chromium: diagnosis,
erasure, system, quality check; the device page then shows the whole history."""

import os
from pathlib import Path

import pytest

from inventory.enums import DeviceStatus as S
from inventory.models import Device
from tests.factories import make_batch, make_device

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base):
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill("tech")
    page.get_by_label("Mot de passe").fill("pass-1234!")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{base}/")


def test_device_from_received_to_ready(live_server, browser_page, workshop, technician):
    batch = make_batch(workshop, user=technician)
    device = make_device(
        batch,
        ram_mb=8192,
        serial_number="E2EREADY",
        drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "S3E2E"}],
    )
    page = browser_page
    base = live_server.url
    login(page, base)

    # scanning the asset tag in the header opens the device
    page.get_by_label("Scanner ou rechercher").fill(device.asset_tag)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{device.get_absolute_url()}")

    page.get_by_role("link", name="Saisir le diagnostic").click()
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".messages").get_by_text("Diagnostiqué").wait_for()

    page.get_by_role("link", name="Saisir un effacement").click()
    page.get_by_label("Disque de stockage").select_option(index=1)
    page.get_by_label("Méthode").select_option("secure_erase")
    page.get_by_label("Niveau NIST SP 800-88").select_option("purge")
    page.locator("input[name=tool]").fill("nvme-cli")
    page.get_by_label("Résultat").select_option("passed")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".messages").get_by_text("Effacé").wait_for()

    page.get_by_role("link", name="Saisir l'installation du système").click()
    page.get_by_label("Système installé").select_option(label="Linux Mint 22.2 Cinnamon (amd64)")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".messages").get_by_text("Système installé").wait_for()

    page.get_by_role("link", name="Contrôle qualité et grade").click()
    for box in page.locator("input[type=checkbox][name^=qa_]").all():
        box.check()
    page.locator("input[name=grade][value=B]").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".messages").get_by_text("Prêt").wait_for()

    device.refresh_from_db()
    assert device.status == S.READY and device.grade == "B"
    timeline = page.locator("#timeline")
    for text in ["Diagnostic", "nvme-cli", "Linux Mint", "Contrôle qualité"]:
        assert timeline.get_by_text(text).count() >= 1, text
    if os.environ.get("FILIERE_SCREENSHOTS"):
        page.screenshot(
            path=str(Path(os.environ["FILIERE_SCREENSHOTS"]) / "device-ready.png"), full_page=True
        )
    assert Device.objects.get(pk=device.pk).events.count() == 5
