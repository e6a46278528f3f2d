"""The menu and the scan box offer what each kind of organisation uses: a donor has no orders
to read and no device to scan, a funder reads orders but scans nothing (persona walk: both were
shown a scan box, and the donor an empty « Commandes »)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

ORDERS = f'href="{reverse("beneficiaries:order_list")}"'
SCAN = f'action="{reverse("inventory:scan")}"'


def home_for(kind, role):
    user = member(OrganisationFactory(kind=kind), role)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("kind", "role", "orders", "scan"),
    [
        (OrganisationKind.WORKSHOP, Role.TECHNICIAN, True, True),
        (OrganisationKind.MEDIATION, Role.STAFF, True, True),
        (OrganisationKind.COORDINATION, Role.COORDINATOR, True, True),
        (OrganisationKind.FUNDER, Role.READER, True, False),
        (OrganisationKind.DONOR, Role.READER, False, False),
    ],
)
def test_menu_and_scan_box_by_kind(kind, role, orders, scan):
    page = home_for(kind, role)
    assert (ORDERS in page) is orders
    assert (SCAN in page) is scan
