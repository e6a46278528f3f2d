"""A batch keeps the number of devices logged into it, written by the services that log them
(issue 17: the batch list counted each row's devices, and sorted by that count it counted the
coordinator's million devices, 104 ms). Every way in keeps it exact, a refused or failed
intake leaves it as it was, and the lists read it without touching the devices."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from inventory.models import CollectionBatch, Device
from inventory.services import DeviceSpecs, batches_recount, devices_receive_many
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def logged(batch) -> int:
    return CollectionBatch.objects.get(pk=batch.pk).logged_count


def specs(serial: str) -> DeviceSpecs:
    return DeviceSpecs(
        device_type="laptop", manufacturer="Dell", model="Latitude 5490", serial_number=serial
    )


def test_every_way_in_keeps_the_count_exact(batch, technician, workshop):
    other = make_batch(workshop, user=technician)
    make_device(batch, user=technician)
    make_device(batch, user=technician)
    assert logged(batch) == 2 and logged(other) == 0
    devices_receive_many(
        batch=other, specs_list=[specs(f"MANY{i:03d}") for i in range(40)], user=technician
    )
    assert logged(other) == 40 and logged(batch) == 2
    for b in (batch, other):
        assert logged(b) == Device.objects.filter(batch=b).count()


def test_a_refused_intake_leaves_the_count_as_it_was(batch, technician):
    make_device(batch, user=technician, manufacturer="Dell", serial_number="TWICE")
    with pytest.raises(ValidationError):
        make_device(batch, user=technician, manufacturer="Dell", serial_number="TWICE")
    with pytest.raises(IntegrityError):  # the unique serial refuses the whole import
        devices_receive_many(
            batch=batch, specs_list=[specs("NEW1"), specs("TWICE")], user=technician
        )
    assert logged(batch) == 1 == Device.objects.filter(batch=batch).count()


def test_recount_repairs_a_count_written_around_the_services(batch, technician, workshop):
    make_device(batch, user=technician)
    CollectionBatch.objects.filter(pk=batch.pk).update(logged_count=7)  # e.g. a bulk seed
    empty = make_batch(workshop, user=technician)
    CollectionBatch.objects.filter(pk=empty.pk).update(logged_count=3)
    assert batches_recount() == 2
    assert logged(batch) == 1 and logged(empty) == 0


def test_the_batch_list_sorted_by_logged_reads_no_device(client, coordinator, workshop, technician):
    batches = []
    for i, n in enumerate((3, 0, 5, 1)):
        batch = make_batch(workshop, user=technician, collected_on=datetime.date(2026, 3, 1 + i))
        for _ in range(n):
            make_device(batch, user=technician)
        batches.append((n, batch.reference))
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/lots/?sort=-logged").content.decode()
    assert not [q for q in ctx.captured_queries if '"inventory_device"' in q["sql"]]
    table = body.split("<tbody>")[1].split("</tbody>")[0]
    order = sorted(batches, reverse=True)
    positions = [table.index(ref) for _n, ref in order]
    assert positions == sorted(positions)
    assert '<td class="num">5</td>' in table and '<td class="num">0</td>' in table


def test_the_migration_counts_the_batches_already_there(batch, technician, workshop):
    from importlib import import_module

    from django.apps import apps

    make_device(batch, user=technician)
    make_device(batch, user=technician)
    empty = make_batch(workshop, user=technician)
    CollectionBatch.objects.update(logged_count=9)
    import_module("inventory.migrations.0018_batch_logged_count").recount(apps, None)
    assert logged(batch) == 2 and logged(empty) == 0
