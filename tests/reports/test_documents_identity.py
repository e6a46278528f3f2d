"""Documents fit to hand out (issue 15): every paper carries its issuing organisation's full
identity, the receipt says what remains due, the donation receipt has what article 238 bis of
the CGI asks for, and a signature block never falls alone onto a new page."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from accounts.enums import Role
from accounts.models import Organisation
from beneficiaries import allocations
from reports.documents import handover_pdf, picking_list_pdf, receipt_pdf
from reports.donor import donation_receipt_pdf
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    person,
    programme,
    ready_laptop,
    structure,
    train,
)
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french():
    """The documents are read in French, whichever test ran before in this process."""
    with translation.override("fr"):
        yield


def pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def png(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 80, 160)).save(out, "PNG")
    return out.getvalue()


def identify(org: Organisation, **fields):
    for name, value in {
        "street_address": "12 rue des Acacias",
        "postal_code": "92700",
        "city": "Colombes",
        "siret": "73282932000074",
        **fields,
    }.items():
        setattr(org, name, value)
    org.save()


@pytest.fixture
def handed(structure, mediator, person, programme, ready_laptop):  # noqa: F811
    identify(structure)
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    return allocation


def test_receipt_and_handover_carry_the_structures_identity_and_the_balance(handed, mediator):  # noqa: F811
    assert handed.charge > Decimal("10")
    payment = allocations.payment_record(
        allocation=handed, amount=Decimal("10"), method="cash", user=mediator
    )
    receipt = text(receipt_pdf(payment))
    assert "Centre social Les Acacias" in receipt
    assert "12 rue des Acacias, 92700 Colombes" in receipt and "SIRET 73282932000074" in receipt
    due = f"{handed.charge - Decimal('10'):.2f}".replace(".", ",")
    assert f"Reste à payer après ce paiement : {due} €" in receipt
    last = allocations.payment_record(
        allocation=handed, amount=handed.charge - Decimal("10"), method="card", user=mediator
    )
    assert "0,00 € (soldé)" in text(receipt_pdf(last))
    handover = text(handover_pdf(handed))
    assert "12 rue des Acacias, 92700 Colombes" in handover and "SIRET 73282932000074" in handover


def test_the_logo_is_embedded(handed):
    handed.structure.logo, handed.structure.logo_type = png(), "image/png"
    handed.structure.save()
    pdf = handover_pdf(handed)
    reader = PdfReader(io.BytesIO(pdf))
    assert any(page.images for page in reader.pages)


def test_donation_receipt_names_the_workshop_its_rna_basis_and_valuation(workshop, batch):
    identify(
        workshop,
        rna="W921000123",
        legal_basis="Association d'intérêt général (article 238 bis 1-a du CGI)",
        city="Nanterre",
        postal_code="92000",
    )
    batch.donor.kind = "company"
    batch.donor.save()
    body = text(donation_receipt_pdf(batch))
    assert "Atelier Nanterre" in body and "92000 Nanterre" in body
    assert "W921000123" in body and "article 238 bis 1-a du CGI" in body
    assert "Méthode de valorisation" in body and "valeur déclarée par le donateur" in body


def test_a_signature_block_stays_with_what_it_signs(
    workshop,
    technician,
    structure,  # noqa: F811
    mediator,  # noqa: F811
    coordinator,  # noqa: F811
):  # noqa: F811
    """A picking list long enough that the signatures would land alone on the next page."""
    from beneficiaries import orders
    from inventory.enums import DeviceStatus as S
    from reconditioning.demo import walk_to
    from tests.factories import make_batch, make_device

    batch = make_batch(workshop)
    for _ in range(24):
        walk_to(make_device(batch, ram_mb=8192), S.READY, technician)
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 24}]
    )
    orders.order_submit(order=order, user=mediator)
    order = orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    for page in pages(picking_list_pdf(order)):
        if "Prélevé par" in page:
            # The block is on a page with devices of the list, never alone.
            assert "FL00000" in page
            break
    else:
        pytest.fail("no signature block")


def test_identity_page_saves_and_refuses_bad_input(client, structure, mediator):  # noqa: F811
    url = reverse("organisation_identity", args=[structure.pk])
    client.force_login(mediator)
    assert client.get(url).status_code == 200
    good = {
        "name": "Centre social Les Acacias",
        "street_address": "12 rue des Acacias",
        "postal_code": "92700",
        "city": "Colombes",
        "siret": "732 829 320 00074",
        "rna": "w921000123",
        "legal_basis": "",
    }
    response = client.post(url, {**good, "logo": SimpleUploadedFile("l.png", png())})
    assert response.status_code == 302
    structure.refresh_from_db()
    assert (structure.siret, structure.rna, structure.logo_type) == (
        "73282932000074",
        "W921000123",
        "image/png",
    )
    for bad, message in [
        ({"rna": "W12"}, "W suivi de 9 chiffres"),
        ({"postal_code": "9270"}, "5 chiffres"),
        ({"logo": SimpleUploadedFile("l.png", b"not an image")}, "PNG ou JPEG"),
        ({"logo": SimpleUploadedFile("l.png", png((1400, 1400)) + b"0" * 300_000)}, "256 ko"),
    ]:
        response = client.post(url, {**good, "city": "Ailleurs", **bad})
        assert response.status_code == 200 and message in response.content.decode()
        structure.refresh_from_db()
        assert structure.city == "Colombes"  # nothing saved


def test_another_organisations_identity_is_out_of_reach(client, structure, db):  # noqa: F811
    from accounts.enums import OrganisationKind
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Voisine")
    stranger = member(other, Role.STAFF, username="med-voisine")
    reader = member(structure, Role.READER, username="lecteur")
    url = reverse("organisation_identity", args=[structure.pk])
    client.force_login(stranger)
    assert client.post(url, {"name": "Piratée"}).status_code == 404
    client.force_login(reader)
    assert client.post(url, {"name": "Piratée"}).status_code == 403
    structure.refresh_from_db()
    assert structure.name == "Centre social Les Acacias"


def test_donation_receipt_writes_euros_and_says_which_devices_have_no_value(batch, technician):
    """The receipt read "4200" for 40 devices whose value covered 35 (persona walk): amounts
    are French ("4 200,00 €") and devices with no declared value are counted and named."""
    from decimal import Decimal

    from inventory.models import Device
    from tests.factories import make_device

    for i in range(37):
        make_device(batch, user=technician, declared_value=Decimal("120") if i < 35 else None)
    body = text(donation_receipt_pdf(batch))
    flat = " ".join(body.replace("\xa0", " ").split())
    assert "4 200,00 €" in flat and "4200" not in flat
    missing = sorted(
        Device.objects.filter(batch=batch, declared_value__isnull=True).values_list(
            "asset_tag", flat=True
        )
    )
    assert "2 appareils sans valeur déclarée" in flat
    assert all(tag in flat for tag in missing)
