"""Erasures in NIST SP 800-88 Rev. 2 terms: Clear / Purge / Destroy with the IEEE 2883
technique; degaussing is no longer Destroy; older Rev. 1 records stay readable."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inventory.enums import DeviceStatus as S
from reconditioning import services
from reconditioning.demo import take_step
from reconditioning.models import ErasureRecord
from tests.factories import make_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_drives(batch, technician):
    device = make_device(
        batch,
        user=technician,
        drives=[
            {"capacity_gb": 500, "kind": "hdd", "serial_number": "HDD-1"},
            {"capacity_gb": 256, "kind": "ssd", "serial_number": "SSD-1"},
        ],
    )
    take_step(device, S.DIAGNOSED, technician)
    return device


def record(device, user, serial, **kw):
    now = timezone.now()
    return services.erasure_record(
        device=device,
        user=user,
        drive=device.drives.get(serial_number=serial),
        tool=kw.pop("tool", "hdparm"),
        result="passed",
        started_at=now,
        ended_at=now,
        **kw,
    )


def pdf_text(response) -> str:
    assert response.status_code == 200
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_degaussing_is_not_destroy(two_drives, technician):
    with pytest.raises(ValidationError) as exc:
        record(two_drives, technician, "HDD-1", sanitization="degauss", nist_level="destroy")
    assert "Rev. 2" in exc.value.messages[0]
    # The Rev. 1 way of saying it: a "destruction" by degaussing.
    with pytest.raises(ValidationError):
        record(
            two_drives,
            technician,
            "HDD-1",
            method="destruction",
            technique="Degausser Garner HD-3",
            nist_level="destroy",
        )
    assert ErasureRecord.objects.count() == 0


def test_degaussing_is_purge_on_magnetic_media_only(two_drives, technician):
    with pytest.raises(ValidationError):
        record(two_drives, technician, "SSD-1", sanitization="degauss", nist_level="purge")
    r = record(two_drives, technician, "HDD-1", sanitization="degauss", nist_level="purge")
    assert (r.nist_revision, r.nist_level, r.sanitization) == ("2", "purge", "degauss")


def test_overwrite_cannot_claim_purge(two_drives, technician):
    with pytest.raises(ValidationError):
        record(two_drives, technician, "SSD-1", sanitization="overwrite", nist_level="purge")


def test_certificate_states_rev2_and_the_ieee_2883_technique(tech_client, two_drives, technician):
    record(two_drives, technician, "HDD-1", sanitization="overwrite", nist_level="clear")
    record(two_drives, technician, "SSD-1", sanitization="crypto_erase", nist_level="purge")
    text = pdf_text(
        tech_client.get(reverse("reconditioning:device_certificate", args=[two_drives.pk]))
    )
    flat = " ".join(text.split())
    assert "NIST SP 800-88 Rev. 2" in flat and "IEEE 2883" in flat
    assert "rev. 1" not in flat.lower()
    assert "Purge" in flat and "Clear" in flat


def test_a_rev1_record_stays_readable_and_says_so(tech_client, two_drives, technician):
    now = timezone.now()
    for serial in ("HDD-1", "SSD-1"):
        ErasureRecord.objects.create(  # as recorded before Rev. 2
            device=two_drives,
            drive=two_drives.drives.get(serial_number=serial),
            recorded_by=technician,
            nist_revision="1",
            method="destruction",
            nist_level="destroy",
            technique="Degaussing",
            tool="Garner",
            result="passed",
            started_at=now,
            ended_at=now,
            media_serial=serial,
        )
    text = " ".join(
        pdf_text(
            tech_client.get(reverse("reconditioning:device_certificate", args=[two_drives.pk]))
        ).split()
    )
    assert "Rev. 1" in text and "HDD-1" in text
    page = tech_client.get(two_drives.get_absolute_url()).content.decode()
    assert "Rev. 1" in page
