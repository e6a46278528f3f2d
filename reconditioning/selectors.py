"""Reads of the reconditioning: the device's timeline, lead times, the technician's queue."""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connections, router
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.pagination import first_per_value
from inventory.enums import DeviceStatus as S
from inventory.filters import DEVICE_SORTS
from inventory.models import CollectionBatch, Device, StorageDrive

from .checklists import QA_CRITERIA, checks_for
from .enums import NistRevision
from .lifecycle import DRIVE_CHANGE_STATUSES, fault_labels


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    who: object = None
    details: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    ok: bool | None = None


# The kinds of evidence a device may have (its reverse relations), read by the timeline.
EVIDENCE_RELATIONS = (
    "diagnoses",
    "erasures",
    "repairs",
    "os_installs",
    "quality_checks",
    "scrap_records",
    "drive_changes",
)


def evidence_present(device: Device) -> set[str]:
    """Which kinds of evidence the device has, in one query of indexed EXISTS: the timeline
    then reads only those (a device just received has none, and its page asked seven times)."""
    connection = connections[router.db_for_read(Device)]
    quote = connection.ops.quote_name
    parts, params = [], []
    for name in EVIDENCE_RELATIONS:
        model = Device._meta.get_field(name).related_model
        column = model._meta.get_field("device").column
        parts.append(
            f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(column)} = %s)"
        )
        params += [name, device.pk]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {row[0] for row in cursor.fetchall()}


def device_timeline(device: Device) -> list[TimelineEntry]:
    """Every event and every piece of evidence of a device, newest first."""
    entries = []
    present = evidence_present(device)
    for e in device.events.select_related("actor"):
        title = (
            _("%(from)s → %(to)s")
            % {"from": e.get_from_status_display(), "to": e.get_to_status_display()}
            if e.from_status
            else e.get_to_status_display()
        )
        entries.append(TimelineEntry(e.at, "event", title, e.actor, note=e.note))
    labels = dict(checks_for(device.device_type))
    for d in _rows(present, device.diagnoses.select_related("recorded_by")):
        details = [(str(labels.get(k, k)), v) for k, v in d.results.items()]
        if d.battery_health_pct is not None:
            details.append((_("Battery health"), f"{d.battery_health_pct} %"))
        if d.imei:
            details.append((_("IMEI"), d.imei))
        if d.lock_status:
            details.append((_("Lock status"), d.get_lock_status_display()))
        entries.append(
            TimelineEntry(
                d.recorded_at,
                "diagnosis",
                _("Diagnosis"),
                d.recorded_by,
                details,
                d.notes,
                ok=not d.faults,
            )
        )
    for r in _rows(present, device.erasures.select_related("recorded_by")):
        details = [
            (_("Medium"), " ".join(p for p in [r.media_type, r.media_model, r.media_serial] if p)),
            (_("Method"), erasure_method_text(r)),
            (_("Tool"), f"{r.tool} {r.tool_version}".strip()),
        ]
        if r.technique:
            details.append((_("Tool's method"), r.technique))
        if r.started_at and r.ended_at:
            start, end = _local(r.started_at), _local(r.ended_at)
            # The end's date too when it is another day (23:54 → 00:34 read as backwards).
            shown_end = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%d/%m/%Y %H:%M}"
            details.append((_("Dates"), f"{start:%d/%m/%Y %H:%M} → {shown_end}"))
        if r.passes is not None:
            details.append((_("Passes"), str(r.passes)))
        details.append((_("Verification"), r.get_verification_display()))
        if r.started_at and r.ended_at:
            details.append((_("Duration"), str(r.ended_at - r.started_at).split(".")[0]))
        entries.append(
            TimelineEntry(
                r.recorded_at,
                "erasure",
                _("Erasure: %(result)s") % {"result": r.get_result_display()},
                r.recorded_by,
                details,
                r.notes,
                ok=r.result == "passed",
            )
        )
    repairs = device.repairs.select_related("recorded_by").prefetch_related("parts__part")
    for r in _rows(present, repairs):
        details = [(_("Time spent"), _("%(n)s min") % {"n": r.minutes_spent})]
        details += [(_("Part"), f"{m.part} × {-m.quantity}") for m in r.parts.all()]
        entries.append(
            TimelineEntry(
                r.recorded_at, "repair", _("Repair"), r.recorded_by, details, r.description
            )
        )
    for i in _rows(present, device.os_installs.select_related("recorded_by", "system")):
        details = [(_("System"), str(i.system))]
        if i.override_reason:
            details.append((_("Below minimum specs because"), i.override_reason))
        entries.append(
            TimelineEntry(
                i.recorded_at, "os", _("System installed"), i.recorded_by, details, i.notes
            )
        )
    qa_labels = dict(QA_CRITERIA)
    for q in _rows(present, device.quality_checks.select_related("recorded_by")):
        details = [
            (str(qa_labels.get(k, k)), _("yes") if v else _("no")) for k, v in q.results.items()
        ]
        if q.grade:
            details.append((_("Grade"), q.grade))
        if q.faults_accepted:
            details.append(
                (_("Goes out with these checks at fault"), fault_labels(device, q.faults_accepted))
            )
        entries.append(
            TimelineEntry(
                q.recorded_at,
                "qa",
                _("Quality check"),
                q.recorded_by,
                details,
                q.notes,
                ok=q.passed,
            )
        )
    for s in _rows(present, device.scrap_records.select_related("recorded_by")):
        details = [
            (_("Reason"), s.get_reason_display()),
            (_("WEEE channel"), s.get_channel_display()),
            (_("Destination"), s.destination),
            (_("Weight"), f"{s.weight_kg} kg"),
        ]
        entries.append(
            TimelineEntry(s.recorded_at, "scrap", _("Scrapped"), s.recorded_by, details, s.notes)
        )
    for c in _rows(present, device.drive_changes.select_related("recorded_by")):
        # The drives taken out are removed rows: read them past the current-drive manager.
        drives = StorageDrive.all_objects.filter(device=device)
        details = [(_("Taken out"), _drive_label(d)) for d in drives.filter(removed_by_changes=c)]
        details += [(_("Added"), _drive_label(d)) for d in drives.filter(added_by_changes=c)]
        entries.append(
            TimelineEntry(
                c.recorded_at, "drives", _("Drive change"), c.recorded_by, details, c.notes
            )
        )
    entries.sort(key=lambda e: (e.at, e.kind != "event"), reverse=True)
    return entries


