"""The moment a device entered its current status is kept on the device by the lifecycle
(issue 17: the queue and the technician's home sorted by a subquery on the events per
device): it follows every transition, the queue reads it without touching the event log."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent
from reconditioning.demo import take_step
from tests.factories import make_device


def _last_event_at(device):
    return DeviceEvent.objects.filter(device=device).order_by("-at", "-id").first().at


def test_status_since_follows_each_transition(batch, technician):
    device = make_device(batch)
    device.refresh_from_db()
    # Reception: the device row and its first event are written a moment apart.
    assert abs((device.status_since - _last_event_at(device)).total_seconds()) < 1
    for status in (S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY):
        take_step(device, status, technician)
        device.refresh_from_db()
        assert device.status == status
        assert device.status_since == _last_event_at(device)


def test_the_queue_reads_no_event_to_sort(tech_client, batch):
    for _ in range(3):
        make_device(batch)
    with CaptureQueriesContext(connection) as queries:
        body = tech_client.get(reverse("reconditioning:queue")).content.decode()
    assert "FL0000001" in body
    # A UNION ALL of the per-status scans (PostgreSQL) opens with its first branch's "(".
    device_queries = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip("(").startswith('SELECT "inventory_device"."id"')
    ]
    assert device_queries
    assert not [sql for sql in device_queries if "inventory_deviceevent" in sql]


def test_the_technicians_home_reads_no_event_to_sort(tech_client, batch):
    make_device(batch)
    with CaptureQueriesContext(connection) as queries:
        tech_client.get("/")
    listing = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip("(").startswith('SELECT "inventory_device"."id"')
        and "ORDER BY" in q["sql"]
    ]
    assert listing
    assert not [sql for sql in listing if "inventory_deviceevent" in sql]
    assert Device.objects.filter(status_since__isnull=True).count() == 0
