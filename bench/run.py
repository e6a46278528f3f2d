"""make bench / make bench-quick: every target of the scale issue measured side by side in one
run on PostgreSQL, written to docs/benchmarks.md with the machine and the command.

Usage: python -m bench.run --devices 1000000 [--import-rows 100000] [--out docs/benchmarks.md]
(DATABASE_URL must point at a scratch PostgreSQL database: it is filled, not cleaned.)"""

import argparse
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.enums import OrganisationKind, Role  # noqa: E402
from accounts.models import Membership, Organisation, User  # noqa: E402
from bench import importers  # noqa: E402
from inventory.models import CollectionBatch, Device, DeviceEvent  # noqa: E402
from inventory.services import DeviceSpecs, devices_receive_many  # noqa: E402
from reconditioning.models import OperatingSystem  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
results: list[dict] = []


def record(name, value, unit, target="", reference=None, note=""):
    ratio = f"{value / reference:.2f}×" if reference and value is not None else ""
    results.append(
        {"name": name, "value": value, "unit": unit, "target": target, "ratio": ratio, "note": note}
    )
    shown = "—" if value is None else (f"{value:,.1f}" if isinstance(value, float) else value)
    print(f"{name}: {shown} {unit} {ratio} {note}", flush=True)


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def loadavg() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


# Samples per run and runs per measure: each measure is run RUNS times, the median of the runs'
# p95 is the figure, min–max of the runs the spread. A run stops early past BUDGET_S seconds
# (a slow page), and the note says how many samples it took.
SAMPLES = 200
RUNS = 3
BUDGET_S = 6.0


def p95_run(client, url, n, ok):
    samples, queries, status = [], None, None
    deadline = time.perf_counter() + BUDGET_S
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        assert status in ok, (url, status)
        queries = len(ctx.captured_queries)
        if time.perf_counter() > deadline and len(samples) >= 10:
            break
    return p95(samples), len(samples), queries


