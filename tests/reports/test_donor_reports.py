"""Donor reports: per batch, per year (décret 2023-266), and the donation receipt."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.enums import OrganisationKind, Role
from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


def text(response):
    assert response.status_code == 200, response.status_code
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def donor_setup(workshop, technician):
    account = OrganisationFactory(name="Mairie de Puteaux", kind=OrganisationKind.DONOR)
    donor = DonorFactory(
        workshop=workshop,
        organisation=account,
        name="Mairie de Puteaux",
        kind="public_body",
        siret="73282932000074",
    )
    batch = make_batch(workshop, donor=donor)
    disk = [{"capacity_gb": 256, "kind": "ssd", "serial_number": "DISK-A"}]
    for i in range(3):
        walk_to(
            make_device(
                batch, ram_mb=8192, drives=disk if i == 0 else [], declared_value=Decimal("50")
            ),
            S.READY,
            technician,
        )
    walk_to(make_device(batch, declared_value=Decimal("10")), S.SCRAPPED, technician)
    make_device(batch, declared_value=Decimal("40"))
    reader = member(account, Role.READER, username="donor-reader")
    return {"batch": batch, "donor": donor, "reader": reader}


def test_batch_outcome_figures(donor_setup):
    from reports.donor import batch_outcome

    o = batch_outcome(donor_setup["batch"])
    assert (o.received, o.refurbished, o.handed_over, o.scrapped) == (5, 3, 0, 1)
    assert o.erased == 3 and o.recycled_kg == Decimal("2.3")
    assert o.declared_value == Decimal("200") and o.in_progress == 1


def test_donor_reads_its_batch_report_from_its_account(client, donor_setup):
    client.force_login(donor_setup["reader"])
    batch = donor_setup["batch"]
    body = text(client.get(reverse("inventory:batch_donor_report", args=[batch.pk])))
    for expected in ["Mairie de Puteaux", batch.reference, "DISK-A", "NIST"]:
        assert expected in body, expected


def test_another_donor_cannot_read_it(client, donor_setup):
    other = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER)
    client.force_login(other)
    url = reverse("inventory:batch_donor_report", args=[donor_setup["batch"].pk])
    assert client.get(url).status_code == 404


def test_yearly_reuse_statement(client, donor_setup):
    client.force_login(donor_setup["reader"])
    batch = donor_setup["batch"]
    year = batch.collected_on.year
    body = text(
        client.get(reverse("inventory:donor_year_report", args=[donor_setup["donor"].pk, year]))
    )
    assert "2023-266" in body and batch.reference in body and str(year) in body


def test_donation_receipt_for_a_company(client, donor_setup):
    donor = donor_setup["donor"]
    donor.kind = "company"
    donor.name = "Société Exemple SA"
    donor.save()
    client.force_login(donor_setup["reader"])
    body = text(
        client.get(reverse("inventory:batch_donation_receipt", args=[donor_setup["batch"].pk]))
    )
    assert "238 bis" in body and "200" in body and "73282932000074" in body
    assert "Société Exemple SA" in body


def test_no_tax_receipt_for_a_public_body(client, donor_setup):
    client.force_login(donor_setup["reader"])
    r = client.get(
        reverse("inventory:batch_donation_receipt", args=[donor_setup["batch"].pk]), follow=True
    )
    assert r.redirect_chain and "entreprises" in r.content.decode()
