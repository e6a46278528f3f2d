"""Bulk evidence, not bulk clicks: one diagnosis checklist (with per-device faults), one erasure
session over every drive, one quality check and grade, for many devices at once. Each device
gets its own rows and events; one refusal writes nothing and lists the devices at fault."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent
from reconditioning.checklists import QA_CRITERIA, checks_for
from reconditioning.demo import walk_to
from reconditioning.models import Diagnosis, ErasureRecord, OperatingSystem, QualityCheck
from tests.factories import make_device

pytestmark = pytest.mark.django_db

DISKS = [
    {"capacity_gb": 256, "kind": "ssd", "serial_number": "A"},
    {"capacity_gb": 1000, "kind": "hdd", "serial_number": "B"},
]


def received_yesterday(devices):
    """Received a day ago, so that this morning's erasure session falls in the cycle."""
    DeviceEvent.objects.filter(device__in=devices).update(at=timezone.now() - timedelta(days=1))
    return devices


def this_morning():
    start = timezone.localtime() - timedelta(hours=3)
    return {
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }


@pytest.fixture
def laptops(batch, technician):
    return received_yesterday(
        [
            make_device(batch, user=technician, ram_mb=8192, drives=[dict(d) for d in DISKS])
            for _ in range(8)
        ]
    )


def url(batch):
    return reverse("reconditioning:batch_steps", args=[batch.pk])


def ids(devices):
    return [d.pk for d in devices]


def test_one_checklist_diagnoses_eight_laptops_with_one_exception(tech_client, batch, laptops):
    page = tech_client.get(url(batch), {"step": "diagnosed"}).content.decode()
    assert 'name="check_' in page and f'name="faults_{laptops[0].pk}"' in page
    battery = "battery"
    assert battery in dict(checks_for("laptop"))
    response = tech_client.post(
        url(batch),
        {
            "step": "diagnosed",
            "type": "laptop",
            "devices": ids(laptops),
            "all_ok": "1",
            f"faults_{laptops[3].pk}": [battery],
        },
    )
    assert response.status_code == 302
    assert Diagnosis.objects.count() == 8
    assert Diagnosis.objects.get(device=laptops[3]).results[battery] == "fault"
    assert Diagnosis.objects.get(device=laptops[0]).results[battery] == "ok"
    for device in laptops:
        device.refresh_from_db()
        assert device.status == S.DIAGNOSED
        assert device.events.filter(to_status=S.DIAGNOSED).count() == 1


