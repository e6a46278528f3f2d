"""The device's life as data: which status may follow which, and the one function that moves a
device along it, writing its event row. Guards on evidence (erasure, OS, QA) arrive with the
reconditioning screens; until then a transition only has to be on the graph."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent

TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.DIAGNOSED, S.SCRAPPED},
    S.DIAGNOSED: {S.ERASED, S.SCRAPPED},
    S.ERASED: {S.REPAIRED, S.OS_INSTALLED, S.SCRAPPED},
    S.REPAIRED: {S.OS_INSTALLED, S.SCRAPPED},
    S.OS_INSTALLED: {S.READY, S.SCRAPPED},
    S.READY: {S.RESERVED, S.SCRAPPED},
    S.RESERVED: {S.ALLOCATED, S.READY},
    S.ALLOCATED: {S.RETURNED},
    S.RETURNED: {S.DIAGNOSED, S.SCRAPPED},
    S.SCRAPPED: set(),
}


class TransitionError(ValidationError):
    pass


@transaction.atomic
def device_transition(*, device: Device, to_status: str, user, note: str = "") -> DeviceEvent:
    """Move a device to `to_status` if the graph allows it; locks the row against a
    concurrent transition and writes the event."""
    current = Device.objects.select_for_update().values_list("status", flat=True).get(pk=device.pk)
    if to_status not in TRANSITIONS.get(current, set()):
        raise TransitionError(
            _("A device cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(current).label, "to": S(to_status).label}
        )
    Device.objects.filter(pk=device.pk).update(status=to_status)
    device.status = to_status
    return DeviceEvent.objects.create(
        device=device, from_status=current, to_status=to_status, actor=user, note=note
    )


def path_to(status: str) -> list[str]:
    """The usual path from received to `status` (for demo data and tests)."""
    main = [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY, S.RESERVED, S.ALLOCATED]
    if status == S.SCRAPPED:
        return [S.RECEIVED, S.DIAGNOSED, S.SCRAPPED]
    if status == S.REPAIRED:
        return [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.REPAIRED]
    if status == S.RETURNED:
        return [*main, S.RETURNED]
    return main[: main.index(status) + 1]
