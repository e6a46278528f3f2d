"""Lists at volume (issue 17): every row of a long list is reachable page by page, and a
per-row count (devices of a batch, lines of an order) is counted for the rows of the page only,
not aggregated over the user's whole scope first."""

import datetime
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries import orders, services, views
from beneficiaries.models import EligibilityCriterion, Order
from core.pagination import LIST_PAGE
from core.sorting import sort_for
from inventory.models import Device
from reconditioning import views as queue_views
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def rows(body: str, table_id: str) -> int:
    table = re.search(rf'<table id="{table_id}">.*?</table>', body, re.S).group(0)
    return table.count("<tr>") - 1  # the header row


def refer(structure, user, last_name):
    return services.person_create(
        structure=structure,
        user=user,
        first_name="Sam",
        last_name=last_name,
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="26-44",
        situation="job_seeker",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )


@pytest.fixture
def med_client(client, mediator):
    client.force_login(mediator)
    return client


def test_every_person_is_reachable_page_by_page(med_client, structure, mediator):
    total = LIST_PAGE + 5
    for i in range(total):
        refer(structure, mediator, f"Nom{i:03d}")
    url = reverse("beneficiaries:person_list")
    first = med_client.get(url, {"sort": "name"}).content.decode()
    assert rows(first, "people") == LIST_PAGE
    assert "Page 1 sur 2" in first
    assert "Nom000" in first and "Nom054" not in first
    # The pager keeps the order (and the search) of the list it pages.
    assert "?sort=name&amp;page=2" in first
    second = med_client.get(url, {"sort": "name", "page": 2}).content.decode()
    assert rows(second, "people") == 5
    assert "Nom054" in second and "Nom000" not in second
    searched = med_client.get(url, {"q": "Nom05"}).content.decode()
    assert rows(searched, "people") == 5 and "Page 1" not in searched


def test_every_order_is_reachable_and_the_status_filter_stays(med_client, structure, mediator):
    made = [
        orders.order_create(
            structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 2}]
        )
        for _ in range(LIST_PAGE + 3)
    ]
    url = reverse("beneficiaries:order_list")
    first = med_client.get(url, {"status": "draft"}).content.decode()
    assert rows(first, "orders") == LIST_PAGE
    assert "status=draft&amp;page=2" in first
    second = med_client.get(url, {"status": "draft", "page": 2}).content.decode()
    assert rows(second, "orders") == 3
    assert made[0].reference in second  # newest first: the oldest is on the last page
    # A page number past the end is the last page, not an error.
    assert med_client.get(url, {"page": 99}).status_code == 200


def test_batch_counts_are_those_of_the_page_only(client, technician, workshop):
    full = make_batch(workshop)
    for _ in range(3):
        make_device(full)
    empty = make_batch(workshop)
    client.force_login(technician)
    url = reverse("inventory:batch_list")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url, {"sort": "-logged"}).content.decode()
    assert body.index(full.reference) < body.index(empty.reference)
    cells = re.findall(r'<td class="num">(\d+)</td>', body)
    assert "3" in cells and "0" in cells
    # No query joins the devices to every batch of the scope to count them (the count runs
    # per batch of the page, as a subquery of the page's own query).
    joins = [q["sql"] for q in ctx.captured_queries if 'JOIN "inventory_device"' in q["sql"]]
    assert joins == []


def test_queue_merges_received_and_returned_by_their_wait(client, technician, workshop):
    """The first step's group holds two statuses, each read by its own indexed scan: the
    page still shows them in one order, the longest wait first, up to the page's limit."""
    batch = make_batch(workshop)
    devices = [make_device(batch) for _ in range(queue_views.QUEUE_LIMIT + 4)]
    now = timezone.now()
    for i, device in enumerate(devices):
        # Waits interleaved between the two statuses: odd ones came back from a person.
        Device.objects.filter(pk=device.pk).update(
            status="returned" if i % 2 else "received", status_since=now - timedelta(hours=100 - i)
        )
    client.force_login(technician)
    body = client.get(reverse("reconditioning:queue")).content.decode()
    expected = [d.asset_tag for d in devices[: queue_views.QUEUE_LIMIT]]
    shown = [tag for tag in re.findall(r"FL\d+", body) if tag in {d.asset_tag for d in devices}]
    # Each tag appears once or more per row (link and text): keep the first occurrences.
    seen = list(dict.fromkeys(shown))
    assert seen == expected
    assert devices[-1].asset_tag not in body


def test_a_never_null_column_sorts_in_its_index_order(rf):
    """NULLS LAST on a NOT NULL column kept PostgreSQL from reading the newest-first index
    (the coordinator's order list sorted all its orders for a page): it is dropped there and
    kept where a NULL can happen (an annotation, a nullable column)."""
    newest = sort_for(rf.get("/"), views.ORDER_SORTS, "-created").apply(Order.objects.all())
    sql = str(newest.query)
    assert "NULLS LAST" not in sql and '"created_at" DESC' in sql
    workshop = sort_for(rf.get("/?sort=workshop"), views.ORDER_SORTS, "-created")
    assert "NULLS LAST" in str(workshop.apply(Order.objects.all()).query)
