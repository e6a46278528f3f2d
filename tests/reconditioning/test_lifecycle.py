"""The lifecycle graph and its guards: no step without its evidence, every step logged."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent
from reconditioning import lifecycle, services
from reconditioning.checklists import QA_CRITERIA, checks_for
from reconditioning.demo import take_step, walk_to
from reconditioning.enums import ErasureMethod, ErasureResult, NistLevel
from reconditioning.models import OperatingSystem
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db

TWO_DRIVES = [
    {"capacity_gb": 256, "kind": "ssd", "serial_number": "SSD1"},
    {"capacity_gb": 1000, "kind": "hdd", "serial_number": "HDD1"},
]


@pytest.fixture
def device(batch, technician):
    return make_device(batch, user=technician, ram_mb=8192, drives=TWO_DRIVES)


def diagnose(device, user):
    results = {k: "ok" for k, _l in checks_for(device.device_type)}
    return services.diagnosis_record(device=device, user=user, results=results)


def erase(device, user, drive, result=ErasureResult.PASSED, **kw):
    now = timezone.now()  # an erasure counts when dated inside the device's current cycle
    kw.setdefault("started_at", now)
    kw.setdefault("ended_at", now)
    return services.erasure_record(
        device=device,
        user=user,
        drive=drive,
        method=kw.pop("method", ErasureMethod.OVERWRITE),
        nist_level=kw.pop("nist_level", NistLevel.CLEAR),
        tool="nwipe",
        tool_version="0.34",
        result=result,
        **kw,
    )


def test_guard_messages_are_french_and_nothing_changes(device, technician):
    with pytest.raises(lifecycle.TransitionError) as exc:
        lifecycle.device_transition(device=device, to_status=S.DIAGNOSED, user=technician)
    assert "diagnostic" in exc.value.messages[0]
    with pytest.raises(lifecycle.TransitionError) as exc:
        lifecycle.device_transition(device=device, to_status=S.READY, user=technician)
    assert "ne peut pas passer" in exc.value.messages[0]
    device.refresh_from_db()
    assert device.status == S.RECEIVED and device.events.count() == 1


def test_erased_needs_every_drive_passed(device, technician):
    diagnose(device, technician)
    ssd, hdd = device.drives.order_by("id")
    erase(device, technician, ssd)
    erase(device, technician, hdd, result=ErasureResult.FAILED)
    device.refresh_from_db()
    assert device.status == S.DIAGNOSED
    with pytest.raises(lifecycle.TransitionError) as exc:
        lifecycle.device_transition(device=device, to_status=S.ERASED, user=technician)
    assert "1 To" in exc.value.messages[0] or "1000" in exc.value.messages[0]
    erase(device, technician, hdd)  # a second pass that worked
    device.refresh_from_db()
    assert device.status == S.ERASED  # moved by the last passing record


def test_physical_destruction_counts_as_erasure(device, technician):
    diagnose(device, technician)
    ssd, hdd = device.drives.order_by("id")
    erase(device, technician, ssd)
    erase(device, technician, hdd, method=ErasureMethod.DESTRUCTION, nist_level=NistLevel.DESTROY)
    device.refresh_from_db()
    assert device.status == S.ERASED


def test_nist_level_must_fit_the_method(device, technician):
    diagnose(device, technician)
    with pytest.raises(ValidationError):
        erase(device, technician, device.drives.first(), nist_level=NistLevel.PURGE)


def test_phone_without_drive_rows_needs_a_device_level_erasure(batch, technician):
    phone = make_device(batch, device_type="smartphone", manufacturer="Samsung", model="Galaxy A52")
    with pytest.raises(ValidationError):  # IMEI required for a phone
        services.diagnosis_record(
            device=phone, user=technician, results={k: "ok" for k, _l in checks_for("smartphone")}
        )
    services.diagnosis_record(
        device=phone,
        user=technician,
        imei="490154203237518",
        lock_status="unlocked",
        results={k: "ok" for k, _l in checks_for("smartphone")},
    )
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.device_transition(device=phone, to_status=S.ERASED, user=technician)
    services.erasure_record(
        device=phone,
        user=technician,
        method=ErasureMethod.CRYPTO_ERASE,
        nist_level=NistLevel.PURGE,
        tool="Réinitialisation constructeur",
        result=ErasureResult.PASSED,
        started_at=timezone.now(),
        ended_at=timezone.now(),
    )
    phone.refresh_from_db()
    assert phone.status == S.ERASED


def test_os_install_refuses_a_system_too_big_unless_reason(batch, technician):
    small = make_device(batch, ram_mb=1024, drives=[{"capacity_gb": 16, "kind": "emmc"}])
    walk_to(small, S.ERASED, technician)
    mint = OperatingSystem.objects.get(name="Linux Mint", version="22.2 Cinnamon")
    with pytest.raises(ValidationError) as exc:
        services.os_install_record(device=small, user=technician, system=mint)
    assert "1024" in exc.value.messages[0] and "raison" in exc.value.messages[0]
    services.os_install_record(
        device=small, user=technician, system=mint, override_reason="Demandé par la structure"
    )
    small.refresh_from_db()
    assert small.status == S.OS_INSTALLED


def test_ready_needs_passed_qa_and_grade(device, technician):
    walk_to(device, S.OS_INSTALLED, technician)
    results = {k: True for k, _l in QA_CRITERIA}
    with pytest.raises(ValidationError):
        services.quality_check_record(device=device, user=technician, results=results)
    failed = dict(results, no_previous_data=False)
    services.quality_check_record(device=device, user=technician, results=failed, grade="A")
    device.refresh_from_db()
    assert device.status == S.OS_INSTALLED and device.grade == ""
    services.quality_check_record(device=device, user=technician, results=results, grade="A")
    device.refresh_from_db()
    assert device.status == S.READY and device.grade == "A"


def test_scrapped_needs_reason_channel_weight(device, technician):
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.device_transition(device=device, to_status=S.SCRAPPED, user=technician)
    with pytest.raises(ValidationError):
        services.scrap_record(
            device=device,
            user=technician,
            reason="beyond_repair",
            channel="ecosystem",
            destination="",
            weight_kg=Decimal("2"),
        )
    services.scrap_record(
        device=device,
        user=technician,
        reason="beyond_repair",
        channel="ecosystem",
        destination="Déchèterie",
        weight_kg=Decimal("2.1"),
    )
    device.refresh_from_db()
    assert device.status == S.SCRAPPED
    assert lifecycle.TRANSITIONS[S.SCRAPPED] == ()


def test_order_steps_are_not_taken_from_the_workshop(device, technician):
    walk_to(device, S.READY, technician)
    with pytest.raises(lifecycle.TransitionError) as exc:
        lifecycle.device_transition(device=device, to_status=S.RESERVED, user=technician)
    assert "commande" in exc.value.messages[0]


def test_every_transition_writes_one_event_and_the_log_replays(device, technician):
    walk_to(device, S.READY, technician)
    events = list(device.events.order_by("at", "id"))
    assert [e.to_status for e in events] == [
        S.RECEIVED,
        S.DIAGNOSED,
        S.ERASED,
        S.OS_INSTALLED,
        S.READY,
    ]
    assert all(e.actor == technician for e in events)
    assert lifecycle.replay(events) == S.READY


def test_stale_page_gets_a_clear_message(device, technician):
    take_step(device, S.DIAGNOSED, technician)
    with pytest.raises(lifecycle.ConcurrentChangeError) as exc:
        services.diagnosis_record(
            device=device,
            user=technician,
            expected_status=S.RECEIVED,
            results={k: "ok" for k, _l in checks_for("laptop")},
        )
    assert "Quelqu'un" in exc.value.messages[0]
    assert device.diagnoses.count() == 1


def test_bulk_is_all_or_nothing_listing_the_faults(batch, technician):
    ready = [make_device(batch) for _ in range(3)]
    for d in ready:
        walk_to(d, S.DIAGNOSED, technician)
    for d in ready[:2]:
        for drive in d.drives.all():
            erase(d, technician, drive)
        # no drive rows: device-level record
        if not d.drives.exists():
            erase(d, technician, None)
    lagging = ready[2]
    Device.objects.filter(pk__in=[d.pk for d in ready[:2]]).update(status=S.DIAGNOSED)
    with pytest.raises(lifecycle.BulkTransitionError) as exc:
        lifecycle.devices_transition(devices=ready, to_status=S.ERASED, user=technician)
    assert [f.device.pk for f in exc.value.faults] == [lagging.pk]
    assert Device.objects.filter(status=S.ERASED).count() == 0
    erase(lagging, technician, None)
    lagging.refresh_from_db()
    assert lagging.status == S.ERASED


def test_returned_device_needs_fresh_evidence(device, technician):
    walk_to(device, S.READY, technician)
    # the quasi-don flow: reserved, allocated, returned
    for step in (S.RESERVED, S.ALLOCATED, S.RETURNED):
        lifecycle.device_transition(
            device=device, to_status=step, user=technician, allow_order_steps=True
        )
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.device_transition(device=device, to_status=S.DIAGNOSED, user=technician)
    take_step(device, S.DIAGNOSED, technician)
    assert lifecycle.erasure_missing(device)  # the first erasure was for the previous owner


def test_spare_parts_stock_and_harvest(device, batch, technician):
    from reconditioning.enums import PartMovementKind
    from reconditioning.models import SparePart

    ram = SparePart.objects.create(
        workshop=batch.workshop, name="Barrette DDR4 8 Go", category="RAM"
    )
    donor_device = make_device(batch)
    with pytest.raises(ValidationError):
        services.part_harvest(device=donor_device, part=ram, quantity=1, user=technician)
    take_step(donor_device, S.SCRAPPED, technician)
    services.part_harvest(device=donor_device, part=ram, quantity=1, user=technician)
    walk_to(device, S.ERASED, technician)
    with pytest.raises(ValidationError):
        services.repair_record(
            device=device, user=technician, description="RAM", minutes_spent=10, parts=[(ram, 2)]
        )
    services.repair_record(
        device=device,
        user=technician,
        description="Ajout de RAM",
        minutes_spent=10,
        parts=[(ram, 1)],
    )
    ram.refresh_from_db()
    device.refresh_from_db()
    assert ram.quantity == 0 and device.status == S.REPAIRED
    kinds = list(ram.movements.order_by("id").values_list("kind", "quantity"))
    assert kinds == [(PartMovementKind.HARVEST, 1), (PartMovementKind.USE, -1)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_two_technicians_at_once_on_postgresql(workshop, technician):
    from django.db import close_old_connections

    device = make_device(make_batch(workshop))
    results = {k: "ok" for k, _l in checks_for("laptop")}
    barrier = threading.Barrier(2)
    outcomes = []

    def act():
        try:
            barrier.wait()
            services.diagnosis_record(
                device=Device.objects.get(pk=device.pk),
                user=technician,
                results=results,
                expected_status=S.RECEIVED,
            )
            outcomes.append("ok")
        except lifecycle.ConcurrentChangeError as exc:
            outcomes.append(exc.messages[0])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=act) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    device.refresh_from_db()
    assert device.status == S.DIAGNOSED
    assert device.diagnoses.count() == 1
    events = list(DeviceEvent.objects.filter(device=device).order_by("at", "id"))
    assert [e.to_status for e in events] == [S.RECEIVED, S.DIAGNOSED]
    assert connection.vendor == "postgresql"
