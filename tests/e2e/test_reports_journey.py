"""A workshop manager asks for the stock report and follows the job to the download link."""

import pytest

from accounts.enums import Role
from tests.factories import make_batch, make_device, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_builds_the_stock_report(live_server, browser_page, workshop):
    member(workshop, Role.MANAGER, username="boss")
    make_device(make_batch(workshop))
    page, base = browser_page, live_server.url
    page.goto(f"{base}/connexion/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill("pass-1234!")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name="Rapports").click()
    assert page.locator("svg").count() >= 3
    page.get_by_role("button", name="Produire le PDF").click()
    link = page.locator("#download")
    link.wait_for()
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
