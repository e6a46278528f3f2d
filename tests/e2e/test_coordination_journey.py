"""The coordinator's day on the demo data, in a real Chromium: an order approved, the tariff
grid set in the back office, a training waived for a person."""

import pytest

from accounts.models import Organisation, User
from beneficiaries import orders
from beneficiaries.models import Person, Tariff, TrainingWaiver
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def submitted_order():
    mediatrice = User.objects.get(username="mediatrice")
    order = orders.order_create(
        structure=Organisation.objects.get(name="Centre social Les Acacias"),
        user=mediatrice,
        lines=[{"device_type": "laptop", "quantity": 1}],
    )
    orders.order_submit(order=order, user=mediatrice)
    return order


def test_coordinator_approves_an_order(live_server, browser_page, seeded):
    order = submitted_order()
    page, base = browser_page, live_server.url
    login(page, base, "coordinatrice")
    shot(page, "coordination-1-home")
    page.get_by_role("link", name="Commandes").first.click()
    page.get_by_role("link", name=order.reference).click()
    page.get_by_label("Atelier qui prépare la commande").select_option(
        label="Atelier Filière Nanterre"
    )
    page.get_by_label("Programme de financement").select_option(index=1)
    shot(page, "coordination-2-decide")
    page.get_by_role("button", name="Approuver").click()
    page.locator(".messages").wait_for()
    order.refresh_from_db()
    assert order.status == "approved" and order.workshop.name == "Atelier Filière Nanterre"
    shot(page, "coordination-3-approved")


def test_coordinator_sets_a_tariff(live_server, browser_page, seeded):
    page, base = browser_page, live_server.url
    login(page, base, "coordinatrice")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Grille tarifaire").first.click()
    shot(page, "coordination-4-tariffs")
    # the residual charge of the first line of the grid changed
    tariff = Tariff.objects.first()
    page.locator(f"#result_list a[href$='/tariff/{tariff.pk}/change/']").click()
    page.get_by_label("Reste à charge (€)").fill("25")
    shot(page, "coordination-5-tariff-form")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.locator(".messagelist").wait_for()
    tariff.refresh_from_db()
    assert tariff.amount == 25


def test_coordinator_waives_a_training(live_server, browser_page, seeded):
    person = Person.objects.get(reference="ACC-2026-017")
    page, base = browser_page, live_server.url
    login(page, base, "coordinatrice")
    page.get_by_role("link", name="Personnes").first.click()
    page.get_by_role("link", name="ACC-2026-017").first.click()
    page.wait_for_url(f"{base}{person.get_absolute_url()}")
    page.locator("#id_programme").select_option(index=1)
    page.locator("#id_reason").fill("Déjà formée par un autre centre social")  # the waiver's
    shot(page, "coordination-6-waiver")
    page.get_by_role("button", name="Accorder une dérogation à la formation").click()
    page.locator(".messages").wait_for()
    assert TrainingWaiver.objects.filter(person=person).count() == 1
    shot(page, "coordination-7-waived")
