"""Property: whatever file arrives (random bytes, or a real sample file mutated), the upload
screens and the API answer with a page or a 4xx, never a 500, and write all or nothing.

The files go through the real views (forms, Celery job run in-process, confirmation), so the
whole path a technician's upload takes is exercised. Examples per test: see MAX_EXAMPLES."""

import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from beneficiaries.models import Structure
from inventory.enums import ImportStatus
from inventory.models import (
    Device,
    DeviceEvent,
    HardwareReport,
    ImportJob,
    Movement,
    PendingHardwareReport,
    StorageDrive,
)
from reconditioning.models import ErasureRecord
from tests.factories import make_device
from tests.security.upload_files import (
    HARDWARE_SAMPLES,
    MEDNUM_SAMPLES,
    NWIPE_SAMPLES,
    SPREADSHEET_SAMPLES,
    rezip,
)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 150
PROPERTY = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same files on every run: a failure is reproducible
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _read(paths):
    return [(p.name, p.read_bytes()) for p in sorted(paths)]


SPREADSHEETS = _read(SPREADSHEET_SAMPLES.glob("*"))
HARDWARE = _read(HARDWARE_SAMPLES.glob("*.json"))
NWIPE = _read(NWIPE_SAMPLES.glob("*.log"))
MEDNUM = _read(MEDNUM_SAMPLES.glob("*.csv"))
NWIPE_SERIALS = sorted(
    {
        "ZN15TA6Y", "Y3TKP0ABCDE1", "TE85113Q0K1L2B", "S2R6NX0H512345A", "WD-WCAT1E123456",
        "S4EVNF0M812345K", "9XGA0RTV0000C6252V9L", "Z3T8KX4M", "6RA1B2C3", "WD-WCC2EJX12345",
    }
)  # fmt: skip
NAMES = st.sampled_from(["don.csv", "don.xlsx", "don.txt", "don.xls", "don", "don.ods"])


@st.composite
def mutated(draw, content: bytes) -> bytes:
    """A few byte-level mutations: flips, cuts, insertions, duplicated slices, truncation."""
    data = bytearray(content)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data.extend(draw(st.binary(min_size=1, max_size=64)))
            continue
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate", "byte"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[at] = draw(st.sampled_from([0, 0x0A, 0x0D, 0x22, 0x3B, 0x2C, 0xFF, 0x3D, 0x40]))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 500))] * draw(st.integers(2, 20))
        else:
            del data[at:]
    return bytes(data)


@st.composite
def mutated_xlsx(draw) -> bytes:
    """The real workbook rebuilt with one inner XML part mutated: reaches openpyxl's parser."""
    name, content = draw(st.sampled_from([s for s in SPREADSHEETS if s[0].endswith(".xlsx")]))
    with zipfile.ZipFile(SPREADSHEET_SAMPLES / name) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    target = draw(st.sampled_from(sorted(members)))
    members[target] = draw(mutated(members[target]))
    if draw(st.booleans()):
        del members[draw(st.sampled_from(sorted(members)))]
    return rezip(members)


def any_file(samples, extra=()):
    sample = st.sampled_from(samples).flatmap(lambda s: mutated(s[1]))
    return st.one_of(st.binary(max_size=4096), sample, *extra)


def _rows():
    return {
        model.__name__: model.objects.count()
        for model in (
            Device,
            StorageDrive,
            Movement,
            DeviceEvent,
            ImportJob,
            HardwareReport,
            PendingHardwareReport,
        )
    }


# --- donor spreadsheets ---------------------------------------------------------------------


@PROPERTY
@given(content=any_file(SPREADSHEETS, (mutated_xlsx(),)), name=NAMES)
def test_spreadsheet_upload_never_fails_and_never_half_writes(
    tech_client, batch, django_capture_on_commit_callbacks, content, name
):
    before = _rows()
    with django_capture_on_commit_callbacks(execute=True):
        response = tech_client.post(
            reverse("inventory:batch_import", args=[batch.pk]),
            {"file": SimpleUploadedFile(name, content)},
        )
    if response.status_code == 200:  # refused by the form: the reason is shown, nothing kept
        event("spreadsheet refused at upload")
        assert response.context["form"].errors["file"]
        assert _rows() == before
        return
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.status in (ImportStatus.PREVIEW, ImportStatus.FAILED)
    assert _rows() == {**before, "ImportJob": before["ImportJob"] + 1}  # only the job so far
    page = tech_client.get(reverse("inventory:import_job", args=[job.pk]))
    assert page.status_code == 200
    if job.status == ImportStatus.FAILED:
        event("spreadsheet refused by the analysis")
        assert job.message
        return
    after_preview = _rows()
    with django_capture_on_commit_callbacks(execute=True):
        tech_client.post(reverse("inventory:import_job_confirm", args=[job.pk]))
    job.refresh_from_db()
    event(f"spreadsheet confirmed: {job.status}")
    after = _rows()
    added = after["Device"] - after_preview["Device"]
    if job.status == ImportStatus.DONE:
        assert added == job.created_count > 0  # every row of the file...
    else:
        assert job.status == ImportStatus.FAILED and after == after_preview  # ...or none


