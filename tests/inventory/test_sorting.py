"""Sortable lists (issue 14): a header sorts its column, a second click reverses it, the other
filters stay, an unknown value is the default order; the work queue waits longest first."""

import datetime
import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent
from notices.context_processors import unread_changed
from reconditioning.demo import walk_to
from tests.factories import DonorFactory, LocationFactory, make_batch, make_device

pytestmark = pytest.mark.django_db

DEVICES = reverse("inventory:device_list")


def order_in(body: str, names) -> list:
    """`names` in the order a reader meets them in the page's tables, in their text only: a
    random CSRF token or CSP nonce elsewhere may hold a short name ("A9") too."""
    start, end = body.find("<tbody"), body.rfind("</tbody>")
    rows = body[start:end] if 0 <= start < end else body
    text = re.sub(r"<[^>]*>", " ", rows)
    return sorted(names, key=lambda name: text.index(name))


def header(body: str, label: str) -> str:
    """The <th> whose text starts with `label`."""
    return re.search(rf"<th[^>]*>(?:<a[^>]*>)?{re.escape(label)}.*?</th>", body).group(0)


@pytest.fixture
def three(batch):
    # Created in this order: the default order (newest first) is C, B, A by creation.
    return [
        make_device(batch, serial_number="SER-B", manufacturer="Dell", model="Latitude"),
        make_device(batch, serial_number="SER-A", manufacturer="HP", model="EliteBook"),
        make_device(batch, serial_number="SER-C", manufacturer="Acer", model="TravelMate"),
    ]


def test_device_list_sorts_by_a_header_then_reverses(tech_client, three):
    body = tech_client.get(DEVICES, {"sort": "serial"}).content.decode()
    assert order_in(body, ["SER-A", "SER-B", "SER-C"]) == ["SER-A", "SER-B", "SER-C"]
    th = header(body, "Numéro de série")
    assert 'aria-sort="ascending"' in th and "▲" in th
    assert "sort=-serial" in th  # clicking again sorts descending
    body = tech_client.get(DEVICES, {"sort": "-serial"}).content.decode()
    assert order_in(body, ["SER-A", "SER-B", "SER-C"]) == ["SER-C", "SER-B", "SER-A"]
    th = header(body, "Numéro de série")
    assert 'aria-sort="descending"' in th and "▼" in th and "sort=serial" in th
    # Another column: by manufacturer and model.
    body = tech_client.get(DEVICES, {"sort": "model"}).content.decode()
    models = ["Acer TravelMate", "Dell Latitude", "HP EliteBook"]
    assert order_in(body, models) == models
    assert "aria-sort" not in header(body, "Numéro de série")


@pytest.mark.parametrize(
    "value",
    ["bogus", "-", "--serial", "serial_number", "batch__donor__name", "pk);DROP TABLE x;--", ""],
)
def test_unknown_sort_is_the_default_order(tech_client, three, value):
    response = tech_client.get(DEVICES, {"sort": value})
    assert response.status_code == 200
    body = response.content.decode()
    newest_first = [d.asset_tag for d in reversed(three)]
    assert order_in(body, newest_first) == newest_first


def test_header_links_keep_the_filters_and_pager_keeps_the_sort(tech_client, batch, three):
    make_device(batch, serial_number="TAB-1", device_type="tablet")
    body = tech_client.get(DEVICES, {"device_type": "laptop", "sort": "serial"}).content.decode()
    assert "TAB-1" not in body
    th = header(body, "Statut")
    assert "device_type=laptop" in th and "sort=status" in th
    assert "page=" not in th and "after=" not in th
    # The export links and the filter form carry the order too.
    assert "sort=serial&amp;export=csv" in body
    assert '<input type="hidden" name="sort" value="serial">' in body


def test_sorted_pages_follow_each_other_without_overlap(tech_client, batch):
    # Equal values across a page boundary: the primary key breaks the tie.
    devices = [make_device(batch, model=f"M{i % 3}") for i in range(120)]
    seen, params = [], {"sort": "-model"}
    for _ in range(4):
        page = tech_client.get(DEVICES, params).context["page"]
        seen += [(d.model, d.pk) for d in page.object_list]
        if not page.next_after:
            break
        params = {"sort": "-model", "after": page.next_after}
    assert len(seen) == 120 and len(set(seen)) == 120
    assert seen == sorted(((d.model, d.pk) for d in devices), reverse=True)


def test_device_list_query_count_does_not_grow_with_rows(
    tech_client, batch, technician, django_assert_max_num_queries
):
    location = LocationFactory(workshop=batch.workshop)
    disk = [{"capacity_gb": 256, "kind": "ssd"}]
    for _ in range(3):
        make_device(batch, drives=disk)
    Device.objects.update(location=location)
    unread_changed([technician.pk])  # the header's count, asked on both pages alike
    with django_assert_max_num_queries(30) as ctx:
        tech_client.get(DEVICES, {"sort": "location"})
    n = len(ctx.captured_queries)
    for _ in range(27):
        make_device(batch, drives=disk)
    Device.objects.update(location=location)
    unread_changed([technician.pk])
    with django_assert_max_num_queries(n) as ctx:
        body = tech_client.get(DEVICES, {"sort": "location"}).content.decode()
    assert len(ctx.captured_queries) == n
    assert "30 appareils" in body


