"""Erasure certificates with the fields of NIST SP 800-88 rev. 1, appendix G: per device and
per batch — the document donors ask for (décret 2022-190 requires the erasure of every data of
the previous user before a refurbished device changes owner).

Designed for long batches: one plain table row per medium, no image per row, so WeasyPrint's
cost stays per page and not per element."""

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from inventory.enums import DeviceStatus
from inventory.models import CollectionBatch, Device, DeviceEvent

from .models import ErasureRecord


def _render(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reconditioning/certificate.html", context)
    return HTML(string=html).write_pdf()


def _records(devices_qs):
    # The latest record per medium of the current cycle is the one that certifies; failed
    # attempts stay visible in the device's history, not on the certificate; a returned
    # device's previous erasures belong to the previous owner.
    starts = dict(
        DeviceEvent.objects.filter(
            device__in=devices_qs, to_status__in=[DeviceStatus.RECEIVED, DeviceStatus.RETURNED]
        )
        .order_by()
        .values_list("device_id")
        .annotate(start=Max("at"))
    )
    records = (
        ErasureRecord.objects.filter(device__in=devices_qs)
        .select_related("device", "recorded_by")
        .order_by("device_id", "drive_id", "-recorded_at", "-id")
    )
    seen = set()
    latest = []
    for record in records:
        start = starts.get(record.device_id)
        if start is not None and record.recorded_at < start:
            continue
        key = (record.device_id, record.drive_id)
        if key in seen:
            continue
        seen.add(key)
        latest.append(record)
    latest.sort(key=lambda r: (r.device.asset_tag, r.media_serial))
    return latest


def device_certificate_pdf(device: Device) -> bytes:
    records = _records(Device.objects.filter(pk=device.pk))
    return _render(
        {
            "title_device": device,
            "batch": device.batch,
            "workshop": device.workshop,
            "records": records,
            "generated_at": timezone.now(),
            "all_passed": bool(records) and all(r.result == "passed" for r in records),
        }
    )


def batch_certificate_pdf(batch: CollectionBatch, *, user) -> bytes:
    devices = Device.objects.visible_to(user).filter(batch=batch)
    records = _records(devices)
    without = (
        devices.exclude(pk__in={r.device_id for r in records})
        .exclude(device_type="monitor")
        .order_by("asset_tag")
    )
    return _render(
        {
            "batch": batch,
            "workshop": batch.workshop,
            "records": records,
            "generated_at": timezone.now(),
            "devices_without_record": list(without),
            "all_passed": bool(records) and all(r.result == "passed" for r in records),
        }
    )
