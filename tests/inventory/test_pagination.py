"""The device list pages by key: same cost on every page, no full COUNT(*)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_device

pytestmark = pytest.mark.django_db


def test_pages_follow_each_other_without_overlap(tech_client, batch):
    devices = [make_device(batch) for _ in range(120)]
    seen = []
    url = reverse("inventory:device_list")
    params = {}
    for _ in range(3):
        response = tech_client.get(url, params)
        page = response.context["page"]
        seen += [d.pk for d in page.object_list]
        if not page.next_after:
            break
        params = {"after": page.next_after}
    assert sorted(seen) == sorted(d.pk for d in devices)
    assert len(set(seen)) == 120


def test_no_unbounded_count(tech_client, batch):
    for _ in range(5):
        make_device(batch)
    with CaptureQueriesContext(connection) as ctx:
        body = tech_client.get(reverse("inventory:device_list"), {"after": "999999"}).content
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    assert "5 appareils" in body.decode()


def test_filtered_count_is_capped(tech_client, batch, monkeypatch):
    from inventory import views

    for _ in range(4):
        make_device(batch, device_type="tablet")
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    body = tech_client.get(
        reverse("inventory:device_list"), {"device_type": "tablet"}
    ).content.decode()
    assert "plus de 3 appareils" in body


def test_bad_cursor_is_the_first_page(tech_client, batch):
    make_device(batch)
    assert tech_client.get(reverse("inventory:device_list"), {"after": "abc"}).status_code == 200
