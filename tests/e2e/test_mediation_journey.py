"""The mediation staff's day on the demo data, in a real Chromium: refer a person, record a
training, order a laptop for them, then hand over a prepared laptop and print the receipt."""

import io
import re

import pytest
from pypdf import PdfReader

from beneficiaries.models import Allocation, Order, Payment, Person
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_mediation_staff_journey(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "mediatrice")
    shot(page, "mediation-1-home")

    # refer a person: only what the work needs, the criterion checked, the consent
    page.get_by_role("link", name="Orienter une personne").click()
    page.locator("#id_first_name").fill("Nadia")
    page.locator("#id_last_name").fill("Haddad")
    page.get_by_label("Tranche d'âge").select_option(index=2)
    page.get_by_label("Situation").select_option(index=1)
    page.get_by_label("Critère d'éligibilité vérifié").select_option(index=1)
    shot(page, "mediation-2-refer")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/personnes/\d+/$"))
    person = Person.objects.get(first_name="Nadia")
    assert page.url == f"{base}{person.get_absolute_url()}"
    shot(page, "mediation-3-person")

    # record a training session, enrol the person, mark them present
    page.get_by_role("link", name="Formations").first.click()
    page.get_by_role("link", name="Nouvelle session").click()
    page.get_by_label("Programme").select_option(index=1)
    for box in page.locator("input[name=modules]").all():
        box.check()
    page.get_by_label("Date et heure").fill("2026-11-20T14:00")
    page.get_by_label("Lieu").fill("Salle multimédia")
    page.get_by_label("Formateur").fill("Aïcha Diallo")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#id_person").select_option(str(person.pk))
    page.get_by_role("button", name="Inscrire").click()
    page.get_by_label(str(person)).check()
    page.get_by_role("button", name="Enregistrer les présences").click()
    page.locator(".messages").wait_for()
    shot(page, "mediation-4-training")

    # order a laptop for her and submit it to the coordination
    page.goto(f"{base}/")
    page.get_by_role("link", name="Nouvelle commande").click()
    page.locator("select[name=form-0-device_type]").select_option("laptop")
    page.locator("input[name=form-0-quantity]").fill("1")
    page.locator("select[name=form-0-person]").select_option(str(person.pk))
    shot(page, "mediation-5-order")
    page.get_by_role("button", name="Soumettre à la coordination").click()
    page.wait_for_url(re.compile(r"/commandes/\d+/$"))
    order = Order.objects.get(lines__person=person)
    assert page.url == f"{base}{order.get_absolute_url()}"
    order.refresh_from_db()
    assert order.status == "submitted"
    shot(page, "mediation-6-order-submitted")

    # the laptop prepared for Moussa is handed over
    ready = Order.objects.get(status="ready")
    page.get_by_role("link", name="Commandes").first.click()
    page.get_by_role("link", name=ready.reference).click()
    page.get_by_role("link", name="Remettre").click()
    shot(page, "mediation-7-handover")
    page.get_by_role("button", name="Vérifier la remise").click()
    page.locator("#handover-recap").wait_for()
    page.get_by_role("button", name="Confirmer la remise").click()
    page.wait_for_url(f"{base}/attributions/**")
    allocation = Allocation.objects.get(order_line__order=ready)
    assert page.url == f"{base}{allocation.get_absolute_url()}"

    # the residual charge paid in cash, the receipt printed
    page.get_by_label("Méthode").select_option("cash")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    page.locator("#payments a").wait_for()
    shot(page, "mediation-8-payment")
    href = page.get_by_role("link", name="Imprimer le reçu").get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    payment = Payment.objects.get(allocation=allocation)
    assert payment.receipt_number in text and allocation.device.asset_tag in text
    ready.refresh_from_db()
    assert ready.status == "handed_over"
