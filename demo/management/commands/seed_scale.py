"""Build a realistic data set at scale for benchmarks: workshops, donors, batches, devices in
every state with their event history, structures, people, orders and allocations.

Bulk paths only (COPY on PostgreSQL, bulk_create elsewhere): 1,000,000 devices in a few
minutes. Deterministic for a given --seed."""

import io
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.enums import OrganisationKind as K
from accounts.enums import Role
from accounts.models import Membership, Organisation, User
from beneficiaries.models import (
    Allocation,
    Commune,
    EligibilityCriterion,
    FundingProgramme,
    Order,
    OrderLine,
    Outline,
    Person,
    Structure,
)
from inventory.bulk import reserve_ids, write_rows
from inventory.enums import DeviceStatus as S
from inventory.models import (
    MILESTONE_FIELDS,
    CollectionBatch,
    Counter,
    Device,
    DeviceEvent,
    Donor,
    StorageDrive,
)
from inventory.services import DEVICE_COPY_COLUMNS

# Share of devices in each state, and the path of events that leads there.
STATES = [
    (S.RECEIVED, 0.10),
    (S.DIAGNOSED, 0.07),
    (S.ERASED, 0.06),
    (S.OS_INSTALLED, 0.05),
    (S.READY, 0.22),
    (S.RESERVED, 0.02),
    (S.ALLOCATED, 0.30),
    (S.SCRAPPED, 0.08),
    (S.RETURNED, 0.0),
]
PATHS = {
    S.RECEIVED: [S.RECEIVED],
    S.DIAGNOSED: [S.RECEIVED, S.DIAGNOSED],
    S.ERASED: [S.RECEIVED, S.DIAGNOSED, S.ERASED],
    S.OS_INSTALLED: [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.OS_INSTALLED],
    S.READY: [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY],
    S.RESERVED: [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY, S.RESERVED],
    S.ALLOCATED: [
        S.RECEIVED,
        S.DIAGNOSED,
        S.ERASED,
        S.OS_INSTALLED,
        S.READY,
        S.RESERVED,
        S.ALLOCATED,
    ],
    S.SCRAPPED: [S.RECEIVED, S.DIAGNOSED, S.SCRAPPED],
    S.RETURNED: [S.RECEIVED],
}
MODELS = [
    ("laptop", "Lenovo", "ThinkPad T480"),
    ("laptop", "Dell", "Latitude 5490"),
    ("laptop", "HP", "EliteBook 840 G5"),
    ("desktop", "Dell", "OptiPlex 7050"),
    ("tablet", "Samsung", "Galaxy Tab A"),
    ("smartphone", "Samsung", "Galaxy A52"),
    ("monitor", "Dell", "P2217"),
]


