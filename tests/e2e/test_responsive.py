"""Pages at 200 % zoom (a 1280 × 800 window zoomed twice: 640 × 400 CSS pixels) and on a phone
(375 × 667): the page never scrolls sideways (wide tables scroll in their own box), the title
and the page's main action are on screen. axe-core checks each page in these sizes too."""

import pytest

from beneficiaries.models import Order
from inventory.models import CollectionBatch, Device
from tests.e2e.conftest import login, new_checked_page, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {
    "zoom-200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
    "phone": {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2},
}

LAYOUT = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const cut = el => {
    const r = el.getBoundingClientRect();
    return r.left < -1 || r.right > width + 1;
  };
  const inScroller = el => !!el.closest(".table-scroll");
  return {
    scrollWidth: doc.scrollWidth,
    clientWidth: width,
    wide: [...document.querySelectorAll("main *, header *, footer *")]
      .filter(el => cut(el) && !inScroller(el) && el.getClientRects().length)
      .slice(0, 5).map(el => el.outerHTML.slice(0, 120)),
  };
}"""


def technician_pages():
    batch = CollectionBatch.objects.get(donor__name="Société Générale d'Équipement")
    device = Device.objects.filter(batch=batch).order_by("id").first()
    return [
        ("/", ".actions .button"),
        ("/lots/", "h1"),
        (batch.get_absolute_url(), ".actions .button"),
        (f"/lots/{batch.pk}/saisie/", "#intake-form button[type=submit]", "intake"),
        (f"/lots/{batch.pk}/etapes/", "button.primary"),
        (device.get_absolute_url(), "h1"),
        ("/appareils/", "h1"),
        ("/file/", "h1"),
        ("/rapports/stock/", "button.primary"),
        ("/accessibilite/", "h1"),
    ]


def mediation_pages():
    ready = Order.objects.get(status="ready")
    device = ready.lines.get().reservations.get().device
    return [
        ("/", ".actions .button"),
        ("/personnes/", "h1"),
        ("/personnes/nouvelle/", "button.primary"),
        ("/formations/", "h1"),
        ("/commandes/", "h1"),
        ("/commandes/nouvelle/", "button.primary"),
        (ready.get_absolute_url(), "a.button"),
        (f"/remise/{device.pk}/", "button.primary", "handover"),
    ]


@pytest.mark.parametrize("size", SIZES)
def test_pages_fit_zoomed_and_on_a_phone(live_server, chromium, seeded, size):
    base = live_server.url
    problems = []
    people = [
        ("technicien", technician_pages()),
        ("mediatrice", mediation_pages()),
        ("financeur", [("/rapports/financeurs/?date_from=2026-01-01", "button.primary")]),
    ]
    for username, pages in people:
        page = new_checked_page(chromium, **SIZES[size])
        login(page, base, username)
        for path, action, *picture in pages:
            page.goto(base + path)
            if picture:
                shot(page, f"{size}-{picture[0]}")
            layout = page.evaluate(LAYOUT)
            if layout["scrollWidth"] > layout["clientWidth"] + 1:
                problems.append(f"{path}: page scrolls sideways {layout}")
            # the title and the main action are on screen once scrolled to (not cut, not hidden)
            for selector in ("h1", action):
                element = page.locator(selector).first
                element.scroll_into_view_if_needed()
                box = element.bounding_box()
                if box is None or box["x"] < 0 or box["x"] + box["width"] > layout["clientWidth"]:
                    problems.append(f"{path}: {selector} not fully visible ({box})")
        page.axe.flush()
        page.context.close()
    assert not problems, "\n".join(problems)
