"""The back office's pages that show people's names write to the access log, as the
screens do: the people list and its search, the allocation list and page, the order page."""

import pytest
from django.urls import reverse

from beneficiaries import allocations, orders
from beneficiaries.models import AuditLog
from tests.beneficiaries import conftest as quasi_don
from tests.beneficiaries.conftest import train

pytestmark = pytest.mark.django_db

structure = quasi_don.structure
mediator = quasi_don.mediator
person = quasi_don.person
programme = quasi_don.programme
ready_laptop = quasi_don.ready_laptop


@pytest.fixture
def handed_over(person, programme, mediator, structure, ready_laptop):
    train(person, programme, mediator)
    return allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )


@pytest.fixture
def order(structure, mediator, person):
    return orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "tablet", "quantity": 1, "person": person}],
    )


def _pages(person, handed_over, order):
    return [
        (reverse("admin:beneficiaries_person_changelist"), None, "admin person list"),
        (
            reverse("admin:beneficiaries_person_changelist") + "?q=Traoré",
            None,
            "admin person list search",
        ),
        (reverse("admin:beneficiaries_allocation_changelist"), None, "admin allocation list"),
        (
            reverse("admin:beneficiaries_allocation_change", args=[handed_over.pk]),
            person,
            f"admin allocation {handed_over.pk}",
        ),
        (
            reverse("admin:beneficiaries_order_change", args=[order.pk]),
            person,
            f"admin order {order.pk}",
        ),
    ]


def test_back_office_pages_naming_people_are_logged(client, admin_user, person, handed_over, order):
    client.force_login(admin_user)
    for url, who, detail in _pages(person, handed_over, order):
        AuditLog.objects.all().delete()
        response = client.get(url)
        assert response.status_code == 200, url
        if "q=" in url:
            assert "Traoré" in response.content.decode()
        entry = AuditLog.objects.get()
        assert (entry.action, entry.username, entry.person, entry.detail) == (
            "view",
            admin_user.username,
            who,
            detail,
        ), url
        # The search's words may be a name: they are not copied into the log.
        assert "Traoré" not in entry.detail


def test_a_page_refused_or_missing_writes_nothing(client, admin_user, handed_over):
    client.force_login(admin_user)
    url = reverse("admin:beneficiaries_allocation_change", args=[handed_over.pk + 1000])
    client.get(url)
    assert not AuditLog.objects.exists()
