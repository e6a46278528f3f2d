"""core.pagination.first_per_value: the first rows of each value, the same as one query per
value, in one query where the database allows a LIMIT inside UNION ALL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.pagination import first_per_value
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db

STATUSES = [S.RECEIVED, S.DIAGNOSED, S.ERASED, S.READY]


@pytest.fixture
def devices(workshop):
    batch = make_batch(workshop)
    start = timezone.now() - datetime.timedelta(days=30)
    for i in range(18):
        device = make_device(batch)
        # Waits out of the order of creation, so that the ids do not give the answer.
        when = start + datetime.timedelta(hours=(i * 7) % 18)
        Device.objects.filter(pk=device.pk).update(status=STATUSES[i % 3], status_since=when)
    return Device.objects.filter(batch=batch).order_by("status_since", "pk")


def key(d):
    return (d.status_since, d.pk)


def test_the_same_rows_as_one_query_per_value(devices):
    got = first_per_value(devices, "status", STATUSES, limit=4, key=key)
    for status in STATUSES:
        expected = list(devices.filter(status=status)[:4])
        assert [d.pk for d in got[status]] == [d.pk for d in expected]
    assert got[S.READY] == []  # a value with no row is there, empty
    assert sum(len(rows) for rows in got.values()) == 12


def test_one_query_where_the_database_allows(devices):
    with CaptureQueriesContext(connection) as ctx:
        first_per_value(devices, "status", STATUSES, limit=4, key=key)
    union = connection.features.supports_slicing_ordering_in_compound
    assert len(ctx.captured_queries) == (1 if union else len(STATUSES))


def test_a_value_twice_or_none_at_all(devices):
    twice = first_per_value(devices, "status", [S.RECEIVED, S.RECEIVED], limit=2, key=key)
    assert list(twice) == [S.RECEIVED] and len(twice[S.RECEIVED]) == 2
    with CaptureQueriesContext(connection) as ctx:
        assert first_per_value(devices, "status", [], limit=2, key=key) == {}
    assert not ctx.captured_queries
