"""Keyboard only (Tab, Shift+Tab, Enter, Space, arrows; no mouse click) on the two screens
used with something else in the hands: the intake with a barcode scanner, the handover with
the person at the desk. Every element reached shows where the focus is."""

import pytest

from beneficiaries.models import Allocation, Order, Payment
from inventory.models import CollectionBatch, Device
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id,
    name: e.getAttribute("name") || "",
    text: (e.innerText || e.value || "").trim().slice(0, 60),
    href: e.getAttribute("href") || "",
    outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
    style: `${s.outlineStyle} ${s.outlineWidth} focus-visible=${e.matches(":focus-visible")}`,
    shadow: s.boxShadow !== "none",
    onscreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
      && r.top < innerHeight && r.left < innerWidth,
  };
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def tab_to(page, match, limit=80, key="Tab"):
    """Press Tab until the focused element matches; each stop must show the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        el = focused(page)
        if el["tag"] == "body":
            continue
        assert el["outline"] or el["shadow"], f"focus not visible on {el}"
        assert el["onscreen"], f"focused element off screen: {el}"
        if match(el):
            return el
    raise AssertionError(f"not reached with {key} in {limit} presses")


def keyboard_login(page, base, username):
    page.goto(f"{base}/connexion/")
    # the username field has the focus on arrival
    assert focused(page)["name"] == "username"
    page.keyboard.type(username)
    tab_to(page, lambda e: e["name"] == "password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    # the first stop of every page is the skip link, shown when focused
    skip = tab_to(page, lambda e: True)
    assert skip["href"] == "#main", skip


def test_intake_by_keyboard_only(live_server, browser_page, seeded):
    batch = CollectionBatch.objects.get(donor__name="Association Relais Numérique")
    page, base = browser_page, live_server.url
    keyboard_login(page, base, "technicien")

    # from the home page to the batch and its intake screen, following links with Enter
    tab_to(page, lambda e: e["text"] == "Lots")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/lots/")
    tab_to(page, lambda e: e["text"] == batch.reference)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{batch.get_absolute_url()}")
    tab_to(page, lambda e: e["text"] == "Scanner des appareils")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/lots/{batch.pk}/saisie/")

    # skip link, then the scan field reached from the top of the page
    tab_to(page, lambda e: e["href"] == "#main")
    page.keyboard.press("Enter")
    tab_to(page, lambda e: e["name"] == "device_type")
    page.keyboard.press("ArrowDown")  # a closed select changes value with the arrows
    tab_to(page, lambda e: e["name"] == "manufacturer")
    page.keyboard.type("Dell")
    tab_to(page, lambda e: e["name"] == "model")
    page.keyboard.type("Latitude 7490")
    tab_to(page, lambda e: e["name"] == "serial_number", key="Shift+Tab")
    page.keyboard.type("KBD00001")
    page.keyboard.press("Enter")
    page.locator("#recent", has_text="KBD00001").wait_for()
    # the scanner's next serial goes straight into the emptied, focused field
    assert focused(page)["name"] == "serial_number"
    page.keyboard.type("KBD00002")
    # the submit button reached with Tab and pressed with Space
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Enregistrer l'appareil")
    page.keyboard.press("Space")
    page.locator("#recent", has_text="KBD00002").wait_for()
    assert Device.objects.filter(batch=batch, serial_number__startswith="KBD").count() == 2
    assert Device.objects.get(serial_number="KBD00001").manufacturer == "Dell"

    # the label of the device just logged is the next link after the form
    tab_to(page, lambda e: e["text"] == "Imprimer son étiquette")


def test_handover_by_keyboard_only(live_server, browser_page, seeded):
    order = Order.objects.get(status="ready")
    page, base = browser_page, live_server.url
    keyboard_login(page, base, "mediatrice")

    tab_to(page, lambda e: e["text"] == "Commandes")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/commandes/")
    tab_to(page, lambda e: e["text"] == order.reference)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{order.get_absolute_url()}")
    tab_to(page, lambda e: e["text"] == "Remettre")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/remise/**")

    tab_to(page, lambda e: e["name"] == "person")
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Vérifier la remise")
    page.keyboard.press("Space")
    # the recap, then the confirmation
    page.locator("#handover-recap").wait_for()
    page.axe.flush()  # the recap is audited before the confirmation leaves it
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Confirmer la remise")
    page.keyboard.press("Space")
    page.wait_for_url(f"{base}/attributions/**")
    allocation = Allocation.objects.get(order_line__order=order)
    assert page.url == f"{base}{allocation.get_absolute_url()}"

    # cash, the first method, is already chosen: Tab passes over it
    tab_to(page, lambda e: e["name"] == "method")
    assert page.locator("select[name=method]").input_value() == "cash"
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Enregistrer le paiement")
    page.keyboard.press("Enter")
    page.locator("#payments a").wait_for()
    assert Payment.objects.filter(allocation=allocation).count() == 1
    tab_to(page, lambda e: e["text"] == "Imprimer le reçu")
