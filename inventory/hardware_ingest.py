"""Fill a device from the machine's own report: find it by serial or create it, in one go."""

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from core.text import decode_text

from .enums import DeviceSource, DeviceStatus, DeviceType
from .hardware import HardwareFacts, HardwareReportError, battery_health, merge_smartctl, parse_lshw
from .models import CollectionBatch, Device, HardwareReport, StorageDrive
from .services import (
    DeviceSpecs,
    canonical_manufacturer,
    device_receive,
    normalise_serial,
    normalise_text,
)


@dataclass
class IngestResult:
    device: Device
    created: bool
    warnings: list[str]


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
    """Parse everything before touching the database: a bad report writes nothing."""
    facts = parse_lshw(lshw)
    for item in smartctl or []:
        merge_smartctl(facts, item)
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


class HardwarePermissionError(HardwareReportError):
    """The caller may read devices but not write them (donors, funders, coordinators)."""


def _find_device(
    user: User, workshops: set[int], serial: str, manufacturer: str, disk_serials: list[str]
) -> Device | None:
    devices = Device.objects.filter(workshop_id__in=workshops)
    if serial:
        matches = list(devices.filter(serial_number=serial))
        if len(matches) > 1:
            matches = [d for d in matches if d.manufacturer.lower() == manufacturer.lower()]
        if matches:
            return matches[0]
        return None
    # White-box PCs have no system serial: their disks do.
    disk_serials = [s for s in disk_serials if s]
    if disk_serials:
        drive = (
            StorageDrive.objects.filter(device__in=devices, serial_number__in=disk_serials)
            .select_related("device")
            .first()
        )
        if drive is not None:
            return drive.device
    return None


REPLACEABLE_DRIVES = {DeviceStatus.RECEIVED, DeviceStatus.DIAGNOSED, DeviceStatus.RETURNED}


@transaction.atomic
def hardware_report_ingest(
    *,
    user: User,
    lshw: Any,
    smartctl: list | None = None,
    battery: dict | None = None,
    batch: CollectionBatch | None = None,
) -> IngestResult:
    """Find the device by serial among the user's workshops' devices, or create it in `batch`.
    Only workshop members (technicians, managers, workshop machines) may do this."""
    workshops = user.workshop_ids()
    if not permissions.can(user, "inventory.log"):
        raise HardwarePermissionError(_("Only the staff of a workshop can send hardware reports."))
    # The parser reads raw bytes best (BOM, "run as super-user" line, error positions).
    facts = hardware_facts_read(lshw=lshw, smartctl=smartctl, battery=battery)
    lshw = _clean_json(_storable(lshw))
    smartctl = [_clean_json(_storable(item)) for item in (smartctl or [])]
    warnings = list(facts.warnings)
    serial = normalise_serial(facts.serial)[:100]
    manufacturer = canonical_manufacturer(facts.manufacturer)[:100]
    model = normalise_text(facts.model)[:150]
    cpu = normalise_text(facts.cpu)[:200]
    ram_mb = _int_or_none(facts.ram_mb, warnings, _("memory size"))
    drives = _drives(facts, warnings)
    if not (serial or model or cpu or ram_mb or drives):
        raise HardwareReportError(
            _(
                "The report holds no serial number, model, processor, memory or disk: is it the "
                "complete output of lshw -json, run with sudo?"
            )
        )

    device = _find_device(
        user, workshops, serial, manufacturer, [d["serial_number"] for d in drives]
    )
    if device is None:
        if batch is None:
            raise HardwareReportError(
                _("No device with serial number %(serial)s: give a batch to create it.")
                % {"serial": serial or "—"}
            )
        if batch.workshop_id not in workshops:
            raise HardwareReportError(_("This batch does not exist or is not yours."))
        if not serial:
            warnings.append(_("No serial number in the report: a new device is created."))
        specs = DeviceSpecs(
            device_type=facts.device_type or DeviceType.OTHER,
            serial_number=serial,
            manufacturer=manufacturer,
            model=model,
            cpu=cpu,
            ram_mb=ram_mb,
            drives=drives,
            battery_health_pct=facts.battery_health_pct,
            is_virtual=facts.is_virtual,
        )
        try:
            device = device_receive(
                batch=batch, specs=specs, user=user, source=DeviceSource.HARDWARE_REPORT
            )
        except ValidationError as exc:
            raise HardwareReportError(" ".join(exc.messages)) from exc
        created = True
    else:
        device = Device.objects.select_for_update().get(pk=device.pk)
        # The machine is authoritative for what it measures; typed notes stay.
        updates = {
            "manufacturer": manufacturer or device.manufacturer,
            "model": model or device.model,
            "cpu": cpu or device.cpu,
            "ram_mb": ram_mb or device.ram_mb,
            "battery_health_pct": facts.battery_health_pct
            if facts.battery_health_pct is not None
            else device.battery_health_pct,
            "is_virtual": facts.is_virtual,
        }
        if facts.device_type:
            updates["device_type"] = facts.device_type
        for name, value in updates.items():
            setattr(device, name, value)
        try:
            with transaction.atomic():
                device.save(update_fields=[*updates, "updated_at"])
        except IntegrityError as exc:
            raise HardwareReportError(
                _("Another device already has this manufacturer and serial number.")
            ) from exc
        if drives and device.status in REPLACEABLE_DRIVES:
            device.drives.all().delete()
            StorageDrive.objects.bulk_create(StorageDrive(device=device, **d) for d in drives)
        elif drives:
            # Erasure records point at the drives: past erasure they are evidence.
            warnings.append(_("The drives were kept: the device is already past erasure."))
        created = False

    HardwareReport.objects.create(
        device=device,
        submitted_by=user,
        lshw=lshw,
        smartctl=smartctl,
        battery=_clean_json(battery or {}),
        warnings=warnings,
    )
    return IngestResult(device=device, created=created, warnings=warnings)
