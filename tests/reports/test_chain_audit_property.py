"""Property: whatever happens to a device, in any order — steps, transitions, hand-overs,
payments, returns and new cycles — the screens never show it ready, reserved or handed over
while the chain-of-proof audit rejects it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.enums import OrganisationKind, Role
from beneficiaries import allocations
from beneficiaries.models import Allocation
from inventory.enums import DeviceStatus as S
from reconditioning import lifecycle
from reconditioning.demo import take_step
from reports.audit import AUDITED, device_chain_breaks
from tests.factories import OrganisationFactory, make_device, member

pytestmark = pytest.mark.django_db

EVIDENCE = [S.DIAGNOSED, S.ERASED, S.REPAIRED, S.OS_INSTALLED, S.READY]
action = st.one_of(
    # The whole path at once, so that sequences reach hand-overs, payments and returns.
    st.tuples(st.just("walk"), st.sampled_from([S.OS_INSTALLED, S.READY])),
    st.tuples(st.just("evidence"), st.sampled_from(EVIDENCE)),
    st.tuples(st.just("transition"), st.sampled_from([s for s in S.values if s != S.RECEIVED])),
    st.tuples(st.just("hand_over"), st.none()),
    st.tuples(st.just("pay"), st.sampled_from([Decimal("10"), Decimal("40"), Decimal("100")])),
    st.tuples(st.just("return"), st.none()),
)


@pytest.fixture
def structure_staff(db):
    structure = OrganisationFactory(name="Centre social", kind=OrganisationKind.MEDIATION)
    return structure, member(structure, Role.STAFF, username="med-prop")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=14))
def test_what_the_screens_show_ready_or_handed_over_passes_the_audit(
    batch, technician, structure_staff, actions
):
    structure, med = structure_staff
    device = make_device(
        batch, drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "P1"}], ram_mb=8192
    )
    for kind, arg in actions:
        allocation = Allocation.objects.filter(device=device, returned_at__isnull=True).first()
        try:
            if kind == "walk":
                for step in [S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY]:
                    take_step(device, step, technician)
                    if step == arg:
                        break
            elif kind == "evidence":
                take_step(device, arg, technician)
            elif kind == "transition":
                lifecycle.device_transition(device=device, to_status=arg, user=technician)
            elif kind == "hand_over":
                allocations.allocation_create(device=device, structure=structure, user=med)
            elif kind == "pay" and allocation is not None:
                allocations.payment_record(
                    allocation=allocation, amount=arg, method="cash", user=med
                )
            elif kind == "return" and allocation is not None:
                allocations.allocation_return(allocation=allocation, user=med, reason="panne")
        except (ValidationError, ValueError):
            pass
        device.refresh_from_db()
        if device.status in AUDITED:
            assert device_chain_breaks(device) == [], (device.status, actions)
    event(f"ended {device.status}")
