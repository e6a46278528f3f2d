"""Fill a device from the machine's own report: find it by serial or create it, in one go."""

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import User
from core.text import decode_text

from .enums import DeviceSource, DeviceType
from .hardware import (
    HardwareFacts,
    HardwareReportError,
    battery_health,
    is_virtual_disk,
    merge_smartctl,
    parse_lshw,
)
from .models import CollectionBatch, Device, HardwareReport, PendingHardwareReport, StorageDrive
from .services import (
    DRIVES_EDITABLE,
    DeviceSpecs,
    canonical_manufacturer,
    device_receive,
    drives_add,
    drives_remove,
    normalise_serial,
    normalise_text,
)


@dataclass
class IngestResult:
    device: Device
    created: bool
    warnings: list[str]
    # Set when the report would change what the device is: nothing was applied yet.
    pending: "PendingHardwareReport | None" = None

    @property
    def held(self) -> bool:
        return self.pending is not None


def _storable(data: Any) -> Any:
    """The report as JSON for the evidence row; called only once the parser accepted it."""
    if isinstance(data, bytes):
        data = decode_text(data, fallback="utf-8")[0]
    if isinstance(data, str):
        text = data.lstrip("\ufeff")
        start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=0)
        try:
            return json.loads(text[start:])
        except ValueError:
            return {"raw": text[:1_000_000]}
    return data


def hardware_facts_read(
    *, lshw: Any, smartctl: list | None = None, battery: dict | None = None
) -> HardwareFacts:
    """Parse everything before touching the database: a bad lshw report writes nothing. An
    unreadable smartctl file only loses the health of its disk: the rest is read, and the
    warnings say which SMART part could not be (merge_smartctl changes nothing when it fails)."""
    facts = parse_lshw(lshw)
    items = smartctl or []
    for number, item in enumerate(items, start=1):
        try:
            merge_smartctl(facts, item)
        except HardwareReportError as exc:
            facts.warnings.append(
                _(
                    "The SMART report %(number)s of %(count)s could not be read, so the health "
                    "of its disk is unknown (the rest of the report was read): %(reason)s"
                )
                % {"number": number, "count": len(items), "reason": exc}
            )
    if battery:
        if not isinstance(battery, dict):
            raise HardwareReportError(_("The battery information must be an object."))
        full = battery.get("energy_full", battery.get("charge_full"))
        design = battery.get("energy_full_design", battery.get("charge_full_design"))
        health = battery_health(full, design)
        if health is not None:
            facts.battery_health_pct = health
    return facts


INT_MAX = 2**31 - 1  # PostgreSQL integer columns


def _int_or_none(value, warnings: list[str], what: str) -> int | None:
    if value is None:
        return None
    if not 0 <= value <= INT_MAX:
        warnings.append(
            _("Implausible %(what)s ignored: %(value)s.") % {"what": what, "value": value}
        )
        return None
    return value


def _clean_json(value: Any) -> Any:
    """PostgreSQL's jsonb refuses NUL characters; the evidence keeps everything else."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {_clean_json(k): _clean_json(v) for k, v in value.items()}
    return value


def _drives(facts: HardwareFacts, warnings: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind,
            "capacity_gb": _int_or_none(d.capacity_gb, warnings, _("disk size")),
            "model": normalise_text(d.model)[:150],
            "serial_number": normalise_serial(d.serial)[:100],
            "smart_passed": d.smart_passed,
            "power_on_hours": _int_or_none(d.power_on_hours, warnings, _("power-on hours")),
        }
        for d in facts.disks
    ]


def _identifying_serials(drives: list[dict[str, Any]], is_virtual: bool) -> list[str]:
    """Disk serials that tell one machine from another: none of a virtual machine's, none a
    hypervisor gives by default."""
    if is_virtual:
        return []
    return [
        d["serial_number"]
        for d in drives
        if d["serial_number"] and not is_virtual_disk(d["model"], d["serial_number"])
    ]


class HardwarePermissionError(HardwareReportError):
    """The caller may read devices but not write them (donors, funders, coordinators)."""


@dataclass
class Reported:
    """What the report says, in the device's normal forms."""

    serial: str
    manufacturer: str
    model: str
    cpu: str
    ram_mb: int | None
    drives: list[dict[str, Any]]
    device_type: str | None
    battery_health_pct: int | None
    is_virtual: bool

    @classmethod
    def from_facts(cls, facts: HardwareFacts, warnings: list[str]) -> "Reported":
        return cls(
            serial=normalise_serial(facts.serial)[:100],
            manufacturer=canonical_manufacturer(facts.manufacturer)[:100],
            model=normalise_text(facts.model)[:150],
            cpu=normalise_text(facts.cpu)[:200],
            ram_mb=_int_or_none(facts.ram_mb, warnings, _("memory size")),
            drives=_drives(facts, warnings),
            device_type=facts.device_type,
            battery_health_pct=facts.battery_health_pct,
            is_virtual=facts.is_virtual,
        )


