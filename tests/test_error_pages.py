"""French error pages with a way back, and no button that leads to one (issue 15)."""

import pytest
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from inventory.models import Donor
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


def test_a_refused_page_says_why_in_french_with_a_way_back(client, workshop):
    reader = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER)
    client.force_login(reader)
    response = client.get(reverse("inventory:batch_create"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" in body and 'href="/"' in body and "Forbidden" not in body


def test_a_missing_page_is_french_and_hides_whether_it_exists(client, technician):
    client.force_login(technician)
    response = client.get("/appareils/999999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in body and "Rechercher les appareils" in body


def test_a_donor_reading_its_donor_page_is_not_offered_to_receive_a_batch(client, workshop):
    donor_org = OrganisationFactory(kind=OrganisationKind.DONOR)
    reader = member(donor_org, Role.READER)
    donor = DonorFactory(workshop=workshop, organisation=donor_org)
    client.force_login(reader)
    body = client.get(reverse("inventory:donor_detail", args=[donor.pk])).content.decode()
    assert reverse("inventory:batch_create") not in body


def test_the_donation_receipt_is_offered_to_companies_only(client, technician, workshop):
    client.force_login(technician)
    for kind, offered in ((Donor.Kind.COMPANY, True), (Donor.Kind.PUBLIC_BODY, False)):
        batch = make_batch(workshop, donor=DonorFactory(workshop=workshop, kind=kind))
        make_device(batch)
        body = client.get(batch.get_absolute_url()).content.decode()
        assert (reverse("inventory:batch_donation_receipt", args=[batch.pk]) in body) is offered
