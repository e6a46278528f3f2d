"""The certificate of a long batch is rendered in parts, in worker processes, then joined: the
joined document must still state every medium once, in order, whole, with its header once,
its signature and legal text once at the end and its pages numbered "N / M" across parts;
and a part that fails fails the document (no certificate with media missing)."""

import io
import os
import re

import pytest
from pypdf import PdfReader

from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from reconditioning.models import ErasureRecord
from reports import certificates
from tests.factories import make_device

pytestmark = pytest.mark.django_db

CHUNK = 3  # parts of 3 media in these tests: 8 media make 3 parts
LONG_SERIAL = "WD-WCC4N0LONGSERIAL0123456789ABCDEFGH"  # wider than its column


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squeezed(text: str) -> str:
    """The text without whitespace: a long serial may wrap inside its narrow cell."""
    return "".join(text.split())


@pytest.fixture
def long_batch(batch, technician, monkeypatch):
    monkeypatch.setattr(certificates, "CHUNK", CHUNK)
    devices = []
    # Serials in the reverse order of the asset tags: the order must come from the tags.
    for i in range(8):
        serial = LONG_SERIAL if i == 5 else f"MED-{7 - i:02d}"
        device = make_device(
            batch, drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": serial}]
        )
        devices.append(walk_to(device, S.ERASED, technician))
    return batch, sorted(devices, key=lambda d: d.asset_tag)


def media_serials(devices) -> list[str]:
    by_device = {r.device_id: r.media_serial for r in ErasureRecord.objects.all()}
    return [by_device[d.pk] for d in devices]


@pytest.fixture
def parallel(monkeypatch):
    """The worker processes, whatever threads the test runner has (xdist)."""
    calls = []
    real = certificates._parts_in_children

    def spy(html, progress):
        calls.append(len(html))
        return real(html, progress)

    monkeypatch.setattr(certificates, "WORKERS", 2)
    monkeypatch.setattr(certificates, "_fork_is_safe", lambda: True)
    monkeypatch.setattr(certificates, "_parts_in_children", spy)
    return calls


def test_every_medium_once_in_asset_tag_order_and_whole(long_batch, technician, parallel):
    batch, devices = long_batch
    pdf = certificates.batch_certificate_pdf(batch, user=technician)
    assert parallel == [3]  # three parts, rendered by the worker processes
    text = "\n".join(pages_text(pdf))
    flat = squeezed(text)
    serials = media_serials(devices)
    assert LONG_SERIAL in serials
    for serial in serials:
        assert flat.count(squeezed(serial)) == 1, serial  # never dropped, never twice, whole
    positions = [flat.index(squeezed(s)) for s in serials]
    assert positions == sorted(positions)  # in asset-tag order, across parts
    tag_positions = [flat.index(d.asset_tag) for d in devices]
    assert tag_positions == sorted(tag_positions)
    # The header once (first part), "(continued)" on the others, the end once (last part).
    assert text.count("Lot de collecte") == 1 and text.count("(suite)") == 2
    assert "8 — tous les effacements ont réussi" in text  # the whole batch, not one part
    assert text.count("Signature") == 1
    legal = flat.index(squeezed("décret n° 2022-190"))
    assert flat.count(squeezed("décret n° 2022-190")) == 1 and legal > max(positions)


def test_pages_are_numbered_across_parts(long_batch, technician, parallel):
    batch, _devices = long_batch
    pages = pages_text(certificates.batch_certificate_pdf(batch, user=technician))
    total = len(pages)
    assert total >= 3  # one page per part at least
    for number, text in enumerate(pages, start=1):
        assert re.findall(r"\b\d+ / \d+\b", text) == [f"{number} / {total}"], text
        assert f"{batch.reference}" in text  # the footer's batch reference on every page


def test_parallel_and_sequential_give_the_same_document(
    long_batch, technician, parallel, monkeypatch
):
    batch, _devices = long_batch
    in_parallel = pages_text(certificates.batch_certificate_pdf(batch, user=technician))
    monkeypatch.setattr(certificates, "WORKERS", 1)
    one_by_one = pages_text(certificates.batch_certificate_pdf(batch, user=technician))
    assert parallel == [3]  # only the first render used the workers

    def without_issue_time(pages):
        return [re.sub(r"\d{1,2} \w+ \d{4} \d{1,2}:\d{2}", "<issued>", p) for p in pages]

    assert without_issue_time(in_parallel) == without_issue_time(one_by_one)


def test_progress_moves_part_by_part_up_to_the_join(long_batch, technician, parallel):
    batch, _devices = long_batch
    seen = []
    certificates.batch_certificate_pdf(batch, user=technician, progress=seen.append)
    assert seen[0] == 10 and seen[-1] == 95 and seen == sorted(seen)
    assert len([p for p in seen if 10 < p < 95]) == 3  # one step per part


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_part_fails_the_whole_certificate(
    long_batch, technician, parallel, monkeypatch, workers
):
    batch, devices = long_batch
    monkeypatch.setattr(certificates, "WORKERS", workers)
    real = certificates.html_to_pdf
    last_tag = devices[-1].asset_tag

    def fails_on_the_last_part(html):
        if last_tag in html:
            raise MemoryError("out of memory")
        return real(html)

    monkeypatch.setattr(certificates, "html_to_pdf", fails_on_the_last_part)
    with pytest.raises((RuntimeError, MemoryError), match="out of memory"):
        certificates.batch_certificate_pdf(batch, user=technician)


def test_a_short_batch_is_one_document_numbered_by_weasyprint(batch, technician, monkeypatch):
    monkeypatch.setattr(certificates, "CHUNK", CHUNK)
    for i in range(2):
        device = make_device(
            batch, drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": f"ONE-{i}"}]
        )
        walk_to(device, S.ERASED, technician)
    pages = pages_text(certificates.batch_certificate_pdf(batch, user=technician))
    assert len(pages) == 1 and "1 / 1" in pages[0] and "(suite)" not in pages[0]
    assert "ONE-0" in pages[0] and "ONE-1" in pages[0]


def test_a_worker_that_dies_fails_the_whole_certificate(
    long_batch, technician, parallel, monkeypatch
):
    batch, devices = long_batch
    real = certificates.html_to_pdf
    last_tag = devices[-1].asset_tag

    def killed_on_the_last_part(html):
        if last_tag in html:
            os._exit(137)  # as the kernel's OOM killer would leave it: no PDF, no message
        return real(html)

    monkeypatch.setattr(certificates, "html_to_pdf", killed_on_the_last_part)
    with pytest.raises(RuntimeError, match="part 3: the process rendering it ended"):
        certificates.batch_certificate_pdf(batch, user=technician)
