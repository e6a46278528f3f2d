"""Erasure certificates in the terms of NIST SP 800-88 Rev. 2 (September 2025: Clear, Purge or
Destroy, each with its IEEE 2883 technique), with the fields of its sanitization record: per
device and per batch — the document donors ask for (décret 2022-190 requires the erasure of
every data of the previous user before a refurbished device changes owner).

Designed for long batches: one plain table row per medium, no image per row, few elements
per row (WeasyPrint's cost is per cell and per element), a long batch rendered in parts by
worker processes and joined, its pages numbered after the join."""

import contextlib
import gc
import io
import os
import selectors
import signal
import threading

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from core.pdf import html_to_pdf
from inventory.enums import DeviceType
from inventory.models import CollectionBatch, Device
from reconditioning.enums import NistRevision
from reconditioning.lifecycle import erasure_missing
from reconditioning.models import ErasureRecord


def _render_html(context: dict) -> str:
    context = {
        "chunked": False,
        "continued": False,
        "last": True,
        "devices_without_record": [],
        "title_device": None,
    } | context
    context.setdefault("media_count", len(context["records"]))
    context.setdefault("issuer", context.get("workshop"))
    return render_to_string("reports/certificate.html", context)


def _render(context: dict) -> bytes:
    return html_to_pdf(_render_html(context))


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


# WeasyPrint holds a whole document's layout in memory: a long batch is rendered in parts of
# this many media, then the parts are concatenated. Two parts of 125 rendered at once peak
# at about 230 MB with the parent (PSS of the three processes; parts of 250: about 290 MB);
# smaller parts cost a little more CPU each.
CHUNK = 125
# Parts are independent documents, so a long batch renders them in this many forked worker
# processes (the pdf worker's machine has 2 cores); 1 renders them one after the other.
WORKERS = 2


def no_progress(pct: int) -> None:
    """The progress callback of a document made in the request: nobody is watching."""


def _parts_html(common: dict, records: list, without: list) -> list[str]:
    """The HTML of each part, made here (templates, translations, the ORM objects already
    loaded), so that a worker only has WeasyPrint to run on a string."""
    parts = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
    html = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        context = common | {
            "records": part,
            "chunked": True,
            "continued": index > 0,
            "last": last,
            "devices_without_record": without if last else [],
        }
        html.append(_render_html(context))
    return html


def _fork_is_safe() -> bool:
    # A fork copies one thread only: from a process with other threads (a threaded web
    # server, say) a lock another thread held would stay held in the child forever.
    return threading.active_count() == 1 and hasattr(os, "fork")


