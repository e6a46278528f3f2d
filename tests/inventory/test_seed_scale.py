"""seed_scale builds a coherent data set through the bulk paths."""

import io

import pytest
from django.core.management import call_command

from beneficiaries.models import Allocation, Person
from inventory.models import MILESTONE_FIELDS, CollectionBatch, Device, DeviceEvent
from inventory.services import batches_recount
from reconditioning.lifecycle import replay

pytestmark = pytest.mark.django_db


def test_seed_scale_builds_every_state_with_its_history():
    out = io.StringIO()
    call_command("seed_scale", devices=1000, seed=3, stdout=out)
    assert Device.objects.count() == 1000
    statuses = set(Device.objects.values_list("status", flat=True))
    assert {"received", "ready", "allocated", "scrapped"} <= statuses
    assert Allocation.objects.count() == Device.objects.filter(status="allocated").count()
    assert Person.objects.count() == 100
    for device in Device.objects.order_by("?")[:25]:
        events = list(DeviceEvent.objects.filter(device=device).order_by("at", "id"))
        assert replay(events) == device.status
        # The stock report's milestone columns agree with the event log.
        for status, name in MILESTONE_FIELDS.items():
            firsts = [e.at for e in events if e.to_status == status]
            assert getattr(device, name) == (min(firsts) if firsts else None)
    assert "devices 1000" in out.getvalue()
    # Each batch's own count of its devices is right: the bulk path writes it too.
    assert batches_recount() == 0
    assert sum(CollectionBatch.objects.values_list("logged_count", flat=True)) == 1000