def timed_get(client, url, n=None, ok=(200,)):
    """(median p95 of RUNS runs, note): the note gives the spread, samples, queries and the
    load average before and after."""
    n = n or SAMPLES
    client.get(url)  # warm the caches and the connection
    before = loadavg()
    runs = [p95_run(client, url, n, ok) for _ in range(RUNS)]
    values = sorted(r[0] for r in runs)
    median = values[len(values) // 2]
    note = (
        f"p95 of {'/'.join(str(r[1]) for r in runs)} samples × {RUNS} runs, "
        f"spread {values[0]:.1f}–{values[-1]:.1f} ms; {runs[-1][2]} queries; "
        f"load {before} → {loadavg()}"
    )
    return median, note


def largest(queryset, field):
    row = queryset.values(field).annotate(n=Count("id")).order_by("-n").first()
    return row[field] if row else None


def bench_user(username, organisation, role):
    user, _ = User.objects.get_or_create(username=username)
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        Membership.objects.filter(user=user).delete()
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return User.objects.get(pk=user.pk)  # no cached memberships


def users() -> dict:
    """The users the pages are measured for, at the scale the base has now: the largest
    workshop's technician and manager, the coordinator (who sees everything), the structure
    with the most orders, a funder."""
    from beneficiaries.models import Order

    workshop = Organisation.objects.get(pk=largest(Device.objects.order_by(), "workshop_id"))
    tech = (
        Membership.objects.filter(organisation=workshop, role=Role.TECHNICIAN)
        .order_by("pk")
        .first()
        .user
    )
    coord_org, _ = Organisation.objects.get_or_create(
        name="Coordination bench", kind=OrganisationKind.COORDINATION
    )
    found = {
        "technician": tech,
        "manager": bench_user("bench-manager", workshop, Role.MANAGER),
        "coordinator": bench_user("bench-coord", coord_org, Role.COORDINATOR),
    }
    structure_id = largest(Order.objects.order_by(), "structure_id")
    if structure_id:
        found["structure"] = bench_user(
            "bench-structure", Organisation.objects.get(pk=structure_id), Role.STAFF
        )
    funder = (
        Organisation.objects.filter(kind=OrganisationKind.FUNDER)
        .annotate(n=Count("funding_programmes__orders"))
        .order_by("-n", "pk")
        .first()
    )
    if funder:
        found["funder"] = bench_user("bench-funder", funder, Role.READER)
    return found


# Every list, the work queue, the home ("today") page, the stock report through its view and
# the API list: each measured for every user it answers 200 (a page refused to a user is said so).
PAGES = [
    ("home page", "/"),
    ("device list", "/appareils/"),
    ("device list, filtered", "/appareils/?status=ready&device_type=laptop"),
    ("device list, page 20", None),
    ("work queue", "/file/?device_type=laptop"),
    ("work queue, unfiltered", "/file/"),
    ("batch list", "/lots/"),
    ("donor list", "/donateurs/"),
    ("location list", "/emplacements/"),
    ("order list", "/commandes/"),
    ("person list", "/personnes/"),
    ("structure list", "/structures/"),
    ("training session list", "/formations/"),
    ("stock report view", "/rapports/stock/"),
    ("funder report view", "/rapports/financeurs/"),
    ("API device list", "/api/devices/?status=ready"),
    ("API device list, unfiltered", "/api/devices/"),
]


def nightly_audit_state():
    """The home page of the coordination reads the last nightly chain audit and audits every
    device itself only until one has run (a few queries per device: minutes at 10,000). A
    server in service has run it: the bench records an outcome as the nightly task does
    (the audit's own cost is not a page's and is not measured here)."""
    from reports.audit import ChainAudit, chain_audit_record, last_chain_audit

    coord = users()["coordinator"]
    if last_chain_audit(coord) is None:
        chain_audit_record(ChainAudit(checked=Device.objects.count(), breaks=[]))


def measure_lists(label: str, only: list[str] | None = None) -> dict:
    """`only`: the pages whose name contains one of these words (and no search)."""
    nightly_audit_state()
    people = users()
    client = Client()
    out = {}
    pages = [(n, u) for n, u in PAGES if not only or any(w in n for w in only)]
    for who, user in people.items():
        client.force_login(user)
        for name, url in pages:
            if url is None:
                last = (
                    Device.objects.visible_to(user)
                    .order_by("-pk")
                    .values_list("pk", flat=True)[1000:1001]
                )
                url = f"/appareils/?after={last[0]}" if last else "/appareils/"
            status = client.get(url).status_code
            key = f"{name} ({who})"
            if status != 200:
                record(f"{key} at {label}", None, "ms", note=f"answers {status} to this user")
                continue
            value, note = timed_get(client, url)
            out[key] = value
            target = "≤ 30 ms" if ("list" in name or "queue" in name) else "≤ 50 ms"
            record(f"{key} p95 at {label}", value, "ms", target, note=note)
    if only:
        return out
    # Search (issue 14): the scan box and the list's search, on what people type: a model, a
    # partial serial in lower case, a manufacturer; the technician's scope and everyone's.
    tech = people["technician"]
    # The end of one serial, as someone reads it off a sticker (the seeded serials all share
    # "000", so a fragment of their start matches every device: not a search people make).
    visible = Device.objects.visible_to(tech).exclude(serial_number="").order_by("pk")
    middle = visible.values_list("serial_number", flat=True)[visible.count() // 2 :][:1]
    partial = middle[0][-6:].lower() if middle else "abc"
    for who in ("technician", "coordinator"):
        client.force_login(people[who])
        for name, url in [
            ("search, model", "/appareils/?q=ThinkPad"),
            ("search, partial serial", f"/appareils/?q={partial}"),
            ("search, manufacturer", "/appareils/?q=lenovo"),
            ("scan box, partial serial", f"/scan/?q={partial}"),
        ]:
            value, note = timed_get(client, url, ok=(200, 302))
            key = f"{name} ({who})"
            out[key] = value
            record(f"{key} p95 at {label}", value, "ms", "≤ 50 ms", note=note)
    return out


def measure_bulk_steps(label: str, n: int = 40) -> None:
    """Issue 14: 40 identical laptops from reception to ready in four submissions (diagnosis,
    erasure session, system, quality check), each timed on the server, at this volume."""
    tech = users()["technician"]
    batch = CollectionBatch.objects.filter(workshop__memberships__user=tech).first()
    stamp = time.time_ns()
    specs = [
        DeviceSpecs(
            device_type="laptop",
            serial_number=f"BULK{stamp}{i:03d}",
            manufacturer="Lenovo",
            model="ThinkPad T480",
            ram_mb=8192,
            drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": f"D{stamp}{i:03d}"}],
        )
        for i in range(n)
    ]
    devices_receive_many(batch=batch, specs_list=specs, user=tech)
    ids = list(
        Device.objects.filter(serial_number__startswith=f"BULK{stamp}").values_list("pk", flat=True)
    )
    DeviceEvent.objects.filter(device_id__in=ids).update(at=timezone.now() - timedelta(days=1))
    start = timezone.localtime() - timedelta(hours=3)
    session = {
        "sanitization": "overwrite",
        "nist_level": "clear",
        "tool": "nwipe",
        "verification": "last",
        "result": "passed",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    mint = OperatingSystem.objects.order_by("pk").first()
    client = Client()
    client.force_login(tech)
    url = f"/lots/{batch.pk}/etapes/"
    total = 0.0
    for name, data in [
        ("diagnosis checklist", {"step": "diagnosed", "type": "laptop", "all_ok": "1"}),
        ("erasure session", {"step": "erased", **session}),
        ("system install", {"step": "os", "system": mint.pk}),
        ("quality check and grade", {"step": "ready", "grade": "A", "all_ok": "1"}),
    ]:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.post(url, {**data, "devices": ids})
            ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 302, (name, response.content[:500])
        total += ms
        record(
            f"bulk step of {n} laptops: {name}, at {label}",
            ms,
            "ms",
            "≤ 2,000 ms",
            note=f"{len(ctx.captured_queries)} queries",
        )
    ready = Device.objects.filter(pk__in=ids, status="ready").count()
    record(
        f"{n} laptops reception → ready in 4 submissions, at {label}",
        total,
        "ms",
        "≤ 10 submissions besides the scans",
        note=f"{ready} of {n} ready",
    )


def median_spread(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[0], ordered[-1]


def measure_imports(rows: int, rounds: int = 3):
    """Every method on the same rows (same serials, make, model, memory) and the same volume,
    taking turns round after round in a rotating order, each rolled back after running the
    deferred constraint checks a commit would run; the ratio is of the medians, with the
    spread of the rounds. django-import-export's default configuration (one instance and one
    diff per row) is too slow for the full volume: it is measured on the first rows only and
    enters no ratio."""
    batch = CollectionBatch.objects.order_by("pk").first()
    sample = min(rows, 2000)
    methods = [
        ("importer", lambda: importers.run_importer(batch, rows)),
        ("ie_bulk", lambda: importers.run_import_export(batch, rows, bulk=True)),
        ("copy", lambda: importers.run_copy(batch, rows)),
        ("bulk_create", lambda: importers.run_bulk_create(batch, rows)),
        ("ie_default", lambda: importers.run_import_export(batch, sample)),
    ]
    times: dict[str, list[float]] = {}
    before = loadavg()
    for round_ in range(rounds):
        shift = round_ % len(methods)
        for name, run in methods[shift:] + methods[:shift]:
            times.setdefault(name, []).append(run() or 0)
    load = f"load {before} → {loadavg()}"
    rates = {
        name: [(sample if name == "ie_default" else rows) / t for t in ts if t]
        for name, ts in times.items()
    }

    def shown(name):
        med, low, high = median_spread(rates[name])
        return med, f"rounds {low:,.0f}–{high:,.0f} rows/s"

    importer, importer_spread = shown("importer")
    low_ratio = min(rates["importer"]) / max(rates["ie_bulk"])
    high_ratio = max(rates["importer"]) / min(rates["ie_bulk"])
    ie_bulk, ie_spread = shown("ie_bulk")
    record(
        "import: the importer (parse, map, validate, duplicates, drives, events, "
        "all-or-nothing write)",
        importer,
        "rows/s",
        "≥ 30,000 rows/s and ≥ 4× import-export bulk",
        reference=ie_bulk,
        note=f"{rows:,} rows; median of {rounds} rounds ({importer_spread}); the ratio is "
        f"of the medians, round against round {low_ratio:.2f}–{high_ratio:.2f}×; {load}",
    )
    record(
        "import: django-import-export, bulk configuration",
        ie_bulk,
        "rows/s",
        note=f"{rows:,} rows, the same; {ie_spread}",
    )
    med, _low, _high = median_spread(rates["ie_default"])
    record(
        "import: django-import-export, default configuration",
        med,
        "rows/s",
        note=f"the first {sample:,} of the same rows; {shown('ie_default')[1]}",
    )
    record(
        "import: bulk_create of the plain rows",
        shown("bulk_create")[0],
        "rows/s",
        note=f"{rows:,} rows; {shown('bulk_create')[1]}",
    )
    if rates.get("copy"):
        record(
            "import: COPY of the plain rows",
            shown("copy")[0],
            "rows/s",
            note=f"{rows:,} rows; {shown('copy')[1]}",
        )


def measure_intake(n=50):
    tech = users()["technician"]
    client = Client()
    client.force_login(tech)
    batch = CollectionBatch.objects.filter(workshop__memberships__user=tech).first()
    url = f"/lots/{batch.pk}/saisie/"
    samples = []
    for i in range(n):
        data = {
            "serial_number": f"SCANBENCH{time.time_ns()}{i}",
            "device_type": "laptop",
            "manufacturer": "Lenovo",
            "model": "ThinkPad T480",
            "ram": "8 Go",
            "storage": "256 Go SSD",
        }
        started = time.perf_counter()
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    record("scan-to-saved intake p95", p95(samples), "ms", "≤ 50 ms", note=f"{n} scans")


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    pids += _tree(int(child))
    except OSError:
        pass
    return pids


def isolated(code: str) -> tuple[float, float]:
    """Run `code` in a fresh Python (Django set up) and return (seconds, peak RSS in MB).
    The peak is the child's own VmHWM (ru_maxrss would carry the parent's over exec).
    `isolated.tree_peak`: the peak of the summed PSS of the process and the processes it
    forks, sampled every 50 ms (shared pages counted once, split between their sharers)."""
    script = (
        "import os, time, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
        "from django.utils import translation\ntranslation.activate('fr')\n"
        "t = time.perf_counter()\n" + code + "\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(time.perf_counter() - t, hwm)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_pss_kb(pid) for pid in _tree(process.pid)))
        time.sleep(0.05)
    output = process.stdout.read()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, "isolated", output)
    isolated.tree_peak = peak / 1024
    seconds, peak_kb = output.strip().splitlines()[-1].split()
    return float(seconds), int(peak_kb) / 1024


def measure_reports():
    users()  # the coordinator the reports are built for
    seconds, peak = isolated(
        "from accounts.models import User\n"
        "from reports.stock import stock_report_build\n"
        "r = stock_report_build(user=User.objects.get(username='bench-coord'))\n"
    )
    record(
        "weekly stock report (all workshops)",
        seconds * 1000,
        "ms",
        "≤ 2,000 ms",
        note=f"peak {peak:.0f} MB",
    )
    from beneficiaries.models import Allocation

    n_alloc = Allocation.objects.count()
    today = date.today()
    year_ago = today - timedelta(days=365)
    in_year = Allocation.objects.filter(handed_over_at__date__gte=year_ago).count()
    # The volume: 20,000 allocations of the department. The seeded network puts all
    # its allocations in one department, so the same report over the last 20,000 of them.
    nth = (
        Allocation.objects.order_by("-handed_over_at")
        .values_list("handed_over_at", flat=True)[19_999:20_000]
        .first()
    )
    since = timezone.localtime(nth).date() if nth else year_ago
    at_volume = Allocation.objects.filter(handed_over_at__date__gte=since).count()
    for label, date_from, count in (
        ("funder report PDF, department, the target's volume", since, at_volume),
        ("funder report PDF, a year of the department", year_ago, in_year),
    ):
        seconds, peak = isolated(
            "import datetime\n"
            "from accounts.models import User\n"
            "from reports.funder import FunderFilters, funder_report_build, "
            "funder_report_pdf\n"
            "u = User.objects.get(username='bench-coord')\n"
            f"f = FunderFilters(datetime.date.fromisoformat('{date_from}'), "
            f"datetime.date.fromisoformat('{today}'), territory='D92')\n"
            "pdf = funder_report_pdf(funder_report_build(user=u, filters=f))\n"
        )
        record(
            label,
            seconds * 1000,
            "ms",
            "≤ 5,000 ms for 20,000 allocations",
            note=f"peak {peak:.0f} MB (target ≤ 300 MB); {count:,} allocations in the report "
            f"({date_from:%d/%m/%Y}–{today:%d/%m/%Y}), {n_alloc:,} in the base",
        )


def measure_map():
    """The map's data endpoints (issue 16: p95 ≤ 100 ms) and the funder's home, for the
    coordination and a funder: the first request ever computes the figures (the funder's
    protection table included); the next ones read them from the cache while no row is added;
    after a change, with a worker, the previous figures answer while the worker counts again
    (measured here as the refresh's own time)."""
    from unittest import mock

    from django.core.cache import cache
    from django.test import override_settings

    from maps import layers
    from reports import funder as funder_module
    from reports import today

    found = users()
    readers = [(who, found[who]) for who in ("coordinator", "funder") if who in found]
    for who, user in readers:
        client = Client()
        client.force_login(user)
        pages = [
            ("communes", "/carte/communes.geojson"),
            ("structures", "/carte/structures.geojson"),
        ]
        if who == "funder":
            pages.append(("home", "/"))
        for name, url in pages:
            label = f"map: {name} layer" if name != "home" else "funder's home"
            cache.clear()
            started = time.perf_counter()
            client.get(url)
            cold = (time.perf_counter() - started) * 1000
            value, note = timed_get(client, url)
            record(
                f"{label} p95, {who}",
                value,
                "ms",
                "≤ 100 ms" if name != "home" else "≤ 50 ms",
                note=f"{note}; first request ever {cold:,.0f} ms",
            )
            if name == "structures":
                continue
            if name == "home":
                key = funder_module._report_key(user, today.this_quarter(), "fr")
            else:
                year = timezone.localdate().year
                keys = tuple(layer.key for layer in layers.layers_for(user))
                key = layers._figures_key(user, year, keys)
            refresh_locks = [f"{key}:refresh"]
            # An hour later every entry is older than its freshness: each request takes the
            # stale path (the refresh lock is dropped so that each one queues a refresh).
            later = time.time() + 3600
            with (
                override_settings(CELERY_TASK_ALWAYS_EAGER=False),
                mock.patch.object(layers.current_app, "send_task"),
                mock.patch.object(funder_module.current_app, "send_task"),
                mock.patch("core.fresh.time.time", return_value=later),
            ):
                samples = []
                for _ in range(SAMPLES):
                    cache.delete_many(refresh_locks)
                    started = time.perf_counter()
                    client.get(url)
                    samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            record(
                f"{label} after a change, {who}",
                samples[int(len(samples) * 0.95) - 1],
                "ms",
                "≤ 100 ms",
                note=f"p95 of {len(samples)}; the previous figures, a refresh queued",
            )
            started = time.perf_counter()
            if name == "home":
                funder_module.funder_report_refresh(user, today.this_quarter())
            else:
                layers.commune_figures_refresh(user, timezone.localdate().year)
            record(
                f"{label}, refresh in the worker, {who}",
                (time.perf_counter() - started) * 1000,
                "ms",
                "",
                note="once: the background count after a change",
            )


def measure_certificate(n=2000):
    """RUNS renders, each in a fresh process: the median and the spread, the load before and
    after, and the highest peak of memory."""
    load_before = loadavg()
    times, trees, peaks = [], [], []
    for _ in range(RUNS):
        seconds, peak = isolated(
            "from inventory.models import CollectionBatch\n"
            "from reports.certificates import batch_certificate_pdf\n"
            "from accounts.models import User\n"
            "b = CollectionBatch.objects.get(reference='CERT-BENCH')\n"
            "pdf = batch_certificate_pdf(b, user=User.objects.get(username='bench-coord'))\n"
        )
        times.append(seconds * 1000)
        trees.append(isolated.tree_peak)
        peaks.append(peak)
    med, low, high = median_spread(times)
    record(
        f"erasure certificate of a {n:,}-device batch",
        med,
        "ms",
        "≤ 10,000 ms",
        note=f"median of {RUNS} runs (spread {low:,.0f}–{high:,.0f} ms), load {load_before} → "
        f"{loadavg()}; peak {max(trees):.0f} MB, the process and the part processes it forks "
        f"(summed PSS; the process alone {max(peaks):.0f} MB RSS; target ≤ 300 MB)",
    )


def prepare_certificate_batch(n=2000):
    from django.utils import timezone

    from inventory.bulk import reserve_ids, write_rows
    from reconditioning.models import ErasureRecord

    if CollectionBatch.objects.filter(reference="CERT-BENCH").exists():
        return
    source = CollectionBatch.objects.order_by("pk").first()
    batch = CollectionBatch.objects.create(
        reference="CERT-BENCH",
        workshop_id=source.workshop_id,
        donor_id=source.donor_id,
        collected_on=source.collected_on,
        logged_count=n,  # the devices below are written around the intake services
    )
    now = timezone.now()
    ids = reserve_ids(Device, n)
    write_rows(
        Device,
        (
            "id",
            "asset_tag",
            "workshop_id",
            "batch_id",
            "status",
            "grade",
            "device_type",
            "serial_number",
            "manufacturer",
            "model",
            "cpu",
            "keyboard_layout",
            "notes",
            "is_virtual",
            "source",
            "created_at",
            "updated_at",
            "status_since",
        ),
        [
            (
                pk,
                f"CB{pk:09d}",
                batch.workshop_id,
                batch.pk,
                "erased",
                "",
                "laptop",
                f"CBS{pk}",
                "Dell",
                "Latitude",
                "",
                "",
                "",
                False,
                "scan",
                now,
                now,
                now,  # COPY writes no Django default
            )
            for pk in ids
        ],
    )
    user = User.objects.get(username="bench-coord")
    write_rows(
        ErasureRecord,
        (
            "device_id",
            "recorded_by_id",
            "recorded_at",
            "notes",
            "media_type",
            "media_make",
            "media_model",
            "media_serial",
            "method",
            "nist_level",
            "technique",
            "tool",
            "tool_version",
            "verification",
            "result",
            "source",
            "log_excerpt",
            "nist_revision",
            "started_at",
            "ended_at",
            "sanitization",
        ),
        [
            (
                pk,
                user.pk,
                now,
                "",
                "SSD",
                "Samsung",
                "PM981",
                f"S4{pk}",
                "secure_erase",
                "purge",
                "Format NVM",
                "nvme-cli",
                "2.4",
                "last",
                "passed",
                "manual",
                "",
                "2",  # COPY writes no Django default: Rev. 2, as the forms record
                # In the devices' current cycle, or the certificate would certify nothing.
                now - timedelta(hours=2),
                now - timedelta(hours=1),
                "secure_erase",
            )
            for pk in ids
        ],
    )


def measure_sql_ratio():
    """The stock report's status aggregate through the ORM vs the same SQL by hand."""
    from django.db.models import Count

    coord = users()["coordinator"]

    def orm():
        dict(
            Device.objects.visible_to(coord)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        )

    def raw():
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, COUNT(id) FROM inventory_device GROUP BY status")
            cursor.fetchall()

    def best(func, n=5):
        times = []
        for _ in range(n):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
        return min(times) * 1000

    hand = best(raw)
    record(
        "report SQL: devices by status, ORM",
        best(orm),
        "ms",
        "≤ 3× hand-written SQL",
        reference=hand,
        note=f"hand-written SQL {hand:.1f} ms",
    )


def measure_contention(attempts=200, devices=20, workers=40):
    """200 handovers attempted at once on 20 ready devices: exactly 20 allocations, no error.
    Like a server, at most `workers` requests hold a database connection at a time
    (PostgreSQL's default max_connections is 100)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.core.exceptions import ValidationError
    from django.db import close_old_connections

    from beneficiaries import allocations
    from beneficiaries.models import Allocation, ExemptionReason, Structure

    structure = Structure.objects.select_related("organisation").first().organisation
    staff = Membership.objects.filter(organisation=structure).first().user
    ready = list(
        Device.objects.filter(status="ready", grade__in=["A", "B", "C"]).order_by("pk")[:devices]
    )
    own = ExemptionReason.objects.filter(granted_by="structure").first()
    before = Allocation.objects.count()
    outcomes = []

    def attempt(i):
        try:
            allocations.allocation_create(
                device=ready[i % devices],
                structure=structure,
                user=staff,
                exemption=own,
                exemption_note="bench",
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(repr(exc))
        finally:
            close_old_connections()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(attempt, range(attempts)))
    elapsed = time.perf_counter() - started
    made = Allocation.objects.count() - before
    errors = [o for o in outcomes if o not in ("ok", "refused")]
    record(
        f"allocation under contention ({attempts} attempts, {devices} devices)",
        elapsed * 1000,
        "ms",
        "≤ 5,000 ms, exactly 20 allocations, no error",
        note=f"{made} allocations, {outcomes.count('refused')} refused, {len(errors)} errors; "
        f"{workers} at a time",
    )


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)  # a real session row, read by the gunicorn workers
    return client.cookies["sessionid"].value


def received_pool(tech, n: int):
    """n new laptops received in a batch of the technician's workshop, a day ago, for the
    steps a load run records (each device once)."""
    batch = CollectionBatch.objects.filter(workshop__memberships__user=tech).order_by("pk").first()
    stamp = time.time_ns()
    specs = [
        DeviceSpecs(
            device_type="laptop",
            serial_number=f"POOL{stamp}{i:04d}",
            manufacturer="Lenovo",
            model="ThinkPad T480",
            ram_mb=8192,
        )
        for i in range(n)
    ]
    devices_receive_many(batch=batch, specs_list=specs, user=tech)
    ids = list(
        Device.objects.filter(serial_number__startswith=f"POOL{stamp}")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    DeviceEvent.objects.filter(device_id__in=ids).update(at=timezone.now() - timedelta(days=1))
    return batch, ids


STATIC_PATHS = ["/static/css/app.css", "/static/js/app.js", "/static/js/htmx.min.js"]


def load_mix(people: dict, pool_batch) -> list[tuple]:
    """(weight, user or None, method, path, body): a day's requests, the technicians' most."""
    tech = people["technician"]
    devices = list(
        Device.objects.visible_to(tech).order_by("-pk").values_list("pk", flat=True)[:2000:100]
    )
    batches = list(
        CollectionBatch.objects.visible_to(tech).order_by("-pk").values_list("pk", flat=True)[:10]
    )
    mix = [
        (6, tech, "GET", "/appareils/", ""),
        (3, tech, "GET", "/appareils/?status=ready&device_type=laptop", ""),
        (5, tech, "GET", "/file/?device_type=laptop", ""),
        (4, tech, "GET", "/", ""),
        (2, tech, "GET", "/api/devices/?status=ready", ""),
        *[(1, tech, "GET", f"/appareils/{pk}/", "") for pk in devices],
        *[(1, tech, "GET", f"/lots/{pk}/", "") for pk in batches],
        (
            8,
            tech,
            "POST",
            f"/lots/{pool_batch.pk}/saisie/",
            "serial_number={serial}&device_type=laptop&manufacturer=Lenovo"
            "&model=ThinkPad+T480&ram=8+Go&storage=256+Go+SSD",
        ),
        (
            4,
            tech,
            "POST",
            f"/lots/{pool_batch.pk}/etapes/",
            "step=diagnosed&type=laptop&all_ok=1&devices={device}",
        ),
        (3, people["manager"], "GET", "/", ""),
        (2, people["manager"], "GET", "/lots/", ""),
        (2, people["manager"], "GET", "/file/", ""),
        (3, people["coordinator"], "GET", "/", ""),
        (2, people["coordinator"], "GET", "/appareils/?status=ready", ""),
        (1, people["coordinator"], "GET", "/commandes/", ""),
        *[(12, None, "GET", path, "") for path in STATIC_PATHS],
    ]
    if "structure" in people:
        mix += [
            (3, people["structure"], "GET", "/", ""),
            (2, people["structure"], "GET", "/commandes/", ""),
            (1, people["structure"], "GET", "/personnes/", ""),
        ]
    if "funder" in people:
        mix += [(1, people["funder"], "GET", "/", "")]
    return mix


def measure_contention_http(attempts=200, devices=20, clients=40, workers=4):
    """The same race over HTTP: 20 devices reserved for one structure's ready order, 200
    hand-over POSTs sent by 40 clients at once to gunicorn; exactly 20 allocations, every
    other answer the form's refusal (200), no server error."""
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from beneficiaries.enums import OrderStatus
    from beneficiaries.models import (
        Allocation,
        ExemptionReason,
        Order,
        OrderLine,
        Person,
        Reservation,
    )

    people = users()
    staff = people["structure"]
    structure = staff.memberships.first().organisation
    from beneficiaries.allocations import training_problem
    from beneficiaries.models import TrainingWaiver
    from beneficiaries.services import programme_for

    ready = list(
        Device.objects.filter(status="ready", grade__in=["A", "B", "C"])
        .exclude(pk__in=Reservation.objects.filter(released_at__isnull=True).values("device_id"))
        .order_by("pk")[:devices]
    )
    # One person per device (a person is handed one device of a kind, not twenty), each with
    # the coordinator's training waiver where the training is missing: the race is on the
    # devices, not on the rules.
    # People who have received nothing yet: at a million devices most of the structure's
    # people already had a laptop, and the one-per-type rule refused all 200 attempts.
    persons = list(
        Person.objects.filter(structure=structure, allocations__isnull=True).order_by("pk")[
            : len(ready)
        ]
    )
    if len(persons) < len(ready):  # referred for the race, as the structure would
        from beneficiaries import services as people_services
        from beneficiaries.models import EligibilityCriterion

        criterion = EligibilityCriterion.objects.order_by("pk").first()
        today = timezone.localdate()
        persons += [
            people_services.person_create(
                structure=structure,
                user=staff,
                first_name="Course",
                last_name=f"HTTP {time.time_ns()} {i}",
                eligibility=criterion,
                age_band="26-44",
                situation="job_seeker",
                consent_purpose="bench",
                consent_given_on=today,
                eligibility_checked_on=today,
            )
            for i in range(len(ready) - len(persons))
        ]
    ready = ready[: len(persons)]
    for person, device in zip(persons, ready, strict=True):
        if training_problem(person, device) is not None:
            TrainingWaiver.objects.create(
                person=person,
                programme=programme_for(device.device_type),
                reason="bench",
                granted_by=people["coordinator"],
            )
    devices = len(ready)
    own = ExemptionReason.objects.filter(granted_by="structure").first()
    order = Order.objects.create(
        reference=f"HTTP{time.time_ns()}"[:30],
        structure=structure,
        workshop_id=ready[0].workshop_id,
        status=OrderStatus.READY,
        created_by=staff,
    )
    for device, person in zip(ready, persons, strict=True):
        line = OrderLine.objects.create(
            order=order, device_type=device.device_type, quantity=1, person=person
        )
        Reservation.objects.create(line=line, device=device, reserved_by=staff)
    cookie = session_cookie(staff)
    csrf = "benchcsrftokenbenchcsrftokenbenc"
    before = Allocation.objects.count()
    server, front, _base = start_servers(workers)

    def attempt(i):
        k = i % devices
        # "confirm": the page's second step (the first shows the recap and writes nothing);
        # no drawing, so the signature is on paper.
        body = f"person={persons[k].pk}&exemption={own.pk}&exemption_note=bench&confirm=1".encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:8765/remise/{ready[k].pk}/",
            data=body,
            headers={
                "Cookie": f"sessionid={cookie}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            return urllib.request.build_opener(NoRedirect).open(request, timeout=60).status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError as exc:
            return repr(exc)

    loadb = loadavg()
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            answers = list(pool.map(attempt, range(attempts)))
        elapsed = time.perf_counter() - started
    finally:
        stop_servers(server, front)
    made = Allocation.objects.count() - before
    # A redirect to the allocation: the hand-over made, or, sent again for a device already
    # handed over, the one made before (the page says so and writes nothing).
    redirected = answers.count(302)
    # Refused: the form's error (200), or 403 once the device is handed over and its
    # reservation closed ("not reserved for your structure").
    refused = answers.count(200) + answers.count(403)
    other = [a for a in answers if a not in (200, 302, 403)]
    exact = made == devices and redirected >= devices and not other
    record(
        f"hand-over over HTTP under contention ({attempts} POSTs, {clients} clients, "
        f"{devices} devices)",
        elapsed * 1000,
        "ms",
        f"exactly {devices} allocations, no error",
        note=f"{'PASS' if exact else 'FAIL'}: {made} allocations, {redirected} redirects, "
        f"{refused} refusals, {len(other)} other answers {sorted(set(map(str, other)))[:5]}; "
        f"gunicorn {workers} workers; load {loadb} → {loadavg()}",
    )
    return exact


def nginx_path():
    import shutil

    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


# As deployed (docker-compose.yml): one Redis cache for every gunicorn worker and a broker, so
# that a slow aggregate is counted once for all and, after a change, refreshed by a worker
# instead of in the request. The bench runs no worker: the refreshes are queued and dropped
# (their own cost is measured by --only map); the run's pages show the figures as last counted.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")


def shared_cache_env() -> dict:
    import redis

    cache, broker = f"{BENCH_REDIS_URL}/14", f"{BENCH_REDIS_URL}/15"
    try:
        for url in (cache, broker):
            redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return {}  # no Redis: each gunicorn worker has its own cache and counts in the request
    return {"CACHE_URL": cache, "CELERY_BROKER_URL": broker}


def start_servers(workers: int):
    """gunicorn on :8765 and, when installed, nginx on :8766 serving /static/ from a
    collectstatic folder and proxying the rest (as docker-compose.yml does); wrk talks to
    nginx, or to gunicorn without static files."""
    import tempfile

    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    env.update(shared_cache_env())
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            "127.0.0.1:8765",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    nginx = nginx_path()
    front, base = None, "http://127.0.0.1:8765"
    if nginx:
        work = Path(tempfile.mkdtemp(prefix="filiere-bench-nginx-"))
        work.chmod(0o755)  # nginx's workers run as another user
        static = work / "static"
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**env, "STATIC_ROOT": str(static)},
            check=True,
        )
        (work / "nginx.conf").write_text(
            f"daemon off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/error.log;\n"
            "events { worker_connections 1024; }\n"
            "http { access_log off; include /etc/nginx/mime.types;\n"
            f" client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;\n"
            f" fastcgi_temp_path {work}/fcgi; uwsgi_temp_path {work}/uwsgi;\n"
            f" scgi_temp_path {work}/scgi;\n"
            " upstream app { server 127.0.0.1:8765; keepalive 16; }\n"
            " server { listen 127.0.0.1:8766;\n"
            f"  location /static/ {{ alias {static}/; }}\n"
            "  location / { proxy_pass http://app; proxy_http_version 1.1;\n"
            '   proxy_set_header Connection ""; proxy_set_header Host $host; } } }\n'
        )
        front = subprocess.Popen([nginx, "-c", str(work / "nginx.conf"), "-e", str(work / "e.log")])
        base = "http://127.0.0.1:8766"
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server, front, base


def stop_servers(server, front):
    import signal

    for process in (front, server):
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker still in a long request
                process.kill()
                process.wait()


def measure_load(clients=50, seconds=20, workers=3):
    """The honest mix (load_mix) through wrk against gunicorn behind nginx."""
    import shutil
    import tempfile

    if not shutil.which("wrk"):
        record("mixed load", None, "req/s", note="wrk not installed (apt-get install wrk)")
        return
    people = users()
    pool_batch, pool = received_pool(people["technician"], 600)
    cookies = {user.pk: session_cookie(user) for user in people.values()}
    mix = load_mix(people, pool_batch)
    # Every GET of the mix answers 200 to its user before the run (or the run would time a
    # redirect or a refusal); a step's POST answers with a redirect (checked on the pool's
    # first device, which the run does not reuse).
    check = Client()
    for _weight, user, method, path, _body in mix:
        if method == "GET" and user is not None:
            check.force_login(user)
            assert check.get(path).status_code == 200, (user.username, path)
    check.force_login(people["technician"])
    answer = check.post(
        f"/lots/{pool_batch.pk}/etapes/",
        {"step": "diagnosed", "type": "laptop", "all_ok": "1", "devices": [pool[0]]},
    )
    assert answer.status_code == 302, answer.status_code
    pool = pool[1:]
    mix_file = Path(tempfile.mkstemp(prefix="filiere-mix-", suffix=".tsv")[1])
    lines = []
    for weight, user, method, path, body in mix:
        if user is None and not nginx_path():
            continue  # gunicorn alone serves no static files
        cookie = cookies[user.pk] if user is not None else "-"
        lines += [f"{method}\t{cookie}\t{path}\t{body}"] * weight
    mix_file.write_text("\n".join(lines) + "\n")
    server, front, base = start_servers(workers)
    # Each page of the mix once through the servers before the run: a page's first request
    # for a scope counts its figures into the shared cache, as after a deploy.
    import urllib.request

    for _weight, user, method, path, _body in mix:
        if method == "GET":
            headers = {"Cookie": f"sessionid={cookies[user.pk]}"} if user is not None else {}
            request = urllib.request.Request(base + path, headers=headers)
            urllib.request.urlopen(request, timeout=120).read()
    before = loadavg()
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{clients}",
                f"-d{seconds}s",
                "--timeout",
                "10s",  # a slow answer is timed, not dropped (wrk's default is 2 s)
                "--latency",
                "-s",
                str(ROOT / "bench" / "mixed.lua"),
                base,
            ],
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "BENCH_MIX": str(mix_file),
                "BENCH_POOL": ",".join(map(str, pool)),
                "BENCH_THREADS": "2",
            },
            timeout=seconds + 60,
        ).stdout
    finally:
        stop_servers(server, front)
    shared = bool(shared_cache_env())  # and the queued refreshes dropped
    line = next((x for x in out.splitlines() if x.startswith("RESULT")), None)
    if line is None:
        record(f"mixed load, {clients} clients", None, "req/s", note=out[-300:])
        return
    f = dict(part.split("=") for part in line.split()[1:])
    served = "static files by nginx" if front else "no static files (nginx not installed)"
    gets = sum(w for w, _u, m, _p, _b in mix if m == "GET")
    posts = sum(w for w, _u, m, _p, _b in mix if m == "POST")
    record(
        f"mixed load, {clients} clients, gunicorn {workers} workers",
        float(f["rps"]),
        "req/s",
        "≥ 250 req/s, p95 ≤ 200 ms, no error",
        note=f"p95 {float(f['p95_ms']):.0f} ms, p50 {float(f['p50_ms']):.0f} ms, "
        f"{f['requests']} requests, {f['errors']} socket errors, {f['non2xx']} errors "
        f"(non-2xx but the steps' redirects; {f['login_redirects']} to the login page), "
        f"{f['posts']} POSTs of which {f['steps']} steps; {len(people)} users, "
        f"{gets}:{posts} GET:POST weights, {served}; "
        f"{'shared Redis cache and a broker' if shared else 'a cache per worker, no broker'}; "
        f"load {before} → {loadavg()}",
    )


