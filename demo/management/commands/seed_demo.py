import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.enums import OrganisationKind as K
from accounts.enums import Role
from accounts.models import Membership, Organisation, User
from beneficiaries import allocations, eligibility, orders, services
from beneficiaries.models import (
    EligibilityCriterion,
    EligibilityProofKind,
    FundingProgramme,
    Structure,
    TrainingProgramme,
)
from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent, Donor
from inventory.services import DeviceSpecs, batch_create, device_receive, locations_ensure
from notices.services import mails_muted
from reconditioning.demo import walk_to

from ...history import seed_year

DEMO_PASSWORD = "filiere-demo"

# username, first name, last name, organisation key, role, is_staff
PERSONAS = [
    ("technicien", "Karim", "Benali", "workshop", Role.TECHNICIAN, False),
    ("responsable", "Sophie", "Martin", "workshop", Role.MANAGER, False),
    ("mediatrice", "Aïcha", "Diallo", "mediation", Role.STAFF, False),
    ("coordinatrice", "Claire", "Dubois", "coordination", Role.COORDINATOR, True),
    ("financeur", "Paul", "Lefèvre", "funder", Role.READER, False),
    ("donateur", "Julie", "Moreau", "donor", Role.READER, False),
    ("technicien2", "Lucas", "Petit", "workshop2", Role.TECHNICIAN, False),
]

ORGANISATIONS = {
    "workshop": ("Atelier Filière Nanterre", K.WORKSHOP, "92050"),
    "workshop2": ("Atelier Solidaire Gennevilliers", K.WORKSHOP, "92036"),
    "mediation": ("Centre social Les Acacias", K.MEDIATION, "92025"),
    "coordination": ("Coordination départementale Hauts-de-Seine", K.COORDINATION, "92050"),
    "funder": ("Département des Hauts-de-Seine", K.FUNDER, "92050"),
    "donor": ("Société Générale d'Équipement", K.DONOR, "92062"),
}

LAPTOPS = [
    ("Lenovo", "ThinkPad T480", "Intel Core i5-8350U", "8 Go", [(256, "nvme")], 14.0),
    ("Dell", "Latitude 5490", "Intel Core i5-8250U", "8 Go", [(256, "ssd")], 14.0),
    ("HP", "EliteBook 840 G5", "Intel Core i5-8250U", "16 Go", [(512, "nvme")], 14.0),
]
DESKTOPS = [("Dell", "OptiPlex 7050", "Intel Core i5-7500", "8 Go", [(500, "hdd")], None)]