# --- hardware reports -----------------------------------------------------------------------


def _json_values():
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=40),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    )


def _set_path(doc, draw):
    """Replace one value somewhere inside a parsed lshw report."""
    node = doc
    for _ in range(draw(st.integers(0, 5))):
        children = (
            list(node.items())
            if isinstance(node, dict)
            else list(enumerate(node))
            if isinstance(node, list)
            else []
        )
        containers = [(k, v) for k, v in children if isinstance(v, dict | list) and v]
        if not containers:
            break
        _key, node = draw(st.sampled_from(containers))
    if isinstance(node, dict) and node:
        node[draw(st.sampled_from(sorted(node)))] = draw(_json_values())
    elif isinstance(node, list) and node:
        node[draw(st.integers(0, len(node) - 1))] = draw(_json_values())


@st.composite
def hardware_body(draw) -> bytes:
    name, content = draw(st.sampled_from(HARDWARE))
    kind = draw(st.sampled_from(["structured", "bytes", "random"]))
    if kind == "random":
        return draw(st.binary(max_size=2048))
    try:
        lshw = json.loads(content)
    except ValueError:
        lshw = content.decode("utf-8", errors="replace")
    smartctl = [json.loads(c) for n, c in HARDWARE if n.startswith("smartctl_")][:1]
    body = {
        "lshw": lshw,
        "smartctl": smartctl,
        "battery": {"energy_full": 40000},
        "batch": BATCH_PLACEHOLDER,  # replaced by the test's batch: unknown devices need one
    }
    if kind == "structured":
        for _ in range(draw(st.integers(1, 4))):
            _set_path(body, draw)
        return json.dumps(body).encode()
    return draw(mutated(json.dumps(body).encode()))


BATCH_PLACEHOLDER = 987654321


@PROPERTY
@given(body=hardware_body())
def test_hardware_report_api_never_fails_and_never_half_writes(machine, batch, body):
    body = body.replace(str(BATCH_PLACEHOLDER).encode(), str(batch.pk).encode())
    before = _rows()
    response = machine.generic(
        "POST", "/api/hardware-reports/", body, content_type="application/json"
    )
    assert response.status_code in (200, 201, 202, 400, 403, 413), response.status_code
    event(f"hardware report: {response.status_code}")
    after = _rows()
    if response.status_code >= 400:
        assert response.json()
        assert after == before
    elif response.status_code == 202:
        # Held for a technician: only the held report is written, the device is untouched.
        held = after["PendingHardwareReport"] - before["PendingHardwareReport"]
        assert held == 1
        assert {k: v for k, v in after.items() if k != "PendingHardwareReport"} == {
            k: v for k, v in before.items() if k != "PendingHardwareReport"
        }
    else:
        assert after["HardwareReport"] == before["HardwareReport"] + 1
        assert after["Device"] - before["Device"] == (1 if response.status_code == 201 else 0)


# --- nwipe logs and LaMednum files ----------------------------------------------------------


@PROPERTY
@given(content=any_file(NWIPE))
def test_nwipe_upload_never_fails_and_never_half_writes(tech_client, batch, content):
    # The device has every drive the samples name, so a log that survives its mutations is
    # recorded (302) and the all-or-nothing write is exercised too.
    drives = [{"capacity_gb": 500, "kind": "hdd", "serial_number": s} for s in NWIPE_SERIALS]
    device = make_device(batch, drives=drives)
    before = (ErasureRecord.objects.count(), DeviceEvent.objects.count())
    response = tech_client.post(
        reverse("reconditioning:device_nwipe", args=[device.pk]),
        {"log": SimpleUploadedFile("nwipe.log", content)},
    )
    event(f"nwipe: {response.status_code}")
    if response.status_code == 200:
        assert response.context["form"].errors
        assert (ErasureRecord.objects.count(), DeviceEvent.objects.count()) == before
    else:
        assert response.status_code == 302


@PROPERTY
@given(content=any_file(MEDNUM))
def test_mednum_upload_never_fails(client, coordinator, content):
    client.force_login(coordinator)
    before = Structure.objects.count()
    response = client.post(
        reverse("beneficiaries:structure_import"),
        {"file": SimpleUploadedFile("lieux.csv", content)},
    )
    assert response.status_code == 200
    event("mednum refused" if response.context["form"].errors else "mednum read")
    if response.context["form"].errors:  # a file refused as a whole writes no structure
        assert Structure.objects.count() == before
