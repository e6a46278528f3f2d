"""`manage.py audit_chain` and the coordinator's page: every ready, reserved and allocated
device has its complete chain of proof, or the audit names the device and what is missing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from beneficiaries.models import Allocation, Payment
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.demo import walk_to
from reports.audit import chain_audit, chain_audit_mail
from tests.factories import make_device

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_chain", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + err.getvalue()


def test_the_demo_data_passes_the_audit():
    call_command("seed_demo", verbosity=0, history=False, stdout=io.StringIO())
    audit = chain_audit()
    assert audit.checked > 0
    assert audit.ok, [(b.asset_tag, b.problems) for b in audit.breaks]
    code, out = _run()
    assert code == 0 and "Chaîne de preuve complète" in out


def test_a_device_shown_ready_without_its_evidence_is_named(batch, technician):
    good = walk_to(make_device(batch, user=technician), S.READY, technician)
    forced = make_device(batch, user=technician, serial_number="FORCED1")
    # A status written behind the lifecycle's back (a bad import, a hand-edited database).
    Device.objects.filter(pk=forced.pk).update(status=S.READY)
    audit = chain_audit()
    assert audit.checked == 2
    assert [b.asset_tag for b in audit.breaks] == [forced.asset_tag]
    code, out = _run()
    assert code == 1
    assert f"{forced.asset_tag}: " in out and good.asset_tag not in out
    assert "diagnostic" in out.lower()
    code, out = _run("--device", good.asset_tag)
    assert code == 0 and "pour 1 appareil" in out


def test_payments_above_the_charge_break_the_chain(batch, technician):
    call_command("seed_demo", verbosity=0, history=False, stdout=io.StringIO())
    allocation = Allocation.objects.filter(charge__gt=0, returned_at__isnull=True).first()
    assert allocation is not None
    Payment.objects.create(
        allocation=allocation,
        amount=allocation.charge + Decimal("1"),
        method="cash",
        paid_on=datetime.date.today(),
        received_by=allocation.handed_over_by,
        receipt_number="TEST-999999",
    )
    audit = chain_audit(Device.objects.filter(pk=allocation.device_id))
    assert not audit.ok
    assert "dépassent" in " ".join(audit.breaks[0].problems)


def test_the_nightly_mail_reaches_the_coordination_only_on_a_break(batch, technician, coordinator):
    coordinator.email = "coord@example.org"
    coordinator.save()
    walk_to(make_device(batch, user=technician), S.READY, technician)
    assert chain_audit_mail().ok and not mail.outbox
    forced = make_device(batch, user=technician, serial_number="FORCED2")
    Device.objects.filter(pk=forced.pk).update(status=S.READY)
    assert not chain_audit_mail().ok
    assert mail.outbox[0].to == ["coord@example.org"]
    assert forced.asset_tag in mail.outbox[0].body


def test_the_coordinator_reads_the_audit_on_a_page(client, batch, technician, coordinator):
    forced = make_device(batch, user=technician, serial_number="FORCED3")
    Device.objects.filter(pk=forced.pk).update(status=S.READY)
    url = reverse("reconditioning:chain_audit")
    client.force_login(technician)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    page = client.get(url).content.decode()
    assert forced.asset_tag in page and "Chaîne de preuve" in page


def test_the_nightly_audit_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.tasks.chain_audit_nightly_task")
    assert (task.crontab.hour, task.crontab.minute) == ("2", "30")


def test_a_large_base_reads_the_last_audit_and_runs_a_new_one_in_the_background(
    client, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    """At a million devices the page audited every device in the request: past a small base
    it shows the last recorded audit, re-checks only the devices it found broken, and runs a
    whole audit in the background on demand."""
    from reports import audit as audit_module
    from reports.models import ReportJob

    call_command("seed_demo", verbosity=0, history=False, stdout=io.StringIO())
    monkeypatch.setattr(audit_module, "AUDIT_IN_REQUEST_MAX", 1)
    client.force_login(coordinator)
    url = reverse("reconditioning:chain_audit")
    page = client.get(url).content.decode()
    assert "Aucun audit de tous les appareils" in page and "Auditer tous les appareils" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # queued after the commit; tasks run eagerly in the tests
    job = ReportJob.objects.get(kind=ReportJob.Kind.CHAIN_AUDIT)
    assert job.params["checked"] >= 1
    checked = []
    real = audit_module.chain_audit

    def spy(devices=None):
        checked.append(devices.count())
        return real(devices)

    monkeypatch.setattr("reports.audit_views.chain_audit", spy)
    page = client.get(url).content.decode()
    assert "audit de tous les appareils du" in page
    assert checked == [len(job.params["breaks"])]  # only the broken ones, again


def test_the_page_checks_again_a_bounded_number_of_the_recorded_breaks(
    client, batch, technician, coordinator, monkeypatch
):
    """A recorded audit may name thousands of broken devices: the page checks the first ones
    again (about 13 queries each) and counts the others, and the summary still counts all."""
    from reports import audit as audit_module
    from reports import audit_views
    from reports.audit import ChainAudit, chain_audit_record

    forced = []
    for i in range(3):
        device = make_device(batch, user=technician, serial_number=f"FORCED-R{i}")
        Device.objects.filter(pk=device.pk).update(status=S.READY)
        forced.append(device)
    chain_audit_record(ChainAudit(3, [audit_module.ChainBreak(d.pk, "", "") for d in forced]))
    monkeypatch.setattr(audit_module, "AUDIT_IN_REQUEST_MAX", 1)
    monkeypatch.setattr(audit_views, "RECHECKED_MAX", 1)
    client.force_login(coordinator)
    page = client.get(reverse("reconditioning:chain_audit")).content.decode()
    assert forced[0].asset_tag in page
    assert forced[1].asset_tag not in page and forced[2].asset_tag not in page
    assert "Et 2 autres appareils" in page
    assert "3 appareils sur 3 ont une chaîne de preuve rompue" in page
