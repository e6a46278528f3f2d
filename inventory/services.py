"""Writes of the inventory: receiving devices, moving them, batches, counters.

Every function runs in one transaction and writes its ledger rows (DeviceEvent, Movement)."""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation, User
from core.pagination import related_count

from .bulk import copy_rows, is_postgres, next_ids
from .enums import DeviceSource, DeviceStatus
from .models import (
    CollectionBatch,
    Counter,
    Device,
    DeviceEvent,
    Donor,
    Location,
    Movement,
    StorageDrive,
)

ASSET_TAG_COUNTER = "asset_tag"
ASSET_TAG_PREFIX = "FL"


def counter_reserve(*, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers of a counter; returns the first one.

    The row lock serialises concurrent callers so numbers are never handed out twice."""
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
        Counter.objects.filter(name=name).update(value=F("value") + count)
        last = Counter.objects.select_for_update().values_list("value", flat=True).get(name=name)
    return last - count + 1


def asset_tags_reserve(*, count: int) -> list[str]:
    first = counter_reserve(name=ASSET_TAG_COUNTER, count=count)
    return [f"{ASSET_TAG_PREFIX}{n:07d}" for n in range(first, first + count)]


def normalise_serial(value: str) -> str:
    return " ".join((value or "").replace("\x00", "").split()).upper()


@functools.lru_cache(maxsize=4096)
def _normalise_text(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())


def normalise_text(value: str) -> str:
    # Models and CPUs repeat down a donor's spreadsheet: each spelling is normalised once.
    return _normalise_text(value or "")


# Firmware, spreadsheets and people spell makers differently; one spelling keeps serial numbers
# unique per manufacturer ("Dell Inc." in lshw is the "Dell" typed at intake).
MANUFACTURER_ALIASES = {
    "dell": "Dell",
    "dell inc": "Dell",
    "dell computer corporation": "Dell",
    "hp": "HP",
    "hp inc": "HP",
    "hewlett-packard": "HP",
    "hewlett packard": "HP",
    "lenovo": "Lenovo",
    "ibm": "IBM",
    "asus": "ASUS",
    "asustek computer inc": "ASUS",
    "asustek computer": "ASUS",
    "acer": "Acer",
    "apple": "Apple",
    "apple inc": "Apple",
    "samsung": "Samsung",
    "samsung electronics co ltd": "Samsung",
    "toshiba": "Toshiba",
    "fujitsu": "Fujitsu",
    "fujitsu siemens": "Fujitsu",
    "fujitsu client computing limited": "Fujitsu",
    "microsoft": "Microsoft",
    "microsoft corporation": "Microsoft",
    "msi": "MSI",
    "micro-star international co ltd": "MSI",
    "medion": "Medion",
    "sony": "Sony",
    "huawei": "Huawei",
    "xiaomi": "Xiaomi",
    "google": "Google",
    "motorola": "Motorola",
    "lg": "LG",
    "lg electronics": "LG",
    "packard bell": "Packard Bell",
    "gigabyte technology co ltd": "Gigabyte",
    "intel corporation": "Intel",
}
_SUFFIXES = (" inc", " corporation", " corp", " co ltd", " ltd", " gmbh", " sa", " sas", " limited")


@functools.lru_cache(maxsize=4096)
def canonical_manufacturer(value: str) -> str:
    text = normalise_text(value)
    key = text.lower().replace(".", "").replace(",", "").strip()
    if key in MANUFACTURER_ALIASES:
        return MANUFACTURER_ALIASES[key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix):
            stripped = key[: -len(suffix)].strip()
            if stripped in MANUFACTURER_ALIASES:
                return MANUFACTURER_ALIASES[stripped]
    return text


class DuplicateSerialError(ValidationError):
    """The serial number is already known for this manufacturer."""

    def __init__(self, existing: Device, user=None):
        self.existing = existing
        # The asset tag is named only to those who may open the device.
        may_see = user is not None and (
            user.is_coordinator or existing.workshop_id in user.workshop_ids()
        )
        if may_see:
            message = _("Serial number %(serial)s is already registered as %(tag)s.") % {
                "serial": existing.serial_number,
                "tag": existing.asset_tag,
            }
        else:
            message = _("Serial number %(serial)s is already registered in another workshop.") % {
                "serial": existing.serial_number
            }
        super().__init__(message, code="duplicate_serial")


def device_find_duplicate(*, manufacturer: str, serial_number: str) -> Device | None:
    """The device already holding this serial for this manufacturer, across all workshops."""
    serial = normalise_serial(serial_number)
    if not serial:
        return None
    return (
        Device.objects.annotate(manufacturer_lower=Lower("manufacturer"))
        .filter(
            serial_number=serial, manufacturer_lower=canonical_manufacturer(manufacturer).lower()
        )
        .first()
    )


@dataclass
class DeviceSpecs:
    """The facts about a device typed, imported or reported by the machine itself."""

    device_type: str
    serial_number: str = ""
    manufacturer: str = ""
    model: str = ""
    cpu: str = ""
    ram_mb: int | None = None
    drives: list[dict[str, Any]] = field(default_factory=list)
    battery_health_pct: int | None = None
    screen_size_in: Decimal | None = None
    keyboard_layout: str = ""
    purchase_date: date | None = None
    declared_value: Decimal | None = None
    weight_kg: Decimal | None = None
    notes: str = ""
    is_virtual: bool = False

    DEVICE_FIELDS = (
        "device_type",
        "serial_number",
        "manufacturer",
        "model",
        "cpu",
        "ram_mb",
        "battery_health_pct",
        "screen_size_in",
        "keyboard_layout",
        "purchase_date",
        "declared_value",
        "weight_kg",
        "notes",
        "is_virtual",
    )

    def __post_init__(self):
        # One normal form whatever the source, so duplicates are found.
        self.serial_number = normalise_serial(self.serial_number)[:100]
        self.manufacturer = canonical_manufacturer(self.manufacturer)[:100]
        self.model = normalise_text(self.model)[:150]
        self.cpu = normalise_text(self.cpu)[:200]

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> "DeviceSpecs":
        drives = [{"capacity_gb": gb, "kind": kind} for gb, kind in (data.get("storage") or [])]
        return cls(
            device_type=data["device_type"],
            serial_number=data.get("serial_number") or "",
            manufacturer=data.get("manufacturer") or "",
            model=data.get("model") or "",
            cpu=data.get("cpu") or "",
            ram_mb=data.get("ram"),
            drives=drives,
            battery_health_pct=data.get("battery_health"),
            screen_size_in=data.get("screen_size"),
            keyboard_layout=data.get("keyboard_layout") or "",
            purchase_date=data.get("purchase_date"),
            declared_value=data.get("declared_value"),
            weight_kg=data.get("weight"),
            notes=(data.get("notes") or "").strip(),
        )

    def device_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.DEVICE_FIELDS}


def _check_workshop(batch: CollectionBatch, location: Location | None) -> None:
    if location is not None and location.workshop_id != batch.workshop_id:
        raise ValidationError(_("This location belongs to another workshop."))


def device_receive(
    *,
    batch: CollectionBatch,
    specs: DeviceSpecs,
    user: User | None,
    location: Location | None = None,
    source: str = DeviceSource.SCAN,
) -> Device:
    """Log one device into a batch: asset tag, specs, drives, its first event and movement."""
    _check_workshop(batch, location)
    existing = device_find_duplicate(
        manufacturer=specs.manufacturer, serial_number=specs.serial_number
    )
    if existing is not None:
        raise DuplicateSerialError(existing, user)
    try:
        with transaction.atomic():
            (tag,) = asset_tags_reserve(count=1)
            device = Device.objects.create(
                asset_tag=tag,
                workshop_id=batch.workshop_id,
                batch=batch,
                location=location,
                status=DeviceStatus.RECEIVED,
                received_at=timezone.now(),
                status_since=timezone.now(),
                source=source,
                created_by=user,
                **specs.device_values(),
            )
            StorageDrive.objects.bulk_create(
                StorageDrive(device=device, **drive) for drive in specs.drives
            )
            DeviceEvent.objects.create(
                device=device,
                from_status="",
                to_status=DeviceStatus.RECEIVED,
                actor=user,
                note=_("Received in batch %(ref)s") % {"ref": batch.reference},
            )
            if location is not None:
                Movement.objects.create(
                    device=device,
                    from_location=None,
                    to_location=location,
                    moved_by=user,
                    note=_("Put away at intake"),
                )
            _count_logged(batch, 1)
    except IntegrityError:
        # Another technician scanned the same serial at the same moment.
        existing = device_find_duplicate(
            manufacturer=specs.manufacturer, serial_number=specs.serial_number
        )
        if existing is not None:
            raise DuplicateSerialError(existing, user) from None
        raise
    return device


def devices_receive_many(
    *,
    batch: CollectionBatch,
    specs_list: Sequence[DeviceSpecs],
    user: User | None,
    source: str = DeviceSource.SPREADSHEET,
    chunk_size: int = 2000,
) -> int:
    """Log many devices at once (spreadsheet import), all or nothing, with bulk inserts.

    The caller has already checked duplicates; the unique constraint still guards the race."""
    if not specs_list:
        return 0
    note = _("Received in batch %(ref)s") % {"ref": batch.reference}
    with transaction.atomic():
        tags = asset_tags_reserve(count=len(specs_list))
        if is_postgres():
            _receive_many_copy(batch, specs_list, tags, user, source, note)
            _count_logged(batch, len(specs_list))
            return len(specs_list)
        for start in range(0, len(specs_list), chunk_size):
            chunk = specs_list[start : start + chunk_size]
            devices = [
                Device(
                    asset_tag=tags[start + i],
                    workshop_id=batch.workshop_id,
                    batch=batch,
                    status=DeviceStatus.RECEIVED,
                    received_at=timezone.now(),
                    source=source,
                    created_by=user,
                    **specs.device_values(),
                )
                for i, specs in enumerate(chunk)
            ]
            Device.objects.bulk_create(devices)
            if devices[0].pk is None:  # backends without RETURNING ids
                by_tag = dict(
                    Device.objects.filter(asset_tag__in=[d.asset_tag for d in devices]).values_list(
                        "asset_tag", "pk"
                    )
                )
                for device in devices:
                    device.pk = device.id = by_tag[device.asset_tag]
            StorageDrive.objects.bulk_create(
                StorageDrive(device_id=device.pk, **drive)
                for device, specs in zip(devices, chunk, strict=True)
                for drive in specs.drives
            )
            DeviceEvent.objects.bulk_create(
                DeviceEvent(
                    device_id=device.pk,
                    from_status="",
                    to_status=DeviceStatus.RECEIVED,
                    actor=user,
                    note=note,
                )
                for device in devices
            )
        _count_logged(batch, len(specs_list))
    return len(specs_list)


def _count_logged(batch: CollectionBatch, n: int) -> None:
    # Last in the intake's transaction: the batch row stays locked only until its commit.
    CollectionBatch.objects.filter(pk=batch.pk).update(logged_count=F("logged_count") + n)


def batches_recount(batch_ids: Iterable[int] | None = None) -> int:
    """Write again the devices logged into each batch (all of them, or those listed), for rows
    written around the services (a bulk seed): how many batches were wrong."""
    batches = CollectionBatch.objects.all()
    if batch_ids is not None:
        batches = batches.filter(pk__in=list(batch_ids))
    actual = related_count(Device, "batch")
    wrong = batches.alias(actual=actual).exclude(logged_count=F("actual"))
    return wrong.update(logged_count=actual)


DEVICE_COPY_COLUMNS = (
    "id",
    "asset_tag",
    "workshop_id",
    "batch_id",
    "location_id",
    "status",
    "grade",
    "device_type",
    "serial_number",
    "manufacturer",
    "model",
    "cpu",
    "ram_mb",
    "battery_health_pct",
    "screen_size_in",
    "keyboard_layout",
    "purchase_date",
    "declared_value",
    "weight_kg",
    "notes",
    "is_virtual",
    "source",
    "created_by_id",
    "created_at",
    "updated_at",
    "received_at",
    "ready_at",
    "allocated_at",
    "status_since",
)


def _receive_many_copy(batch, specs_list, tags, user, source, note) -> None:
    """PostgreSQL: ids reserved from the sequence, then devices, drives and events by COPY."""
    now = timezone.now()
    ids = next_ids(Device, len(specs_list))
    user_id = user.pk if user else None
    copy_rows(
        Device,
        DEVICE_COPY_COLUMNS,
        (
            (
                pk,
                tag,
                batch.workshop_id,
                batch.pk,
                None,
                DeviceStatus.RECEIVED,
                "",
                s.device_type,
                s.serial_number,
                s.manufacturer,
                s.model,
                s.cpu,
                s.ram_mb,
                s.battery_health_pct,
                s.screen_size_in,
                s.keyboard_layout,
                s.purchase_date,
                s.declared_value,
                s.weight_kg,
                s.notes,
                s.is_virtual,
                source,
                user_id,
                now,
                now,
                now,
                None,
                None,
                now,
            )
            for pk, tag, s in zip(ids, tags, specs_list, strict=True)
        ),
    )
    copy_rows(
        StorageDrive,
        (
            "device_id",
            "kind",
            "capacity_gb",
            "model",
            "serial_number",
            "smart_passed",
            "power_on_hours",
        ),
        (
            (
                pk,
                d["kind"],
                d.get("capacity_gb"),
                d.get("model", ""),
                d.get("serial_number", ""),
                d.get("smart_passed"),
                d.get("power_on_hours"),
            )
            for pk, s in zip(ids, specs_list, strict=True)
            for d in s.drives
        ),
    )
    # Every event is the same but for its device: one statement over the array of ids is
    # cheaper than a COPY row per device.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_deviceevent (device_id, from_status, to_status, actor_id, at,"
            " note) SELECT unnest(%s::bigint[]), '', %s, %s, %s, %s",
            [ids, DeviceStatus.RECEIVED, user_id, now, note],
        )


@transaction.atomic
def device_move(
    *, device: Device, to_location: Location | None, user: User | None, note: str = ""
) -> Movement | None:
    """Move a device and write the movement row; no-op when it is already there."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    if to_location is not None and to_location.workshop_id != device.workshop_id:
        raise ValidationError(_("This location belongs to another workshop."))
    if device.location_id == (to_location.pk if to_location else None):
        return None
    movement = Movement.objects.create(
        device=device,
        from_location=device.location,
        to_location=to_location,
        moved_by=user,
        note=note,
    )
    Device.objects.filter(pk=device.pk).update(location=to_location)
    return movement


def batch_create(
    *,
    workshop: Organisation,
    donor: Donor,
    collected_on: date,
    user: User | None,
    pickup_address: str = "",
    commune_insee: str = "",
    declared_quantity: int | None = None,
    received_quantity: int | None = None,
    notes: str = "",
) -> CollectionBatch:
    """Open a collection batch with the next reference of its year (LOT-2026-0001)."""
    if workshop.kind != OrganisationKind.WORKSHOP:
        raise ValidationError(_("A batch is received by a workshop."))
    if donor.workshop_id != workshop.pk:
        raise ValidationError(_("This donor is registered by another workshop."))
    with transaction.atomic():
        number = counter_reserve(name=f"batch-{collected_on.year}")
        batch = CollectionBatch(
            reference=f"LOT-{collected_on.year}-{number:04d}",
            workshop=workshop,
            donor=donor,
            collected_on=collected_on,
            pickup_address=pickup_address,
            commune_insee=commune_insee,
            declared_quantity=declared_quantity,
            received_quantity=received_quantity,
            notes=notes,
            created_by=user,
        )
        batch.full_clean()
        batch.save()
    return batch


def locations_ensure(
    *, workshop: Organisation, places: Iterable[tuple[str, str]]
) -> list[Location]:
    return [
        Location.objects.get_or_create(workshop=workshop, zone=zone, shelf=shelf)[0]
        for zone, shelf in places
    ]


# Until the diagnosis of the current cycle drives may be corrected by hand; from it on they
# are evidence (erasures point at them) and change only through the recorded drive change step.
DRIVES_EDITABLE = frozenset({DeviceStatus.RECEIVED, DeviceStatus.RETURNED})


class DrivesLockedError(ValidationError):
    """An edit would change the drives of a device past its diagnosis."""

    def __init__(self):
        super().__init__(
            _(
                "The drives of a device are evidence from its diagnosis on: use “Change a "
                "drive” on the device page to add, remove or swap one (the device then goes "
                "back to the erasure step)."
            ),
            code="drives_locked",
        )


def drive_layout(drives: Iterable[Any]) -> list[tuple[int, str]]:
    """Drives as the edit form shows them (size and kind; drives of unknown size are not
    shown), to tell whether the typed storage changes anything."""
    pairs = (
        (d["capacity_gb"], d["kind"]) if isinstance(d, dict) else (d.capacity_gb, d.kind)
        for d in drives
    )
    return sorted((gb, kind) for gb, kind in pairs if gb)


def drives_remove(
    *, drives: Iterable[StorageDrive], user: User | None, note: str
) -> list[StorageDrive]:
    """Mark drives as taken out: the rows stay, with who, when and why."""
    now = timezone.now()
    removed = []
    for drive in drives:
        drive.removed_at, drive.removed_by, drive.removal_note = now, user, note[:300]
        drive.save(update_fields=["removed_at", "removed_by", "removal_note"])
        removed.append(drive)
    return removed


def drives_add(*, device: Device, drives: Iterable[dict[str, Any]]) -> list[StorageDrive]:
    return [StorageDrive.objects.create(device=device, **drive) for drive in drives]


@transaction.atomic
def device_update_specs(
    *, device: Device, specs: DeviceSpecs, replace_drives: bool, user: User | None = None
) -> Device:
    """Correct what was typed or imported; the serial stays unique per manufacturer.
    Drives change only when the typed storage differs from the current drives, and only
    before the diagnosis; the drives replaced stay as removed rows."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    current = list(device.drives.all())
    replace_drives = replace_drives and drive_layout(specs.drives) != drive_layout(current)
    if replace_drives and device.status not in DRIVES_EDITABLE:
        raise DrivesLockedError()
    if specs.serial_number:
        existing = device_find_duplicate(
            manufacturer=specs.manufacturer, serial_number=specs.serial_number
        )
        if existing is not None and existing.pk != device.pk:
            raise DuplicateSerialError(existing, user)
    values = specs.device_values()
    values.pop("is_virtual")  # only a hardware report says so
    for name, value in values.items():
        setattr(device, name, value)
    device.save(update_fields=[*values, "updated_at"])
    if replace_drives:
        drives_remove(drives=current, user=user, note=_("Corrected on the edit form"))
        drives_add(device=device, drives=specs.drives)
    return device


def location_create(*, workshop: Organisation, zone: str, shelf: str = "") -> Location:
    zone, shelf = normalise_text(zone), normalise_text(shelf)
    if not zone:
        raise ValidationError(_("A location needs a zone."))
    if Location.objects.filter(workshop=workshop, zone__iexact=zone, shelf__iexact=shelf).exists():
        raise ValidationError(_("This location already exists."))
    return Location.objects.create(workshop=workshop, zone=zone, shelf=shelf)
