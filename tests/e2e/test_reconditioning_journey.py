"""The technician takes a received device of the demo data to ready, step by step, then moves
several devices one step in one go, in a real Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import CollectionBatch, Device, DeviceEvent
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_device_from_received_to_ready(live_server, browser_page, seeded):
    device = (
        Device.objects.filter(status=S.RECEIVED, device_type="laptop", drives__isnull=False)
        .order_by("id")
        .first()
    )
    # Received yesterday: this morning's erasure belongs to its current cycle.
    DeviceEvent.objects.filter(device=device).update(at=timezone.now() - timedelta(days=1))
    events = device.events.count()
    start = timezone.localtime() - timedelta(hours=3)
    page, base = browser_page, live_server.url
    login(page, base, "technicien")

    # scanning the asset tag in the header opens the device
    page.get_by_label("Scanner ou rechercher").fill(device.asset_tag)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{device.get_absolute_url()}")
    shot(page, "technicien-5-device")

    page.get_by_role("link", name="Saisir le diagnostic").click()
    page.get_by_role("button", name="Enregistrer", exact=True).wait_for()
    shot(page, "technicien-6-diagnosis")
    page.get_by_role("button", name="Enregistrer, tout élément sans réponse OK").click()
    page.locator(".messages").get_by_text("Diagnostiqué").wait_for()

    page.get_by_role("link", name="Saisir un effacement").click()
    page.get_by_label("Disque de stockage").select_option(index=1)
    page.get_by_label("Technique d'effacement (IEEE 2883)").select_option("secure_erase")
    page.get_by_label("Catégorie NIST SP 800-88 Rev. 2").select_option("purge")
    page.locator("input[name=tool]").fill("nvme-cli")
    page.locator("input[name=started_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=ended_at]").fill(
        (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Résultat").select_option("passed")
    shot(page, "technicien-7-erasure")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".messages").get_by_text("Effacé").wait_for()

    page.get_by_role("link", name="Saisir l'installation du système").click()
    page.get_by_label("Système installé").select_option(label="Linux Mint 22.2 Cinnamon (amd64)")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".messages").get_by_text("Système installé").wait_for()

    page.get_by_role("link", name="Contrôle qualité et grade").click()
    for answer in page.locator("input[type=radio][name^=qa_][value=yes]").all():
        answer.check()
    page.locator("input[name=grade][value=B]").check()
    shot(page, "technicien-8-quality")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.locator(".messages").get_by_text("Prêt").wait_for()

    device.refresh_from_db()
    assert device.status == S.READY and device.grade == "B"
    timeline = page.locator("#timeline")
    for text in ["Diagnostic", "nvme-cli", "Linux Mint", "Contrôle qualité"]:
        assert timeline.get_by_text(text).count() >= 1, text
    shot(page, "technicien-9-ready")
    assert device.events.count() == events + 4


def test_bulk_step_on_a_batch(live_server, browser_page, seeded):
    # the system installed on every erased device of the batch in one go
    batch = CollectionBatch.objects.get(donor__name="Société Générale d'Équipement")
    erased = list(batch.devices.filter(status=S.ERASED).order_by("id"))
    assert len(erased) == 2
    page, base = browser_page, live_server.url
    login(page, base, "technicien")
    page.goto(f"{base}{batch.get_absolute_url()}")
    page.get_by_role("link", name="Appliquer une étape à plusieurs appareils").click()
    page.get_by_label("Étape").select_option("os")
    page.get_by_label("Système").select_option(label="Linux Mint 22.2 Cinnamon (amd64)")
    for device in erased:
        page.get_by_label(device.asset_tag, exact=True).check()
    shot(page, "technicien-10-bulk")
    page.get_by_role("button", name="Appliquer").click()
    page.locator(".messages .success").wait_for()
    shot(page, "technicien-11-bulk-done")
    assert batch.devices.filter(pk__in=[d.pk for d in erased], status=S.OS_INSTALLED).count() == 2
