"""The API fuzzed from its own OpenAPI schema (schemathesis), as each persona that can call it:
a workshop machine's token, and the session of every kind of user. No 500, every response
(status, content type, headers, body) conforms to the schema.

The schema is the one /api/schema/ serves (drf-spectacular's generator, built in-process);
requests go to the WSGI application directly, no network."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from accounts.enums import OrganisationKind, Role
from accounts.services import machine_token_create
from tests.factories import OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()

PERSONAS = {
    # persona: (organisation kind, role); "machine" is the workshop machine's token.
    "machine": (OrganisationKind.WORKSHOP, Role.MACHINE),
    "technician": (OrganisationKind.WORKSHOP, Role.TECHNICIAN),
    "manager": (OrganisationKind.WORKSHOP, Role.MANAGER),
    "mediator": (OrganisationKind.MEDIATION, Role.STAFF),
    "coordinator": (OrganisationKind.COORDINATION, Role.COORDINATOR),
    "funder": (OrganisationKind.FUNDER, Role.READER),
    "donor": (OrganisationKind.DONOR, Role.READER),
}


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """schemathesis calls the WSGI application itself, which closes the database connection at
    the end of each request when it is inside a transaction (the test's); Django's test client
    switches that off, and so does this fixture."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(request, workshop, technician, client):
    """Headers and cookies of the persona, and a world with devices for it to read."""
    batch = make_batch(workshop, user=technician)
    for n in range(3):
        make_device(
            batch,
            serial_number=f"API{n}",
            drives=[{"capacity_gb": 256, "kind": "ssd", "serial_number": f"D{n}"}],
        )
    other = OrganisationFactory(name="Autre atelier", kind=OrganisationKind.WORKSHOP)
    make_device(make_batch(other), serial_number="OTHER1")
    persona = request.param
    if persona == "machine":
        _token, key = machine_token_create(workshop=workshop, label="Poste 1")
        return {"headers": {"Authorization": f"Token {key}"}}
    kind, role = PERSONAS[persona]
    organisation = workshop if kind == OrganisationKind.WORKSHOP else OrganisationFactory(kind=kind)
    user = member(organisation, role, username=f"api-{persona}")
    client.force_login(user)
    # As a header, so that schemathesis knows the request carries explicit credentials.
    return {"headers": {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}}


@pytest.mark.parametrize("credentials", list(PERSONAS), indirect=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, credentials):
    excluded = []
    if case.operation.label == "POST /api/hardware-reports/":
        # A schema-valid body may still not be an lshw report, or name a batch that does not
        # exist: the API rightly answers 400 with the reason, which this check counts as a
        # failure. Every other check (no 500, statuses, content types, bodies) still applies.
        excluded.append(positive_data_acceptance)
    if _reads_as_valid_query(case.query):
        # A filter given empty means no filter (django-filter, as the HTML lists), and an
        # "array" of one value is written exactly as that value in a query string: such a
        # request only looks schema-violating. Any other invalid value is still checked.
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=credentials["headers"], excluded_checks=excluded)


def _reads_as_valid_query(query) -> bool:
    return any(
        value == "" or (isinstance(value, list) and len(value) == 1)
        for value in (query or {}).values()
    )


def test_what_the_fuzzer_found_stays_fixed(workshop, technician, client):
    """Found by this fuzzer: a device without location broke the schema (null), page_size=abc
    was silently served as 50, and /api/devices/1.5/ answered the site's HTML 404."""
    from rest_framework.test import APIClient

    make_device(make_batch(workshop, user=technician), serial_number="NOLOC")
    api = APIClient()
    api.force_authenticate(technician)
    body = api.get("/api/devices/").json()
    assert body["results"][0]["location"] is None
    assert api.get("/api/devices/", {"page_size": "abc"}).status_code == 400
    assert api.get("/api/devices/", {"page_size": "0"}).status_code == 400
    assert len(api.get("/api/devices/", {"page_size": "100000"}).json()["results"]) == 1
    # A batch is named by its id: a whole number the database can hold.
    for bad in ("1e5", "0", "1.7976931348623157e+308", "9" * 30):
        assert api.get("/api/devices/", {"batch": bad}).status_code == 400, bad
    assert api.get("/api/devices/", {"batch": "1"}).status_code == 200
    response = api.get("/api/devices/1.5/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_the_fuzzed_schema_is_the_one_the_api_serves(technician, client):
    client.force_login(technician)
    served = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert set(served.json()["paths"]) == set(generated["paths"]) == set(schema.raw_schema["paths"])
    assert served.json()["paths"] == generated["paths"]
    assert served.json()["components"]["schemas"] == generated["components"]["schemas"]