def test_batch_detail_devices_sort(tech_client, batch, three):
    body = tech_client.get(batch.get_absolute_url(), {"sort": "-serial"}).content.decode()
    assert order_in(body, ["SER-A", "SER-B", "SER-C"]) == ["SER-C", "SER-B", "SER-A"]


def test_batch_list_sorts_and_keeps_its_default(tech_client, workshop, technician):
    old = make_batch(workshop, user=technician, collected_on=datetime.date(2026, 1, 5))
    new = make_batch(workshop, user=technician, collected_on=datetime.date(2026, 6, 5))
    url = reverse("inventory:batch_list")
    refs = [old.reference, new.reference]
    body = tech_client.get(url).content.decode()
    assert order_in(body, refs) == [new.reference, old.reference]
    assert 'aria-sort="descending"' in header(body, "Date de collecte")
    body = tech_client.get(url, {"sort": "collected_on"}).content.decode()
    assert order_in(body, refs) == [old.reference, new.reference]
    assert tech_client.get(url, {"sort": "donor__siret"}).status_code == 200


def test_donor_and_location_lists_sort(tech_client, workshop):
    DonorFactory(workshop=workshop, name="Zeta SA")
    DonorFactory(workshop=workshop, name="alpha SARL")  # case does not decide the order
    url = reverse("inventory:donor_list")
    body = tech_client.get(url).content.decode()
    assert order_in(body, ["Zeta SA", "alpha SARL"]) == ["alpha SARL", "Zeta SA"]
    body = tech_client.get(url, {"sort": "-name"}).content.decode()
    assert order_in(body, ["Zeta SA", "alpha SARL"]) == ["Zeta SA", "alpha SARL"]
    LocationFactory(workshop=workshop, zone="Réserve", shelf="R1")
    LocationFactory(workshop=workshop, zone="Atelier", shelf="A9")
    url = reverse("inventory:location_list")
    body = tech_client.get(url, {"sort": "-shelf"}).content.decode()
    assert order_in(body, ["R1", "A9"]) == ["R1", "A9"]
    body = tech_client.get(url, {"sort": "shelf"}).content.decode()
    assert order_in(body, ["R1", "A9"]) == ["A9", "R1"]


# The work queue

QUEUE = reverse("reconditioning:queue")


def entered(device, ago: timedelta) -> None:
    """The device entered its current status `ago` before now."""
    DeviceEvent.objects.filter(device=device, to_status=device.status).update(
        at=timezone.now() - ago
    )
    # The lifecycle keeps the same moment on the device.
    Device.objects.filter(pk=device.pk).update(status_since=timezone.now() - ago)


def test_queue_waits_longest_first_and_shows_the_wait(tech_client, batch, technician):
    recent = make_device(batch, serial_number="Q-RECENT")
    oldest = make_device(batch, serial_number="Q-OLDEST")
    middle = make_device(batch, serial_number="Q-MIDDLE")
    entered(recent, timedelta(minutes=12))
    entered(oldest, timedelta(days=3, hours=2))
    entered(middle, timedelta(hours=5, minutes=20))
    body = tech_client.get(QUEUE).content.decode()
    tags = [oldest.asset_tag, middle.asset_tag, recent.asset_tag]
    assert order_in(body, tags) == tags
    rows = {
        d.asset_tag: body.split(d.asset_tag, 1)[1].split("</tr>")[0]
        for d in (recent, oldest, middle)
    }
    assert "3 jours" in rows[oldest.asset_tag]
    assert "5 h" in rows[middle.asset_tag]
    assert "12 min" in rows[recent.asset_tag]
    assert 'aria-sort="descending"' in header(body, "En attente depuis")
    # Reversed: the latest arrival first.
    body = tech_client.get(QUEUE, {"sort": "waiting"}).content.decode()
    assert order_in(body, tags) == list(reversed(tags))
    assert tech_client.get(QUEUE, {"sort": "entered_at"}).status_code == 200


def test_queue_wait_counts_from_the_current_step(tech_client, batch, technician):
    device = make_device(batch)
    DeviceEvent.objects.filter(device=device).update(at=F("at") - timedelta(days=10))
    walk_to(device, S.DIAGNOSED, technician)  # entered "diagnosed" just now
    body = tech_client.get(QUEUE).content.decode()
    row = body.split(device.asset_tag, 1)[1].split("</tr>")[0]
    assert "10 jours" not in row and "0 min" in row


def test_queue_keeps_its_filters_in_the_headers(tech_client, batch):
    make_device(batch)
    body = tech_client.get(QUEUE, {"device_type": "laptop"}).content.decode()
    assert "device_type=laptop" in header(body, "Type")


def test_queue_query_count_does_not_grow_with_rows(
    tech_client, batch, technician, django_assert_max_num_queries
):
    for i in range(3):
        walk_to(make_device(batch), S.DIAGNOSED if i % 2 else S.RECEIVED, technician)
    unread_changed([technician.pk])  # the header's count, asked on both pages alike
    with django_assert_max_num_queries(30) as ctx:
        tech_client.get(QUEUE)
    n = len(ctx.captured_queries)
    for i in range(27):
        walk_to(make_device(batch), S.DIAGNOSED if i % 2 else S.RECEIVED, technician)
    unread_changed([technician.pk])
    with django_assert_max_num_queries(n) as ctx:
        body = tech_client.get(QUEUE).content.decode()
    assert len(ctx.captured_queries) == n
    assert body.count('<td class="waited">') == 30