def same_manufacturer(a: str, b: str) -> bool:
    return canonical_manufacturer(a).lower() == canonical_manufacturer(b).lower()


def same_model(a: str, b: str) -> bool:
    """ "T480" and "ThinkPad T480" name one model; "T480" and "T480s" do not."""
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    return words_a <= words_b or words_b <= words_a


def _agrees(device: Device, reported: Reported) -> bool:
    """The device may be the reported machine: no maker or model that says otherwise."""
    maker_ok = not (device.manufacturer and reported.manufacturer) or same_manufacturer(
        device.manufacturer, reported.manufacturer
    )
    model_ok = not (device.model and reported.model) or same_model(device.model, reported.model)
    return maker_ok and model_ok


def _ambiguous(devices: list[Device]) -> HardwareReportError:
    return HardwareReportError(
        _("This report matches several devices (%(tags)s): nothing was written; send it to one.")
        % {"tags": ", ".join(d.asset_tag for d in devices)}
    )


def _find_device(workshops: set[int], reported: Reported, warnings: list[str]) -> Device | None:
    """The system serial first (placeholders are already gone); without one, a disk serial,
    only on a device whose maker and model agree, and never a virtual disk's serial."""
    devices = Device.objects.filter(workshop_id__in=workshops)
    if reported.serial:
        matches = list(devices.filter(serial_number=reported.serial))
        if len(matches) > 1:
            matches = [
                d for d in matches if same_manufacturer(d.manufacturer, reported.manufacturer)
            ]
        if len(matches) > 1:
            raise _ambiguous(matches)
        return matches[0] if matches else None
    serials = _identifying_serials(reported.drives, reported.is_virtual)
    if not serials:
        return None
    candidates = list(devices.filter(drives__serial_number__in=serials).distinct())
    agreeing = [d for d in candidates if _agrees(d, reported)]
    for other in candidates:
        if other not in agreeing:
            warnings.append(
                _(
                    "A disk of this report has a serial number recorded on %(tag)s (%(what)s), "
                    "another machine: was the disk moved?"
                )
                % {"tag": other.asset_tag, "what": f"{other.manufacturer} {other.model}".strip()}
            )
    if len(agreeing) > 1:
        raise _ambiguous(agreeing)
    return agreeing[0] if agreeing else None


def differences(device: Device, reported: Reported) -> list[dict[str, Any]]:
    """What the report would change about what the device is; filling a blank is not one."""
    found = []
    if (
        device.manufacturer
        and reported.manufacturer
        and not same_manufacturer(device.manufacturer, reported.manufacturer)
    ):
        found.append(
            {
                "field": "manufacturer",
                "current": device.manufacturer,
                "reported": reported.manufacturer,
            }
        )
    if device.model and reported.model and not same_model(device.model, reported.model):
        found.append({"field": "model", "current": device.model, "reported": reported.model})
    count = device.drives.count()
    if count and reported.drives and count != len(reported.drives):
        found.append({"field": "drives", "current": count, "reported": len(reported.drives)})
    return found


DIFFERENCE_LABELS = {
    "manufacturer": gettext_lazy("manufacturer"),
    "model": gettext_lazy("model"),
    "drives": gettext_lazy("number of drives"),
}


