"""The workshop manager's day on the demo data, in a real Chromium: the stock report built and
downloaded, then an approved order prepared (devices reserved, marked ready)."""

import pytest

from accounts.models import Organisation, User
from beneficiaries import orders
from beneficiaries.models import Order, Person
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def approved_order():
    """A laptop ordered by the mediation staff for Awa and approved for the Nanterre workshop."""
    mediatrice = User.objects.get(username="mediatrice")
    order = orders.order_create(
        structure=Organisation.objects.get(name="Centre social Les Acacias"),
        user=mediatrice,
        lines=[
            {"device_type": "laptop", "quantity": 1, "person": Person.objects.get(first_name="Awa")}
        ],
    )
    orders.order_submit(order=order, user=mediatrice)
    orders.order_decide(
        order=order,
        user=User.objects.get(username="coordinatrice"),
        approve=True,
        workshop=Organisation.objects.get(name="Atelier Filière Nanterre"),
    )
    return order


def test_manager_builds_the_stock_report(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "responsable")
    page.get_by_role("link", name="Rapports").click()
    assert page.locator("svg").count() >= 3
    shot(page, "responsable-1-stock-report")
    # One click: the job's page downloads the file by itself once it is ready.
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Produire le PDF").click()
    with open(downloading.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    link = page.locator("#download")
    link.wait_for()
    page.axe.check(f"{page.url} when the file is ready")
    shot(page, "responsable-2-stock-report-ready")
    assert "telecharger" not in page.url  # coming back does not download again
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")


def test_manager_prepares_an_order(live_server, browser_page, seeded):
    order = approved_order()
    page, base = browser_page, live_server.url
    login(page, base, "responsable")
    page.get_by_role("link", name="Commandes").first.click()
    page.get_by_role("link", name=order.reference).click()
    shot(page, "responsable-3-order-approved")
    page.get_by_role("button", name="Réserver les appareils adaptés").click()
    page.locator("#reservations").wait_for()
    shot(page, "responsable-4-order-reserved")
    page.get_by_role("button", name="Marquer prête à remettre").click()
    page.locator(".messages").wait_for()
    order.refresh_from_db()
    assert order.status == "ready"
    assert Order.objects.get(pk=order.pk).lines.get().reservations.count() == 1
    shot(page, "responsable-5-order-ready")
