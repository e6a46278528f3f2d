"""Recording the evidence of each step; where the evidence completes a step, the same
transaction moves the device (through lifecycle.device_transition, never directly)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from inventory.enums import DeviceStatus as S
from inventory.enums import StorageKind
from inventory.models import CollectionBatch, Device, StorageDrive
from inventory.services import drives_add, drives_remove, normalise_serial, normalise_text

from . import lifecycle
from .checklists import NEEDS_IMEI, QA_CRITERIA, checks_for
from .enums import (
    MAGNETIC_ONLY,
    SANITIZATION_LEVELS,
    SANITIZATION_METHOD,
    CheckResult,
    ErasureResult,
    NistLevel,
    NistRevision,
    PartMovementKind,
    Sanitization,
    sanitization_for,
)
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
from .nwipe import NwipeDrive, NwipeLog, nwipe_method, parse_nwipe_log


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
        labels = dict(checks_for(device.device_type))
        faults = [str(labels.get(key, key)) for key in diagnosis.faults]
        note = _("Faults: %(list)s") % {"list": ", ".join(faults)} if faults else ""
        _step(device, S.DIAGNOSED, user, note)
    return diagnosis


def _maybe_erased(device: Device, user: User) -> None:
    if device.status == S.DIAGNOSED and not lifecycle.erasure_missing(device):
        _step(device, S.ERASED, user, _("Every storage medium erased"))


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def erasure_dates_problem(
    device: Device,
    started_at: datetime | None,
    ended_at: datetime | None,
    *,
    medium: str = "",
    now: datetime | None = None,
) -> str | None:
    """Why an erasure with these dates cannot count for the device's current cycle, or None.
    It must have started after the cycle began (reception or return) and ended by now."""
    what = _("The erasure of %(medium)s") % {"medium": medium} if medium else _("The erasure")
    if started_at is None or ended_at is None:
        return _("%(what)s gives no start or end date: both are needed to prove it.") % {
            "what": what
        }
    if ended_at < started_at:
        return _("%(what)s cannot end before it starts.") % {"what": what}
    start = lifecycle.cycle_start(device)
    if start is not None and started_at <= start:
        return _(
            "%(what)s started on %(date)s, before the device's current cycle began on "
            "%(cycle)s (its reception or return): an erasure from before does not count for "
            "this cycle."
        ) % {"what": what, "date": _when(started_at), "cycle": _when(start)}
    if ended_at > (now or timezone.now()):
        return _(
            "%(what)s ends on %(date)s, which is later than now: check the date and the clock "
            "of the wiping machine."
        ) % {"what": what, "date": _when(ended_at)}
    return None


def sanitization_problem(
    sanitization: str, nist_level: str, drive: StorageDrive | None
) -> str | None:
    """Why this IEEE 2883 technique cannot claim this NIST SP 800-88 Rev. 2 category on this
    medium, or None."""
    if sanitization not in Sanitization.values:
        return _("Choose the sanitization technique (IEEE 2883).")
    if nist_level not in NistLevel.values:
        return _("Choose the NIST SP 800-88 category: Clear, Purge or Destroy.")
    if sanitization == Sanitization.DEGAUSS and nist_level == NistLevel.DESTROY:
        return _(
            "Degaussing no longer counts as Destroy under NIST SP 800-88 Rev. 2: record it as "
            "Purge, or record the physical destruction that followed."
        )
    if nist_level not in SANITIZATION_LEVELS[sanitization]:
        return _("%(technique)s cannot claim the NIST SP 800-88 category %(level)s.") % {
            "technique": Sanitization(sanitization).label,
            "level": NistLevel(nist_level).label,
        }
    if sanitization in MAGNETIC_ONLY and (drive is None or drive.kind != StorageKind.HDD):
        return _(
            "Degaussing erases magnetic hard disks only: it leaves the data of flash storage "
            "(SSD, NVMe, eMMC, phones) in place."
        )
    return None


@transaction.atomic
def erasure_record(
    *,
    device: Device,
    user: User,
    nist_level: str,
    tool: str,
    result: str,
    sanitization: str = "",
    method: str = "",
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
    """Record the erasure of one medium, in NIST SP 800-88 Rev. 2 terms (a category and its
    IEEE 2883 technique; a Rev. 1 `method` alone is translated); when every medium has passed
    in this cycle, the device is erased."""
    device = _lock(device, expected_status)
    if device.status not in (S.RECEIVED, S.DIAGNOSED, S.RETURNED):
        raise ValidationError(_("Erasure is recorded before the system is installed."))
    if drive is not None and drive.device_id != device.pk:
        raise ValidationError(_("This drive belongs to another device."))
    sanitization = sanitization or sanitization_for(method, technique)
    if drive is None and device.drives.exists() and sanitization != Sanitization.NO_MEDIA:
        raise ValidationError(_("Choose which storage drive was erased."))
    problem = sanitization_problem(sanitization, nist_level, drive)
    if problem:
        raise ValidationError(problem)
    if sanitization == Sanitization.NO_MEDIA and started_at is None and ended_at is None:
        started_at = ended_at = timezone.now()  # a check made now
    problem = erasure_dates_problem(device, started_at, ended_at)
    if problem:
        raise ValidationError(problem)
    record = ErasureRecord.objects.create(
        device=device,
        drive=drive,
        recorded_by=user,
        method=SANITIZATION_METHOD[sanitization],
        nist_revision=NistRevision.REV2,
        nist_level=nist_level,
        sanitization=sanitization,
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
    try:
        return timezone.make_aware(value)
    except (ValueError, OverflowError):  # a date nwipe's clock cannot have meant
        return None


@dataclass
class NwipeErasure:
    """One drive of an nwipe log, as the import would record it."""

    wiped: NwipeDrive
    drive: StorageDrive | None
    nist_level: str | None  # None: the method is unknown, or only reads the disk back
    sanitization: str
    started_at: datetime | None
    ended_at: datetime | None
    result: str
    notes: list[str]
    problems: list[str]


@dataclass
class NwipePlan:
    log: NwipeLog
    erasures: list[NwipeErasure]

    @property
    def problems(self) -> list[str]:
        return [problem for erasure in self.erasures for problem in erasure.problems]

    @property
    def accepted(self) -> bool:
        return not self.problems


def _serial_key(serial: str) -> str:
    return serial.strip().upper()


def nwipe_log_plan(
    *, devices: Sequence[Device], content: bytes | str, now: datetime | None = None
) -> NwipePlan:
    """Read an nwipe log and check it against the given devices without writing anything:
    every wiped drive matched by serial number to exactly one drive, a method whose NIST
    category is known, dates inside the device's current cycle. The device's current step is
    the one thing left to `nwipe_log_import`. Raises NwipeLogError on an unreadable file."""
    log = parse_nwipe_log(content)
    candidates: dict[str, list[StorageDrive]] = {}
    for drive in StorageDrive.objects.filter(device__in=devices).select_related("device"):
        if drive.serial_number.strip():
            candidates.setdefault(_serial_key(drive.serial_number), []).append(drive)
    erasures = []
    for wiped in log.drives:
        problems: list[str] = []
        notes = list(wiped.errors)
        label = wiped.serial or wiped.device
        matches = candidates.get(_serial_key(wiped.serial), []) if wiped.serial else []
        drive = matches[0] if len(matches) == 1 else None
        if not matches:
            problems.append(
                _("No drive of these devices has the serial number %(serial)s.") % {"serial": label}
            )
        elif len(matches) > 1:
            problems.append(
                _("The serial number %(serial)s is that of several drives (%(devices)s): choose "
                  "the device.")
                % {"serial": label, "devices": ", ".join(d.device.asset_tag for d in matches)}
            )  # fmt: skip
        known = nwipe_method(wiped.method)
        result = ErasureResult.PASSED if wiped.result == "passed" else ErasureResult.FAILED
        if known is None:
            problems.append(
                _("The nwipe method “%(method)s” of %(serial)s is unknown: its NIST SP 800-88 "
                  "category cannot be established, so the log cannot prove the erasure.")
                % {"method": wiped.method or "?", "serial": label}
            )  # fmt: skip
            level, sanitization = None, ""
        elif known.verify_only:
            # "Verify Zeros/Ones" only reads the disk back: nothing was erased.
            level, sanitization = None, Sanitization.OVERWRITE
            result = ErasureResult.FAILED
            notes.insert(0, _("Verification-only method: no data was overwritten."))
        else:
            level, sanitization = known.level, known.sanitization
        started_at, ended_at = _aware(wiped.started_at), _aware(wiped.ended_at)
        if result == ErasureResult.FAILED and ended_at is None:
            ended_at = started_at  # a failed run proves nothing; its start dates the attempt
        if drive is not None:
            problem = erasure_dates_problem(
                drive.device, started_at, ended_at, medium=label, now=now
            )
            if problem:
                problems.append(problem)
        erasures.append(
            NwipeErasure(
                wiped=wiped,
                drive=drive,
                nist_level=level,
                sanitization=sanitization,
                started_at=started_at,
                ended_at=ended_at,
                result=result,
                notes=notes,
                problems=problems,
            )
        )
    return NwipePlan(log=log, erasures=erasures)


@transaction.atomic
def nwipe_log_import(
    *, devices: Sequence[Device], content: bytes | str, user: User
) -> list[ErasureRecord]:
    """Fill erasure records from an nwipe log, all or nothing: if any wiped drive cannot be
    matched, has an unknown method or is dated outside its device's current cycle, nothing is
    recorded and every reason is given."""
    plan = nwipe_log_plan(devices=devices, content=content)
    if not plan.accepted:
        raise ValidationError(
            _("Nothing was recorded: %(reasons)s") % {"reasons": " ".join(plan.problems)}
        )
    # PostgreSQL text cannot hold NUL (a log on a pulled USB stick ends with them).
    excerpt = (
        content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    ).replace("\x00", "")[-20000:]
    records = []
    for erasure in plan.erasures:
        wiped = erasure.wiped
        records.append(
            erasure_record(
                device=erasure.drive.device,
                drive=erasure.drive,
                user=user,
                sanitization=erasure.sanitization,
                nist_level=erasure.nist_level or NistLevel.CLEAR,
                tool="nwipe",
                tool_version=plan.log.nwipe_version,
                technique=wiped.method,
                passes=wiped.passes,
                verification={"none": "none", "last": "last", "all": "all"}.get(
                    wiped.verification, "none"
                ),
                started_at=erasure.started_at,
                ended_at=erasure.ended_at,
                result=erasure.result,
                source="nwipe",
                notes="; ".join(erasure.notes)[:2000],
                log_excerpt=excerpt,
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


def part_create(*, workshop, name: str, category: str, user: User) -> SparePart:
    """A new kind of part in the workshop's catalogue, at quantity 0: stock comes in by
    movements only."""
    permissions.require(user, "parts.manage", SparePart(workshop=workshop))
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the part's name."))
    if SparePart.objects.filter(workshop=workshop, name__iexact=name).exists():
        raise ValidationError(
            _("The workshop already has a part named “%(part)s”.") % {"part": name}
        )
    return SparePart.objects.create(workshop=workshop, name=name, category=category.strip())


def part_stock_change(
    *, part: SparePart, quantity: int, kind: str, note: str, user: User
) -> PartMovement:
    """What the manager records by hand: parts bought or given (+), or an inventory
    adjustment (±, with its reason). Uses and harvests come from their own steps."""
    permissions.require(user, "parts.manage", part)
    if kind == PartMovementKind.PURCHASE and quantity < 0:
        raise ValidationError(_("A purchase adds parts: give a positive quantity."))
    if kind == PartMovementKind.ADJUST and not note.strip():
        raise ValidationError(_("An inventory adjustment needs its reason."))
    if kind not in (PartMovementKind.PURCHASE, PartMovementKind.ADJUST):
        raise ValidationError(_("Uses and harvests are recorded from the device's page."))
    return part_move(part=part, quantity=quantity, kind=kind, user=user, note=note.strip())


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
    accept_faults: bool = False,
) -> QualityCheck:
    """Record the QA check; passed with a grade, the device becomes ready. Faults the
    diagnosis found and no repair dealt with must be accepted (`accept_faults`): they are
    recorded with the check, or the ready guard refuses and nothing is recorded."""
    device = _lock(device, expected_status)
    if device.status != S.OS_INSTALLED:
        raise ValidationError(_("The quality check comes after the system installation."))
    keys = [key for key, _label in QA_CRITERIA]
    unanswered = [str(label) for key, label in QA_CRITERIA if results.get(key) is None]
    if unanswered:
        # Nothing is recorded: a check nobody made is neither passed nor failed.
        raise ValidationError(
            _("Answer every criterion of the quality check: %(list)s.")
            % {"list": ", ".join(unanswered)}
        )
    passed = all(results.get(key) for key in keys)
    if passed and not grade:
        raise ValidationError(_("Give a grade (A, B or C) to a device that passes."))
    # Accepted faults are kept with the check. Not accepted, the ready guard refuses them
    # (lifecycle._guard_ready, the one rule) and this transaction writes nothing.
    faults = lifecycle.unrepaired_faults(device) if passed and accept_faults else []
    check = QualityCheck.objects.create(
        device=device,
        recorded_by=user,
        results={k: bool(results.get(k)) for k in keys},
        passed=passed,
        grade=grade if passed else "",
        notes=notes,
        faults_accepted=faults,
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