# Where a request's time goes, by the file each function lives in (first match wins).
PROFILE_AREAS = [
    ("templates (Django's engine)", ("django/template/", "django/templatetags/")),
    ("PostgreSQL driver and waits", ("psycopg/", "psycopg_pool/")),
    ("ORM: model objects, SQL compiling", ("django/db/",)),
    (
        "translations, dates, number formats",
        (
            "django/utils/translation",
            "django/utils/formats",
            "django/utils/dateformat",
            "django/utils/numberformat",
            "django/utils/functional",
        ),
    ),
    (
        "request machinery (middleware, session, auth, CSRF, messages, URLs)",
        (
            "django/middleware/",
            "django/contrib/",
            "django/core/handlers/",
            "django/urls/",
            "django/http/",
            "django/test/",
        ),
    ),
    ("Django, other", ("django/",)),
    (
        "project code",
        (
            str(ROOT / "accounts"),
            str(ROOT / "core"),
            str(ROOT / "inventory"),
            str(ROOT / "reconditioning"),
            str(ROOT / "beneficiaries"),
            str(ROOT / "reports"),
            str(ROOT / "maps"),
            str(ROOT / "notices"),
        ),
    ),
]


def profile_mix(requests=600, seed=7) -> str:
    """The honest mix (load_mix's weights, users, ids and POSTs, static files aside) run
    in-process under cProfile: each area's share of the CPU time, the wall time left to
    PostgreSQL, and the costliest functions. A markdown section, printed and returned."""
    import cProfile
    import pstats
    import random

    people = users()
    pool_batch, pool = received_pool(people["technician"], requests)
    mix = [m for m in load_mix(people, pool_batch) if m[1] is not None]
    clients = {}
    for user in people.values():
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    for _weight, user, method, path, _body in mix:  # warm: caches, connections, templates
        if method == "GET":
            clients[user.pk].get(path)
    rnd = random.Random(seed)
    picks = rnd.choices(mix, weights=[m[0] for m in mix], k=requests)
    serial = iter(range(10**9))
    statuses = Counter()
    profiler = cProfile.Profile()
    wall = cpu = 0.0
    for _weight, user, method, path, body in picks:
        client = clients[user.pk]
        started, started_cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        if method == "GET":
            answer = client.get(path)
        else:
            data = body.format(serial=f"PROF{time.time_ns()}{next(serial)}", device=pool.pop())
            answer = client.post(path, data, content_type="application/x-www-form-urlencoded")
        profiler.disable()
        wall += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        statuses[answer.status_code] += 1
    stats = pstats.Stats(profiler)
    areas = Counter()
    functions = []
    for (filename, line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        area = next(
            (label for label, parts in PROFILE_AREAS if any(p in filename for p in parts)),
            "Python, other (stdlib, libraries)",
        )
        areas[area] += tottime
        functions.append((tottime, f"{Path(filename).name}:{line} {name}", area))
    total = sum(areas.values()) or 1
    out = [
        f"{requests} requests of the mix in-process ({dict(statuses)} by status), "
        f"{len(people)} users, at {Device.objects.count():,} devices; "
        f"wall {wall * 1000 / requests:.1f} ms per request, of which Python (CPU of this "
        f"process) {cpu * 1000 / requests:.1f} ms and the rest waiting on PostgreSQL "
        f"{(wall - cpu) * 1000 / requests:.1f} ms; load {loadavg()}.",
        "",
        "| area | share of Python's time | ms per request |",
        "|---|---:|---:|",
    ]
    for area, seconds in areas.most_common():
        out.append(f"| {area} | {100 * seconds / total:.0f} % | {seconds * 1000 / requests:.1f} |")
    out += ["", "| costliest functions (own time) | area | ms per request |", "|---|---|---:|"]
    for tottime, where, area in sorted(functions, reverse=True)[:15]:
        out.append(f"| `{where}` | {area} | {tottime * 1000 / requests:.2f} |")
    text = "\n".join(out)
    print(text)
    return text


KEPT_SECTION = "## Measured outside this bench"


def write_markdown(path: Path, args, started: float):
    machine = (
        f"{platform.node()} — {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, "
        f"{connection.vendor} {connection.cursor().connection.info.server_version}"
    )
    target = "bench-quick" if args.quick else "bench"
    elapsed = time.perf_counter() - started
    lines = [
        "# Benchmarks",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine}",
        f"- Command: `{' '.join(sys.argv)}` (via `make {target}`)",
        f"- Data: `seed_scale --devices {args.devices}`; run time {elapsed:.0f} s",
        "",
        "Server times are measured in-process around Django's test client (the view, its SQL",
        "and the template, no network); ratios are against the reference measured in the",
        "same run.",
        "",
        "| measure | value | unit | target | ratio | notes |",
        "|---|---:|---|---|---:|---|",
    ]
    for r in results:
        value = r["value"]
        shown = (
            "—" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))
        )
        lines.append(
            f"| {r['name']} | {shown} | {r['unit']} | {r['target']} | {r['ratio']} | {r['note']} |"
        )
    # Figures measured elsewhere (a real browser, a dedicated run) are kept as they were.
    kept = ""
    if path.exists() and KEPT_SECTION in path.read_text():
        kept = "\n" + KEPT_SECTION + path.read_text().split(KEPT_SECTION, 1)[1]
    path.write_text("\n".join(lines) + "\n" + EXPLANATION + kept)


