"""The objects the permission matrix and the IDOR tests request: the demo data of
`seed_demo` (the nine personas and their organisations), one import job and one report job,
and a *foreign* set of organisations that no persona belongs to (a third workshop with its
donor, batch and devices, a second mediation structure with a person, a training, orders, an
allocation and its receipt, a second funder). The foreign objects carry marker names that
must never appear in a page, file or API answer given to anyone but the coordination."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.enums import OrganisationKind as K
from accounts.enums import Role
from accounts.models import Membership, Organisation, User
from accounts.services import invitation_create
from notices.enums import NoticeKind
from notices.services import notify

PERSONAS = (
    "anonymous",
    "technicien",
    "responsable",
    "technicien2",
    "mediatrice",
    "coordinatrice",
    "financeur",
    "donateur",
    "admin",
)

# Marker strings of the foreign organisations' objects (see module docstring).
FOREIGN_MARKERS = (
    "Zéphyrine",
    "Témoin-Étrangère",
    "Atelier Témoin Zéphyr",
    "Donateur Témoin Zéphyr",
    "Maison Témoin Zéphyr",
    "ZEPHYR0001",
    "ZEPHYR0002",
    "Programme Témoin Zéphyr",
)

# What each persona must never see of the demo data itself (other workshop's donor and
# serials, the names of the people a mediation structure follows, ...).
PERSONA_MARKERS = {
    "technicien": ("Entreprise Voisine", "OTHER000001", "Traoré", "Keita"),
    "responsable": ("Entreprise Voisine", "OTHER000001", "Traoré", "Keita"),
    "technicien2": ("Mairie de Nanterre", "Relais Numérique", "DEMO001001", "Traoré", "Keita"),
    "mediatrice": ("Entreprise Voisine", "OTHER000001", "Mairie de Nanterre"),
    "financeur": ("Traoré", "Keita", "Entreprise Voisine", "DEMO001001", "OTHER000001"),
    "donateur": ("Mairie de Nanterre", "Entreprise Voisine", "Traoré", "Keita", "OTHER000001"),
    "anonymous": ("Traoré", "Keita", "DEMO001001", "Entreprise Voisine"),
    "coordinatrice": (),
    "admin": (),
}

SAMPLES = Path(__file__).resolve().parent.parent / "inventory" / "samples"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    # URL keyword arguments by object key, for the demo objects and the foreign ones.
    own: dict = field(default_factory=dict)
    foreign: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def markers_for(self, persona: str) -> tuple[str, ...]:
        if persona in ("coordinatrice", "admin"):
            return ()
        return FOREIGN_MARKERS + PERSONA_MARKERS[persona]


def build_world(run_on_commit) -> World:
    """run_on_commit: pytest-django's django_capture_on_commit_callbacks (tasks run eagerly
    once queued on commit)."""
    from beneficiaries.models import (
        Allocation,
        EligibilityCriterion,
        EligibilityProofKind,
        Order,
        Person,
        Structure,
        TrainingSession,
    )
    from inventory import importing, shelves
    from inventory.models import CollectionBatch, Device, Donor, Location
    from reconditioning.models import BulkStepJob, SparePart
    from reports import jobs as report_jobs

    call_command("seed_demo", verbosity=0, history=False)
    world = World(users={u.username: u for u in User.objects.all()})
    world.users["anonymous"] = None
    tech = world.users["technicien"]

    sge = Donor.objects.get(name="Société Générale d'Équipement")
    batch = CollectionBatch.objects.filter(donor=sge).order_by("id").first()
    device = Device.objects.filter(batch=batch).order_by("id").first()
    with run_on_commit(execute=True):
        upload = SimpleUploadedFile(
            "dons.csv", (SAMPLES / "donor_english.csv").read_bytes(), content_type="text/csv"
        )
        import_job = importing.import_job_create(batch=batch, user=tech, uploaded_file=upload)
        report_job = report_jobs.report_job_create(kind="stock", fmt="xlsx", user=tech)
    report_job.refresh_from_db()
    assert report_job.status == "done", report_job.error if hasattr(report_job, "error") else ""

    med_org = Organisation.objects.get(kind=K.MEDIATION)
    allocation = Allocation.objects.filter(structure=med_org).order_by("id").first()
    payment = allocation.payments.order_by("id").first()
    person = allocation.person
    ready_order = Order.objects.filter(structure=med_org, status="ready").order_by("id").first()
    reserved = ready_order.lines.first().reservations.filter(released_at__isnull=True).first()
    pending = held_report(device, tech)
    own_location = (
        Location.objects.filter(workshop=batch.workshop)
        .exclude(pk=device.location_id)
        .order_by("pk")
        .first()
    )
    # A count of a location with nothing scanned: accepting it has moves to write.
    own_stocktake = shelves.stocktake_record(user=tech, location=own_location, text="")
    world.own = _kwargs(
        donor=sge,
        batch=batch,
        device=device,
        import_job=import_job,
        bulk_job=BulkStepJob.objects.create(
            workshop_id=batch.workshop_id, batch=batch, created_by=tech, step="diagnosed"
        ),
        report_job=report_job,
        pending_report=pending,
        person=person,
        session=TrainingSession.objects.filter(structure=med_org).first(),
        order=allocation.order_line.order,
        draft_order=Order.objects.filter(structure=med_org, status="draft").first(),
        allocation=allocation,
        payment=payment,
        handover_device=reserved.device,
        structure=Structure.objects.get(organisation=med_org),
        year=batch.collected_on.year,
        location=own_location,
        stocktake=own_stocktake,
        # A device of the workshop elsewhere than `location`, for putting away there.
        away_device=Device.objects.filter(workshop=batch.workshop)
        .exclude(location=own_location)
        .exclude(pk=device.pk)
        .order_by("pk")
        .first(),
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        part=SparePart.objects.create(
            workshop=batch.workshop, name="Barrette 8 Go", category="RAM"
        ),
        proof_kind=EligibilityProofKind.objects.get(code="rsa"),
    )
    # An invitation of the coordination to the structure: its link's key is the argument.
    with run_on_commit(execute=True):
        _invitation, key = invitation_create(
            by=world.users["coordinatrice"],
            email="invitee@example.org",
            organisation=med_org,
            role=Role.STAFF,
        )
    # A notice of the mediator's, unread: only she may mark it read.
    (notice,) = notify(
        [world.users["mediatrice"]],
        NoticeKind.ORDER_READY,
        f"Commande {ready_order.reference} prête à retirer.",
        ready_order.get_absolute_url(),
    )
    world.own.update(invitation_key=key, organisation=med_org.pk, notice=notice.pk)
    world.objects.update(
        organisation=med_org,
        part=SparePart.objects.get(pk=world.own["part"]),
        location=own_location,
        stocktake=own_stocktake,
        batch=batch,
        device=device,
        pending_report=pending,
        person=person,
        allocation=allocation,
        order=ready_order,
        draft_order=Order.objects.filter(structure=med_org, status="draft").first(),
        notice=notice,
    )
    world.foreign = _build_foreign(world, run_on_commit)
    assert Person.objects.filter(first_name="Zéphyrine").exists()
    return world


def held_report(device, user):
    """A hardware report waiting for a technician's confirmation on the device's page."""
    from inventory.models import PendingHardwareReport

    return PendingHardwareReport.objects.create(
        workshop_id=device.workshop_id,
        device=device,
        submitted_by=user,
        lshw={"id": "held", "class": "system", "product": "Autre modèle"},
        differences=[{"field": "model", "current": device.model, "reported": "Autre modèle"}],
    )


def _kwargs(**objects) -> dict:
    out = {}
    for key, value in objects.items():
        out[key] = value if isinstance(value, int) else value.pk
    return out


def _build_foreign(world: World, run_on_commit) -> dict:
    """Organisations no persona belongs to, with one object behind every kind of URL."""
    from beneficiaries import allocations, orders, services
    from beneficiaries.models import (
        EligibilityCriterion,
        EligibilityProofKind,
        FundingProgramme,
        Structure,
        TrainingProgramme,
    )
    from inventory import importing, shelves
    from inventory.enums import DeviceStatus as S
    from inventory.models import Donor, Location
    from inventory.services import DeviceSpecs, batch_create, device_receive, locations_ensure
    from reconditioning.demo import walk_to
    from reconditioning.models import BulkStepJob, SparePart
    from reports import jobs as report_jobs

    coord = world.users["coordinatrice"]
    workshop = Organisation.objects.create(name="Atelier Témoin Zéphyr", kind=K.WORKSHOP)
    donor_org = Organisation.objects.create(name="Société Témoin Zéphyr", kind=K.DONOR)
    mediation = Organisation.objects.create(name="Maison Témoin Zéphyr", kind=K.MEDIATION)
    funder = Organisation.objects.create(name="Fondation Témoin Zéphyr", kind=K.FUNDER)
    tech = _member("tech-zephyr", workshop, Role.TECHNICIAN)
    med = _member("med-zephyr", mediation, Role.STAFF)
    _member("donor-zephyr", donor_org, Role.READER)

    locations_ensure(workshop=workshop, places=[("Réception", "")])
    donor = Donor.objects.create(
        workshop=workshop,
        organisation=donor_org,
        name="Donateur Témoin Zéphyr",
        kind=Donor.Kind.COMPANY,
    )
    batch = batch_create(workshop=workshop, donor=donor, collected_on=dt.date.today(), user=tech)
    devices = []
    for n in (1, 2, 3):
        device = device_receive(
            batch=batch,
            specs=DeviceSpecs(
                device_type="laptop",
                serial_number=f"ZEPHYR000{n}",
                manufacturer="Lenovo",
                model="ThinkPad T480",
                cpu="Intel Core i5-8350U",
                ram_mb=8192,
                drives=[{"capacity_gb": 256, "kind": "ssd"}],
                declared_value=Decimal("60"),
            ),
            user=tech,
        )
        devices.append(device)
    for device in devices[:2]:
        walk_to(device, S.READY, tech)

    Structure.objects.create(
        organisation=mediation,
        address="1 rue Témoin",
        postal_code="92110",
        commune_id="92024",
        contact_name="Zéphyrine Témoin-Étrangère",
    )
    today = dt.date.today()
    person = services.person_create(
        structure=mediation,
        user=med,
        first_name="Zéphyrine",
        last_name="Témoin-Étrangère",
        age_band="26-44",
        situation="job_seeker",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        consent_given_on=today,
        eligibility_checked_on=today,
        consent_purpose="Suivi",
    )
    programme = TrainingProgramme.objects.first()
    session = services.session_create(
        structure=mediation,
        user=med,
        programme=programme,
        modules=programme.modules.all(),
        place="Salle Zéphyr",
        trainer="Zéphyrine",
        starts_at=dt.datetime.combine(today - dt.timedelta(days=3), dt.time(14), tzinfo=dt.UTC),
        capacity=8,
    )
    services.enrol(session=session, person=person, user=med)
    services.attendance_record(session=session, present={person.pk}, user=med)
    funding = FundingProgramme.objects.create(
        funder=funder, name="Programme Témoin Zéphyr", starts_on=dt.date(2026, 1, 1)
    )
    made = []
    for _ in range(2):
        order = orders.order_create(
            structure=mediation,
            user=med,
            lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
        )
        orders.order_submit(order=order, user=med)
        orders.order_decide(
            order=order, user=coord, approve=True, workshop=workshop, funding_programme=funding
        )
        orders.order_reserve(order=order, user=tech)
        orders.order_mark_ready(order=order, user=tech)
        made.append(order)
    first, second = made
    allocation = allocations.allocation_create(
        device=first.lines.get().reservations.get().device, structure=mediation, user=med
    )
    payment = allocations.payment_record(
        allocation=allocation, amount=allocation.charge, method="cash", user=med
    )
    reserved = second.lines.get().reservations.get()
    draft = orders.order_create(
        structure=mediation, user=med, lines=[{"device_type": "tablet", "quantity": 1}]
    )
    with run_on_commit(execute=True):
        upload = SimpleUploadedFile(
            "dons.csv", (SAMPLES / "donor_english.csv").read_bytes(), content_type="text/csv"
        )
        import_job = importing.import_job_create(batch=batch, user=tech, uploaded_file=upload)
        report_job = report_jobs.report_job_create(kind="stock", fmt="xlsx", user=tech)
    world.objects.update(foreign_batch=batch, foreign_device=devices[0])
    (notice,) = notify([med], NoticeKind.ORDER_READY, f"Commande {second.reference} prête.", "")
    foreign_location = Location.objects.filter(workshop=workshop).order_by("pk").first()
    return _kwargs(
        donor=donor,
        batch=batch,
        device=devices[0],
        import_job=import_job,
        bulk_job=BulkStepJob.objects.create(
            workshop_id=batch.workshop_id, batch=batch, created_by=tech, step="diagnosed"
        ),
        report_job=report_job,
        pending_report=held_report(devices[0], tech),
        person=person,
        session=session,
        order=first,
        draft_order=draft,
        allocation=allocation,
        payment=payment,
        handover_device=reserved.device,
        structure=Structure.objects.get(organisation=mediation),
        year=batch.collected_on.year,
        location=foreign_location,
        stocktake=shelves.stocktake_record(user=tech, location=foreign_location, text=""),
        away_device=devices[-1],
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        part=SparePart.objects.create(workshop=workshop, name="Barrette Zéphyr", category="RAM"),
        organisation=mediation,
        notice=notice,
        proof_kind=EligibilityProofKind.objects.get(code="aah"),
    )


def _member(username: str, organisation: Organisation, role: str) -> User:
    user = User.objects.create_user(username, password=None, first_name="Témoin")
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user
