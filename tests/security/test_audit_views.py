"""Every page or document that names the people a structure accompanies leaves one line in the
access log (who, when, which person, what), for one INSERT per request."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries import allocations, orders
from beneficiaries.models import AuditLog
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    person,
    programme,
    ready_laptop,
    structure,
    train,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    person,  # noqa: F811
    programme,  # noqa: F811
    mediator,  # noqa: F811
    structure,  # noqa: F811
    ready_laptop,  # noqa: F811
    coordinator,
    workshop,
    technician,
):
    """Awa, trained, in an approved order, handed a laptop she paid for."""
    session = train(person, programme, mediator)
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    # The approval reserved the laptop for her: the workshop marks the order ready.
    orders.order_mark_ready(order=order, user=technician)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    payment = allocations.payment_record(
        allocation=allocation, amount=Decimal("40"), method="cash", user=mediator
    )
    AuditLog.objects.all().delete()  # queryset delete: the ledger's purge path
    return {
        "person": person,
        "session": session,
        "order": order,
        "allocation": allocation,
        "payment": payment,
    }


def _get_logged(client, url):
    """GET the page; the one access-log line it wrote, and the INSERTs it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    inserts = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    (entry,) = AuditLog.objects.all()
    return entry, inserts


def _page(w, name):
    """(url, the person the line names, its detail) for each page naming people."""
    someone, allocation, session = w["person"], w["allocation"], w["session"]
    return {
        "edit": (reverse("beneficiaries:person_edit", args=[someone.pk]), someone, "edit"),
        "list": (reverse("beneficiaries:person_list"), None, "list"),
        "session": (
            reverse("beneficiaries:session_detail", args=[session.pk]),
            None,
            f"session {session.pk}",
        ),
        "order": (
            reverse("beneficiaries:order_detail", args=[w["order"].pk]),
            someone,
            f"order {w['order'].reference}",
        ),
        "allocation": (
            reverse("beneficiaries:allocation_detail", args=[allocation.pk]),
            someone,
            "allocation",
        ),
        "receipt": (
            reverse("beneficiaries:receipt", args=[allocation.pk, w["payment"].pk]),
            someone,
            f"receipt {w['payment'].receipt_number}",
        ),
        "handover document": (
            reverse("beneficiaries:handover_pdf", args=[allocation.pk]),
            someone,
            "handover document",
        ),
    }[name]


@pytest.mark.parametrize(
    "name",
    ["edit", "list", "session", "order", "allocation", "receipt", "handover document"],
)
def test_each_page_naming_people_writes_one_line(client, world, mediator, name):  # noqa: F811
    client.force_login(mediator)
    url, named, detail = _page(world, name)
    entry, inserts = _get_logged(client, url)
    assert (entry.action, entry.user, entry.username) == ("view", mediator, "med")
    assert (entry.person, entry.detail) == (named, detail)
    assert entry.organisation == world["person"].structure
    assert len(inserts) == 1 and "auditlog" in inserts[0], inserts


def test_the_coordination_reading_an_order_is_logged(client, world, coordinator):
    client.force_login(coordinator)
    entry, _inserts = _get_logged(
        client, reverse("beneficiaries:order_detail", args=[world["order"].pk])
    )
    assert (entry.user, entry.person) == (coordinator, world["person"])


def test_the_workshop_reading_an_order_sees_no_name_and_is_not_logged(client, world, technician):
    client.force_login(technician)
    page = client.get(reverse("beneficiaries:order_detail", args=[world["order"].pk]))
    assert page.status_code == 200 and "Traoré" not in page.content.decode()
    assert not AuditLog.objects.exists()


def test_a_refused_edit_post_is_not_a_view(client, world, mediator):  # noqa: F811
    """Only the form shown (GET) is a reading; a posted edit is the structure's own words."""
    client.force_login(mediator)
    url = reverse("beneficiaries:person_edit", args=[world["person"].pk])
    client.post(url, {"last_name": ""})
    assert not AuditLog.objects.exists()