EXPLANATION = """
## What was changed to get there

- Device list: keyset pagination on the primary key (`?after=`), the planner's row estimate
  (`pg_class.reltuples`) for the unfiltered total and a count capped at 1,000 rows when
  filtered: no COUNT(*) over the table on any page; the query count is pinned by tests.
- Importer: each row is validated by the intake form's own fields without building a form per
  row (5× faster than `DeviceSpecsForm(data=row)`); only the row's non-empty cells are parsed,
  each distinct cell text once per language, and the active language is looked up once per
  file (per cell it cost a third of the time); duplicates in the database are found with one
  `serial_number = ANY(array)` query; devices and drives are written by COPY with ids reserved
  from the sequence and the events by one `INSERT … SELECT unnest(ids)`, all in one
  transaction. A property test pins the fast cleaning to the intake form, cell for cell. The
  import methods run on the same rows and volume, take turns over three rounds in a rotating
  order, and run the deferred constraint checks (`SET CONSTRAINTS ALL IMMEDIATE`) before their
  rollback; the ratio is of the medians, with the rounds' spread.
- Reservations and allocations: `SELECT … FOR UPDATE SKIP LOCKED` on the candidate devices and
  partial unique constraints (one active reservation and one active allocation per device).
- Stock report: each device keeps the first time it was received, ready and handed over
  (`received_at`, `ready_at`, `allocated_at`, written with the event by the lifecycle service,
  backfilled from the events by the migration, checked against the event log by tests), so the
  report reads one scan of the devices instead of 4.6 million events: every count (status,
  type, grade, 12 weeks of throughput, age of the stock) in one aggregate and the lead-time
  percentiles (`percentile_disc`) in one query. Before: 4.5 s, of which 2 s grouping the events.
- Funder report: the donors' figures in one grouped query (it was one query per donor: 1,000 at
  scale), the environmental impact summed by the database, and the PDF lists the 25 main donors
  and one line for the others (the CSV and XLSX keep every donor): a 1,000-row table was most of
  the PDF's time.
- Lists: device labels from a table built once per language (Django's `get_FOO_display` hashes
  every lazy label on each call: a fifth of the work queue's time), device URLs without
  resolving the patterns per row, the work queue shows the 25 oldest devices per step, lead
  times on device and batch pages read from the milestone columns.
- Batch certificates rendered in parts of 250 media and concatenated: WeasyPrint keeps a whole
  document's layout in memory (823 MB for 2,000 media in one document, 224 MB in parts).
- Allocation under contention goes through a pool of 40 workers, as a server would (200 threads
  each opening a connection exceed PostgreSQL's default max_connections of 100); the same race
  runs over HTTP (200 hand-over POSTs by 40 clients to gunicorn) and must end with exactly one
  allocation per device.
- Pages (issue 17): measured for the largest workshop's technician and manager, the
  coordinator, the structure with the most orders and a funder; each figure is the median of
  three runs' p95 (up to 200 samples a run, fewer past 6 s: the note says how many), with the
  spread and the load average before and after. The coordinator's home page is measured after
  a recorded nightly chain audit, as in service.
- Home page: the 8 latest batches are chosen before their devices are counted (every batch's
  devices were counted first); status tiles, the technician's steps and the work queue's
  headings count up to 1,000 per status in one query (`core.pagination.capped_counts`, "1000+"
  past it), with an index on the status for the coordinator's; the API list has no DISTINCT.
- Mixed load: gunicorn (4 workers) behind nginx serving the static files, wrk with 10, 50 and
  100 connections; five users of different scopes, varied device and batch ids, static files,
  scans and bulk steps (each device stepped once); any answer but 2xx counts as an error, but
  a step's redirect (never one to the login page).
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument(
        "--samples", type=int, help="samples per run of a page (200; 50 with --quick)"
    )
    parser.add_argument(
        "--only",
        help="measure only these parts (lists, bulk, imports, map, certificate, load, "
        "contention, profile) on the "
        "database as it is, without seeding: to compare before and after a change",
    )
    parser.add_argument("--pages", help="with --only lists: pages whose name has these words")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL.")
    global SAMPLES
    SAMPLES = args.samples or (50 if args.quick else 200)
    started = time.perf_counter()
    if args.only:
        parts = set(args.only.split(","))
        label = f"{Device.objects.count():,} devices"
        if "lists" in parts:
            measure_lists(label, args.pages.split(",") if args.pages else None)
        if "bulk" in parts:
            measure_bulk_steps(label)
        if "imports" in parts:
            measure_imports(args.import_rows)
        if "map" in parts:
            measure_map()
        if "certificate" in parts:
            users()
            prepare_certificate_batch()
            measure_certificate()
        if "contention" in parts:
            exact = measure_contention_http()
        if "load" in parts:
            measure_load(clients=50, seconds=10, workers=4)
        if "profile" in parts:
            Path(args.out).with_suffix(".profile.md").write_text(profile_mix() + "\n")
            if parts == {"profile"}:
                return
        write_markdown(Path(args.out), args, started)
        print(f"written to {args.out}")
        if "contention" in parts and not exact:
            sys.exit("The hand-over race did not end with exactly one allocation per device.")
        return
    small = min(10_000, args.devices)
    seeded = time.perf_counter()
    call_command("seed_scale", devices=small, seed=1)
    record(f"seed_scale --devices {small:,}", time.perf_counter() - seeded, "s")
    users()
    at_small = measure_lists(f"{small:,} devices")
    rest = args.devices - small
    if rest > 0:
        seeded = time.perf_counter()
        call_command("seed_scale", devices=rest, seed=2)
        record(
            f"seed_scale --devices {rest:,}",
            time.perf_counter() - seeded,
            "s",
            "≤ 300 s for 1,000,000",
        )
        # What autovacuum does on its own a little after a bulk load: statistics and the
        # visibility map, so the figures are those of a database in service, not of one
        # still warm from COPY.
        vacuumed = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        record("VACUUM ANALYZE after seeding", time.perf_counter() - vacuumed, "s")
        at_large = measure_lists(f"{args.devices:,} devices")
        for name, value in at_large.items():
            if at_small.get(name):
                record(
                    f"{name}: p95 at {args.devices:,} vs {small:,}",
                    value / at_small[name],
                    "×",
                    "≤ 1.5×",
                )
    measure_bulk_steps(f"{args.devices:,} devices")
    measure_imports(args.import_rows)
    measure_intake()
    measure_sql_ratio()
    measure_reports()
    measure_map()
    prepare_certificate_batch()
    measure_certificate()
    measure_contention()
    exact = measure_contention_http()
    for clients in (50,) if args.quick else (10, 50, 100):
        measure_load(clients=clients, seconds=10 if args.quick else 20, workers=4)
    reset_queries()
    write_markdown(Path(args.out), args, started)
    print(f"written to {args.out}")
    if not exact:
        sys.exit("The hand-over race did not end with exactly one allocation per device.")


if __name__ == "__main__":
    main()
