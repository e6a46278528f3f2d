"""Sortable lists of the mediation side (issue 14): people, orders, sessions, structures and
the access log sort by their headers, an unknown value is the default order."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.enums import OrganisationKind
from beneficiaries import orders, privacy_views, services, views
from beneficiaries.models import EligibilityCriterion, Structure
from inventory import views as inventory_views
from inventory.filters import DEVICE_SORTS
from reconditioning.selectors import QUEUE_SORTS
from tests.factories import OrganisationFactory
from tests.inventory.test_sorting import order_in

pytestmark = pytest.mark.django_db


def header(body: str, label: str) -> str:
    return re.search(rf"<th[^>]*>(?:<a[^>]*>)?{re.escape(label)}.*?</th>", body).group(0)


def refer(structure, user, last_name, age_band="26-44"):
    return services.person_create(
        structure=structure,
        user=user,
        first_name="Sam",
        last_name=last_name,
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band=age_band,
        situation="job_seeker",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )


@pytest.fixture
def med_client(client, mediator):
    client.force_login(mediator)
    return client


def test_people_sort_by_name_and_age_band(med_client, structure, mediator):
    refer(structure, mediator, "Martin", age_band="65+")
    refer(structure, mediator, "bernard", age_band="u18")
    refer(structure, mediator, "Zola", age_band="18-25")
    url = reverse("beneficiaries:person_list")
    names = ["Sam Martin", "Sam bernard", "Sam Zola"]
    body = med_client.get(url).content.decode()  # newest first
    assert order_in(body, names) == ["Sam Zola", "Sam bernard", "Sam Martin"]
    body = med_client.get(url, {"sort": "name"}).content.decode()
    assert order_in(body, names) == ["Sam bernard", "Sam Martin", "Sam Zola"]
    assert 'aria-sort="ascending"' in header(body, "Personne")
    body = med_client.get(url, {"sort": "-name"}).content.decode()
    assert order_in(body, names) == ["Sam Zola", "Sam Martin", "Sam bernard"]
    # Age bands in their own order (youngest first), not their codes' alphabet.
    body = med_client.get(url, {"sort": "age_band"}).content.decode()
    assert order_in(body, names) == ["Sam bernard", "Sam Zola", "Sam Martin"]
    # The search stays in the header links; an unknown order is the default one.
    body = med_client.get(url, {"q": "Sam", "sort": "name"}).content.decode()
    assert "q=Sam" in header(body, "Structure")
    body = med_client.get(url, {"sort": "consent_purpose"}).content.decode()
    assert order_in(body, names) == ["Sam Zola", "Sam bernard", "Sam Martin"]


def test_orders_sort_by_reference_and_keep_the_status_filter(med_client, structure, mediator):
    made = [
        orders.order_create(
            structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
        )
        for _ in range(3)
    ]
    refs = [o.reference for o in made]
    url = reverse("beneficiaries:order_list")
    body = med_client.get(url, {"sort": "reference"}).content.decode()
    assert order_in(body, refs) == refs
    body = med_client.get(url, {"sort": "-reference", "status": "draft"}).content.decode()
    assert order_in(body, refs) == list(reversed(refs))
    assert "status=draft" in header(body, "Référence")
    assert med_client.get(url, {"sort": "-created_by__password"}).status_code == 200


def test_structures_and_access_log_sort(client, coordinator, mediator, structure):
    for name in ("Zèbre numérique", "Atelier du coin"):
        org = OrganisationFactory(name=name, kind=OrganisationKind.MEDIATION)
        Structure.objects.create(organisation=org)
    client.force_login(coordinator)
    url = reverse("beneficiaries:structure_list")
    names = ["Zèbre numérique", "Atelier du coin"]
    assert order_in(client.get(url).content.decode(), names) == [
        "Atelier du coin",
        "Zèbre numérique",
    ]
    body = client.get(url, {"sort": "-name"}).content.decode()
    assert order_in(body, names) == names
    person = refer(structure, mediator, "Durand")
    client.get(person.get_absolute_url())
    client.force_login(mediator)
    client.get(person.get_absolute_url())
    client.force_login(coordinator)
    url = reverse("beneficiaries:audit_log")
    body = client.get(url, {"sort": "who"}).content.decode()
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", body)
    assert rows == sorted(rows) and set(rows) == {"coord", "med"}
    body = client.get(url, {"sort": "-who", "action": "view"}).content.decode()
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", body)
    assert rows == sorted(rows, reverse=True)
    assert "action=view" in header(body, "Quand")


def every_sort():
    lists = [
        ("inventory:device_list", DEVICE_SORTS),
        ("inventory:batch_list", inventory_views.BATCH_SORTS),
        ("inventory:donor_list", inventory_views.DONOR_SORTS),
        ("inventory:location_list", inventory_views.LOCATION_SORTS),
        ("reconditioning:queue", QUEUE_SORTS),
        ("beneficiaries:person_list", views.PERSON_SORTS),
        ("beneficiaries:session_list", views.SESSION_SORTS),
        ("beneficiaries:order_list", views.ORDER_SORTS),
        ("beneficiaries:structure_list", views.STRUCTURE_SORTS),
        ("beneficiaries:audit_log", privacy_views.AUDIT_SORTS),
    ]
    return [(name, f"{sign}{key}") for name, sorts in lists for key in sorts for sign in "-+"]


@pytest.mark.parametrize(("url_name", "sort"), every_sort())
def test_every_sortable_column_answers(client, coordinator, person, url_name, sort):
    """Every whitelisted key is a valid ordering of its list (a typo is a 500 otherwise)."""
    client.force_login(coordinator)
    assert client.get(reverse(url_name), {"sort": sort.lstrip("+")}).status_code == 200
