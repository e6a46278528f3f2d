"""Property: whatever happens to a device, in any order — steps, transitions, edits, drive
changes, hardware reports (held and confirmed), hand-overs, payments, returns and new cycles —
the screens never show it ready, reserved or handed over
while the chain-of-proof audit rejects it."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from accounts.enums import OrganisationKind, Role
from beneficiaries import allocations
from beneficiaries.models import Allocation
from inventory.enums import DeviceStatus as S
from inventory.hardware import HardwareReportError
from inventory.hardware_ingest import hardware_report_ingest, pending_report_confirm
from inventory.models import PendingHardwareReport
from inventory.services import DeviceSpecs, device_update_specs
from reconditioning import lifecycle
from reconditioning.demo import take_step
from reconditioning.services import drive_change_record
from reports.audit import AUDITED, device_chain_breaks
from tests.factories import OrganisationFactory, member

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
    # The model typed again, with or without other drives.
    st.tuples(st.just("edit"), st.booleans()),
    st.tuples(st.just("drive_change"), st.none()),
    # The same machine reported again (with its SMART data or not), or with one more disk:
    # the latter is held, then maybe confirmed.
    st.tuples(st.just("report"), st.sampled_from(["same", "same_smart", "extra_disk"])),
    st.tuples(st.just("confirm"), st.none()),
)

SAMPLES = Path(__file__).resolve().parents[1] / "inventory" / "hardware_samples"
LSHW = json.loads((SAMPLES / "lshw_thinkpad_t480.json").read_text())
SMART = json.loads((SAMPLES / "smartctl_nvme.json").read_text())


def _with_extra_disk(doc, serial):
    """The same report with a copy of its first disk under another serial."""
    doc = copy.deepcopy(doc)

    def first_disk(node, parent=None):
        if node.get("class") == "disk" and str(node.get("id", "")).startswith("disk"):
            return node, parent
        for child in node.get("children") or []:
            found = first_disk(child, node)
            if found:
                return found
        return None

    disk, parent = first_disk(doc[0] if isinstance(doc, list) else doc)
    extra = copy.deepcopy(disk)
    extra["serial"] = serial
    extra["id"] = "disk:9"
    parent["children"].append(extra)
    return doc


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
# The faults of issue 13, always tried: new drives by an edit, a report or a drive change on
# a ready device, and on a handed-over one after its return.
@example(actions=[("walk", S.READY), ("edit", True)])
@example(actions=[("walk", S.READY), ("report", "extra_disk"), ("confirm", None)])
@example(actions=[("walk", S.READY), ("drive_change", None), ("transition", S.READY)])
@example(actions=[("walk", S.READY), ("hand_over", None), ("return", None), ("edit", True)])
def test_what_the_screens_show_ready_or_handed_over_passes_the_audit(
    batch, technician, structure_staff, actions
):
    structure, med = structure_staff
    device = hardware_report_ingest(user=technician, lshw=LSHW, batch=batch).device
    assert device.drives.count() >= 1
    extra_disks = iter(f"EXTRA{n}" for n in range(100))
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
            elif kind == "edit":
                drives = [
                    {"capacity_gb": d.capacity_gb, "kind": d.kind, "serial_number": d.serial_number}
                    for d in device.drives.all()
                ]
                if arg:
                    drives.append({"capacity_gb": 1000, "kind": "hdd", "serial_number": ""})
                specs = DeviceSpecs(
                    device_type=device.device_type,
                    serial_number=device.serial_number,
                    manufacturer=device.manufacturer,
                    model=device.model + " (corrigé)",
                    cpu=device.cpu,
                    ram_mb=device.ram_mb,
                    drives=drives,
                )
                device_update_specs(
                    device=device, specs=specs, replace_drives=True, user=technician
                )
            elif kind == "drive_change":
                drive_change_record(
                    device=device,
                    user=technician,
                    reason="disque ajouté",
                    add=[{"capacity_gb": 500, "kind": "hdd", "serial_number": next(extra_disks)}],
                )
            elif kind == "report":
                lshw = _with_extra_disk(LSHW, next(extra_disks)) if arg == "extra_disk" else LSHW
                smart = [SMART] if arg == "same_smart" else None
                hardware_report_ingest(user=technician, lshw=lshw, smartctl=smart)
            elif kind == "confirm":
                pending = PendingHardwareReport.objects.filter(
                    device=device, status="pending"
                ).first()
                if pending is not None:
                    pending_report_confirm(pending=pending, user=technician)
                    event("a held report confirmed")
        except (ValidationError, ValueError, HardwareReportError):
            pass
        else:
            if kind in ("edit", "drive_change", "report"):
                event(f"{kind} applied")
        device.refresh_from_db()
        if device.status in AUDITED:
            assert device_chain_breaks(device) == [], (device.status, actions)
    event(f"ended {device.status}")