def test_an_unanswered_bulk_checklist_records_nothing(tech_client, batch, laptops):
    faulty = laptops[2].pk
    response = tech_client.post(
        url(batch),
        {
            "step": "diagnosed",
            "type": "laptop",
            "devices": ids(laptops),
            f"faults_{faulty}": ["battery", "webcam"],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Répondez à cet élément." in body
    assert not Diagnosis.objects.exists()
    # Each row's faults are boxes folded under one line, and the ones ticked stay ticked.
    kept = re.findall(rf'name="faults_{faulty}" value="(\w+)" checked', body)
    assert sorted(kept) == ["battery", "webcam"]
    assert "<select multiple" not in body
    assert body.count('<details class="row-faults" open>') == 1
    assert body.count('<details class="row-faults">') == len(laptops) - 1


SESSION = {
    "sanitization": "overwrite",
    "nist_level": "clear",
    "tool": "nwipe",
    "tool_version": "0.38",
    "passes": 1,
    "verification": "last",
    "result": "passed",
}


def test_one_erasure_session_covers_every_drive(tech_client, batch, laptops, technician):
    diagnosed = [walk_to(d, S.DIAGNOSED, technician) for d in laptops[:6]]
    received = laptops[6:]
    response = tech_client.post(
        url(batch), {"step": "erased", "devices": ids(laptops), **SESSION, **this_morning()}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ErasureRecord.objects.count() == 16  # one per drive
    for device in laptops:
        device.refresh_from_db()
        drives = {d.pk for d in device.drives.all()}
        assert set(ErasureRecord.objects.filter(device=device).values_list("drive", flat=True)) == (
            drives
        )
    # As on the device page: an erasure is recorded before the diagnosis too, and the device
    # moves to "erased" once diagnosed.
    assert {d.status for d in diagnosed} == {S.ERASED}
    assert {d.status for d in received} == {S.RECEIVED}


def test_a_refused_erasure_session_writes_nothing(tech_client, batch, laptops, technician):
    ready = walk_to(laptops[0], S.OS_INSTALLED, technician)
    before = ErasureRecord.objects.count()
    response = tech_client.post(
        url(batch), {"step": "erased", "devices": ids(laptops), **SESSION, **this_morning()}
    )
    body = response.content.decode()
    assert ready.asset_tag in body.split('id="faults"')[1].split("</ul>")[0]
    assert ErasureRecord.objects.count() == before


def test_one_quality_check_makes_them_ready_or_nothing(tech_client, batch, laptops, technician):
    installed = [walk_to(d, S.OS_INSTALLED, technician) for d in laptops[:7]]
    lagging = laptops[7]
    answers = {f"qa_{k}": "yes" for k, _l in QA_CRITERIA}
    response = tech_client.post(
        url(batch), {"step": "ready", "devices": ids(laptops), "grade": "B", **answers}
    )
    body = response.content.decode()
    assert lagging.asset_tag in body.split('id="faults"')[1].split("</ul>")[0]
    assert not QualityCheck.objects.exists()
    response = tech_client.post(
        url(batch), {"step": "ready", "devices": ids(installed), "grade": "B", **answers}
    )
    assert response.status_code == 302
    for device in installed:
        device.refresh_from_db()
        assert (device.status, device.grade) == (S.READY, "B")


def test_forty_laptops_take_four_submissions_from_reception_to_ready(
    tech_client, batch, technician
):
    """The technician's effort at batch scale: 40 identical laptops, reception to ready, in
    one submission per step (diagnosis, erasure, system, quality check)."""
    laptops = received_yesterday(
        [
            make_device(batch, user=technician, ram_mb=8192, drives=[dict(DISKS[0])])
            for _ in range(40)
        ]
    )
    mint = OperatingSystem.objects.get(name="Linux Mint", version="22.2 Cinnamon")
    everyone = {"devices": ids(laptops)}
    submissions = [
        {"step": "diagnosed", "type": "laptop", "all_ok": "1"},
        {
            "step": "erased",
            "sanitization": "overwrite",
            "nist_level": "clear",
            "tool": "nwipe",
            "verification": "last",
            "result": "passed",
            **this_morning(),
        },
        {"step": "os", "system": mint.pk},
        {"step": "ready", "grade": "A", "all_ok": "1"},
    ]
    for data in submissions:
        response = tech_client.post(url(batch), {**data, **everyone})
        shown = response.content.decode().split("<main", 1)[-1][:1500]
        assert response.status_code == 302, (data["step"], shown)
    for device in laptops:
        device.refresh_from_db()
        assert (device.status, device.grade) == (S.READY, "A")


def test_showing_a_step_records_nothing(tech_client, batch, laptops):
    response = tech_client.post(
        url(batch), {"step": "diagnosed", "show": "1", "devices": ids(laptops), "all_ok": "1"}
    )
    assert response.status_code == 200 and 'name="check_' in response.content.decode()
    assert not Diagnosis.objects.exists()


def test_devices_refused_for_the_same_reason_are_one_line(tech_client, batch, laptops):
    """One mistake in the session refused 40 devices in 40 identical lines (a page 4,250 px
    tall: persona walk). The same reason is said once, with every device it refused."""
    response = tech_client.post(
        url(batch),
        {"step": "ready", "devices": ids(laptops), "grade": "B"}
        | {f"qa_{k}": "yes" for k, _l in QA_CRITERIA},
    )
    faults = response.content.decode().split('id="faults"')[1].split("</ul>")[0]
    assert faults.count("<li>") == 1
    assert all(d.asset_tag in faults for d in laptops)
    assert "8 appareils" in faults


def test_a_bulk_step_sent_twice_records_its_evidence_once(tech_client, batch, laptops):
    """Submitting « Diagnostiqué » again (a double click, the back button) added a second
    diagnosis to each of 40 devices (persona walk). The page sends each device's status as
    shown; a device that has changed since is refused, and nothing is written."""
    page = tech_client.get(url(batch), {"step": "diagnosed", "type": "laptop"}).content.decode()
    seen = dict(re.findall(r'name="seen_(\d+)" value="([a-z_]+)"', page))
    assert seen == {str(d.pk): "received" for d in laptops}
    post = {
        "step": "diagnosed",
        "type": "laptop",
        "devices": ids(laptops),
        "all_ok": "1",
        **{f"seen_{pk}": status for pk, status in seen.items()},
    }
    assert tech_client.post(url(batch), post).status_code == 302
    again = tech_client.post(url(batch), post)
    assert again.status_code == 200
    faults = again.content.decode().split('id="faults"')[1].split("</ul>")[0]
    assert "8 appareils" in faults and "Diagnostiqué" in faults
    assert Diagnosis.objects.count() == 8
