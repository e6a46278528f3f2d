"""Erasure certificates in the terms of NIST SP 800-88 Rev. 2 (September 2025: Clear, Purge or
Destroy, each with its IEEE 2883 technique), with the fields of its sanitization record: per
device and per batch — the document donors ask for (décret 2022-190 requires the erasure of
every data of the previous user before a refurbished device changes owner).

Designed for long batches: one plain table row per medium, no image per row, so WeasyPrint's
cost stays per page and not per element."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core.pdf import render_pdf
from inventory.enums import DeviceType
from inventory.models import CollectionBatch, Device
from reconditioning.enums import NistRevision
from reconditioning.lifecycle import erasure_missing
from reconditioning.models import ErasureRecord


def _render(context: dict) -> bytes:
    context = {
        "chunked": False,
        "continued": False,
        "last": True,
        "devices_without_record": [],
        "title_device": None,
    } | context
    context.setdefault("media_count", len(context["records"]))
    context.setdefault("issuer", context.get("workshop"))

    return render_pdf("reports/certificate.html", context)


def _records(devices_qs):
    # The latest record per medium of the current cycle is the one that certifies; failed
    # attempts stay visible in the device's history, not on the certificate. What dates an
    # erasure is when it happened (started after the cycle began, ended by now), not when it was
    # entered: a returned device's previous erasures belong to the previous owner.
    records = (
        ErasureRecord.objects.filter(device__in=devices_qs)
        .of_current_cycle()
        .select_related("device", "recorded_by")
        .order_by("device_id", "drive_id", "-recorded_at", "-id")
    )
    seen = set()
    latest = []
    for record in records:
        key = (record.device_id, record.drive_id)
        if key in seen:
            continue
        seen.add(key)
        latest.append(record)
    latest.sort(key=lambda r: (r.device.asset_tag, r.media_serial))
    return latest


def _revisions(records) -> dict:
    return {"rev1_records": any(r.nist_revision == NistRevision.REV1 for r in records)}


def certificate_refusal(device: Device) -> str | None:
    """Why no certificate can be issued for the device yet: a certificate states that every
    medium was erased in this cycle, so each current drive (or, for a phone or tablet, its
    factory reset) needs a passed erasure first."""
    if device.device_type == DeviceType.MONITOR:
        return _("A monitor holds no user data: it has no erasure certificate.")
    missing = erasure_missing(device)
    if missing:
        return _("No erasure certificate yet: no passed erasure in this cycle for %(media)s.") % {
            "media": ", ".join(missing)
        }
    return None


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
            **_revisions(records),
        }
    )


# WeasyPrint holds a whole document's layout in memory (10–15 MB per page of long tables):
# a long batch is rendered in parts of this many media, then the parts are concatenated.
CHUNK = 250


def no_progress(pct: int) -> None:
    """The progress callback of a document made in the request: nobody is watching."""


def batch_certificate_pdf(batch: CollectionBatch, *, user, progress=no_progress) -> bytes:
    """progress(pct), when given (a report job), is told 10 once the records are gathered (a
    few queries), then after each part WeasyPrint rendered, up to 95: the render is the cost
    (12–19 ms per device), one step per part of CHUNK media."""
    devices = Device.objects.visible_to(user).filter(batch=batch)
    records = _records(devices)
    without = list(
        devices.exclude(pk__in={r.device_id for r in records})
        .exclude(device_type="monitor")
        .order_by("asset_tag")
    )
    common = {
        "batch": batch,
        "workshop": batch.workshop,
        "generated_at": timezone.now(),
        "all_passed": bool(records) and all(r.result == "passed" for r in records),
        "media_count": len(records),
        **_revisions(records),
    }
    progress(10)
    if len(records) <= CHUNK:
        pdf = _render(common | {"records": records, "devices_without_record": without})
        progress(95)
        return pdf
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    parts = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        pdf = _render(
            common
            | {
                "records": part,
                "chunked": True,
                "continued": index > 0,
                "last": last,
                "devices_without_record": without if last else [],
            }
        )
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
        progress(10 + 85 * (index + 1) // len(parts))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
