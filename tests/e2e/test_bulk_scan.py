"""The bulk page selects devices by scanning them one after the other (issue 14)."""

import pytest

from inventory.enums import DeviceStatus as S
from inventory.models import CollectionBatch
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_scanning_ticks_the_devices_and_never_submits(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    batch = next(
        b
        for b in CollectionBatch.objects.order_by("pk")
        if b.devices.exclude(status__in=[S.SCRAPPED, S.ALLOCATED]).count() >= 3
    )
    first, second, third = batch.devices.exclude(status__in=[S.SCRAPPED, S.ALLOCATED]).order_by(
        "pk"
    )[:3]
    login(page, base, "technicien")
    page.goto(f"{base}/lots/{batch.pk}/etapes/")
    scan = page.get_by_label("Scannez les appareils pour les cocher")
    scan.fill(first.asset_tag.lower())
    scan.press("Enter")
    scan.fill(f"{base}{second.get_absolute_url()}#{second.asset_tag}")  # the label's QR
    scan.press("Enter")
    scan.fill("NOPE-404")
    scan.press("Enter")
    assert page.url == f"{base}/lots/{batch.pk}/etapes/"  # Enter did not submit the step
    assert page.locator(f"#dev-{first.pk}").is_checked()
    assert page.locator(f"#dev-{second.pk}").is_checked()
    assert not page.locator(f"#dev-{third.pk}").is_checked()
    status = page.locator("#bulk-scan-status").inner_text()
    assert "NOPE-404 ne fait pas partie des appareils de cette liste." in status
    scan.fill(third.serial_number or third.asset_tag)
    scan.press("Enter")
    assert page.locator(f"#dev-{third.pk}").is_checked()
    assert "3 sélectionné(s)" in page.locator("#bulk-scan-status").inner_text()


def test_a_page_shown_again_after_an_error_ticks_its_select_all(live_server, browser_page, seeded):
    """After a refused step the rows stayed ticked but « tout sélectionner » came back
    unticked (persona walk): the box says what the rows are."""
    page, base = browser_page, live_server.url
    batch = next(
        b
        for b in CollectionBatch.objects.order_by("pk")
        if b.devices.exclude(status__in=[S.SCRAPPED, S.ALLOCATED]).count() >= 3
    )
    login(page, base, "technicien")
    page.goto(f"{base}/lots/{batch.pk}/etapes/")
    select_all = page.locator("input[data-select-all]")
    select_all.check()
    page.locator("select[name=step]").select_option("")
    with page.expect_navigation():
        page.locator("button.primary", has_text="Appliquer").click(no_wait_after=True)
    rows = page.locator('input[type=checkbox][name="devices"]')
    assert rows.count() >= 3
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    assert select_all.is_checked()
    rows.first.uncheck()
    assert not select_all.is_checked()
    assert select_all.evaluate("box => box.indeterminate")
