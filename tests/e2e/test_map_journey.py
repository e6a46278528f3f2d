"""The coordination's map in a real Chromium: the outlines draw, the layers switch and the
legend follows, the structures show as points, and axe finds no serious violation."""

import pytest

from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_map_draws_and_its_layers_switch(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "coordinatrice")
    page.get_by_role("link", name="Carte").first.click()
    page.wait_for_url(f"{base}/carte/")
    page.locator("#map[data-ready='communes']").wait_for()
    page.locator("#map[data-structures]").wait_for()
    # 36 communes of Hauts-de-Seine drawn as SVG paths, and the demo structure as a point.
    assert page.locator("#map path.leaflet-interactive").count() >= 36
    assert page.locator("#map-legend").inner_text().startswith("Appareils collectés")
    shot(page, "carte-1-collecte")

    page.get_by_label("Appareils remis pour 1 000 habitants").check()
    assert page.locator("#map").get_attribute("data-layer") == "per_1000"
    assert "pour 1 000 habitants" in page.locator("#map-legend").inner_text()
    page.get_by_label("Structures de médiation").uncheck()
    assert page.locator("#map").get_attribute("data-structures-shown") == "0"
    page.get_by_label("Contours seuls").check()
    assert page.locator("#map").get_attribute("data-layer") == ""
    page.axe.check(f"{page.url} after switching layers")
    # The same figures in the table beside the map.
    assert page.locator("#commune-figures tbody tr").count() == 36
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_public_map_needs_no_login(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/carte/publique/")
    assert "Centre social Les Acacias" in page.locator("#public-structures").inner_text()


def test_the_funder_map_reads_hidden_figures(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "financeur")
    page.goto(f"{base}/carte/")
    page.locator("#map[data-ready='communes']").wait_for()
    page.get_by_label("Appareils remis", exact=True).check()
    assert "masqué (moins de 5, ou calculable)" in page.locator("#map-legend").inner_text()
    # The demo's single hand-over in Colombes is below 5: "—" in the table, never "1".
    colombes = page.locator("#commune-figures tr", has_text="92025")
    assert "—" in colombes.inner_text() and "\t1\t" not in colombes.inner_text()
    page.axe.check(f"{page.url} as a funder")
