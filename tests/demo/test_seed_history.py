"""seed_demo builds a year of activity with coherent dates (issue 15, 'demo data that tells a
story'): several hundred devices in every status, six structures, people from ten communes,
trainings, 120 hand-overs, returns and scraps, through the services, so that the chain of
proof is complete and every page has something to show on first login."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Allocation, Order, OrderStep, Person, Structure, TrainingSession
from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent
from notices.models import Notice
from reconditioning.models import ErasureRecord, cycle_start_of
from reports.audit import chain_audit

pytestmark = pytest.mark.django_db


def test_the_demo_tells_a_year_long_story(client, django_capture_on_commit_callbacks):
    """One seeding (about 15 s of CPU) checked from every side: the suite seeds the whole
    year only here (tests/notices seeded it again to check the notices and the mail)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    check_the_demo_leaves_notices_but_mails_nobody()
    check_a_year_of_activity_in_every_status()
    check_dates_agree_with_each_other()
    check_the_chain_of_proof_is_complete()
    check_every_persona_has_something_on_first_login(client)
    check_seeding_twice_changes_nothing()


def check_the_demo_leaves_notices_but_mails_nobody():
    assert Notice.objects.filter(recipient__username="mediatrice").exists()
    assert mail.outbox == []


def check_a_year_of_activity_in_every_status():
    statuses = dict(Device.objects.values_list("status").annotate(n=Count("id")))
    assert sum(statuses.values()) >= 300
    for status in (S.RECEIVED, S.DIAGNOSED, S.ERASED, S.READY, S.RESERVED, S.ALLOCATED, S.SCRAPPED):
        assert statuses.get(status), status
    assert Structure.objects.count() >= 6
    assert Person.objects.count() >= 150
    assert Person.objects.values("commune").distinct().count() >= 10
    assert TrainingSession.objects.count() >= 12
    assert Allocation.objects.count() >= 120
    assert Allocation.objects.filter(returned_at__isnull=False).exists()
    first = DeviceEvent.objects.order_by("at").first().at
    assert (timezone.now() - first).days >= 330
    # Orders at every step a page shows: to decide, to prepare, ready to collect, handed over.
    kinds = set(Order.objects.values_list("status", flat=True))
    assert {"submitted", "approved", "ready", "handed_over"} <= kinds


def check_dates_agree_with_each_other():
    now = timezone.now()
    assert not DeviceEvent.objects.filter(at__gt=now).exists()
    # Each hand-over comes after its order's approval and after its device was made ready.
    approved = OrderStep.objects.filter(order=OuterRef("order_line__order"), kind="approved")
    ready = DeviceEvent.objects.filter(device=OuterRef("device"), to_status=S.READY)
    handovers = Allocation.objects.filter(order_line__isnull=False).annotate(
        approved_at=Subquery(approved.order_by("at").values("at")[:1]),
        ready_at=Subquery(ready.order_by("at").values("at")[:1]),
    )
    assert handovers.count() >= 120
    assert not handovers.filter(handed_over_at__lt=F("approved_at")).exists()
    assert not handovers.filter(handed_over_at__lt=F("ready_at")).exists()
    # Every erasure counts for the cycle of its device: after its reception or return.
    erasures = ErasureRecord.objects.annotate(cycle=cycle_start_of("device_id"))
    assert not erasures.filter(started_at__gt=now).exists()
    for erasure in erasures.filter(device__status=S.READY):
        assert erasure.ended_at <= erasure.recorded_at + timezone.timedelta(seconds=1)
    # People are referred before they are trained, and trained before they get a device.
    late = Allocation.objects.filter(
        person__isnull=False, handed_over_at__lt=F("person__created_at")
    )
    assert not late.exists()


def check_the_chain_of_proof_is_complete():
    audit = chain_audit()
    assert audit.ok, audit.breaks[:3]
    assert audit.checked >= 300


def check_every_persona_has_something_on_first_login(client):
    for username, section in [
        ("technicien", "today-technician"),
        ("responsable", "today-manager"),
        ("coordinatrice", "today-coordinator"),
        ("mediatrice", "today-mediation"),
        ("financeur", "today-funder"),
    ]:
        client.force_login(User.objects.get(username=username))
        body = client.get("/").content.decode()
        assert f'id="{section}"' in body, username


def check_seeding_twice_changes_nothing():
    devices = Device.objects.count()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "already there" in out.getvalue()
    assert Device.objects.count() == devices
