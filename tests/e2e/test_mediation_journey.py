"""The mediation staff's journey in a real Chromium: order, follow the order, record a
training, hand the device over, print the receipt."""

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from beneficiaries import orders
from beneficiaries.models import Allocation, Order, Payment
from tests.beneficiaries.conftest import *  # noqa: F403  (structure, mediator, person…)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_mediation_staff_journey(
    live_server,
    browser_page,
    structure,
    mediator,
    person,
    coordinator,
    workshop,
    technician,
    ready_laptop,
):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/connexion/")
    page.locator("#id_username").fill("med")
    page.locator("#id_password").fill("pass-1234!")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    # order a laptop for the person
    page.goto(f"{base}/commandes/nouvelle/")
    page.locator("select[name=form-0-device_type]").select_option("laptop")
    page.locator("input[name=form-0-quantity]").fill("1")
    page.locator("select[name=form-0-person]").select_option(str(person.pk))
    page.locator("button[name=submit]").click()
    order = Order.objects.get()
    page.wait_for_url(f"{base}{order.get_absolute_url()}")

    # the coordination approves, the workshop prepares
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)

    # record the training: a session, the person enrolled, present
    page.goto(f"{base}/formations/nouvelle/")
    page.locator("select[name=programme]").select_option(index=1)
    for box in page.locator("input[name=modules]").all():
        box.check()
    page.locator("input[name=starts_at]").fill("2026-11-20T14:00")
    page.locator("input[name=place]").fill("Salle multimédia")
    page.locator("input[name=trainer]").fill("Lina")
    page.locator("button[type=submit]").click()
    page.locator("select[name=person]").select_option(str(person.pk))
    page.locator("form:has(input[name=enrol]) button").click()
    page.locator("input[name=present]").check()
    page.locator("form:has(input[name=attendance]) button").click()
    page.locator(".messages").wait_for()

    # follow the order, hand the device over
    page.goto(f"{base}{order.get_absolute_url()}")
    page.locator(f"a[href='/remise/{ready_laptop.pk}/']").click()
    page.locator("form.stack button[type=submit]").click()
    allocation = Allocation.objects.get()
    page.wait_for_url(f"{base}{allocation.get_absolute_url()}")

    # record the payment and print the receipt
    page.locator("select[name=method]").select_option("cash")
    page.locator("form[action$='/paiement/'] button").click()
    page.locator("#payments a").wait_for()
    if os.environ.get("FILIERE_SCREENSHOTS"):
        page.screenshot(
            path=str(Path(os.environ["FILIERE_SCREENSHOTS"]) / "handover.png"), full_page=True
        )
    href = page.locator("#payments a").first.get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    payment = Payment.objects.get()
    assert payment.receipt_number in text and ready_laptop.asset_tag in text
    order.refresh_from_db()
    assert order.status == "handed_over"