class Command(BaseCommand):
    help = "Build a data set of N devices (and the rest in proportion) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--devices", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, devices, seed, **options):
        rng = random.Random(seed)
        started = time.perf_counter()
        with transaction.atomic():
            summary = self._build(devices, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        self.stdout.write(", ".join(f"{k} {v}" for k, v in summary.items()) + f" — {elapsed:.1f} s")

    def _users(self, orgs, role, prefix):
        users = [User(username=f"{prefix}{o.pk}", first_name=prefix) for o in orgs]
        User.objects.bulk_create(users, batch_size=2000)
        users = list(User.objects.filter(username__in=[u.username for u in users]))
        by_name = {u.username: u for u in users}
        Membership.objects.bulk_create(
            [Membership(user=by_name[f"{prefix}{o.pk}"], organisation=o, role=role) for o in orgs],
            batch_size=2000,
        )
        return {o.pk: by_name[f"{prefix}{o.pk}"].pk for o in orgs}

    def _build(self, n: int, rng: random.Random) -> dict:
        now = timezone.now()
        tag = f"scale{rng.randrange(10**6)}-"
        if not Commune.objects.exists():
            call_command("loaddata", "territories_92", verbosity=0)
        if not Outline.objects.exists():
            call_command("load_geojson", stdout=io.StringIO())
        communes = list(Commune.objects.filter(department="92").values_list("pk", flat=True))
        n_workshops = max(2, min(20, n // 50_000))
        n_structures = max(5, n // 200)
        workshops = Organisation.objects.bulk_create(
            [Organisation(name=f"Atelier {tag}{i}", kind=K.WORKSHOP) for i in range(n_workshops)]
        )
        structures = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Structure {tag}{i}", kind=K.MEDIATION)
                for i in range(n_structures)
            ],
            batch_size=2000,
        )
        funders = Organisation.objects.bulk_create(
            [Organisation(name=f"Financeur {tag}{i}", kind=K.FUNDER) for i in range(3)]
        )
        Structure.objects.bulk_create(
            [
                Structure(
                    organisation=o, commune_id=rng.choice(communes), in_qpv=rng.random() < 0.3
                )
                for o in structures
            ],
            batch_size=2000,
        )
        programmes = FundingProgramme.objects.bulk_create(
            [FundingProgramme(funder=f, name=f"Programme {f.name}") for f in funders]
        )
        tech = self._users(workshops, Role.TECHNICIAN, f"{tag}tech")
        staff = self._users(structures, Role.STAFF, f"{tag}staff")

        donors = Donor.objects.bulk_create(
            [
                Donor(
                    workshop=rng.choice(workshops),
                    name=f"Donateur {tag}{i}",
                    kind=rng.choice(["company", "public_body", "association"]),
                )
                for i in range(max(10, n // 1000))
            ],
            batch_size=2000,
        )
        n_batches = max(1, n // 50)
        batch_ids = reserve_ids(CollectionBatch, n_batches)
        today = date.today()
        batches = []
        for i, pk in enumerate(batch_ids):
            donor = rng.choice(donors)
            batches.append(
                (
                    pk,
                    f"S{tag}{i}"[:30],
                    donor.workshop_id,
                    donor.pk,
                    today - timedelta(days=rng.randrange(730)),
                    "",
                    "92050",
                    50,
                    50,
                    "",
                    None,
                    now,
                    # Device i goes to batch i % n_batches (below): the count each batch keeps.
                    n // n_batches + (i < n % n_batches),
                )
            )
        write_rows(
            CollectionBatch,
            (
                "id",
                "reference",
                "workshop_id",
                "donor_id",
                "collected_on",
                "pickup_address",
                "commune_insee",
                "declared_quantity",
                "received_quantity",
                "notes",
                "created_by_id",
                "created_at",
                "logged_count",
            ),
            batches,
        )
        batch_info = {b[0]: (b[2], b[4]) for b in batches}

        weights = [w for _s, w in STATES]
        statuses = rng.choices([s for s, _w in STATES], weights=weights, k=n)
        device_ids = reserve_ids(Device, n)
        first_tag = Counter.objects.filter(name="asset_tag").values_list("value", flat=True)
        base = first_tag[0] if first_tag else 0
        Counter.objects.update_or_create(name="asset_tag", defaults={"value": base + n})
        devices, events, drives = [], [], []
        device_batch = {}
        for i, (pk, status) in enumerate(zip(device_ids, statuses, strict=True)):
            batch_id = batch_ids[i % n_batches]
            workshop_id, collected = batch_info[batch_id]
            device_type, make, model = MODELS[rng.randrange(len(MODELS))]
            received = timezone.make_aware(datetime.combine(collected, datetime.min.time()))
            grade = rng.choice("ABC") if status in (S.READY, S.RESERVED, S.ALLOCATED) else ""
            devices.append(
                (
                    pk,
                    f"FL{base + i + 1:07d}",
                    workshop_id,
                    batch_id,
                    None,
                    status,
                    grade,
                    device_type,
                    f"SC{pk:09d}",
                    make,
                    model,
                    "Intel Core i5",
                    8192,
                    None,
                    None,
                    "",
                    None,
                    Decimal("50"),
                    None,  # weight: the type's default
                    "",
                    False,
                    "scan",
                    tech[workshop_id],
                    received,
                    now,
                )
            )
            device_batch[pk] = (workshop_id, received)
            at = received
            previous = ""
            firsts = {}
            entered = received
            for step in PATHS[status]:
                events.append((pk, previous, step, tech[workshop_id], at, ""))
                firsts.setdefault(step, at)
                previous, entered = step, at
                at = min(at + timedelta(days=rng.randrange(1, 6), hours=rng.randrange(24)), now)
            # The milestones, then when it entered its current status (its last event).
            devices[-1] += (*(firsts.get(m) for m in MILESTONE_FIELDS), entered)
            if device_type in ("laptop", "desktop"):
                drives.append((pk, "ssd", 256, "", "", None, None))
        write_rows(Device, DEVICE_COPY_COLUMNS, devices)
        write_rows(
            DeviceEvent, ("device_id", "from_status", "to_status", "actor_id", "at", "note"), events
        )
        write_rows(
            StorageDrive,
            (
                "device_id",
                "kind",
                "capacity_gb",
                "model",
                "serial_number",
                "smart_passed",
                "power_on_hours",
            ),
            drives,
        )

        n_people = max(10, n // 10)
        person_ids = reserve_ids(Person, n_people)
        eligibility = EligibilityCriterion.objects.get(code="rsa").pk
        people = []
        person_structure = {}
        for i, pk in enumerate(person_ids):
            structure = structures[i % n_structures]
            person_structure[pk] = structure.pk
            people.append(
                (
                    pk,
                    structure.pk,
                    staff[structure.pk],
                    f"P{pk}",
                    "",
                    "",
                    "",
                    "",
                    rng.choice(communes),
                    rng.choice(["18-24", "25-39", "40-59", "60-69", "70+"]),
                    rng.choice(["job_seeker", "retired", "student", "inactive"]),
                    eligibility,
                    "",
                    today,
                    "Suivi",
                    today,
                    staff[structure.pk],
                    now,
                    now,
                )
            )
        write_rows(
            Person,
            (
                "id",
                "structure_id",
                "referred_by_id",
                "reference",
                "first_name",
                "last_name",
                "phone",
                "email",
                "commune_id",
                "age_band",
                "situation",
                "eligibility_id",
                "eligibility_justification",
                "eligibility_checked_on",
                "consent_purpose",
                "consent_given_on",
                "consent_recorded_by_id",
                "created_at",
                "updated_at",
            ),
            people,
        )

        allocated = [
            pk for pk, status in zip(device_ids, statuses, strict=True) if status == S.ALLOCATED
        ]
        order_ids = reserve_ids(Order, len(allocated))
        line_ids = reserve_ids(OrderLine, len(allocated))
        orders, lines, allocations = [], [], []
        for i, (device_id, order_id, line_id) in enumerate(
            zip(allocated, order_ids, line_ids, strict=True)
        ):
            person_id = person_ids[i % n_people]
            structure_id = person_structure[person_id]
            workshop_id, received = device_batch[device_id]
            handed = min(received + timedelta(days=rng.randrange(20, 60)), now)
            orders.append(
                (
                    order_id,
                    f"C{tag}{i}"[:30],
                    structure_id,
                    workshop_id,
                    "handed_over",
                    staff[structure_id],
                    now,
                    now,
                    None,
                    now,
                    "",
                    rng.choice(programmes).pk,
                    "",
                )
            )
            lines.append((line_id, order_id, "laptop", 1, None, None, "", person_id))
            allocations.append(
                (
                    device_id,
                    structure_id,
                    person_id,
                    line_id,
                    None,
                    Decimal("40"),
                    Decimal("40"),
                    None,
                    "",
                    None,
                    staff[structure_id],
                    handed,
                    None,
                    "",
                    6,
                )
            )
        write_rows(
            Order,
            (
                "id",
                "reference",
                "structure_id",
                "workshop_id",
                "status",
                "created_by_id",
                "created_at",
                "submitted_at",
                "decided_by_id",
                "decided_at",
                "decision_note",
                "funding_programme_id",
                "notes",
            ),
            orders,
        )
        write_rows(
            OrderLine,
            (
                "id",
                "order_id",
                "device_type",
                "quantity",
                "min_ram_mb",
                "min_storage_gb",
                "min_grade",
                "person_id",
            ),
            lines,
        )
        write_rows(
            Allocation,
            (
                "device_id",
                "structure_id",
                "person_id",
                "order_line_id",
                "waiver_id",
                "tariff_amount",
                "charge",
                "exemption_reason_id",
                "exemption_note",
                "replaces_id",
                "handed_over_by_id",
                "handed_over_at",
                "returned_at",
                "return_reason",
                "warranty_months",
            ),
            allocations,
        )
        return {
            "devices": n,
            "events": len(events),
            "batches": n_batches,
            "people": n_people,
            "structures": n_structures,
            "allocations": len(allocations),
        }
