"""A year of activity for the demo, through the same services as the screens, each step at
the moment it would have happened: batches collected month after month, devices diagnosed,
erased, installed and checked in the days after, people referred, trained, ordered for and
handed a device, a few returns and scraps. Every timestamp the services write comes from
the clock of `at()`, so events, evidence, orders and hand-overs agree with each other."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from accounts.enums import Role
from accounts.models import Membership, Organisation, User
from beneficiaries import allocations, eligibility, orders, services
from beneficiaries.models import (
    Allocation,
    Commune,
    EligibilityCriterion,
    EligibilityProofKind,
    FundingProgramme,
    Structure,
)
from inventory.enums import DeviceStatus as S
from inventory.models import Device, Donor
from inventory.services import DeviceSpecs, batch_create, device_receive
from reconditioning import services as reco
from reconditioning.checklists import QA_CRITERIA
from reconditioning.demo import take_step

MONTHS = 12

# name, INSEE code, postal code, address, latitude, longitude, QPV
STRUCTURES = [
    (
        "Espace numérique Gennevilliers",
        "92036",
        "92230",
        "4 place Jean Jaurès",
        48.933,
        2.303,
        True,
    ),
    ("Médiathèque Louis Aragon", "92007", "92220", "2 rue Pablo Neruda", 48.796, 2.310, False),
    ("Maison des solidarités de Clichy", "92024", "92110", "25 rue Martre", 48.904, 2.306, True),
    ("Centre social Asnières Nord", "92004", "92600", "9 rue Émile Zola", 48.921, 2.287, True),
    (
        "Point numérique Nanterre Université",
        "92050",
        "92000",
        "1 allée de l'Université",
        48.902,
        2.213,
        False,
    ),
]
# Where the people a structure follows live: its commune and a neighbour (ten communes in all).
NEIGHBOURS = {
    "92025": ["92025", "92078"],  # Colombes, Villeneuve-la-Garenne
    "92036": ["92036", "92078"],
    "92007": ["92007", "92046"],  # Bagneux, Malakoff
    "92024": ["92024", "92044"],  # Clichy, Levallois-Perret
    "92004": ["92004", "92024"],
    "92050": ["92050", "92063"],  # Nanterre, Rueil-Malmaison
}
DONORS = [
    ("Banque Rives de Seine", Donor.Kind.COMPANY, "92062", "41 quai de Dion-Bouton, 92800 Puteaux"),
    (
        "Lycée Joliot-Curie",
        Donor.Kind.PUBLIC_BODY,
        "92050",
        "92 rue Salvador Allende, 92000 Nanterre",
    ),
    (
        "Assureurs Solidaires",
        Donor.Kind.COMPANY,
        "92012",
        "5 rue de Sèvres, 92100 Boulogne-Billancourt",
    ),
    (
        "Communauté Emmaüs Rueil",
        Donor.Kind.ASSOCIATION,
        "92063",
        "10 rue Jean Jaurès, 92500 Rueil-Malmaison",
    ),
]
MODELS = [
    ("laptop", "Lenovo", "ThinkPad T480", "Intel Core i5-8350U", 8, [(256, "nvme")], 14.0),
    ("laptop", "Dell", "Latitude 5490", "Intel Core i5-8250U", 8, [(256, "ssd")], 14.0),
    ("laptop", "HP", "EliteBook 840 G5", "Intel Core i5-8250U", 16, [(512, "nvme")], 14.0),
    ("desktop", "Dell", "OptiPlex 7050", "Intel Core i5-7500", 8, [(500, "hdd")], None),
]
FIRST_NAMES = [
    "Fatou",
    "Jean",
    "Mei",
    "Yacine",
    "Odile",
    "Karim",
    "Inès",
    "Bernard",
    "Lina",
    "Omar",
    "Chantal",
    "Samir",
    "Aminata",
    "Gérard",
    "Nadia",
    "Hugo",
    "Rokia",
    "Paulette",
]
LAST_NAMES = [
    "Sow",
    "Martin",
    "Chen",
    "Haddad",
    "Lefort",
    "Mansour",
    "Gomes",
    "Petit",
    "Ndiaye",
    "Roux",
    "Benali",
    "Camara",
    "Lambert",
    "Diarra",
    "Fontaine",
    "Moreau",
]
AGE_BANDS = ["18-24", "25-39", "40-59", "60-69", "70+", "25-39", "40-59"]
SITUATIONS = ["job_seeker", "retired", "student", "inactive", "employed", "job_seeker"]
ELIGIBILITY_CODES = ["rsa", "aspa", "bourse", "aah", "ass", "qf"]
# The kind of proof seen for each criterion (a family quotient: a social worker's referral).
PROOF_FOR = {
    "rsa": "rsa",
    "aspa": "aspa",
    "bourse": "bourse",
    "aah": "aah",
    "ass": "ass",
    "qf": "travailleur-social",
}
GRADES = ["A", "B", "B", "C"]


@contextmanager
def at(moment: dt.datetime):
    """The services' clock (django.utils.timezone.now, and so localdate) reads `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class History:
    def __init__(self, orgs: dict, users: dict, today: dt.date):
        self.orgs, self.users, self.today = orgs, users, today
        self.workshop, self.tech = orgs["workshop"], users["technicien"]
        self.coord = users["coordinatrice"]
        self.serial = 50000
        self.people_made = 0
        self.returned: list[tuple[Device, dt.date]] = []

    # Set-up

    def organisations(self):
        acacias = self.orgs["mediation"]
        self.structures = [(acacias, self.users["mediatrice"], "92025")]
        for name, insee, postal, address, lat, lon, qpv in STRUCTURES:
            org = Organisation.objects.create(name=name, kind="mediation", commune_insee=insee)
            Structure.objects.create(
                organisation=org,
                address=address,
                postal_code=postal,
                commune_id=insee,
                in_qpv=qpv,
                programmes=["Conseillers numériques"],
                services=["Acquisition de matériel informatique à prix solidaire"],
                opening_hours="Tu-Sa 10:00-12:30,14:00-18:00",
                latitude=lat,
                longitude=lon,
                contact_name=f"Accueil {name}",
                contact_email=f"contact-{insee}@example.org",
            )
            staff = User.objects.create_user(
                f"med-{insee}",
                email=f"med-{insee}@example.org",
                password=None,
                first_name="Équipe",
                last_name=name,
            )
            Membership.objects.create(user=staff, organisation=org, role=Role.STAFF)
            self.structures.append((org, staff, insee))
        self.donors = list(Donor.objects.filter(workshop=self.workshop).order_by("pk"))
        for name, kind, _insee, address in DONORS:
            self.donors.append(
                Donor.objects.create(workshop=self.workshop, name=name, kind=kind, address=address)
            )
        self.donor_communes = {
            d.pk: insee for d, (_n, _k, insee, _a) in zip(self.donors[-4:], DONORS, strict=True)
        }
        self.neighbour_donor = Donor.objects.get(workshop=self.orgs["workshop2"])
        self.funding = FundingProgramme.objects.create(
            funder=self.orgs["funder"],
            name="Plan départemental d'inclusion numérique",
            starts_on=self.today - dt.timedelta(days=MONTHS * 31),
        )
        self.criteria = {c.code: c for c in EligibilityCriterion.objects.all()}
        self.proofs = {k.code: k for k in EligibilityProofKind.objects.all()}
        codes = {c for pair in NEIGHBOURS.values() for c in pair}
        self.communes = {c.code_insee: c for c in Commune.objects.filter(code_insee__in=codes)}

    # One month

    def month(self, m: int):
        start = self.today - dt.timedelta(days=30 * (MONTHS - m) + 10)
        devices = self.collect(m, start)
        self.refurbish(devices, start)
        self.redo_returns(start)
        people = self.refer(m, start + dt.timedelta(days=5))
        trained = self.train(people, start + dt.timedelta(days=12))
        last = m == MONTHS - 1
        self.order_and_hand_over(trained, start + dt.timedelta(days=15), last)
        if m in (3, 6, 9):
            self.return_one(start + dt.timedelta(days=28))

    def collect(self, m: int, day: dt.date) -> list[Device]:
        plans = [
            (self.donors[(2 * m) % len(self.donors)], self.workshop, self.tech, 14),
            (self.donors[(2 * m + 1) % len(self.donors)], self.workshop, self.tech, 12),
        ]
        if m % 3 == 0:
            plans.append(
                (self.neighbour_donor, self.orgs["workshop2"], self.users["technicien2"], 8)
            )
        devices = []
        with at(_moment(day, 9)):
            for donor, workshop, tech, count in plans:
                batch = batch_create(
                    workshop=workshop,
                    donor=donor,
                    collected_on=day,
                    user=tech,
                    pickup_address=donor.address,
                    commune_insee=self.donor_communes.get(donor.pk, workshop.commune_insee),
                    declared_quantity=count,
                    received_quantity=count,
                )
                for i in range(count):
                    kind, make, model, cpu, ram, drives, screen = MODELS[(i + m) % len(MODELS)]
                    self.serial += 1
                    device = device_receive(
                        batch=batch,
                        user=tech,
                        specs=DeviceSpecs(
                            device_type=kind,
                            serial_number=f"HIST{self.serial:06d}",
                            manufacturer=make,
                            model=model,
                            cpu=cpu,
                            ram_mb=ram * 1024,
                            drives=[{"capacity_gb": gb, "kind": k} for gb, k in drives],
                            screen_size_in=screen,
                            keyboard_layout="azerty_fr",
                            battery_health_pct=None if screen is None else 65 + (i * 7) % 30,
                            declared_value=Decimal("40") if screen is None else Decimal("60"),
                        ),
                    )
                    devices.append((device, tech))
        return devices

    def refurbish(self, devices, day: dt.date):
        """Diagnosis two days after reception, erasure on the fourth, a repair for one in six,
        the system on the sixth, the quality check on the eighth; one in twelve is scrapped."""
        for n, (device, tech) in enumerate(devices):
            scrapped = n % 12 == 5
            repaired = n % 6 == 2
            steps = [(S.DIAGNOSED, 2)]
            if scrapped:
                steps.append((S.SCRAPPED, 3))
            else:
                steps.append((S.ERASED, 4))
                if repaired:
                    steps.append((S.REPAIRED, 5))
                steps += [(S.OS_INSTALLED, 6), (S.READY, 8)]
            for status, days in steps:
                with at(_moment(day + dt.timedelta(days=days), 10, n % 50)):
                    self.step(device, status, tech, grade=GRADES[n % len(GRADES)])

    def step(self, device: Device, status: str, user, grade: str = "B"):
        if status == S.READY:
            device.refresh_from_db()
            reco.quality_check_record(
                device=device, user=user, grade=grade, results={k: True for k, _l in QA_CRITERIA}
            )
        else:
            take_step(device, status, user)

    def redo_returns(self, day: dt.date):
        """A device brought back last month goes through the chain again: a new cycle, so a
        new erasure after its return."""
        for device, _when in self.returned:
            for status, days in [
                (S.DIAGNOSED, 1),
                (S.ERASED, 2),
                (S.OS_INSTALLED, 3),
                (S.READY, 4),
            ]:
                with at(_moment(day + dt.timedelta(days=days), 15)):
                    self.step(device, status, self.tech)
        self.returned = []

    def refer(self, m: int, day: dt.date):
        people = []
        for s, (org, staff, insee) in enumerate(self.structures):
            count = 3 if (m < 6 and s == m) else 2
            for k in range(count):
                n = self.people_made
                self.people_made += 1
                communes = NEIGHBOURS[insee]
                with at(_moment(day, 10 + k)):
                    person = services.person_create(
                        structure=org,
                        user=staff,
                        first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                        last_name=LAST_NAMES[(n * 7) % len(LAST_NAMES)],
                        age_band=AGE_BANDS[n % len(AGE_BANDS)],
                        situation=SITUATIONS[(n * 5) % len(SITUATIONS)],
                        eligibility=self.criteria[ELIGIBILITY_CODES[n % len(ELIGIBILITY_CODES)]],
                        commune=self.communes[communes[n % len(communes)]],
                        consent_given_on=day,
                        eligibility_checked_on=day,
                        consent_purpose="Suivi de l'équipement et de la formation par la structure",
                    )
                    # The proof of precarity seen at referral (the kind and the date, no copy).
                    code = ELIGIBILITY_CODES[n % len(ELIGIBILITY_CODES)]
                    eligibility.check_record(
                        person=person, kind=self.proofs[PROOF_FOR[code]], seen_on=day, user=staff
                    )
                people.append((person, org, staff))
        return people

    def train(self, people, day: dt.date):
        programme = services.programme_for("laptop")
        trained = []
        for org, staff, _insee in self.structures:
            mine = [p for p, o, _s in people if o == org]
            with at(_moment(day - dt.timedelta(days=3), 11)):
                session = services.session_create(
                    structure=org,
                    user=staff,
                    programme=programme,
                    modules=programme.modules.all(),
                    place="Salle numérique",
                    trainer=f"Équipe {org.name}",
                    starts_at=_moment(day, 14),
                    capacity=10,
                )
                for person in mine:
                    services.enrol(session=session, person=person, user=staff)
            # One person in ten misses the session: they wait for the next one.
            present = {p.pk for i, p in enumerate(mine) if (p.pk % 10) != 3}
            with at(_moment(day, 17)):
                services.attendance_record(session=session, present=present, user=staff)
            trained += [(p, org, staff) for p in mine if p.pk in present]
        return trained

    def order_and_hand_over(self, trained, day: dt.date, last: bool):
        by_structure = {}
        for person, org, staff in trained:
            by_structure.setdefault((org, staff), []).append(person)
        for s, ((org, staff), people) in enumerate(by_structure.items()):
            lines = [
                {
                    "device_type": "desktop" if p.pk % 4 == 0 else "laptop",
                    "quantity": 1,
                    "person": p,
                }
                for p in people
            ]
            with at(_moment(day, 10)):
                order = orders.order_create(structure=org, user=staff, lines=lines)
                orders.order_submit(order=order, user=staff)
            if last and s == 1:
                continue  # waits for the coordination's decision
            with at(_moment(day + dt.timedelta(days=1), 9)):
                orders.order_decide(
                    order=order,
                    user=self.coord,
                    approve=True,
                    workshop=self.workshop,
                    funding_programme=self.funding,
                )
            if last and s == 2:
                continue  # the workshop is to prepare it
            with at(_moment(day + dt.timedelta(days=3), 11)):
                orders.order_reserve(order=order, user=self.tech)
                try:
                    orders.order_mark_ready(order=order, user=self.tech)
                except Exception:  # noqa: BLE001  a line still waits for a device: it stays preparing
                    continue
            if last and s == 3:
                continue  # ready to collect
            for i, line in enumerate(order.lines.all()):
                reservation = line.reservations.filter(released_at__isnull=True).first()
                when = _moment(day + dt.timedelta(days=5 + i % 4), 10 + i % 7)
                with at(when):
                    allocation = allocations.allocation_create(
                        device=reservation.device, structure=org, user=staff
                    )
                    due = allocation.amount_due()
                    if due > 0:
                        allocations.payment_record(
                            allocation=allocation,
                            amount=due,
                            method="card" if i % 3 == 0 else "cash",
                            user=staff,
                        )

    def return_one(self, day: dt.date):
        allocation = (
            Allocation.objects.filter(
                returned_at__isnull=True, person__isnull=False, handed_over_at__lt=_moment(day, 9)
            )
            .order_by("-handed_over_at")
            .first()
        )
        if allocation is None:
            return
        staff = Membership.objects.filter(organisation=allocation.structure).first().user
        with at(_moment(day, 15)):
            allocations.allocation_return(
                allocation=allocation, user=staff, reason="L'écran ne convient pas à sa vue"
            )
        self.returned.append((allocation.device, day))


def seed_year(orgs: dict, users: dict, today: dt.date | None = None) -> History:
    history = History(orgs, users, today or timezone.localdate())
    history.organisations()
    for m in range(MONTHS):
        history.month(m)
    return history
