"""The device page asks which kinds of evidence a device has in one query, then reads only
those: a device just received asked seven empty questions (issue 17: the device page is a fifth
of the mixed load). Every kind it has is still shown."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent
from reconditioning.demo import walk_to
from reconditioning.selectors import EVIDENCE_RELATIONS, evidence_present
from tests.factories import make_device

pytestmark = pytest.mark.django_db

TABLES = (
    "reconditioning_diagnosis",
    "reconditioning_erasurerecord",
    "reconditioning_repair",
    "reconditioning_osinstall",
    "reconditioning_qualitycheck",
    "reconditioning_scraprecord",
    "reconditioning_drivechange",
)


def tables_read(client, device):
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(device.get_absolute_url())
    assert page.status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if "EXISTS" not in q["sql"]]
    found = {t for t in TABLES for sql in reads if re.search(rf'FROM "{t}"', sql)}
    return found, page.content.decode()


def test_a_device_just_received_reads_no_evidence_table(tech_client, batch, technician):
    device = make_device(batch, user=technician)
    assert evidence_present(device) == set()
    found, _page = tables_read(tech_client, device)
    assert found == set()


def test_a_ready_device_reads_the_evidence_it_has_and_shows_it(tech_client, batch, technician):
    device = make_device(batch, user=technician, ram_mb=8192)
    DeviceEvent.objects.filter(device=device).update(at=timezone.now() - timedelta(days=1))
    walk_to(device, S.READY, technician)
    assert evidence_present(device) == {"diagnoses", "erasures", "os_installs", "quality_checks"}
    found, page = tables_read(tech_client, device)
    assert found == {
        "reconditioning_diagnosis",
        "reconditioning_erasurerecord",
        "reconditioning_osinstall",
        "reconditioning_qualitycheck",
    }
    for title in ("Diagnostic", "Effacement", "Système installé", "Contrôle qualité"):
        assert title in page


def test_every_relation_is_a_kind_of_evidence():
    from inventory.models import Device

    for name in EVIDENCE_RELATIONS:
        assert Device._meta.get_field(name).related_model._meta.app_label == "reconditioning"
