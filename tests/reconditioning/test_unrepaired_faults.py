"""A fault found at diagnosis is either repaired or accepted: a laptop whose screen the diagnosis
found broken reached « Prêt » with nothing said, through the quality check alone (persona walk).
Now, without a repair recorded after the diagnosis, the quality check must accept the faults,
which are kept with it and shown on the device; otherwise nothing is recorded. The rule is the
lifecycle's, so the one-device form, the bulk step and the services all obey it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent
from reconditioning import lifecycle, services
from reconditioning.checklists import QA_CRITERIA, checks_for
from reconditioning.demo import take_step
from reconditioning.models import QualityCheck
from tests.factories import make_device

pytestmark = pytest.mark.django_db

PASSED = {k: True for k, _l in QA_CRITERIA}


def diagnosed(device, user, *faults):
    results = {k: "fault" if k in faults else "ok" for k, _l in checks_for(device.device_type)}
    services.diagnosis_record(device=device, user=user, results=results)
    return device


def installed_with(batch, user, *faults):
    device = make_device(batch, user=user, ram_mb=8192)
    DeviceEvent.objects.filter(device=device).update(at=timezone.now() - timedelta(days=1))
    diagnosed(device, user, *faults)
    take_step(device, S.ERASED, user)
    take_step(device, S.OS_INSTALLED, user)
    device.refresh_from_db()
    return device


def test_a_passed_check_with_unrepaired_faults_is_refused_and_writes_nothing(batch, technician):
    device = installed_with(batch, technician, "screen", "battery")
    with pytest.raises(ValidationError) as refused:
        services.quality_check_record(device=device, user=technician, results=PASSED, grade="C")
    message = " ".join(refused.value.messages)
    assert "Écran" in message and "batterie" in message and "réparation" in message
    device.refresh_from_db()
    assert device.status == S.OS_INSTALLED and not QualityCheck.objects.exists()


def test_accepted_faults_are_kept_with_the_check(batch, technician):
    device = installed_with(batch, technician, "screen")
    check = services.quality_check_record(
        device=device, user=technician, results=PASSED, grade="C", accept_faults=True
    )
    device.refresh_from_db()
    assert device.status == S.READY and check.faults_accepted == ["screen"]


def test_a_repair_after_the_diagnosis_deals_with_its_faults(batch, technician):
    device = make_device(batch, user=technician, ram_mb=8192)
    DeviceEvent.objects.filter(device=device).update(at=timezone.now() - timedelta(days=1))
    diagnosed(device, technician, "keyboard")
    take_step(device, S.ERASED, technician)
    services.repair_record(
        device=device, user=technician, description="Clavier remplacé", minutes_spent=15
    )
    take_step(device, S.OS_INSTALLED, technician)
    check = services.quality_check_record(device=device, user=technician, results=PASSED, grade="B")
    device.refresh_from_db()
    assert device.status == S.READY and check.faults_accepted == []


def test_a_failed_check_needs_no_acceptance(batch, technician):
    device = installed_with(batch, technician, "screen")
    failed = dict(PASSED, audio_video=False)
    check = services.quality_check_record(device=device, user=technician, results=failed)
    assert not check.passed and check.faults_accepted == []


def test_the_guard_refuses_ready_for_a_check_that_accepted_nothing(batch, technician):
    """Whatever path writes a passed check (an old row, the admin), the step to ready reads
    the faults again."""
    device = installed_with(batch, technician, "wifi")
    QualityCheck.objects.create(
        device=device, recorded_by=technician, results=PASSED, passed=True, grade="B"
    )
    problem = lifecycle.check_transition(device, S.READY)
    assert problem and "Wi-Fi" in problem


def test_the_check_form_asks_to_accept_the_faults_and_the_device_page_shows_them(
    tech_client, batch, technician
):
    device = installed_with(batch, technician, "screen")
    url = reverse("reconditioning:device_step", args=[device.pk, "controle"])
    form = tech_client.get(url).content.decode()
    assert 'name="accept_faults"' in form and "Écran" in form
    post = {f"qa_{k}": "yes" for k, _l in QA_CRITERIA} | {
        "grade": "C",
        "expected_status": S.OS_INSTALLED,
    }
    refused = tech_client.post(url, post)
    assert refused.status_code == 200 and "sans réparation depuis" in refused.content.decode()
    assert not QualityCheck.objects.exists()
    assert tech_client.post(url, post | {"accept_faults": "on"}).status_code == 302
    device.refresh_from_db()
    assert device.status == S.READY
    page = tech_client.get(device.get_absolute_url()).content.decode()
    assert "Part avec ces points en défaut" in page and "Écran" in page


def test_a_device_without_faults_has_no_box_to_tick(tech_client, batch, technician):
    device = installed_with(batch, technician)
    url = reverse("reconditioning:device_step", args=[device.pk, "controle"])
    assert 'name="accept_faults"' not in tech_client.get(url).content.decode()


def test_bulk_check_refuses_the_faulty_devices_unless_accepted(tech_client, batch, technician):
    clean = [installed_with(batch, technician) for _ in range(3)]
    faulty = installed_with(batch, technician, "battery")
    devices = [*clean, faulty]
    url = reverse("reconditioning:batch_steps", args=[batch.pk])
    shown = tech_client.get(url, {"step": "ready"}).content.decode()
    assert 'name="accept_faults"' in shown and "partent avec eux" in shown
    post = {"step": "ready", "devices": [d.pk for d in devices], "grade": "B"}
    post |= {f"qa_{k}": "yes" for k, _l in QA_CRITERIA}
    refused = tech_client.post(url, post)
    faults = refused.content.decode().split('id="faults"')[1].split("</ul>")[0]
    assert faulty.asset_tag in faults and "batterie" in faults
    assert all(d.asset_tag not in faults for d in clean)
    assert not QualityCheck.objects.exists()  # all or nothing
    assert tech_client.post(url, post | {"accept_faults": "on"}).status_code == 302
    accepted = dict(QualityCheck.objects.values_list("device_id", "faults_accepted"))
    assert accepted == {d.pk: [] for d in clean} | {faulty.pk: ["battery"]}


def test_an_erasure_across_midnight_shows_both_dates(tech_client, batch, technician):
    """« 2026-12-07 23:54 → 00:34 » read as an end before the start: the end's date is
    written when it is another day, day first as on the rest of the page."""
    from datetime import datetime

    from reconditioning.models import ErasureRecord

    device = installed_with(batch, technician)
    start = timezone.make_aware(datetime(2026, 12, 7, 23, 54))
    ErasureRecord.objects.filter(device=device).update(
        started_at=start, ended_at=start + timedelta(minutes=40)
    )
    page = tech_client.get(device.get_absolute_url()).content.decode()
    assert "07/12/2026 23:54 → 08/12/2026 00:34" in page
