"""Fill a device from the machine's own report: find it by serial or create it, in one go."""

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .enums import DeviceSource, DeviceType
from .hardware import HardwareFacts, HardwareReportError, battery_health, merge_smartctl, parse_lshw
from .models import CollectionBatch, Device, HardwareReport, StorageDrive
from .services import DeviceSpecs, device_receive, normalise_serial, normalise_text


@dataclass
class IngestResult:
    device: Device
    created: bool
    warnings: list[str]


def _storable(data: Any) -> Any:
    """The report as JSON for the evidence row; called only once the parser accepted it."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
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


def _drives(facts: HardwareFacts) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind,
            "capacity_gb": d.capacity_gb,
            "model": d.model[:150],
            "serial_number": d.serial[:100],
            "smart_passed": d.smart_passed,
            "power_on_hours": d.power_on_hours,
        }
        for d in facts.disks
    ]


@transaction.atomic
def hardware_report_ingest(
    *,
    user: User,
    lshw: Any,
    smartctl: list | None = None,
    battery: dict | None = None,
    batch: CollectionBatch | None = None,
) -> IngestResult:
    """Find the device by serial among the user's devices, or create it in `batch`."""
    # The parser reads raw bytes best (BOM, "run as super-user" line, error positions).
    facts = hardware_facts_read(lshw=lshw, smartctl=smartctl, battery=battery)
    lshw = _storable(lshw)
    smartctl = [_storable(item) for item in (smartctl or [])]
    warnings = list(facts.warnings)
    serial = normalise_serial(facts.serial)
    manufacturer = normalise_text(facts.manufacturer)[:100]

    device = None
    if serial:
        candidates = Device.objects.visible_to(user).filter(serial_number=serial)
        matches = [d for d in candidates if d.manufacturer.lower() in ("", manufacturer.lower())]
        if len(matches) > 1:
            matches = [d for d in matches if d.manufacturer.lower() == manufacturer.lower()]
        device = matches[0] if matches else None
    else:
        warnings.append(_("No serial number in the report: a new device is created."))

    if device is None:
        if batch is None:
            raise HardwareReportError(
                _("No device with serial number %(serial)s: give a batch to create it.")
                % {"serial": serial or "—"}
            )
        if not CollectionBatch.objects.visible_to(user).filter(pk=batch.pk).exists():
            raise HardwareReportError(_("This batch does not exist or is not yours."))
        specs = DeviceSpecs(
            device_type=facts.device_type or DeviceType.OTHER,
            serial_number=serial,
            manufacturer=manufacturer,
            model=normalise_text(facts.model)[:150],
            cpu=normalise_text(facts.cpu)[:200],
            ram_mb=facts.ram_mb,
            drives=_drives(facts),
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
            "model": normalise_text(facts.model)[:150] or device.model,
            "cpu": normalise_text(facts.cpu)[:200] or device.cpu,
            "ram_mb": facts.ram_mb or device.ram_mb,
            "battery_health_pct": facts.battery_health_pct
            if facts.battery_health_pct is not None
            else device.battery_health_pct,
            "is_virtual": facts.is_virtual,
        }
        if facts.device_type:
            updates["device_type"] = facts.device_type
        for name, value in updates.items():
            setattr(device, name, value)
        device.save(update_fields=[*updates, "updated_at"])
        if facts.disks:
            device.drives.all().delete()
            StorageDrive.objects.bulk_create(
                StorageDrive(device=device, **drive) for drive in _drives(facts)
            )
        created = False

    HardwareReport.objects.create(
        device=device,
        submitted_by=user,
        lshw=lshw,
        smartctl=smartctl,
        battery=battery or {},
        warnings=warnings,
    )
    return IngestResult(device=device, created=created, warnings=warnings)
