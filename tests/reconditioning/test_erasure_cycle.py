"""An erasure counts for the device's current cycle only: it started after the cycle began
(reception or return) and ended no later than now. Old logs and old dates are refused, by the
service, the nwipe import, the manual form, the guard and the certificate alike."""

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent
from reconditioning import lifecycle, services
from reconditioning.demo import take_step, walk_to
from reconditioning.models import ErasureRecord
from tests.factories import make_device
from tests.reconditioning.logtools import shifted

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "nwipe_samples"
LOG_2023 = SAMPLES / "shredos_034_single_dodshort_passed.log"  # 14 Feb 2023, drive Z3T8KX4M


@pytest.fixture
def hdd_device(batch, technician):
    device = make_device(
        batch,
        user=technician,
        drives=[{"capacity_gb": 500, "kind": "hdd", "serial_number": "Z3T8KX4M"}],
    )
    take_step(device, S.DIAGNOSED, technician)
    return device


def local_naive(value: datetime) -> datetime:
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def returned(device, user):
    """Hand the device over and take it back: a new cycle begins at the return."""
    walk_to(device, S.READY, user)
    for status in (S.RESERVED, S.ALLOCATED, S.RETURNED):
        lifecycle.device_transition(
            device=device, to_status=status, user=user, allow_order_steps=True
        )
    take_step(device, S.DIAGNOSED, user)
    device.refresh_from_db()
    return device


def pdf_text(response) -> str:
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


# ----------------------------------------------------------------------------- the cycle


def test_cycle_start_is_the_latest_reception_or_return(hdd_device, technician):
    received = DeviceEvent.objects.get(device=hdd_device, to_status=S.RECEIVED).at
    assert lifecycle.cycle_start(hdd_device) == received
    device = returned(hdd_device, technician)
    back = DeviceEvent.objects.filter(device=device, to_status=S.RETURNED).latest("at").at
    assert lifecycle.cycle_start(device) == back > received


# ----------------------------------------------------------------------------- nwipe import


def test_nwipe_log_dated_before_the_reception_is_refused(hdd_device, technician):
    with pytest.raises(ValidationError) as exc:
        services.nwipe_log_import(
            devices=[hdd_device], content=LOG_2023.read_bytes(), user=technician
        )
    message = " ".join(exc.value.messages)
    assert "Z3T8KX4M" in message and "2023" in message
    assert "cycle" in message or "réception" in message or "retour" in message
    assert ErasureRecord.objects.count() == 0
    hdd_device.refresh_from_db()
    assert hdd_device.status == S.DIAGNOSED


def test_returned_device_refuses_a_log_from_its_previous_cycle(hdd_device, technician):
    start = lifecycle.cycle_start(hdd_device)
    old_log = shifted(LOG_2023.read_bytes(), local_naive(start + timedelta(seconds=5)))
    device = returned(hdd_device, technician)
    # The log was run after the reception but before the return: previous owner's cycle.
    before = ErasureRecord.objects.count()
    with pytest.raises(ValidationError):
        services.nwipe_log_import(devices=[device], content=old_log, user=technician)
    assert ErasureRecord.objects.count() == before
    device.refresh_from_db()
    assert device.status == S.DIAGNOSED


def test_nwipe_log_of_the_current_cycle_is_accepted(hdd_device, technician):
    # The sample runs for about five hours: move the cycle start back so that it ends before now.
    DeviceEvent.objects.filter(device=hdd_device).update(at=timezone.now() - timedelta(days=1))
    start = local_naive(timezone.now() - timedelta(hours=20))
    records = services.nwipe_log_import(
        devices=[hdd_device], content=shifted(LOG_2023.read_bytes(), start), user=technician
    )
    assert [r.result for r in records] == ["passed"]
    hdd_device.refresh_from_db()
    assert hdd_device.status == S.ERASED