def _rows(present: set[str], related) -> list:
    """The rows of one kind of evidence, read only when evidence_present found some."""
    name = related.model._meta.get_field("device").remote_field.related_name
    return list(related) if name in present else []


def _drive_label(drive: StorageDrive) -> str:
    return " ".join(p for p in [str(drive), drive.model, drive.serial_number] if p)


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    if hours:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    minutes = max(1, delta.seconds // 60)
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


@dataclass
class LeadTimes:
    received_at: datetime | None
    ready_at: datetime | None
    allocated_at: datetime | None

    @property
    def to_ready(self) -> timedelta | None:
        if self.received_at and self.ready_at:
            return self.ready_at - self.received_at
        return None

    @property
    def to_ready_display(self) -> str:
        return format_duration(self.to_ready)

    @property
    def to_allocated_display(self) -> str:
        return format_duration(self.to_allocated)

    @property
    def to_allocated(self) -> timedelta | None:
        if self.ready_at and self.allocated_at:
            return self.allocated_at - self.ready_at
        return None


def device_lead_times(device: Device) -> LeadTimes:
    # The first time at each milestone, kept on the device by the writers of its event log.
    return LeadTimes(device.received_at, device.ready_at, device.allocated_at)


def _median_days(deltas: list[timedelta]) -> float | None:
    if not deltas:
        return None
    return round(statistics.median(d.total_seconds() for d in deltas) / 86400, 1)


def batch_progress(batch: CollectionBatch) -> dict:
    counts: dict[str, int] = {}
    to_ready, to_allocated = [], []
    for status, received, ready, allocated in Device.objects.filter(batch=batch).values_list(
        "status", "received_at", "ready_at", "allocated_at"
    ):
        counts[status] = counts.get(status, 0) + 1
        if received and ready:
            to_ready.append(ready - received)
        if ready and allocated:
            to_allocated.append(allocated - ready)
    total = sum(counts.values())
    steps = [
        (
            status,
            label,
            counts.get(status, 0),
            round(100 * counts.get(status, 0) / total) if total else 0,
        )
        for status, label in S.choices
        if counts.get(status)
    ]
    return {
        "total": total,
        "steps": steps,
        "median_days_to_ready": _median_days(to_ready),
        "median_days_to_allocated": _median_days(to_allocated),
        "ready_count": len(to_ready),
    }


QUEUE_GROUPS = [
    (S.DIAGNOSED, [S.RECEIVED, S.RETURNED]),
    (S.ERASED, [S.DIAGNOSED]),
    (S.OS_INSTALLED, [S.ERASED, S.REPAIRED]),
    (S.READY, [S.OS_INSTALLED]),
]


# The queue's sortable columns (core.sorting). "waiting" is the time spent in the current
# status: the longest wait is the earliest entry, so its ascending order is the latest entry.
QUEUE_SORTS = {
    "asset_tag": DEVICE_SORTS["asset_tag"],
    "type": DEVICE_SORTS["type"],
    "model": DEVICE_SORTS["model"],
    "status": DEVICE_SORTS["status"],
    "batch": Lower("batch__reference"),
    "location": DEVICE_SORTS["location"],
    "waiting": "-entered_at",
}
QUEUE_DEFAULT_SORT = "-waiting"  # the device that has waited longest comes first


def with_entered_at(devices):
    """Each device's `entered_at`: when it entered its current status, kept on the device by
    the lifecycle (an index by status and that time serves the queue's order)."""
    return devices.annotate(entered_at=F("status_since"))


def queue_groups(devices, order_by=("entered_at", "pk"), *, limit=None, by_wait=True) -> list:
    """Devices waiting, grouped by the step they wait for, longest waiting first unless
    `order_by` (QUEUE_SORTS through core.sorting) says otherwise (then `by_wait` is False).
    `limit`: the first rows of each group, as a list."""
    devices = with_entered_at(devices)
    if limit and by_wait:
        return _queue_groups_by_wait(devices, order_by, limit)
    groups = []
    for step, statuses in QUEUE_GROUPS:
        rows = devices.filter(status__in=statuses).order_by(*order_by)
        rows = list(rows[:limit]) if limit else rows
        groups.append({"step": S(step), "statuses": statuses, "devices": rows})
    return groups


def _queue_groups_by_wait(devices, order_by, limit) -> list:
    """Each step's longest waits across its statuses: the first `limit` of each status, merged
    on the wait. "status IN (...)" sorted every waiting device of the scope (221 ms for the
    coordinator at 1,000,000 devices)."""
    statuses = [s for _, group in QUEUE_GROUPS for s in group]
    first = first_per_value(
        devices.order_by(*order_by), "status", statuses, limit=limit, key=_wait_key
    )
    groups = []
    for step, group in QUEUE_GROUPS:
        waiting = sorted((d for s in group for d in first[s]), key=_wait_key)
        groups.append({"step": S(step), "statuses": group, "devices": waiting[:limit]})
    return groups


def _wait_key(device):
    return (device.entered_at, device.pk)


def next_actions(device: Device) -> list[tuple[str, str, bool]]:
    """(url slug, label, primary) of the evidence a technician can record now."""
    status = device.status
    actions = []
    if status in (S.RECEIVED, S.RETURNED):
        actions.append(("diagnostic", _("Record the diagnosis"), True))
    if status in (S.RECEIVED, S.DIAGNOSED, S.RETURNED):
        actions.append(("effacement", _("Record an erasure"), status == S.DIAGNOSED))
        actions.append(("nwipe", _("Import an nwipe log"), False))
    if status in (S.DIAGNOSED, S.ERASED, S.REPAIRED):
        actions.append(("reparation", _("Record a repair"), False))
    if status in (S.ERASED, S.REPAIRED):
        actions.append(("systeme", _("Record the system installation"), True))
    if status == S.OS_INSTALLED:
        actions.append(("controle", _("Quality check and grade"), True))
    if status in DRIVE_CHANGE_STATUSES:
        actions.append(("disques", _("Change a drive"), False))
    if status not in (S.SCRAPPED, S.RESERVED, S.ALLOCATED):
        actions.append(("rebut", _("Scrap"), False))
    return actions


def _local(value):
    return timezone.localtime(value)


def erasure_method_text(record) -> str:
    """The category and technique as the record's NIST SP 800-88 revision names them."""
    technique = (
        record.get_sanitization_display() if record.sanitization else record.get_method_display()
    )
    if record.nist_revision == NistRevision.REV1:
        return _("%(level)s (%(technique)s), NIST SP 800-88 Rev. 1") % {
            "level": record.get_nist_level_display(),
            "technique": record.get_method_display(),
        }
    return _("%(level)s (%(technique)s), NIST SP 800-88 Rev. 2") % {
        "level": record.get_nist_level_display(),
        "technique": technique,
    }
