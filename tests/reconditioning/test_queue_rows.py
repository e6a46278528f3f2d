"""The work queue's rows: each step's longest waits across its statuses, read in one query
where the database allows it (PostgreSQL), the same rows either way."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.views import QUEUE_LIMIT
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def tags_in(html: str, group: int) -> list[str]:
    """Asset tags of one step's table (the first step is 1), in the page's order."""
    part = html.split("<h2>")[group].split("</table>")[0]
    return re.findall(r'class="mono"><a href="[^"]+">([^<]+)</a>', part)


def test_a_step_of_two_statuses_shows_the_longest_waits_of_both(tech_client, workshop):
    batch = make_batch(workshop)
    start = timezone.now() - datetime.timedelta(days=90)
    made = []
    for i in range(QUEUE_LIMIT + 5):
        for status in (S.RECEIVED, S.RETURNED):
            device = make_device(batch)
            # Interleaved waits: the oldest 25 of the step are not all of one status.
            when = start + datetime.timedelta(hours=2 * i + (status == S.RETURNED))
            Device.objects.filter(pk=device.pk).update(status=status, status_since=when)
            made.append((when, device.pk, device.asset_tag))
    html = tech_client.get(reverse("reconditioning:queue")).content.decode()
    expected = [tag for _, _, tag in sorted(made)[:QUEUE_LIMIT]]
    assert tags_in(html, 1) == expected


def test_the_queue_reads_its_rows_in_one_query_where_the_database_allows(tech_client, workshop):
    batch = make_batch(workshop)
    for status in (S.RECEIVED, S.DIAGNOSED, S.ERASED, S.OS_INSTALLED):
        Device.objects.filter(pk=make_device(batch).pk).update(status=status)
    with CaptureQueriesContext(connection) as ctx:
        r = tech_client.get(reverse("reconditioning:queue"))
    assert r.status_code == 200
    rows = [
        q["sql"] for q in ctx.captured_queries if 'FROM "inventory_device" INNER JOIN' in q["sql"]
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        assert len(rows) == 1 and rows[0].count("UNION ALL") == 5
    else:
        assert len(rows) == 6
