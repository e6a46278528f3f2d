"""The Content Security Policy in a real browser: the pages a technician, a mediation
worker and the coordinator use raise no CSP violation, and what moved out of inline
attributes into static/js/app.js still works (progress bars, "select all").

Run: .venv/bin/pytest tests/security/test_headers_browser.py -q -p no:cacheprovider
(needs chromium; skipped without it)
"""

import os
import shutil

import pytest
from django.core.management import call_command

from tests.e2e.conftest import DEMO_PASSWORD, launch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")),
        reason="chromium is not installed",
    ),
]


# The selected text of the focused field.
SELECTED = "(e => e.value.substring(e.selectionStart, e.selectionEnd))(document.activeElement)"


@pytest.fixture
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def _session(browser, base, username):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: violations.append(f"page error: {e}"))
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page, violations


def test_no_csp_violation_and_moved_behaviour_works(live_server, transactional_db, browser):
    from inventory.models import CollectionBatch

    call_command("seed_demo", history=False, stdout=open(os.devnull, "w"))
    base = live_server.url
    batch = CollectionBatch.objects.order_by("collected_on").first()  # the one with steps done
    page, violations = _session(browser, base, "technicien")
    for path in [
        "/",
        "/file/",
        "/appareils/",
        f"/lots/{batch.pk}/",
        f"/lots/{batch.pk}/saisie/",
        "/rapports/stock/",
        "/compte/mot-de-passe/",
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    # Progress bar widths come from data-pct through app.js (no style attribute).
    page.goto(f"{base}/lots/{batch.pk}/")
    widths = page.eval_on_selector_all(
        ".progressbar span", "spans => spans.map(s => s.getBoundingClientRect().width)"
    )
    assert widths and sum(widths) > 100
    # "Select all" ticks every device checkbox (was an inline onclick).
    page.goto(f"{base}/lots/{batch.pk}/etapes/")
    boxes = page.locator("input[name=devices]")
    assert boxes.count() > 1
    page.check("input[data-select-all]")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # The serial field selects its content on focus (was an inline onfocus).
    page.goto(f"{base}/lots/{batch.pk}/saisie/")
    serial = page.locator("[name=serial_number]")
    serial.fill("ABC123")
    page.locator("body").click()
    serial.focus()
    assert page.evaluate(SELECTED) == "ABC123"
    page.context.close()

    for username, paths in [
        ("mediatrice", ["/personnes/", "/formations/", "/commandes/"]),
        ("coordinatrice", ["/rapports/financeurs/", "/structures/", "/personnes/"]),
    ]:
        page, more = _session(browser, base, username)
        for path in paths:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        violations += more
        page.context.close()
    assert not violations, violations
