"""Bulk evidence: one checklist, one erasure session, one quality check recorded for many
devices. Every device still gets its own evidence rows and events through the one-device
services (so every guard applies per device), and the whole action is all or nothing: if one
device refuses, nothing is written and every device at fault is listed."""

from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.models import Device

from . import services
from .checklists import checks_for
from .enums import CheckResult
from .lifecycle import BulkFault, BulkTransitionError


@transaction.atomic
def _each(devices: Sequence[Device], record: Callable[[Device], object]) -> list:
    locked = list(
        Device.objects.select_for_update().filter(pk__in=[d.pk for d in devices]).order_by("pk")
    )
    if not locked:
        raise ValidationError(_("Select at least one device."))
    done, faults = [], []
    for device in locked:
        try:
            with transaction.atomic():  # one device's refusal undoes only its own rows here
                done.append(record(device))
        except ValidationError as exc:
            faults.append(BulkFault(device, " ".join(exc.messages)))
    if faults:
        raise BulkTransitionError(faults)  # and the outer transaction undoes everyone's
    return done


def diagnosis_bulk(
    *,
    devices: Sequence[Device],
    user: User,
    results: dict[str, str],
    faults: dict[int, Sequence[str]] | None = None,
    notes: str = "",
):
    """One checklist for all; `faults` names, per device id, the items found faulty on it."""
    faults = faults or {}

    def record(device):
        answers = {key: results.get(key) for key, _label in checks_for(device.device_type)}
        for key in faults.get(device.pk, ()):
            if key in answers:
                answers[key] = CheckResult.FAULT
        return services.diagnosis_record(device=device, user=user, results=answers, notes=notes)

    return _each(devices, record)


def erasure_bulk(*, devices: Sequence[Device], user: User, **session):
    """One erasure session (method, tool, dates, result) applied to every drive of every
    device, one record per drive; a device without drives gets one record of its own."""

    def record(device):
        drives = list(device.drives.all()) or [None]
        return [
            services.erasure_record(device=device, user=user, drive=drive, **session)
            for drive in drives
        ]

    return _each(devices, record)


def quality_check_bulk(
    *,
    devices: Sequence[Device],
    user: User,
    results: dict,
    grade: str,
    notes: str = "",
    accept_faults: bool = False,
):
    def record(device):
        return services.quality_check_record(
            device=device,
            user=user,
            results=results,
            grade=grade,
            notes=notes,
            accept_faults=accept_faults,
        )

    return _each(devices, record)
