"""Test helpers: move an nwipe log in time, as if the wipe station had run it at another date."""

import re
from datetime import datetime

_STAMP = re.compile(rb"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def shifted(data: bytes, first: datetime) -> bytes:
    """The log with every date moved so that its first one is `first` (naive, local time)."""
    match = _STAMP.search(data)
    assert match, "no date in the log"
    delta = first - datetime(*(int(g) for g in match.groups()))

    def move(m: re.Match) -> bytes:
        moved = datetime(*(int(g) for g in m.groups())) + delta
        return moved.strftime("%Y/%m/%d %H:%M:%S").encode()

    return _STAMP.sub(move, data)


def dated_in_cycle(devices, data: bytes) -> bytes:
    """Receive the devices two weeks ago and move the log just after that, so that it falls in
    their current cycle (the samples were written by machines of past years)."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from inventory.models import DeviceEvent

    DeviceEvent.objects.filter(device__in=devices).update(at=F("at") - timedelta(days=14))
    start = timezone.localtime(timezone.now() - timedelta(days=13))
    return shifted(data, start.replace(tzinfo=None, microsecond=0))
