"""Nothing the home page, the work queue or the API list shows costs in proportion to the
user's scope (issue 17): counts by status are capped, the latest batches are counted alone,
the API list has no DISTINCT. Query counts are pinned; no timing is asserted."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import pagination
from core.pagination import capped_counts
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from notices.context_processors import unread_changed
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def test_capped_counts_count_each_value_up_to_the_cap_in_one_query(workshop, technician):
    batch = make_batch(workshop, user=technician)
    devices = [make_device(batch, user=technician) for _ in range(5)]
    Device.objects.filter(pk=devices[0].pk).update(status=S.READY)
    with CaptureQueriesContext(connection) as ctx:
        counts = capped_counts(Device.objects.all(), "status", [S.RECEIVED, S.READY, S.ERASED], 3)
    assert len(ctx.captured_queries) == 1
    assert counts == {S.RECEIVED: (3, True), S.READY: (1, False), S.ERASED: (0, False)}
    assert capped_counts(Device.objects.all(), "status", [S.RECEIVED], 10) == {
        S.RECEIVED: (4, False)
    }


@pytest.mark.parametrize(
    ("scope", "field", "values"),
    [
        ({}, "status", S.values),
        ({"status": S.READY}, "device_type", ["laptop", "tablet", "desktop"]),
        # The value also in the scope's own filter: each value is compiled on its own.
        ({"device_type": "laptop"}, "device_type", ["laptop", "tablet"]),
        ({"status__in": [S.READY, S.RECEIVED]}, "status", [S.READY, S.RECEIVED, S.ERASED]),
    ],
)
def test_capped_counts_compiled_once_count_like_python(workshop, technician, scope, field, values):
    """The subquery is compiled once and its value swapped for each of the others: the counts
    are those of counting each value on its own, whatever the scope's own filters."""
    batch = make_batch(workshop, user=technician)
    kinds = ["laptop", "laptop", "tablet", "desktop", "laptop", "tablet"]
    devices = [make_device(batch, user=technician, device_type=k) for k in kinds]
    statuses = [S.READY, S.READY, S.READY, S.ERASED, S.RECEIVED, S.READY]
    for device, status in zip(devices, statuses, strict=True):
        Device.objects.filter(pk=device.pk).update(status=status)
    qs = Device.objects.filter(**scope)
    expected = {}
    for value in values:
        n = qs.filter(**{field: value}).count()
        expected[value] = (min(n, 2), n > 2)
    assert capped_counts(qs, field, values, cap=2) == expected


def test_capped_counts_of_nothing_visible_are_zero(db):
    assert capped_counts(Device.objects.none(), "status", [S.READY]) == {S.READY: (0, False)}


def test_home_page_counts_the_devices_of_the_eight_latest_batches_only(
    client, workshop, technician, coordinator
):
    client.force_login(coordinator)
    queries, batches = [], []
    for round_, n in enumerate((9, 4)):  # 9 batches, then 13
        for i in range(n):
            batch = make_batch(
                workshop, user=technician, collected_on=datetime.date(2026, 1 + round_, 1 + i)
            )
            for _ in range(i % 3):
                make_device(batch, user=technician)
            batches.append(batch)
        unread_changed([coordinator.pk])  # the header's count, asked on both pages alike
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/").content.decode()
        queries.append(len(ctx.captured_queries))
    assert queries[0] == queries[1], queries
    batches.sort(key=lambda b: b.collected_on, reverse=True)
    assert all(b.reference in body for b in batches[:8])
    assert not any(b.reference in body for b in batches[8:])
    batch_sql = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "inventory_collectionbatch"."id"')
    ]
    # The latest 8 batches, with the count each keeps: no device is counted for them.
    assert batch_sql and all("LIMIT 8" in sql and "COUNT(" not in sql for sql in batch_sql)
    for b in batches[:8]:
        assert f"{b.reference}</a></td>" in body


def test_home_tiles_say_more_than_the_cap(client, workshop, technician, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    batch = make_batch(workshop, user=technician)
    for _ in range(3):
        make_device(batch, user=technician)
    client.force_login(technician)
    body = client.get("/").content.decode()
    assert "<strong>2+</strong>" in body
    assert '<span class="badge">2+</span>' in body  # the technician's "received" step


def test_work_queue_says_more_than_the_cap_and_keeps_its_query_count(
    client, workshop, technician, monkeypatch
):
    client.force_login(technician)
    batch = make_batch(workshop, user=technician)
    make_device(batch, user=technician)
    unread_changed([technician.pk])  # the header's count, asked on both pages alike
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/file/").content.decode()
    one = len(ctx.captured_queries)
    assert "1 appareil" in body
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    for _ in range(4):
        make_device(batch, user=technician)
    unread_changed([technician.pk])  # the header's count, asked on both pages alike
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/file/").content.decode()
    assert len(ctx.captured_queries) == one
    assert "plus de 2 appareils" in body


def test_api_list_filtered_by_status_has_no_distinct(client, workshop, technician):
    batch = make_batch(workshop, user=technician)
    make_device(batch, user=technician)
    client.force_login(technician)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/devices/?status=received&status=ready")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert not any("DISTINCT" in q["sql"].upper() for q in ctx.captured_queries)


def test_capped_counts_count_none_as_is_null(workshop, technician):
    """None compiles to IS NULL, not to a parameter: it is never swapped into another value's
    SQL (a device without a location was counted as 0)."""
    batch = make_batch(workshop, user=technician)
    for _ in range(3):
        make_device(batch, user=technician)
    counts = capped_counts(Device.objects.all(), "location_id", [999_999, None], cap=10)
    assert counts == {999_999: (0, False), None: (3, False)}
