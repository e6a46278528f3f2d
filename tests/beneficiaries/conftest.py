import datetime

import pytest

from accounts.enums import OrganisationKind, Role
from beneficiaries import services
from beneficiaries.models import EligibilityCriterion, TrainingProgramme
from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member


@pytest.fixture
def structure(db):
    return OrganisationFactory(name="Centre social Les Acacias", kind=OrganisationKind.MEDIATION)


@pytest.fixture
def other_structure(db):
    return OrganisationFactory(name="Médiathèque Voisine", kind=OrganisationKind.MEDIATION)


@pytest.fixture
def mediator(structure):
    return member(structure, Role.STAFF, username="med")


@pytest.fixture
def other_mediator(other_structure):
    return member(other_structure, Role.STAFF, username="med-other")


@pytest.fixture
def person(structure, mediator):
    return services.person_create(
        structure=structure,
        user=mediator,
        first_name="Awa",
        last_name="Traoré",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="26-44",
        situation="job_seeker",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )


@pytest.fixture
def programme(db):
    return TrainingProgramme.objects.get(title="Premiers pas avec son équipement")


def train(person, programme, user):
    session = services.session_create(
        structure=person.structure,
        user=user,
        programme=programme,
        modules=programme.modules.all(),
        starts_at=datetime.datetime(2026, 11, 10, 14, tzinfo=datetime.UTC),
        place="Salle 2",
        trainer="Lina",
        capacity=8,
    )
    services.enrol(session=session, person=person, user=user)
    services.attendance_record(session=session, present={person.pk}, user=user)
    return session


@pytest.fixture
def ready_laptop(workshop, technician):
    batch = make_batch(workshop)
    device = make_device(
        batch, ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": "RL1"}]
    )
    return walk_to(device, S.READY, technician)


def public_ready_laptop(workshop, technician):
    donor = DonorFactory(workshop=workshop, kind="public_body", name="Mairie")
    device = make_device(
        make_batch(workshop, donor=donor), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
    )
    return walk_to(device, S.READY, technician)
