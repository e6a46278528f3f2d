"""The person signs the hand-over on screen (a tablet at the desk) or on paper, and signs
that a device brought back is given back (issue 15)."""

import base64
import io

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageDraw
from pypdf import PdfReader

from beneficiaries.models import Allocation, Signature
from reports.documents import handover_pdf
from tests.beneficiaries.conftest import train
from tests.beneficiaries.test_right_person import ready_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def drawn() -> str:
    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).line([(20, 150), (200, 40), (380, 160), (580, 60)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def at_the_desk(
    client, structure, mediator, coordinator, workshop, technician, person, programme, ready_laptop
):
    device = ready_for(person, structure, mediator, coordinator, workshop, technician)
    train(person, programme, mediator)
    client.force_login(mediator)
    return client, reverse("beneficiaries:handover", args=[device.pk]), person


def test_the_recap_offers_the_pad_and_a_drawn_signature_is_kept(at_the_desk):
    client, url, person = at_the_desk
    recap = client.post(url, {"person": person.pk}).content.decode()
    assert "data-signature" in recap and "J'ai reçu l'appareil décrit ci-dessus" in recap
    client.post(url, {"person": person.pk, "confirm": "1", "signature": drawn()})
    allocation = Allocation.objects.get()
    signature = Signature.objects.get()
    assert (signature.kind, signature.on_paper, signature.allocation) == (
        "handover",
        False,
        allocation,
    )
    assert bytes(signature.image).startswith(b"\x89PNG")
    page = client.get(allocation.get_absolute_url()).content.decode()
    assert 'class="signature-img"' in page
    reader = PdfReader(io.BytesIO(handover_pdf(allocation)))
    assert any(p.images for p in reader.pages)
    assert "Signé à l'écran le" in " ".join(p.extract_text() for p in reader.pages)


def test_without_a_drawing_the_paper_is_signed(at_the_desk):
    client, url, person = at_the_desk
    client.post(url, {"person": person.pk, "confirm": "1"})
    signature = Signature.objects.get()
    assert signature.on_paper and signature.image is None
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(handover_pdf(signature.allocation))).pages
    )
    assert "Signé à l'écran" not in text and "date et signature" in text


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/png;base64,not-base64!",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(),
    ],
)
def test_a_bad_drawing_writes_nothing(at_the_desk, signature):
    client, url, person = at_the_desk
    response = client.post(url, {"person": person.pk, "confirm": "1", "signature": signature})
    assert response.status_code == 200
    assert "La signature n&#x27;a pas pu être lue" in response.content.decode()
    assert not Allocation.objects.exists() and not Signature.objects.exists()


def test_the_return_is_signed(at_the_desk):
    client, url, person = at_the_desk
    client.post(url, {"person": person.pk, "confirm": "1"})
    allocation = Allocation.objects.get()
    page = client.get(allocation.get_absolute_url()).content.decode()
    assert "les données que j'y ai laissées seront effacées" in page
    client.post(
        reverse("beneficiaries:allocation_return", args=[allocation.pk]),
        {"reason": "Ne lui convient pas", "signature": drawn()},
    )
    allocation.refresh_from_db()
    assert allocation.returned_at is not None
    back = allocation.signatures.get(kind="return")
    assert not back.on_paper and bytes(back.image).startswith(b"\x89PNG")


def test_signatures_are_never_edited(at_the_desk):
    client, url, person = at_the_desk
    client.post(url, {"person": person.pk, "confirm": "1"})
    signature = Signature.objects.get()
    signature.on_paper = False
    with pytest.raises(Exception, match="append-only"):
        signature.save()
