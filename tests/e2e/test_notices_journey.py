"""The mediator reads her notices in a real browser: the header's count, opening a notice
(it is read, and leads to the order), her notice settings; axe-core checks every page."""

import pytest

from notices.models import Notice, NoticePreference
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_mediator_reads_a_notice_and_turns_a_kind_off(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "mediatrice")
    unread = Notice.objects.filter(recipient__username="mediatrice", read_at__isnull=True)
    n = unread.count()
    assert n >= 2  # the demo's orders: approved, then ready
    badge = page.locator("#notices-link .badge")
    assert badge.inner_text().startswith(str(n))
    page.click("#notices-link")
    assert page.locator("#notices li.unread").count() == n
    shot(page, "mediation-9-notices")
    page.locator("#notices li").first.get_by_role("button", name="Ouvrir").click()
    page.wait_for_url("**/commandes/*/")
    assert unread.count() == n - 1
    page.goto(base + "/avis/")
    page.get_by_role("link", name="Réglages des avis").click()
    page.get_by_label("Commande prête à retirer — Par courriel").uncheck()
    shot(page, "mediation-10-notice-settings")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_text("Vos réglages d’avis sont enregistrés.").is_visible()
    pref = NoticePreference.objects.get(user__username="mediatrice")
    assert (pref.kind, pref.by_mail, pref.in_app) == ("order_ready", False, True)
