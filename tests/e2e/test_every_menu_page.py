"""Beyond the journeys: every page of the menu and the forms they lead to, for the persona
who sees the most (the coordination) and for the workshop, pass the same axe-core check."""

import pytest

from inventory.models import CollectionBatch, Donor
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def visit_menu(page, base):
    links = page.locator("header nav a").all()
    hrefs = [a.get_attribute("href") for a in links]
    assert len(hrefs) >= 5
    for href in hrefs:
        if href.startswith("/admin/"):
            continue  # the back office is checked where the journeys use it (tariffs)
        assert page.goto(base + href).status == 200, href
    return hrefs


def test_coordination_menu_pages(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "coordinatrice")
    hrefs = visit_menu(page, base)
    assert "/structures/" in hrefs
    for path in ["/structures/import/", "/personnes/", "/formations/"]:
        assert page.goto(base + path).status == 200, path
    assert len(page.axe.pages) >= len(hrefs)


def test_workshop_forms(live_server, browser_page, seeded):
    batch = CollectionBatch.objects.get(donor__name="Mairie de Nanterre")
    donor = Donor.objects.get(name="Mairie de Nanterre")
    device = batch.devices.order_by("id").first()
    page, base = browser_page, live_server.url
    login(page, base, "responsable")
    visit_menu(page, base)
    for path in [
        "/lots/nouveau/",
        f"/lots/{batch.pk}/modifier/",
        f"/lots/{batch.pk}/import/",
        f"/lots/{batch.pk}/nwipe/",
        "/donateurs/nouveau/",
        donor.get_absolute_url(),
        f"/appareils/{device.pk}/modifier/",
    ]:
        assert page.goto(base + path).status == 200, path
