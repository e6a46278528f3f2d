"""Property: whatever a technician attempts, in any order, no device reaches `ready` (or
beyond) without the evidence the guards demand, and the event log replays to the status."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.enums import DeviceStatus as S
from reconditioning import lifecycle
from reconditioning.demo import take_step
from reconditioning.enums import ErasureResult
from reconditioning.models import ErasureRecord, OsInstall, QualityCheck
from tests.factories import make_device

pytestmark = pytest.mark.django_db

EVIDENCE = [S.DIAGNOSED, S.ERASED, S.REPAIRED, S.OS_INSTALLED, S.READY, S.SCRAPPED]
TARGETS = [s for s in S.values if s != S.RECEIVED]

action = st.one_of(
    st.tuples(st.just("evidence"), st.sampled_from(EVIDENCE)),
    st.tuples(st.just("transition"), st.sampled_from(TARGETS)),
    st.tuples(st.just("bulk"), st.sampled_from(TARGETS)),
    st.tuples(st.just("failed_erasure"), st.just(S.ERASED)),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=12))
def test_random_attempts_never_skip_the_evidence(batch, technician, actions):
    device = make_device(
        batch, drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "X"}], ram_mb=8192
    )
    for kind, target in actions:
        try:
            if kind == "evidence":
                take_step(device, target, technician)
            elif kind == "transition":
                lifecycle.device_transition(device=device, to_status=target, user=technician)
            elif kind == "bulk":
                lifecycle.devices_transition(devices=[device], to_status=target, user=technician)
            else:
                from reconditioning import services

                services.erasure_record(
                    device=device,
                    user=technician,
                    drive=device.drives.first(),
                    method="overwrite",
                    nist_level="clear",
                    tool="nwipe",
                    result=ErasureResult.FAILED,
                    started_at=timezone.now(),
                    ended_at=timezone.now(),
                )
        except (ValidationError, ValueError):
            pass
        device.refresh_from_db()
        if device.status in (S.READY, S.RESERVED, S.ALLOCATED):
            assert not lifecycle.erasure_missing(device)
            assert ErasureRecord.objects.filter(device=device, result="passed").exists()
            assert OsInstall.objects.filter(device=device).exists()
            check = QualityCheck.objects.filter(device=device).order_by("-id").first()
            assert check is not None and check.passed and check.grade
            assert device.grade == check.grade
        assert device.status not in (S.RESERVED, S.ALLOCATED, S.RETURNED)
        assert lifecycle.replay(device.events.order_by("at", "id")) == device.status
