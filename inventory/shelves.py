"""Shelves and stocktakes: scan a shelf, then the devices put on it; count a location and
accept what the count found. Every move is a Movement row (services.device_move)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions

from .models import Device, Location, Stocktake, StocktakeLine
from .scanning import read_scan
from .services import device_move


@dataclass
class ScannedDevices:
    devices: list[Device]
    errors: list[str]


def devices_from_scans(*, user, location: Location, text: str) -> ScannedDevices:
    """The devices a list of scans (one a line) names, each once, in scan order; every line
    that names none of the location's workshop's devices is an error with its line number
    (a device of another workshop is not named)."""
    visible = Device.objects.visible_to(user).filter(workshop_id=location.workshop_id)
    devices, seen, errors = [], set(), []
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    scans = [(n, line, read_scan(line)) for n, line in lines]
    tags = {s.value for _n, _l, s in scans if s and s.kind == "tag"}
    pks = {int(s.value) for _n, _l, s in scans if s and s.kind == "pk"}
    texts = {s.value.upper() for _n, _l, s in scans if s and s.kind == "text"}
    # Three queries whatever the number of scans.
    by_tag = {d.asset_tag: d for d in visible.filter(asset_tag__in=tags)}
    by_pk = {d.pk: d for d in visible.filter(pk__in=pks)}
    by_serial = {}
    for d in visible.filter(serial_number__in=texts):
        by_serial.setdefault(d.serial_number, []).append(d)
    for n, line, scan in scans:
        device = None
        if scan.kind == "tag":
            device = by_tag.get(scan.value)
        elif scan.kind == "pk":
            device = by_pk.get(int(scan.value))
        elif scan.kind == "text" and len(by_serial.get(scan.value.upper(), [])) == 1:
            device = by_serial[scan.value.upper()][0]
        if scan.kind == "location":
            errors.append(_("Line %(n)s: a shelf label, not a device.") % {"n": n})
        elif device is None:
            known = scan.kind in ("tag", "pk") and (
                Device.objects.filter(asset_tag=scan.value).exists()
                if scan.kind == "tag"
                else Device.objects.filter(pk=int(scan.value)).exists()
            )
            if known:
                errors.append(_("Line %(n)s: this device is not in your workshop.") % {"n": n})
            else:
                errors.append(
                    _("Line %(n)s: no device matches “%(q)s”.") % {"n": n, "q": line[:60]}
                )
        elif device.pk not in seen:
            seen.add(device.pk)
            devices.append(device)
    return ScannedDevices(devices, errors)


def put_away(*, user, location: Location, text: str) -> int:
    """Move every scanned device to the location: all or nothing. Returns how many moved."""
    permissions.require(user, "inventory.work_on", location)
    scanned = devices_from_scans(user=user, location=location, text=text)
    if scanned.errors:
        raise ValidationError(scanned.errors)
    if not scanned.devices:
        raise ValidationError(_("Scan at least one device."))
    moved = 0
    with transaction.atomic():
        for device in scanned.devices:
            if device_move(device=device, to_location=location, user=user):
                moved += 1
    return moved


def stocktake_record(*, user, location: Location, text: str) -> Stocktake:
    """Record a count of the location: found (scanned, recorded here), unexpected (scanned,
    recorded elsewhere or nowhere), missing (recorded here, not scanned). An empty count is
    allowed: the shelf may be empty. A scan that names no device of the workshop refuses it
    all."""
    permissions.require(user, "inventory.work_on", location)
    scanned = devices_from_scans(user=user, location=location, text=text)
    if scanned.errors:
        raise ValidationError(scanned.errors)
    with transaction.atomic():
        stocktake = Stocktake.objects.create(
            workshop_id=location.workshop_id, location=location, counted_by=user
        )
        found_ids = {d.pk for d in scanned.devices}
        lines = [
            StocktakeLine(
                stocktake=stocktake,
                device=d,
                result=StocktakeLine.Result.FOUND
                if d.location_id == location.pk
                else StocktakeLine.Result.UNEXPECTED,
                recorded_location_id=d.location_id,
            )
            for d in scanned.devices
        ]
        expected = Device.objects.filter(location=location).exclude(pk__in=found_ids)
        lines += [
            StocktakeLine(
                stocktake=stocktake,
                device_id=pk,
                result=StocktakeLine.Result.MISSING,
                recorded_location_id=location.pk,
            )
            for pk in expected.values_list("pk", flat=True)
        ]
        StocktakeLine.objects.bulk_create(lines)
    return stocktake


def stocktake_accept(*, user, stocktake: Stocktake) -> int:
    """The manager accepts the count: unexpected devices move here, missing ones to no
    location; one movement row each, noting the stocktake. Refused as a whole if a device
    has moved since the count. Returns how many moved."""
    permissions.require(user, "inventory.accept_stocktake", stocktake)
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
        if stocktake.accepted_at is not None:
            raise ValidationError(_("This stocktake has already been accepted."))
        lines = list(
            stocktake.lines.exclude(result=StocktakeLine.Result.FOUND).select_related("device")
        )
        moved_since = [
            line.device.asset_tag
            for line in lines
            if line.device.location_id != line.recorded_location_id
        ]
        if moved_since:
            raise ValidationError(
                _("These devices have moved since the count; count the location again: %(tags)s")
                % {"tags": ", ".join(moved_since)}
            )
        note = str(stocktake)
        moved = 0
        for line in lines:
            target = stocktake.location if line.result == StocktakeLine.Result.UNEXPECTED else None
            why = _("missing at the count") if target is None else _("found at the count")
            if device_move(
                device=line.device, to_location=target, user=user, note=f"{note}: {why}"
            ):
                moved += 1
        Stocktake.objects.filter(pk=stocktake.pk).update(
            accepted_by=user, accepted_at=timezone.now()
        )
    return moved