class Command(BaseCommand):
    help = (
        "Create demo organisations, one user per persona, donors, batches and devices, and a "
        "year of activity behind them (--no-history: the personas' small world only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            dest="history",
            action="store_false",
            help="Skip the year of activity (the test suite's small, fixed world).",
        )

    def handle(self, *args, history=True, **options):
        if User.objects.filter(username="technicien").exists():
            self.stdout.write("Demo data already there.")
            self._print_logins()
            return
        # The demo's orders leave their notices in the app, but mail nobody.
        with transaction.atomic(), mails_muted():
            self._seed(history=history)
        self._print_logins()

    def _seed(self, history: bool):
        orgs = {
            key: Organisation.objects.create(name=name, kind=kind, commune_insee=insee)
            for key, (name, kind, insee) in ORGANISATIONS.items()
        }
        users = {}
        for username, first, last, org_key, role, is_staff in PERSONAS:
            user = User.objects.create_user(
                username,
                email=f"{username}@example.org",
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=is_staff,
            )
            Membership.objects.create(user=user, organisation=orgs[org_key], role=role)
            users[username] = user
        admin = User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
        Membership.objects.create(
            user=admin, organisation=orgs["coordination"], role=Role.COORDINATOR
        )
        coordinatrice = users["coordinatrice"]
        from django.contrib.auth.models import Permission

        coordinatrice.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=[
                    "inventory",
                    "accounts",
                    "reconditioning",
                    "beneficiaries",
                ]
            )
        )

        workshop = orgs["workshop"]
        tech = users["technicien"]
        shelves = locations_ensure(
            workshop=workshop,
            places=[
                ("Réception", ""),
                ("Atelier", "Étagère 1"),
                ("Atelier", "Étagère 2"),
                ("Stock", "A1"),
                ("Stock", "A2"),
            ],
        )
        locations_ensure(workshop=orgs["workshop2"], places=[("Réception", "")])
        donors = [
            Donor.objects.create(
                workshop=workshop,
                organisation=orgs["donor"],
                name=orgs["donor"].name,
                kind=Donor.Kind.COMPANY,
                siret="73282932000074",
                contact_name="Julie Moreau",
                contact_email="julie.moreau@example.org",
                address="17 cours Valmy, 92800 Puteaux",
            ),
            Donor.objects.create(
                workshop=workshop,
                name="Mairie de Nanterre",
                kind=Donor.Kind.PUBLIC_BODY,
                siret="21920050300015",
                address="88 rue du 8 mai 1945, 92000 Nanterre",
            ),
            Donor.objects.create(
                workshop=workshop, name="Association Relais Numérique", kind=Donor.Kind.ASSOCIATION
            ),
        ]
        Donor.objects.create(
            workshop=orgs["workshop2"], name="Entreprise Voisine", kind=Donor.Kind.COMPANY
        )
        self._territories_and_structure(orgs)
        first_new = 0
        if history:
            # The year behind today's state comes first: the batches below are today's work.
            seed_year(orgs, users)
            first_new = Device.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        today = date.today()
        plans = [
            (
                donors[0],
                today - timedelta(days=40),
                "92062",
                12,
                [S.READY] * 4
                + [S.OS_INSTALLED] * 2
                + [S.ERASED] * 2
                + [S.DIAGNOSED] * 2
                + [S.SCRAPPED, S.REPAIRED],
            ),
            (
                donors[1],
                today - timedelta(days=12),
                "92050",
                8,
                [S.DIAGNOSED] * 3 + [S.RECEIVED] * 5,
            ),
            (donors[2], today - timedelta(days=1), "92025", 10, [S.RECEIVED] * 3),
        ]
        serial = 1000
        for donor, collected_on, insee, declared, statuses in plans:
            batch = batch_create(
                workshop=workshop,
                donor=donor,
                collected_on=collected_on,
                user=tech,
                pickup_address=donor.address,
                commune_insee=insee,
                declared_quantity=declared,
                received_quantity=len(statuses),
            )
            for i, status in enumerate(statuses):
                make, model, cpu, ram, drives, screen = (LAPTOPS + DESKTOPS)[i % 4]
                serial += 1
                specs = DeviceSpecs(
                    device_type="desktop" if model.startswith("OptiPlex") else "laptop",
                    serial_number=f"DEMO{serial:06d}",
                    manufacturer=make,
                    model=model,
                    cpu=cpu,
                    ram_mb=int(ram.split()[0]) * 1024,
                    drives=[{"capacity_gb": gb, "kind": kind} for gb, kind in drives],
                    screen_size_in=screen,
                    keyboard_layout="azerty_fr",
                    battery_health_pct=None if screen is None else 70 + (i * 7) % 30,
                    declared_value=Decimal("40") if screen is None else Decimal("60"),
                )
                device = device_receive(
                    batch=batch, specs=specs, user=tech, location=shelves[i % len(shelves)]
                )
                walk_to(device, status, tech)
        other = batch_create(
            workshop=orgs["workshop2"],
            donor=Donor.objects.get(name="Entreprise Voisine"),
            collected_on=today,
            user=users["technicien2"],
        )
        device_receive(
            batch=other,
            specs=DeviceSpecs(
                device_type="laptop",
                serial_number="OTHER000001",
                manufacturer="Acer",
                model="TravelMate P214",
            ),
            user=users["technicien2"],
        )
        self._seed_quasi_don(orgs, users)
        self._spread_history(after_pk=first_new)

    def _territories_and_structure(self, orgs):
        from django.core.management import call_command

        call_command("loaddata", "territories_92", verbosity=0)
        call_command("load_geojson", stdout=io.StringIO())  # the map's outlines
        structure = orgs["mediation"]
        Structure.objects.create(
            organisation=structure,
            address="12 rue des Acacias",
            postal_code="92700",
            commune_id="92025",
            in_qpv=True,
            programmes=["Conseillers numériques"],
            services=["Acquisition de matériel informatique à prix solidaire"],
            opening_hours="Mo-Fr 09:00-12:30,14:00-18:00",
            latitude=48.9167,
            longitude=2.2850,
            contact_name="Aïcha Diallo",
            contact_email="acacias@example.org",
        )

    def _seed_quasi_don(self, orgs, users):
        """A structure with people, a training, one order handed over, one ready to hand over."""
        import datetime as dt

        structure, med, coord = orgs["mediation"], users["mediatrice"], users["coordinatrice"]
        today = dt.date.today()
        common = {
            "structure": structure,
            "user": med,
            "consent_given_on": today,
            "eligibility_checked_on": today,
            "consent_purpose": "Suivi du prêt et de la formation par la structure",
        }
        awa = services.person_create(
            **common,
            first_name="Awa",
            last_name="Traoré",
            age_band="25-39",
            situation="job_seeker",
            eligibility=EligibilityCriterion.objects.get(code="rsa"),
        )
        services.person_create(
            **common,
            reference="ACC-2026-017",
            age_band="70+",
            situation="retired",
            eligibility=EligibilityCriterion.objects.get(code="aspa"),
        )
        moussa = services.person_create(
            **common,
            first_name="Moussa",
            last_name="Keita",
            age_band="18-24",
            situation="student",
            eligibility=EligibilityCriterion.objects.get(code="bourse"),
        )
        # The proof each one showed (décret of 7 Nov. 2022): the kind and the date, no copy.
        for person, code in ((awa, "rsa"), (moussa, "bourse")):
            eligibility.check_record(
                person=person,
                kind=EligibilityProofKind.objects.get(code=code),
                seen_on=today,
                user=med,
            )
        programme = TrainingProgramme.objects.first()
        session = services.session_create(
            structure=structure,
            user=med,
            programme=programme,
            modules=programme.modules.all(),
            place="Salle multimédia",
            trainer="Aïcha Diallo",
            starts_at=dt.datetime.combine(
                today - dt.timedelta(days=3), dt.time(14, 0), tzinfo=dt.UTC
            ),
            capacity=8,
        )
        for person in (awa, moussa):
            services.enrol(session=session, person=person, user=med)
        services.attendance_record(session=session, present={awa.pk, moussa.pk}, user=med)
        programme = FundingProgramme.objects.create(
            funder=orgs["funder"], name="Inclusion numérique 2026", starts_on=dt.date(2026, 1, 1)
        )
        workshop, tech = orgs["workshop"], users["technicien"]
        first = orders.order_create(
            structure=structure,
            user=med,
            lines=[{"device_type": "laptop", "quantity": 1, "person": awa}],
        )
        second = orders.order_create(
            structure=structure,
            user=med,
            lines=[{"device_type": "laptop", "quantity": 1, "person": moussa}],
        )
        for order in (first, second):
            orders.order_submit(order=order, user=med)
            orders.order_decide(
                order=order,
                user=coord,
                approve=True,
                workshop=workshop,
                funding_programme=programme,
            )
            orders.order_reserve(order=order, user=tech)
            orders.order_mark_ready(order=order, user=tech)
        device = first.lines.get().reservations.get().device
        allocation = allocations.allocation_create(device=device, structure=structure, user=med)
        allocations.payment_record(
            allocation=allocation, amount=allocation.amount_due(), method="cash", user=med
        )
        orders.order_create(
            structure=structure, user=med, lines=[{"device_type": "tablet", "quantity": 2}]
        )

    def _spread_history(self, after_pk: int = 0):
        """Demo only: spread each device's events from its batch's collection date, two days
        apart, so that lead times and weekly throughput look like a real workshop's."""
        import datetime as dt

        from django.utils import timezone

        now = timezone.now()
        for device in Device.objects.filter(pk__gt=after_pk).select_related("batch"):
            start = timezone.make_aware(
                dt.datetime.combine(device.batch.collected_on, dt.time(9, 0))
            )
            events = list(device.events.order_by("at", "id").values_list("pk", flat=True))
            for i, pk in enumerate(events):
                at = min(start + dt.timedelta(days=2 * i, hours=i), now)
                DeviceEvent.objects.filter(pk=pk).update(at=at)
            if events:  # the lifecycle keeps the moment of the last change on the device
                Device.objects.filter(pk=device.pk).update(status_since=at)

    def _print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, org_key, role, _staff in PERSONAS:
            self.stdout.write(
                f"  {username:<14} {first} {last} — {role.label} ({ORGANISATIONS[org_key][0]})"
            )
        self.stdout.write("  admin          superuser (back office /admin/)\n")