def difference_rows(diffs: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    """(what, as recorded, as reported) for the page that asks for confirmation."""
    return [
        (str(DIFFERENCE_LABELS.get(d["field"], d["field"])), d["current"], d["reported"])
        for d in diffs
    ]


def describe_differences(diffs: list[dict[str, Any]]) -> str:
    return "; ".join(
        _("%(field)s: %(current)s → %(reported)s")
        % {
            "field": str(DIFFERENCE_LABELS.get(d["field"], d["field"])),
            "current": d["current"],
            "reported": d["reported"],
        }
        for d in diffs
    )


def held_message(pending: PendingHardwareReport) -> str:
    return _(
        "Held for a technician's confirmation on the page of %(tag)s, as it would change "
        "%(changes)s. Nothing was applied."
    ) % {"tag": pending.device.asset_tag, "changes": describe_differences(pending.differences)}


def _same_drive(existing: StorageDrive, new: dict[str, Any]) -> bool:
    if existing.serial_number and new["serial_number"]:
        return existing.serial_number.upper() == new["serial_number"].upper()
    if existing.capacity_gb and new["capacity_gb"] and existing.capacity_gb != new["capacity_gb"]:
        return False
    if "other" not in (existing.kind, new["kind"]) and existing.kind != new["kind"]:
        return False
    mine, theirs = existing.model.lower(), new["model"].lower()
    return not (mine and theirs) or mine.startswith(theirs) or theirs.startswith(mine)


# A drive's health and description: a report without smartctl has none of the first.
DRIVE_FACTS = ("kind", "capacity_gb", "model", "serial_number", "smart_passed", "power_on_hours")


def _reconcile_drives(
    device: Device, drives: list[dict[str, Any]], user: User, warnings: list[str]
) -> None:
    """Keep every drive row the report describes again; a value the report lacks never
    erases a stored one. Drives added or gone are applied only before the diagnosis."""
    if not drives:
        return
    editable = device.status in DRIVES_EDITABLE
    current = list(device.drives.all())
    unmatched = list(current)
    new_drives = []
    for new in drives:
        by_serial = (d for d in unmatched if d.serial_number and new["serial_number"])
        existing = next((d for d in by_serial if _same_drive(d, new)), None)
        existing = existing or next((d for d in unmatched if _same_drive(d, new)), None)
        if existing is None:
            new_drives.append(new)
            continue
        unmatched.remove(existing)
        changed = []
        for name in DRIVE_FACTS:
            value, stored = new.get(name), getattr(existing, name)
            if value in (None, "") or value == stored:
                continue
            # From the diagnosis on the stored facts are evidence: only blanks are filled.
            if stored in (None, "") or (editable and name != "serial_number"):
                setattr(existing, name, value)
                changed.append(name)
        if changed:
            existing.save(update_fields=changed)
    if not (unmatched or new_drives):
        return
    if editable:
        drives_remove(drives=unmatched, user=user, note=_("Not in the hardware report"))
        drives_add(device=device, drives=new_drives)
    else:
        warnings.append(
            _(
                "The drives were kept: the device is past its diagnosis. Record a drive change "
                "on its page to add or swap one."
            )
        )


def _apply(device: Device, reported: Reported, user: User, warnings: list[str]) -> Device:
    device = Device.objects.select_for_update().get(pk=device.pk)
    # The machine is authoritative for what it measures; typed notes stay.
    updates = {
        "manufacturer": reported.manufacturer or device.manufacturer,
        "model": reported.model or device.model,
        "cpu": reported.cpu or device.cpu,
        "ram_mb": reported.ram_mb or device.ram_mb,
        "battery_health_pct": reported.battery_health_pct
        if reported.battery_health_pct is not None
        else device.battery_health_pct,
        "is_virtual": reported.is_virtual,
    }
    if reported.device_type:
        updates["device_type"] = reported.device_type
    for name, value in updates.items():
        setattr(device, name, value)
    try:
        with transaction.atomic():
            device.save(update_fields=[*updates, "updated_at"])
    except IntegrityError as exc:
        raise HardwareReportError(
            _("Another device already has this manufacturer and serial number.")
        ) from exc
    _reconcile_drives(device, reported.drives, user, warnings)
    return device


def _raw(lshw: Any, smartctl: list | None, battery: dict | None) -> dict[str, Any]:
    return {
        "lshw": _clean_json(_storable(lshw)),
        "smartctl": [_clean_json(_storable(item)) for item in (smartctl or [])],
        "battery": _clean_json(battery or {}),
    }


@transaction.atomic
def hardware_report_ingest(
    *,
    user: User,
    lshw: Any,
    smartctl: list | None = None,
    battery: dict | None = None,
    batch: CollectionBatch | None = None,
) -> IngestResult:
    """Find the device among the user's workshops' devices, or create it in `batch`. A
    report that would change a known device's manufacturer, model or number of drives is
    held for a technician's confirmation instead. Only workshop members (technicians,
    managers, workshop machines) may do this."""
    workshops = user.workshop_ids()
    if not permissions.can(user, "inventory.log"):
        raise HardwarePermissionError(_("Only the staff of a workshop can send hardware reports."))
    # The parser reads raw bytes best (BOM, "run as super-user" line, error positions).
    facts = hardware_facts_read(lshw=lshw, smartctl=smartctl, battery=battery)
    raw = _raw(lshw, smartctl, battery)
    warnings = list(facts.warnings)
    reported = Reported.from_facts(facts, warnings)
    if not (
        reported.serial or reported.model or reported.cpu or reported.ram_mb or reported.drives
    ):
        raise HardwareReportError(
            _(
                "The report holds no serial number, model, processor, memory or disk: is it the "
                "complete output of lshw -json, run with sudo?"
            )
        )

    device = _find_device(workshops, reported, warnings)
    if device is None:
        device = _create(user, workshops, reported, batch, warnings)
        created = True
    else:
        diffs = differences(device, reported)
        if diffs:
            pending = PendingHardwareReport.objects.create(
                workshop_id=device.workshop_id,
                device=device,
                batch=batch if batch is not None and batch.workshop_id in workshops else None,
                submitted_by=user,
                differences=diffs,
                warnings=warnings,
                **raw,
            )
            return IngestResult(device=device, created=False, warnings=warnings, pending=pending)
        device = _apply(device, reported, user, warnings)
        created = False
    HardwareReport.objects.create(device=device, submitted_by=user, warnings=warnings, **raw)
    return IngestResult(device=device, created=created, warnings=warnings)


def _create(
    user: User,
    workshops: set[int],
    reported: Reported,
    batch: CollectionBatch | None,
    warnings: list[str],
) -> Device:
    if batch is None:
        raise HardwareReportError(
            _("No device with serial number %(serial)s: give a batch to create it.")
            % {"serial": reported.serial or "—"}
        )
    if batch.workshop_id not in workshops:
        raise HardwareReportError(_("This batch does not exist or is not yours."))
    if not reported.serial:
        warnings.append(_("No serial number in the report: a new device is created."))
    specs = DeviceSpecs(
        device_type=reported.device_type or DeviceType.OTHER,
        serial_number=reported.serial,
        manufacturer=reported.manufacturer,
        model=reported.model,
        cpu=reported.cpu,
        ram_mb=reported.ram_mb,
        drives=reported.drives,
        battery_health_pct=reported.battery_health_pct,
        is_virtual=reported.is_virtual,
    )
    try:
        return device_receive(
            batch=batch, specs=specs, user=user, source=DeviceSource.HARDWARE_REPORT
        )
    except ValidationError as exc:
        raise HardwareReportError(" ".join(exc.messages)) from exc


class PendingDecisionError(HardwareReportError):
    """The held report was already decided, or its decision cannot be applied."""


def _lock_pending(pending: PendingHardwareReport) -> PendingHardwareReport:
    pending = PendingHardwareReport.objects.select_for_update().get(pk=pending.pk)
    if pending.status != PendingHardwareReport.Status.PENDING:
        raise PendingDecisionError(
            _("This hardware report was already %(status)s: nothing was changed.")
            % {"status": pending.get_status_display().lower()}
        )
    return pending


@transaction.atomic
def pending_report_confirm(*, pending: PendingHardwareReport, user: User) -> HardwareReport:
    """Apply a held report to its device, as a change of its own: the new HardwareReport
    says who confirmed it and what it changed."""
    pending = _lock_pending(pending)
    facts = hardware_facts_read(
        lshw=pending.lshw, smartctl=pending.smartctl, battery=pending.battery or None
    )
    warnings = list(pending.warnings)
    reported = Reported.from_facts(facts, [])
    warnings.append(
        _("Confirmed by %(user)s: %(changes)s")
        % {"user": user, "changes": describe_differences(pending.differences)}
    )
    device = _apply(pending.device, reported, user, warnings)
    report = HardwareReport.objects.create(
        device=device,
        submitted_by=pending.submitted_by,
        lshw=pending.lshw,
        smartctl=pending.smartctl,
        battery=pending.battery,
        warnings=warnings,
    )
    pending.status = PendingHardwareReport.Status.CONFIRMED
    pending.decided_by, pending.decided_at = user, timezone.now()
    pending.applied_report = report
    pending.save(update_fields=["status", "decided_by", "decided_at", "applied_report"])
    return report


@transaction.atomic
def pending_report_reject(*, pending: PendingHardwareReport, user: User) -> None:
    """The report is not this device's: kept as it came, nothing applied."""
    pending = _lock_pending(pending)
    pending.status = PendingHardwareReport.Status.REJECTED
    pending.decided_by, pending.decided_at = user, timezone.now()
    pending.save(update_fields=["status", "decided_by", "decided_at"])