def test_nwipe_log_ending_in_the_future_is_refused(hdd_device, technician):
    # A wipe station whose clock runs a day ahead.
    future = shifted(LOG_2023.read_bytes(), local_naive(timezone.now() + timedelta(hours=1)))
    with pytest.raises(ValidationError) as exc:
        services.nwipe_log_import(devices=[hdd_device], content=future, user=technician)
    assert "Z3T8KX4M" in " ".join(exc.value.messages)
    assert ErasureRecord.objects.count() == 0


# ----------------------------------------------------------------------------- manual form


def manual(device, user, started_at, ended_at):
    return services.erasure_record(
        device=device,
        user=user,
        drive=device.drives.get(),
        method="overwrite",
        nist_level="clear",
        tool="nwipe",
        result="passed",
        started_at=started_at,
        ended_at=ended_at,
    )


def test_manual_erasure_dated_2015_is_refused(hdd_device, technician):
    old = timezone.make_aware(datetime(2015, 3, 2, 10, 0))
    with pytest.raises(ValidationError) as exc:
        manual(hdd_device, technician, old, old + timedelta(hours=2))
    assert "2015" in " ".join(exc.value.messages)
    assert ErasureRecord.objects.count() == 0


def test_manual_erasure_needs_its_dates(hdd_device, technician):
    with pytest.raises(ValidationError):
        manual(hdd_device, technician, None, None)
    assert ErasureRecord.objects.count() == 0


def test_manual_erasure_ending_in_the_future_is_refused(hdd_device, technician):
    now = timezone.now()
    with pytest.raises(ValidationError):
        manual(hdd_device, technician, now - timedelta(minutes=5), now + timedelta(hours=1))
    assert ErasureRecord.objects.count() == 0


def test_manual_erasure_of_the_current_cycle_counts(hdd_device, technician):
    now = timezone.now()
    manual(hdd_device, technician, now, now)
    hdd_device.refresh_from_db()
    assert hdd_device.status == S.ERASED


def test_manual_form_says_why_a_2015_erasure_is_refused(tech_client, hdd_device):
    response = tech_client.post(
        reverse("reconditioning:device_step", args=[hdd_device.pk, "effacement"]),
        {
            "expected_status": "diagnosed",
            "drive": hdd_device.drives.get().pk,
            "sanitization": "overwrite",
            "method": "overwrite",
            "nist_level": "clear",
            "tool": "nwipe",
            "verification": "last",
            "result": "passed",
            "started_at": "2015-03-02T10:00",
            "ended_at": "2015-03-02T12:00",
        },
    )
    assert response.status_code == 200
    assert "2015" in response.content.decode()
    assert ErasureRecord.objects.count() == 0


# ----------------------------------------------------------------------------- guard, certificate


def old_record(device, user, when: datetime) -> ErasureRecord:
    """A record entered today for an erasure done long ago (as the old code accepted)."""
    return ErasureRecord.objects.create(
        device=device,
        drive=device.drives.get(),
        recorded_by=user,
        method="overwrite",
        nist_level="clear",
        tool="nwipe",
        result="passed",
        started_at=when,
        ended_at=when + timedelta(hours=5),
        media_serial="Z3T8KX4M",
    )


def test_guard_ignores_an_erasure_that_happened_before_the_cycle(hdd_device, technician):
    old_record(hdd_device, technician, timezone.make_aware(datetime(2023, 2, 14, 9, 3)))
    assert lifecycle.erasure_missing(hdd_device)
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.device_transition(device=hdd_device, to_status=S.ERASED, user=technician)


def test_certificate_does_not_print_an_erasure_from_before_the_cycle(
    tech_client, hdd_device, technician
):
    old_record(hdd_device, technician, timezone.make_aware(datetime(2023, 2, 14, 9, 3)))
    # Only an erasure from before the cycle: no certificate is issued at all (issue 13, 7).
    response = tech_client.get(reverse("reconditioning:device_certificate", args=[hdd_device.pk]))
    assert response.status_code == 302 and response.url == hdd_device.get_absolute_url()
    assert response["Content-Type"].startswith("text/html")  # no PDF states the old erasure
