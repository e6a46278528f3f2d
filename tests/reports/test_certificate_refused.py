"""A certificate states what was checked: none is issued for a device without a passed
erasure of each current drive in this cycle, and each drive's serial is printed."""

import html
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from tests.factories import make_device

pytestmark = pytest.mark.django_db


def test_no_certificate_without_an_erasure(tech_client, batch, technician):
    device = make_device(
        batch, user=technician, drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "S1"}]
    )
    url = reverse("reconditioning:device_certificate", args=[device.pk])
    response = tech_client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == device.get_absolute_url()
    assert "Pas encore de certificat d'effacement" in html.unescape(response.content.decode())
    walk_to(device, S.ERASED, technician)
    response = tech_client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "S1" in text


def test_a_drive_without_serial_says_so(tech_client, batch, technician):
    device = walk_to(
        make_device(batch, user=technician, drives=[{"capacity_gb": 256, "kind": "ssd"}]),
        S.ERASED,
        technician,
    )
    response = tech_client.get(reverse("reconditioning:device_certificate", args=[device.pk]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "aucun numéro de série enregistré" in " ".join(text.split())
