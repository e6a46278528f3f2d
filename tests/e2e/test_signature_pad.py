"""The person signs the hand-over with a finger on the desk's tablet (issue 15): the pad
draws in a real browser and the drawing reaches the hand-over's evidence."""

import pytest

from beneficiaries.models import Reservation, Signature
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_person_signs_the_handover_on_screen(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    reservation = Reservation.objects.filter(
        released_at__isnull=True, line__order__status="ready", line__person__isnull=False
    ).first()
    login(page, base, "mediatrice")
    page.goto(f"{base}/remise/{reservation.device_id}/")
    page.get_by_role("button", name="Vérifier la remise").click()
    canvas = page.locator("[data-signature] canvas")
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + step * box["width"] / 14,
            box["y"] + box["height"] * (0.3 if step % 2 else 0.7),
        )
    page.mouse.up()
    assert "Signé à l'écran." in page.locator("[data-signature-status]").inner_text()
    page.get_by_role("button", name="Confirmer la remise").click()
    page.wait_for_url(f"{base}/attributions/**")
    signature = Signature.objects.get()
    assert signature.kind == "handover" and not signature.on_paper
    assert bytes(signature.image).startswith(b"\x89PNG") and len(bytes(signature.image)) > 1000
    assert page.locator("img.signature-img").count() == 1
