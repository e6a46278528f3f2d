"""Recording the evidence of each step; where the evidence completes a step, the same
transaction moves the device (through lifecycle.device_transition, never directly)."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.enums import DeviceStatus as S
from inventory.models import CollectionBatch, Device, StorageDrive
from inventory.services import drives_add, drives_remove, normalise_serial, normalise_text

from . import lifecycle
from .checklists import NEEDS_IMEI, QA_CRITERIA, checks_for
from .enums import CheckResult, ErasureMethod, ErasureResult, NistLevel, PartMovementKind
from .models import (
    Diagnosis,
    DriveChange,
    ErasureRecord,
    OperatingSystem,
    OsInstall,
    PartMovement,
    QualityCheck,
    Repair,
    ScrapRecord,
    SparePart,
)
from .nwipe import NIST_LEVEL, parse_nwipe_log


def _lock(device: Device, expected_status: str | None) -> Device:
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if expected_status is not None and locked.status != expected_status:
        raise lifecycle.concurrent_change(locked.status)
    return locked


def _step(device: Device, to_status: str, user: User, note: str = "") -> None:
    lifecycle.device_transition(device=device, to_status=to_status, user=user, note=note)


def imei_valid(imei: str) -> bool:
    if len(imei) != 15 or not imei.isdigit():
        return False
    total = 0
    for index, char in enumerate(imei):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return total % 10 == 0


@transaction.atomic
def diagnosis_record(
    *,
    device: Device,
    user: User,
    results: dict[str, str],
    battery_health_pct: int | None = None,
    imei: str = "",
    lock_status: str = "",
    notes: str = "",
    expected_status: str | None = None,
) -> Diagnosis:
    """Record the checklist; a device waiting for diagnosis moves to `diagnosed`."""
    device = _lock(device, expected_status)
    keys = [key for key, _label in checks_for(device.device_type)]
    missing = [key for key in keys if results.get(key) not in CheckResult.values]
    if missing:
        raise ValidationError(_("Every item of the checklist needs an answer."))
    if device.device_type in NEEDS_IMEI:
        # Wi-Fi-only tablets have no IMEI; a phone always has one.
        if (imei or device.device_type == "smartphone") and not imei_valid(imei):
            raise ValidationError(_("The IMEI has 15 digits with a valid check digit."))
        if not lock_status:
            raise ValidationError(_("Say whether the device is locked to an account."))
    diagnosis = Diagnosis.objects.create(
        device=device,
        recorded_by=user,
        results={k: results[k] for k in keys},
        battery_health_pct=battery_health_pct,
        imei=imei,
        lock_status=lock_status,
        notes=notes,
    )
    if battery_health_pct is not None:
        Device.objects.filter(pk=device.pk).update(battery_health_pct=battery_health_pct)
    if device.status in (S.RECEIVED, S.RETURNED):
        faults = diagnosis.faults
        note = _("Faults: %(list)s") % {"list": ", ".join(faults)} if faults else ""
        _step(device, S.DIAGNOSED, user, note)
    return diagnosis


NIST_FOR_METHOD = {
    ErasureMethod.OVERWRITE: {NistLevel.CLEAR},
    ErasureMethod.CRYPTO_ERASE: {NistLevel.PURGE, NistLevel.CLEAR},
    ErasureMethod.SECURE_ERASE: {NistLevel.PURGE, NistLevel.CLEAR},
    ErasureMethod.DESTRUCTION: {NistLevel.DESTROY},
    ErasureMethod.NO_MEDIA: {NistLevel.CLEAR, NistLevel.PURGE, NistLevel.DESTROY},
}


def _maybe_erased(device: Device, user: User) -> None:
    if device.status == S.DIAGNOSED and not lifecycle.erasure_missing(device):
        _step(device, S.ERASED, user, _("Every storage medium erased"))


@transaction.atomic
def erasure_record(
    *,
    device: Device,
    user: User,
    method: str,
    nist_level: str,
    tool: str,
    result: str,
    drive: StorageDrive | None = None,
    tool_version: str = "",
    technique: str = "",
    passes: int | None = None,
    verification: str = "none",
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    notes: str = "",
    source: str = "manual",
    log_excerpt: str = "",
    expected_status: str | None = None,
) -> ErasureRecord:
    """Record the erasure of one medium; when every medium has passed, the device is erased."""
    device = _lock(device, expected_status)
    if device.status not in (S.RECEIVED, S.DIAGNOSED, S.RETURNED):
        raise ValidationError(_("Erasure is recorded before the system is installed."))
    if drive is not None and drive.device_id != device.pk:
        raise ValidationError(_("This drive belongs to another device."))
    if drive is None and device.drives.exists() and method != ErasureMethod.NO_MEDIA:
        raise ValidationError(_("Choose which storage drive was erased."))
    if nist_level not in NIST_FOR_METHOD.get(method, set()):
        raise ValidationError(
            _("A %(method)s erasure cannot claim the NIST level %(level)s.")
            % {"method": ErasureMethod(method).label, "level": NistLevel(nist_level).label}
        )
    if started_at and ended_at and ended_at < started_at:
        raise ValidationError(_("The erasure cannot end before it starts."))
    record = ErasureRecord.objects.create(
        device=device,
        drive=drive,
        recorded_by=user,
        method=method,
        nist_level=nist_level,
        tool=tool,
        tool_version=tool_version,
        technique=technique,
        passes=passes,
        verification=verification,
        started_at=started_at,
        ended_at=ended_at,
        result=result,
        notes=notes,
        source=source,
        log_excerpt=log_excerpt[:20000],
        media_type=drive.get_kind_display() if drive else _("Internal storage"),
        media_make=(drive.model.split()[0] if drive and drive.model else ""),
        media_model=drive.model if drive else device.model,
        media_serial=drive.serial_number if drive else device.serial_number,
        media_capacity_gb=drive.capacity_gb if drive else None,
    )
    if result == ErasureResult.PASSED:
        _maybe_erased(device, user)
    return record


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


@transaction.atomic
def nwipe_log_import(
    *, devices: Sequence[Device], content: bytes | str, user: User
) -> list[ErasureRecord]:
    """Fill erasure records from an nwipe log. Each wiped drive is matched by serial number to
    a drive of the given devices; if any cannot be matched nothing is recorded."""
    log = parse_nwipe_log(content)
    drives = {
        d.serial_number.strip().upper(): d
        for d in StorageDrive.objects.filter(device__in=devices).select_related("device")
        if d.serial_number.strip()
    }
    unmatched = [
        w.serial or w.device
        for w in log.drives
        if not w.serial or w.serial.strip().upper() not in drives
    ]
    if unmatched:
        raise ValidationError(
            _("Nothing was recorded: no drive of these devices has the serial number %(list)s.")
            % {"list": ", ".join(unmatched)}
        )
    records = []
    for wiped in log.drives:
        drive = drives[wiped.serial.strip().upper()]
        level = NIST_LEVEL.get(wiped.method)
        result = ErasureResult.PASSED if wiped.result == "passed" else ErasureResult.FAILED
        errors = list(wiped.errors)
        if level is None:
            # "Verify Zeros/Ones" only reads the disk back: nothing was erased.
            result = ErasureResult.FAILED
            errors.insert(0, _("Verification-only method: no data was overwritten."))
        records.append(
            erasure_record(
                device=drive.device,
                drive=drive,
                user=user,
                method=ErasureMethod.OVERWRITE,
                nist_level=level or NistLevel.CLEAR,
                tool="nwipe",
                tool_version=log.nwipe_version,
                technique=wiped.method,
                passes=wiped.passes,
                verification={"none": "none", "last": "last", "all": "all"}.get(
                    wiped.verification, "none"
                ),
                started_at=_aware(wiped.started_at),
                ended_at=_aware(wiped.ended_at),
                result=result,
                source="nwipe",
                notes="; ".join(errors)[:2000],
                # PostgreSQL text cannot hold NUL (a log on a pulled USB stick ends with them).
                log_excerpt=(
                    content.decode("utf-8", "replace") if isinstance(content, bytes) else content
                ).replace("\x00", "")[-20000:],
            )
        )
    return records


@transaction.atomic
def drive_change_record(
    *,
    device: Device,
    user: User,
    reason: str,
    add: Sequence[dict] = (),
    remove: Sequence[StorageDrive] = (),
    expected_status: str | None = None,
) -> DriveChange:
    """Add, take out or swap drives as a step of its own: the drives taken out stay as
    removed rows, and a device past erasure goes back to the erasure step, as every current
    drive must have been erased in this cycle."""
    device = _lock(device, expected_status)
    if device.status not in lifecycle.DRIVE_CHANGE_STATUSES:
        raise lifecycle.TransitionError(
            _("The drives of a device that is “%(status)s” cannot be changed.")
            % {"status": S(device.status).label}
        )
    if not (reason or "").strip():
        raise ValidationError(_("Say why the drives change."))
    if not add and not remove:
        raise ValidationError(_("Choose a drive to take out or type the drive added."))
    current = {d.pk: d for d in device.drives.all()}
    if any(d.pk not in current for d in remove):
        raise ValidationError(_("This drive is not in this device."))
    added = [
        {
            "kind": d["kind"],
            "capacity_gb": d.get("capacity_gb"),
            "model": normalise_text(d.get("model", ""))[:150],
            "serial_number": normalise_serial(d.get("serial_number", ""))[:100],
        }
        for d in add
    ]
    serials = [d["serial_number"] for d in added if d["serial_number"]]
    taken = StorageDrive.objects.filter(device=device, serial_number__in=serials).exclude(
        pk__in=[d.pk for d in remove]
    )
    if len(set(serials)) != len(serials) or taken.exists():
        raise ValidationError(_("This device already has a drive with this serial number."))
    change = DriveChange.objects.create(
        device=device, recorded_by=user, notes=reason.strip(), from_status=device.status
    )
    change.removed.set(drives_remove(drives=remove, user=user, note=reason.strip()))
    change.added.set(drives_add(device=device, drives=added))
    lifecycle.device_send_back(
        device=device, user=user, note=_("Drive change: %(reason)s") % {"reason": reason.strip()}
    )
    return change


@transaction.atomic
def repair_record(
    *,
    device: Device,
    user: User,
    description: str,
    minutes_spent: int,
    parts: Sequence[tuple[SparePart, int]] = (),
    notes: str = "",
    expected_status: str | None = None,
) -> Repair:
    """Record a repair and the parts it used (taken from the workshop's stock)."""
    device = _lock(device, expected_status)
    if device.status not in (S.DIAGNOSED, S.ERASED, S.REPAIRED):
        raise ValidationError(_("A repair is recorded between diagnosis and installation."))
    repair = Repair.objects.create(
        device=device,
        recorded_by=user,
        description=description,
        minutes_spent=minutes_spent,
        notes=notes,
    )
    for part, quantity in parts:
        if part.workshop_id != device.workshop_id:
            raise ValidationError(_("This part belongs to another workshop."))
        part_move(
            part=part, quantity=-quantity, kind=PartMovementKind.USE, user=user, repair=repair
        )
    if device.status == S.ERASED:
        _step(device, S.REPAIRED, user)
    return repair


@transaction.atomic
def part_move(
    *,
    part: SparePart,
    quantity: int,
    kind: str,
    user: User,
    source_device: Device | None = None,
    repair: Repair | None = None,
    note: str = "",
) -> PartMovement:
    if quantity == 0:
        raise ValidationError(_("The quantity cannot be zero."))
    updated = SparePart.objects.filter(pk=part.pk, quantity__gte=-quantity).update(
        quantity=F("quantity") + quantity
    )
    if not updated:
        raise ValidationError(_("Not enough “%(part)s” in stock.") % {"part": part.name})
    return PartMovement.objects.create(
        part=part,
        kind=kind,
        quantity=quantity,
        by=user,
        source_device=source_device,
        repair=repair,
        note=note,
    )


@transaction.atomic
def part_harvest(*, device: Device, part: SparePart, quantity: int, user: User) -> PartMovement:
    """A part taken from a device being scrapped goes into the spare-parts stock."""
    device = Device.objects.get(pk=device.pk)
    if device.status != S.SCRAPPED:
        raise ValidationError(_("Parts are harvested from scrapped devices only."))
    if part.workshop_id != device.workshop_id:
        raise ValidationError(_("This part belongs to another workshop."))
    return part_move(
        part=part,
        quantity=quantity,
        kind=PartMovementKind.HARVEST,
        user=user,
        source_device=device,
        note=device.asset_tag,
    )


def os_spec_problems(device: Device, system: OperatingSystem) -> list[str]:
    """What the device lacks for the system, in words for the technician."""
    problems = []
    if system.device_types and device.device_type not in system.device_types:
        problems.append(_("this system is not made for this type of device"))
    if system.min_ram_mb:
        if device.ram_mb is None:
            problems.append(_("the RAM is unknown"))
        elif device.ram_mb < system.min_ram_mb:
            problems.append(
                _("%(has)s MB of RAM, %(needs)s MB needed")
                % {"has": device.ram_mb, "needs": system.min_ram_mb}
            )
    if system.min_storage_gb:
        sizes = [d.capacity_gb for d in device.drives.all() if d.capacity_gb]
        if not sizes:
            problems.append(_("the storage size is unknown"))
        elif max(sizes) < system.min_storage_gb:
            problems.append(
                _("%(has)s GB of storage, %(needs)s GB needed")
                % {"has": max(sizes), "needs": system.min_storage_gb}
            )
    return problems


@transaction.atomic
def os_install_record(
    *,
    device: Device,
    user: User,
    system: OperatingSystem,
    override_reason: str = "",
    notes: str = "",
    expected_status: str | None = None,
) -> OsInstall:
    device = _lock(device, expected_status)
    if device.status not in (S.ERASED, S.REPAIRED, S.OS_INSTALLED):
        raise ValidationError(_("The system is installed once the device is erased."))
    problems = os_spec_problems(device, system)
    if problems and not override_reason.strip():
        raise ValidationError(
            _(
                "%(system)s does not fit this device (%(problems)s): give a reason to install "
                "it anyway."
            )
            % {"system": system, "problems": "; ".join(problems)}
        )
    install = OsInstall.objects.create(
        device=device,
        recorded_by=user,
        system=system,
        override_reason=override_reason.strip(),
        notes=notes,
    )
    if device.status in (S.ERASED, S.REPAIRED):
        _step(device, S.OS_INSTALLED, user, str(system))
    return install


@transaction.atomic
def quality_check_record(
    *,
    device: Device,
    user: User,
    results: dict[str, bool],
    grade: str = "",
    notes: str = "",
    expected_status: str | None = None,
) -> QualityCheck:
    """Record the QA check; passed with a grade, the device becomes ready."""
    device = _lock(device, expected_status)
    if device.status != S.OS_INSTALLED:
        raise ValidationError(_("The quality check comes after the system installation."))
    keys = [key for key, _label in QA_CRITERIA]
    passed = all(results.get(key) for key in keys)
    if passed and not grade:
        raise ValidationError(_("Give a grade (A, B or C) to a device that passes."))
    check = QualityCheck.objects.create(
        device=device,
        recorded_by=user,
        results={k: bool(results.get(k)) for k in keys},
        passed=passed,
        grade=grade if passed else "",
        notes=notes,
    )
    if passed:
        _step(device, S.READY, user, _("Grade %(grade)s") % {"grade": grade})
    return check


@transaction.atomic
def scrap_record(
    *,
    device: Device,
    user: User,
    reason: str,
    channel: str,
    destination: str,
    weight_kg: Decimal,
    notes: str = "",
    expected_status: str | None = None,
) -> ScrapRecord:
    device = _lock(device, expected_status)
    if not destination.strip():
        raise ValidationError(_("Name the recycler or collection point."))
    if weight_kg is None or weight_kg <= 0:
        raise ValidationError(_("Give the weight in kg."))
    if S.SCRAPPED not in lifecycle.TRANSITIONS.get(device.status, ()):
        raise ValidationError(_("This device cannot be scrapped from its current status."))
    record = ScrapRecord.objects.create(
        device=device,
        recorded_by=user,
        reason=reason,
        channel=channel,
        destination=destination.strip(),
        weight_kg=weight_kg,
        notes=notes,
    )
    _step(device, S.SCRAPPED, user, record.get_reason_display())
    return record


def batch_devices(batch: CollectionBatch, user: User):
    return Device.objects.visible_to(user).filter(batch=batch)


@transaction.atomic
def os_install_bulk(
    *, devices: Sequence[Device], system: OperatingSystem, user: User, override_reason: str = ""
) -> list[OsInstall]:
    """Install one system on many devices; refused whole, listing each device at fault."""
    locked = list(
        Device.objects.select_for_update().filter(pk__in=[d.pk for d in devices]).order_by("pk")
    )
    faults = []
    for device in locked:
        if device.status not in (S.ERASED, S.REPAIRED):
            faults.append(
                lifecycle.BulkFault(
                    device,
                    lifecycle.check_transition(device, S.OS_INSTALLED) or _("Already installed."),
                )
            )
            continue
        problems = os_spec_problems(device, system)
        if problems and not override_reason.strip():
            faults.append(lifecycle.BulkFault(device, "; ".join(problems)))
    if faults:
        raise lifecycle.BulkTransitionError(faults)
    return [
        os_install_record(device=device, user=user, system=system, override_reason=override_reason)
        for device in locked
    ]
