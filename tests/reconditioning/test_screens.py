"""The technician's screens: queue, step forms, bulk steps, certificates, scanning."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.checklists import QA_CRITERIA, checks_for
from reconditioning.demo import walk_to
from reconditioning.models import OperatingSystem
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def laptop(batch, technician):
    return make_device(
        batch,
        user=technician,
        ram_mb=8192,
        serial_number="LAP1",
        drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "S3Z1"}],
    )


def step_url(device, step):
    return reverse("reconditioning:device_step", args=[device.pk, step])


def test_received_to_ready_through_the_forms(tech_client, laptop):
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from inventory.models import DeviceEvent

    DeviceEvent.objects.filter(device=laptop).update(at=F("at") - timedelta(hours=2))
    today = later = timezone.localtime() - timedelta(minutes=30)
    checks = {f"check_{k}": "ok" for k, _l in checks_for("laptop")}
    r = tech_client.post(
        step_url(laptop, "diagnostic"),
        {
            **checks,
            "check_battery": "fault",
            "expected_status": "received",
            "battery_health_pct": 54,
        },
    )
    assert r.status_code == 302
    laptop.refresh_from_db()
    assert laptop.status == S.DIAGNOSED and laptop.battery_health_pct == 54
    drive = laptop.drives.get()
    r = tech_client.post(
        step_url(laptop, "effacement"),
        {
            "expected_status": "diagnosed",
            "drive": drive.pk,
            "sanitization": "crypto_erase",
            "nist_level": "purge",
            "tool": "nvme-cli",
            "tool_version": "2.4",
            "passes": 1,
            "verification": "last",
            "result": "passed",
            # inside the device's cycle: after its reception (just now), not later than now
            "started_at": f"{today:%Y-%m-%d}T{later:%H:%M}",
            "ended_at": f"{today:%Y-%m-%d}T{later:%H:%M}",
        },
    )
    assert r.status_code == 302, r.content
    laptop.refresh_from_db()
    assert laptop.status == S.ERASED
    mint = OperatingSystem.objects.get(name="Linux Mint", version="22.2 Cinnamon")
    tech_client.post(step_url(laptop, "systeme"), {"expected_status": "erased", "system": mint.pk})
    qa = {f"qa_{k}": "yes" for k, _l in QA_CRITERIA}
    # The battery fault was not repaired: the check accepts it, or the device stays.
    check = {**qa, "grade": "C", "expected_status": "os_installed"}
    tech_client.post(step_url(laptop, "controle"), check)
    laptop.refresh_from_db()
    assert laptop.status == S.OS_INSTALLED
    tech_client.post(step_url(laptop, "controle"), {**check, "accept_faults": "on"})
    laptop.refresh_from_db()
    assert (laptop.status, laptop.grade) == (S.READY, "C")
    page = tech_client.get(laptop.get_absolute_url()).content.decode()
    for text in ["Diagnostic", "nvme-cli", "Linux Mint", "Contrôle qualité", "Grade C"]:
        assert text in page, text
    assert "Défaut" in page  # the battery fault is shown in the timeline


def test_step_form_shows_the_checklist_of_the_type(tech_client, batch):
    phone = make_device(batch, device_type="smartphone")
    page = tech_client.get(step_url(phone, "diagnostic")).content.decode()
    assert "IMEI" in page and 'name="check_cellular"' in page
    assert 'name="check_touchpad"' not in page


def test_guard_refusal_is_shown_and_nothing_written(tech_client, laptop):
    r = tech_client.post(
        step_url(laptop, "systeme"),
        {
            "expected_status": "received",
            "system": OperatingSystem.objects.get(name="Debian", architecture="amd64").pk,
        },
    )
    assert r.status_code == 200
    assert "effac" in r.content.decode()
    laptop.refresh_from_db()
    assert laptop.status == S.RECEIVED and not laptop.os_installs.exists()


def test_stale_form_says_someone_else_moved_it(tech_client, laptop, technician):
    walk_to(laptop, S.DIAGNOSED, technician)
    checks = {f"check_{k}": "ok" for k, _l in checks_for("laptop")}
    r = tech_client.post(
        step_url(laptop, "diagnostic"), {**checks, "expected_status": "received"}, follow=True
    )
    assert "Quelqu" in r.content.decode()
    assert laptop.diagnoses.count() == 1


def test_queue_groups_by_next_step_and_filters(tech_client, batch, technician, other_workshop):
    a = make_device(batch, serial_number="Q1")
    b = walk_to(make_device(batch, serial_number="Q2"), S.DIAGNOSED, technician)
    walk_to(make_device(batch, serial_number="Q3"), S.READY, technician)
    make_device(make_batch(other_workshop), serial_number="THEIRS")
    page = tech_client.get(reverse("reconditioning:queue")).content.decode()
    assert a.asset_tag in page and b.asset_tag in page
    assert "THEIRS" not in page
    filtered = tech_client.get(reverse("reconditioning:queue"), {"status": "diagnosed"})
    body = filtered.content.decode()
    assert b.asset_tag in body and a.asset_tag not in body


def test_queue_query_count_is_fixed(tech_client, batch, technician, django_assert_max_num_queries):
    for _ in range(2):
        make_device(batch)
    with django_assert_max_num_queries(15) as ctx:
        tech_client.get(reverse("reconditioning:queue"))
    n = len(ctx.captured_queries)
    for _ in range(12):
        make_device(batch)
    with django_assert_max_num_queries(n):
        tech_client.get(reverse("reconditioning:queue"))


def test_bulk_step_refuses_whole_and_lists_faults(tech_client, batch, technician):
    disk = [{"capacity_gb": 256, "kind": "ssd"}]
    ok = walk_to(make_device(batch, ram_mb=8192, drives=disk), S.ERASED, technician)
    lagging = make_device(batch, ram_mb=8192, drives=disk)
    mint = OperatingSystem.objects.get(name="Linux Mint", version="22.2 Cinnamon")
    url = reverse("reconditioning:batch_steps", args=[batch.pk])
    r = tech_client.post(url, {"step": "os", "system": mint.pk, "devices": [ok.pk, lagging.pk]})
    body = r.content.decode()
    assert lagging.asset_tag in body.split('id="faults"')[1].split("</ul>")[0]
    ok.refresh_from_db()
    assert ok.status == S.ERASED and not ok.os_installs.exists()
    r = tech_client.post(url, {"step": "os", "system": mint.pk, "devices": [ok.pk]})
    assert r.status_code == 302
    ok.refresh_from_db()
    assert ok.status == S.OS_INSTALLED


def test_scan_opens_the_device(tech_client, laptop, other_workshop):
    r = tech_client.get(reverse("inventory:scan"), {"q": laptop.asset_tag.lower()})
    assert r.status_code == 302 and r.url == laptop.get_absolute_url()
    r = tech_client.get(reverse("inventory:scan"), {"q": "lap1"})
    assert r.url == laptop.get_absolute_url()
    theirs = make_device(make_batch(other_workshop), serial_number="HIDDEN")
    r = tech_client.get(reverse("inventory:scan"), {"q": theirs.asset_tag})
    assert r.url.startswith(reverse("inventory:device_list"))


def pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_device_certificate_has_the_nist_fields(tech_client, laptop, technician):
    walk_to(laptop, S.ERASED, technician)
    text = pdf_text(tech_client.get(reverse("reconditioning:device_certificate", args=[laptop.pk])))
    for expected in [
        "Certificat d'effacement",
        laptop.asset_tag,
        "S3Z1",
        "Purge",
        "nvme-cli",
        "2.4",
        batch_ref(laptop),
        "Signature",
        "2022-190",
        "Réussi",
    ]:
        assert expected in text, expected


def batch_ref(device):
    return device.batch.reference


def test_batch_certificate_lists_every_medium_and_missing_devices(tech_client, batch, technician):
    done = [
        walk_to(
            make_device(
                batch,
                serial_number=f"B{i}",
                drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": f"HD{i}"}],
            ),
            S.ERASED,
            technician,
        )
        for i in range(3)
    ]
    pending = make_device(batch, serial_number="PENDING")
    text = pdf_text(tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk])))
    for d in done:
        assert d.asset_tag in text
    assert "HD0" in text and "HD2" in text and "Clear" in text
    missing = text.split("encore sans effacement")[1]
    assert pending.asset_tag in missing
    assert all(d.asset_tag not in missing for d in done)


def test_certificates_of_another_workshop_are_404(tech_client, other_workshop):
    theirs = make_device(make_batch(other_workshop))
    assert (
        tech_client.get(reverse("reconditioning:device_certificate", args=[theirs.pk])).status_code
        == 404
    )
    assert (
        tech_client.get(
            reverse("reconditioning:batch_certificate", args=[theirs.batch_id])
        ).status_code
        == 404
    )


def test_other_workshop_cannot_record_steps(client, laptop, other_technician):
    client.force_login(other_technician)
    assert client.get(step_url(laptop, "diagnostic")).status_code == 404
    assert Device.objects.get(pk=laptop.pk).status == S.RECEIVED


def test_batch_page_shows_progress(tech_client, batch, technician):
    walk_to(make_device(batch), S.READY, technician)
    make_device(batch)
    page = tech_client.get(batch.get_absolute_url()).content.decode()
    assert 'id="progress"' in page and "Prêt : 1" in page and "Reçu : 1" in page


def test_long_batch_certificate_is_rendered_in_parts(tech_client, batch, technician, monkeypatch):
    from reports import certificates

    monkeypatch.setattr(certificates, "CHUNK", 2)
    done = [
        walk_to(
            make_device(
                batch, drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": f"PART{i}"}]
            ),
            S.ERASED,
            technician,
        )
        for i in range(5)
    ]
    text = pdf_text(tech_client.get(reverse("reconditioning:batch_certificate", args=[batch.pk])))
    assert all(d.asset_tag in text for d in done)
    assert text.count("Signature") == 1 and "(suite)" in text
    assert "5 —" in text or "5 — " in text  # media certified: the whole batch, not one part
