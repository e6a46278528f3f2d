"""What a document costs per device, batch or row: the figures behind the FILIERE_SYNC_* limits
(past them a document is built by a report job instead of in the request; docs/reports.md).

Usage: python -m bench.documents cert 25 200 1000 2000 | devenir 200 1000 | year 10x200 100x20
| export 1000 5000 20000

Without DATABASE_URL a scratch SQLite database in the system's temporary folder is migrated and
filled (kept between runs); with it, that database is filled, not cleaned. Each figure is the
best of two runs in a warm process (the first render loads WeasyPrint's fonts)."""

import datetime
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'filiere-bench-documents.sqlite3'}"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from accounts.enums import OrganisationKind, Role  # noqa: E402
from accounts.models import Membership, Organisation, User  # noqa: E402
from inventory.bulk import reserve_ids, write_rows  # noqa: E402
from inventory.models import CollectionBatch, Device, Donor  # noqa: E402
from reconditioning.models import ErasureRecord  # noqa: E402

DEVICE_COLUMNS = (
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
)
ERASURE_COLUMNS = (
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
)


def world():
    workshop, _ = Organisation.objects.get_or_create(
        name="Atelier bench documents", kind=OrganisationKind.WORKSHOP
    )
    coordination, _ = Organisation.objects.get_or_create(
        name="Coordination bench documents", kind=OrganisationKind.COORDINATION
    )
    user, made = User.objects.get_or_create(username="bench-documents")
    if made:
        Membership.objects.create(user=user, organisation=coordination, role=Role.COORDINATOR)
    donor, _ = Donor.objects.get_or_create(name="Donateur bench", workshop=workshop)
    return workshop, user, donor


def batch_of(reference, n, workshop, donor, user, collected_on=datetime.date(2026, 3, 2)):
    """A batch of n erased laptops, one erasure record each (written in bulk, once)."""
    batch = CollectionBatch.objects.filter(reference=reference).first()
    if batch:
        return batch
    batch = CollectionBatch.objects.create(
        reference=reference,
        workshop=workshop,
        donor=donor,
        collected_on=collected_on,
        logged_count=n,  # the devices below are written around the intake services
    )
    now = timezone.now()
    ids = reserve_ids(Device, n)
    write_rows(
        Device,
        DEVICE_COLUMNS,
        [
            (pk, f"CB{pk:09d}", workshop.pk, batch.pk, "erased", "", "laptop", f"CBS{pk}")
            + ("Dell", "Latitude", "", "", "", False, "scan", now, now)
            for pk in ids
        ],
    )
    write_rows(
        ErasureRecord,
        ERASURE_COLUMNS,
        [
            (pk, user.pk, now, "", "SSD", "Samsung", "PM981", f"S4{pk}", "secure_erase", "purge")
            + ("Format NVM", "nvme-cli", "2.4", "last", "passed", "manual", "", "2")
            + (now - timedelta(hours=2), now - timedelta(hours=1), "secure_erase")
            for pk in ids
        ],
    )
    return batch


def best_of(func, n=2) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def main(what: str, sizes: list[str]) -> None:
    from inventory.resources import devices_export
    from reports.certificates import batch_certificate_pdf
    from reports.donor import donor_batch_report_pdf, donor_year_batches, donor_year_report_pdf

    translation.activate("fr")
    call_command("migrate", verbosity=0)
    workshop, user, donor = world()
    print(os.uname().nodename, "load", os.getloadavg(), flush=True)
    if what in ("cert", "devenir"):
        warm = batch_of("BENCH-10", 10, workshop, donor, user)
        render = {
            "cert": lambda b: batch_certificate_pdf(b, user=user),
            "devenir": donor_batch_report_pdf,
        }[what]
        render(warm)
        for n in map(int, sizes):
            batch = batch_of(f"BENCH-{n}", n, workshop, donor, user)
            seconds = best_of(lambda batch=batch: render(batch))
            per_device = seconds * 1000 / n
            print(f"{what} {n:>6} devices: {seconds * 1000:8.0f} ms ({per_device:.1f} ms/device)")
    elif what == "year":
        for size in sizes:
            count, per = map(int, size.split("x"))
            the_donor, _ = Donor.objects.get_or_create(name=f"Donateur {size}", workshop=workshop)
            for i in range(count):
                day = datetime.date(2025, 1 + i % 12, 1 + i % 27)
                batch_of(f"BENCH-Y{size}-{i}", per, workshop, the_donor, user, day)
            batches = donor_year_batches(user, the_donor, 2025)
            donor_year_report_pdf(the_donor, 2025, batches)
            seconds = best_of(lambda d=the_donor, b=batches: donor_year_report_pdf(d, 2025, b))
            print(f"statement {count} batches × {per} devices: {seconds * 1000:8.0f} ms")
    elif what == "export":
        for n in map(int, sizes):
            batch = batch_of(f"BENCH-E{n}", n, workshop, donor, user)
            devices = Device.objects.visible_to(user).with_list_related().filter(batch=batch)
            for fmt in ("csv", "xlsx"):
                seconds = best_of(lambda fmt=fmt, rows=devices: devices_export(rows, fmt))
                per_row = seconds * 1e6 / n
                print(
                    f"export {fmt:4} {n:>6} rows: {seconds * 1000:8.0f} ms ({per_row:.0f} µs/row)"
                )
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2:])