def _fork_part(html: str) -> tuple[int, int]:
    """A child rendering one part, writing its PDF (or its error) to a pipe: (pid, read fd).
    os.fork, not multiprocessing: a Celery prefork worker is a daemonic process, which
    multiprocessing refuses to give children."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_fd)
        return pid, read_fd
    code = 1
    try:  # the child: never returns, never runs the parent's exit handlers
        os.close(read_fd)
        try:
            data, failed = html_to_pdf(html), False
        except BaseException as exc:  # the parent raises it: no part may go missing
            data, failed = repr(exc).encode()[:2000], True
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
        code = 2 if failed else 0
    finally:
        os._exit(code)


def _part_failure(index: int, code: int, data: bytes) -> RuntimeError:
    if code == 2:
        why = data.decode(errors="replace")
    else:
        why = f"the process rendering it ended with status {code} (out of memory?)"
    return RuntimeError(f"certificate part {index + 1}: {why}")


def _exit_code(pid: int, data: bytes) -> int:
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:  # reaped by someone else's SIGCHLD handler: judge by the data
        return 0 if data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") else 1


def _parts_in_children(html: list[str], progress) -> list[bytes]:
    """One forked process per part, at most WORKERS at a time, all forked from this thread.
    A process per part, not a pool: WeasyPrint's layout memory goes back to the system when
    its part is done, so the peak stays at about WORKERS parts' layout over the parent's
    (shared) pages."""
    import weasyprint  # noqa: F401  imported once here, shared by every child

    pdfs: list[bytes | None] = [None] * len(html)
    running = {}  # read fd -> (pid, part index, chunks read)
    todo = list(enumerate(html))
    done = 0
    selector = selectors.DefaultSelector()
    # The parent's objects out of the collector's sight: a child's collection would write
    # to every one of them and so copy each page it shares with the parent.
    gc.freeze()
    try:
        while todo or running:
            while todo and len(running) < WORKERS:
                index, part = todo.pop(0)
                pid, fd = _fork_part(part)
                running[fd] = (pid, index, [])
                selector.register(fd, selectors.EVENT_READ)
            for key, _events in selector.select():
                chunk = os.read(key.fd, 1 << 20)
                if chunk:
                    running[key.fd][2].append(chunk)
                    continue
                selector.unregister(key.fd)
                os.close(key.fd)
                pid, index, chunks = running.pop(key.fd)
                data = b"".join(chunks)
                code = _exit_code(pid, data)
                if code != 0:
                    raise _part_failure(index, code, data)
                pdfs[index] = data
                done += 1
                progress(10 + 80 * done // len(html))
    finally:
        for fd, (pid, _index, _chunks) in running.items():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        selector.close()
        gc.unfreeze()
    return pdfs


def _parts_pdf(html: list[str], progress) -> list[bytes]:
    """Each part's PDF, in order; progress told as parts finish. In parallel when there is
    more than one part and a fork is safe, one after the other otherwise."""
    if WORKERS > 1 and len(html) > 1 and _fork_is_safe():
        return _parts_in_children(html, progress)
    pdfs = []
    for index, part in enumerate(html):
        pdfs.append(html_to_pdf(part))
        progress(10 + 80 * (index + 1) // len(html))
    return pdfs


# The footer's "page / pages" of a chunked document, stamped after concatenation (each part
# only knows its own pages): Times, a PDF standard font, needs no embedding and is close to
# the footer's serif; its digits, space and slash are 500, 250 and 278 thousandths of an em.
_STAMP_FONT = NameObject("/FiliereStamp")
_STAMP_SIZE = 8.8  # Times' capitals as tall as the 8 pt DejaVu Serif of the footer's left
_STAMP_RIGHT = 12 * 72 / 25.4  # the page's right margin, as @page sets it
_STAMP_BASELINE = 8 * 72 / 25.4 - 8 * 0.35  # the footer's baseline, mid 16 mm bottom margin


def _stamp_page_numbers(writer) -> None:
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Times-Roman"),
        }
    )
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        text = f"{number} / {total}"
        width = _STAMP_SIZE * sum({" ": 250, "/": 278}.get(c, 500) for c in text) / 1000
        x = float(page.mediabox.right) - _STAMP_RIGHT - width
        resources = page[NameObject("/Resources")].get_object()
        fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
        fonts[_STAMP_FONT] = font
        contents = page[NameObject("/Contents")].get_object()
        streams = [contents]
        if isinstance(contents, ArrayObject):
            streams = [stream.get_object() for stream in contents]
        # WeasyPrint's drawing leaves its own transformation in place: the page's drawing is
        # wrapped in q … Q so that the number is placed in PDF's own coordinates.
        streams[0].set_data(b"q\n" + streams[0].get_data())
        streams[-1].set_data(
            streams[-1].get_data()
            + f"\nQ q BT {_STAMP_FONT} {_STAMP_SIZE} Tf 0.067 0.067 0.067 rg "
            f"{x:.2f} {_STAMP_BASELINE:.2f} Td ({text}) Tj ET Q\n".encode("ascii")
        )


def batch_certificate_pdf(batch: CollectionBatch, *, user, progress=no_progress) -> bytes:
    """progress(pct), when given (a report job), is told 10 once the records are gathered (a
    few queries), then as each part of CHUNK media is rendered, up to 90, then 95 once the
    parts are joined: the render is the cost (about 8 ms per medium)."""
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
    pdfs = _parts_pdf(_parts_html(common, records, without), progress)
    writer = PdfWriter()
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    _stamp_page_numbers(writer)
    out = io.BytesIO()
    writer.write(out)
    progress(95)
    return out.getvalue()
