import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inventory.labels import qr_payload
from tests.factories import make_device

pytestmark = pytest.mark.django_db

MM = 72 / 25.4


def pdf(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def test_single_label_is_62mm_wide_with_tag_type_and_model(tech_client, batch):
    device = make_device(batch, manufacturer="Dell", model="Latitude 5490", serial_number="CN0ABC")
    reader = pdf(tech_client.get(reverse("inventory:device_label", args=[device.pk])))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM) == 62 and round(float(box.height) / MM) == 29
    text = reader.pages[0].extract_text()
    assert device.asset_tag in text
    assert "Ordinateur portable" in text and "Latitude 5490" in text and "CN0ABC" in text


def test_qr_carries_tag_and_url(batch, settings):
    settings.SITE_URL = "https://filiere.example.org"
    device = make_device(batch)
    payload = qr_payload(device)
    assert payload == f"https://filiere.example.org/appareils/{device.pk}/#{device.asset_tag}"


def test_batch_sheet_is_a4_with_21_labels_per_page(tech_client, batch):
    devices = [make_device(batch) for _ in range(23)]
    reader = pdf(tech_client.get(reverse("inventory:batch_labels", args=[batch.pk])))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM) == 210 and round(float(box.height) / MM) == 297
    first, second = (p.extract_text() for p in reader.pages)
    assert sum(d.asset_tag in first for d in devices) == 21
    assert sum(d.asset_tag in second for d in devices) == 2


def test_empty_batch_sheet_redirects_with_message(tech_client, batch):
    response = tech_client.get(reverse("inventory:batch_labels", args=[batch.pk]), follow=True)
    assert "pas encore d" in response.content.decode()
