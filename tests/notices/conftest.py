import pytest

from accounts.enums import OrganisationKind, Role
from tests.factories import OrganisationFactory, member


@pytest.fixture
def structure(db):
    return OrganisationFactory(name="Centre social Les Acacias", kind=OrganisationKind.MEDIATION)


@pytest.fixture
def mediator(structure):
    return member(structure, Role.STAFF, username="med", email="med@example.org")


@pytest.fixture
def colleague(structure):
    """A second member of the structure, who turns notices off in some tests."""
    return member(structure, Role.STAFF, username="med2", email="med2@example.org")


@pytest.fixture
def reader(structure):
    return member(structure, Role.READER, username="lecteur", email="lecteur@example.org")


@pytest.fixture
def mail_technician(workshop):
    return member(workshop, Role.TECHNICIAN, username="tech-mail", email="tech@example.org")


@pytest.fixture
def mail_coordinator(db):
    org = OrganisationFactory(name="Coordination 92", kind=OrganisationKind.COORDINATION)
    return member(org, Role.COORDINATOR, username="coord-mail", email="coord@example.org")
