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


@pytest.mark.parametrize("sort", [None, "model", "-model"])
def test_previous_pages_are_the_same_pages_read_back(tech_client, batch, sort):
    """The list had only « Suivant »: going back meant starting again from the first page
    (persona walk). « Précédent » reads the same order backwards from the page's first row."""
    for i in range(120):
        make_device(batch, model=f"Model {i % 7}")
    url = reverse("inventory:device_list")
    base = {"sort": sort} if sort else {}
    forward, params = [], dict(base)
    while True:
        page = tech_client.get(url, params).context["page"]
        forward.append([d.pk for d in page.object_list])
        if not page.next_after:
            break
        params = base | {"after": page.next_after}
    assert len(forward) == 3 and len({pk for p in forward for pk in p}) == 120
    response = tech_client.get(url, base | {"after": forward[1][-1]})  # the third page
    page = response.context["page"]
    assert 'rel="prev"' in response.content.decode()
    back = []
    while page.prev_before:
        response = tech_client.get(url, base | {"before": page.prev_before})
        page = response.context["page"]
        back.append([d.pk for d in page.object_list])
    assert back == [forward[1], forward[0]]
    assert page.first and 'rel="prev"' not in response.content.decode()
    assert page.next_after == forward[0][-1]  # and forward again from there


def test_bad_before_cursor_is_the_first_page(tech_client, batch):
    make_device(batch)
    r = tech_client.get(reverse("inventory:device_list"), {"before": "abc"})
    assert r.status_code == 200 and r.context["page"].first
