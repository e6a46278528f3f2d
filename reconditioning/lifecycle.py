"""The device's life as data: which status may follow which, what each step needs, and the one
function that moves a device along the graph. Nothing else writes Device.status."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType
from inventory.models import Device, DeviceEvent, milestone_updates

from .checklists import checks_for
from .enums import ErasureResult
from .models import (
    Diagnosis,
    ErasureRecord,
    OsInstall,
    QualityCheck,
    Repair,
    ScrapRecord,
    cycle_start,
)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.DIAGNOSED, S.SCRAPPED),
    S.DIAGNOSED: (S.ERASED, S.SCRAPPED),
    S.ERASED: (S.REPAIRED, S.OS_INSTALLED, S.SCRAPPED),
    S.REPAIRED: (S.OS_INSTALLED, S.SCRAPPED),
    S.OS_INSTALLED: (S.READY, S.SCRAPPED),
    S.READY: (S.RESERVED, S.SCRAPPED),
    S.RESERVED: (S.ALLOCATED, S.READY),
    S.ALLOCATED: (S.RETURNED,),
    S.RETURNED: (S.DIAGNOSED, S.SCRAPPED),
    S.SCRAPPED: (),
}

# A drive added or swapped after erasure sends the device back to the erasure step
# (drive_change_record): off the forward graph, but a valid step of the log.
SENT_BACK_FROM = (S.ERASED, S.REPAIRED, S.OS_INSTALLED, S.READY)
SEND_BACK_TO = S.DIAGNOSED
# A reserved or handed-over device belongs to an order; a scrapped one is gone.
DRIVE_CHANGE_STATUSES = frozenset({S.RECEIVED, S.DIAGNOSED, S.RETURNED, *SENT_BACK_FROM})

# The step a technician takes next from each status (the queue groups devices by it).
NEXT_STEP: dict[str, str] = {
    S.RECEIVED: S.DIAGNOSED,
    S.RETURNED: S.DIAGNOSED,
    S.DIAGNOSED: S.ERASED,
    S.ERASED: S.OS_INSTALLED,
    S.REPAIRED: S.OS_INSTALLED,
    S.OS_INSTALLED: S.READY,
}

# Steps taken by orders and allocations (the quasi-don), not by the workshop's screens.
ORDER_STEPS = {S.RESERVED, S.ALLOCATED, S.RETURNED}


class TransitionError(ValidationError):
    """A step the graph or its guard refuses; the message says what is missing."""


class ConcurrentChangeError(TransitionError):
    """Someone else moved the device between the page being shown and the action."""


def concurrent_change(current: str) -> ConcurrentChangeError:
    return ConcurrentChangeError(
        _(
            "Someone else has just moved this device to “%(status)s”: nothing was changed. "
            "Reload the page to see it."
        )
        % {"status": S(current).label}
    )


def _since(qs, device: Device):
    start = cycle_start(device)
    return qs.filter(recorded_at__gte=start) if start else qs


def _since_rework(qs, device: Device):
    """Evidence of the steps after erasure (system, quality check) counts only if recorded
    after the device was last sent back to the erasure step."""
    back = (
        DeviceEvent.objects.filter(
            device=device, to_status=SEND_BACK_TO, from_status__in=SENT_BACK_FROM
        )
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    qs = _since(qs, device)
    return qs.filter(recorded_at__gt=back) if back else qs


def _guard_diagnosed(device: Device) -> str | None:
    if not _since(Diagnosis.objects.filter(device=device), device).exists():
        return _("Record the diagnosis first.")
    return None


def erasure_missing(device: Device) -> list[str]:
    """Storage media of the device without a passed erasure in this cycle (décret 2022-190:
    no previous user's data may remain when a device changes owner). What counts is when the
    erasure happened, not when it was entered."""
    records = (
        ErasureRecord.objects.filter(device=device).of_current_cycle().order_by("recorded_at", "id")
    )
    latest: dict[int | None, str] = {}
    for drive_id, result in records.values_list("drive_id", "result"):
        latest[drive_id] = result
    drives = list(device.drives.all())
    if drives:
        return [
            str(d) or _("drive %(n)s") % {"n": d.pk}
            for d in drives
            if latest.get(d.pk) != ErasureResult.PASSED
        ]
    if device.device_type == DeviceType.MONITOR:
        return []  # a monitor holds no user data
    if ErasureResult.PASSED in latest.values():
        return []
    return [_("the device's storage")]


def _guard_erased(device: Device) -> str | None:
    missing = erasure_missing(device)
    if missing:
        return _("No passed erasure record for: %(media)s.") % {"media": ", ".join(missing)}
    return None


def _guard_repaired(device: Device) -> str | None:
    if not _since(Repair.objects.filter(device=device), device).exists():
        return _("Record the repair first.")
    return None


def _guard_os_installed(device: Device) -> str | None:
    if not _since_rework(OsInstall.objects.filter(device=device), device).exists():
        return _("Record the system installation first.")
    return None


def latest_quality_check(device: Device):
    return (
        _since_rework(QualityCheck.objects.filter(device=device), device)
        .order_by("-recorded_at", "-id")
        .first()
    )


def unrepaired_faults(device: Device) -> list[str]:
    """The checklist items the last diagnosis of this cycle found at fault, when no repair
    was recorded after it: a device does not become ready with them unless its quality check
    accepts them, so that nobody hands over a known defect without saying so."""
    diagnosis = (
        _since(Diagnosis.objects.filter(device=device), device)
        .order_by("-recorded_at", "-id")
        .first()
    )
    if diagnosis is None or not diagnosis.faults:
        return []
    if Repair.objects.filter(device=device, recorded_at__gte=diagnosis.recorded_at).exists():
        return []
    return diagnosis.faults


def fault_labels(device: Device, keys: Iterable[str]) -> str:
    labels = dict(checks_for(device.device_type))
    return " · ".join(str(labels.get(key, key)) for key in keys)  # labels hold commas


def faults_refusal(device: Device, faults: Sequence[str]) -> str:
    return _(
        "Checks at fault in the diagnosis, with no repair since: %(faults)s. Record the "
        "repair, or accept them in the quality check (the device then goes out with them)."
    ) % {"faults": fault_labels(device, faults)}


def _guard_ready(device: Device) -> str | None:
    erased = _guard_erased(device)
    if erased:
        return erased
    check = latest_quality_check(device)
    if check is None or not check.passed:
        return _("The quality check must be recorded and passed.")
    if not check.grade:
        return _("The quality check must give a grade (A, B or C).")
    left = [f for f in unrepaired_faults(device) if f not in (check.faults_accepted or [])]
    if left:
        return faults_refusal(device, left)
    return None


def _guard_scrapped(device: Device) -> str | None:
    if not _since(ScrapRecord.objects.filter(device=device), device).exists():
        return _("Record the reason, the WEEE channel and the weight first.")
    return None


def _guard_order_step(device: Device) -> str | None:
    return _("This step is taken by an order or an allocation, not from the workshop.")


GUARDS: dict[str, Callable[[Device], str | None]] = {
    S.DIAGNOSED: _guard_diagnosed,
    S.ERASED: _guard_erased,
    S.REPAIRED: _guard_repaired,
    S.OS_INSTALLED: _guard_os_installed,
    S.READY: _guard_ready,
    S.SCRAPPED: _guard_scrapped,
    S.RESERVED: _guard_order_step,
    S.ALLOCATED: _guard_order_step,
    S.RETURNED: _guard_order_step,
}


def check_transition(
    device: Device, to_status: str, *, current: str | None = None, allow_order_steps: bool = False
) -> str | None:
    """Why `device` cannot go to `to_status` now, or None if it can."""
    current = current or device.status
    if to_status not in TRANSITIONS.get(current, ()):
        return _("A device cannot go from “%(from)s” to “%(to)s”.") % {
            "from": S(current).label,
            "to": S(to_status).label,
        }
    if allow_order_steps and (to_status in ORDER_STEPS or current == S.RESERVED):
        return None
    if current == S.RESERVED:
        return _("This device is reserved for an order: cancelling the order releases it.")
    guard = GUARDS.get(to_status)
    return guard(device) if guard else None


# Called with (device, user) each time a device reaches "ready", inside the same transaction:
# the apps above register theirs in AppConfig.ready (the quasi-don reserves the device for an
# order waiting for one), so this module knows none of them.
READY_HOOKS: list[Callable] = []


def on_ready(hook: Callable) -> Callable:
    if hook not in READY_HOOKS:
        READY_HOOKS.append(hook)
    return hook


def _apply(device: Device, current: str, to_status: str, user, note: str) -> DeviceEvent:
    event = DeviceEvent.objects.create(
        device=device, from_status=current, to_status=to_status, actor=user, note=note[:300]
    )
    updates = {"status": to_status, "status_since": event.at}
    if to_status == S.READY:
        updates["grade"] = latest_quality_check(device).grade
    Device.objects.filter(pk=device.pk).update(**updates, **milestone_updates(to_status, event.at))
    for name, value in updates.items():
        setattr(device, name, value)
    if to_status == S.READY:
        for hook in READY_HOOKS:
            hook(device, user)
    return event


@transaction.atomic
def device_transition(
    *,
    device: Device,
    to_status: str,
    user,
    note: str = "",
    expected_status: str | None = None,
    allow_order_steps: bool = False,
) -> DeviceEvent:
    """Move a device one step. The row is locked, so of two technicians acting at once one
    succeeds and the other is told; `expected_status` is the status the user saw."""
    current = Device.objects.select_for_update().values_list("status", flat=True).get(pk=device.pk)
    if expected_status is not None and current != expected_status:
        raise concurrent_change(current)
    device.status = current
    problem = check_transition(
        device, to_status, current=current, allow_order_steps=allow_order_steps
    )
    if problem:
        raise TransitionError(problem)
    return _apply(device, current, to_status, user, note)


def device_send_back(*, device: Device, user, note: str) -> DeviceEvent | None:
    """Back to the erasure step after a drive change (the caller holds the row lock); a
    device not past erasure stays where it is."""
    if device.status not in SENT_BACK_FROM:
        return None
    event = _apply(device, device.status, SEND_BACK_TO, user, note)
    # The grade comes with the quality check, which is to be done again.
    Device.objects.filter(pk=device.pk).update(grade="")
    device.grade = ""
    return event


@dataclass
class BulkFault:
    device: Device
    message: str


class BulkTransitionError(TransitionError):
    def __init__(self, faults: Sequence[BulkFault]):
        self.faults = list(faults)
        super().__init__(
            _("Nothing was changed: %(n)s device(s) cannot take this step.") % {"n": len(faults)}
        )


@transaction.atomic
def devices_transition(
    *, devices: Iterable[Device], to_status: str, user, note: str = ""
) -> list[DeviceEvent]:
    """Apply one step to many devices: every guard is checked first, and if any fails nothing
    is written and every device at fault is listed."""
    ids = [d.pk for d in devices]
    locked = list(Device.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    faults = []
    for device in locked:
        problem = check_transition(device, to_status)
        if problem:
            faults.append(BulkFault(device, problem))
    if faults:
        raise BulkTransitionError(faults)
    return [_apply(device, device.status, to_status, user, note) for device in locked]


def replay(events: Iterable[DeviceEvent]) -> str | None:
    """The status an event log leads to, checking every step is on the graph."""
    status = None
    for event in events:
        if status is None:
            assert event.from_status == "" and event.to_status == S.RECEIVED, event
        else:
            assert event.from_status == status, (event.from_status, status)
            sent_back = status in SENT_BACK_FROM and event.to_status == SEND_BACK_TO
            assert sent_back or event.to_status in TRANSITIONS[status], (status, event.to_status)
        status = event.to_status
    return status


def workshop_chain_breaks(device: Device) -> list[str]:
    """What the proof of a ready (or later) device lacks in its current cycle: the reception,
    then each step's own guard in order — diagnosis, erasure of every current drive, system,
    passed and graded quality check. The audit and the transitions read the same rules."""
    breaks = []
    if cycle_start(device) is None:
        breaks.append(_("No reception event."))
    for status in (S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY):
        problem = GUARDS[status](device)
        if problem and problem not in breaks:
            breaks.append(problem)
    return breaks
