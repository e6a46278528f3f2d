"""Orders that bend without breaking (issue 15): partial reservation, the queue of waiting
orders, changes until (and after) approval, cancelling with a reason, the workshop's picking,
dispatch and receipt."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection  # noqa: F401  (the skipif reads it)
from django.utils import timezone

from beneficiaries import allocations, orders
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import ExemptionReason, OrderEvent, OrderStep, Reservation
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.demo import take_step, walk_to
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def ready(workshop, technician, device_type="laptop", **kwargs):
    kwargs.setdefault("ram_mb", 8192)
    kwargs.setdefault("drives", [{"capacity_gb": 256, "kind": "ssd"}])
    device = make_device(make_batch(workshop), device_type=device_type, **kwargs)
    return walk_to(device, S.READY, technician)


def approved(structure, mediator, coordinator, workshop, lines):
    order = orders.order_create(structure=structure, user=mediator, lines=lines)
    orders.order_submit(order=order, user=mediator)
    return orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)


LAPTOP_AND_TWO_TABLETS = [
    {"device_type": "laptop", "quantity": 1},
    {"device_type": "tablet", "quantity": 2},
]


def progress(order):
    return [(str(r["line"]), r["served"], r["waiting"]) for r in orders.line_progress(order)]


def test_a_partial_order_reserves_what_exists_and_the_rest_as_devices_become_ready(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    """Issue 15: "1 laptop and 2 tablets with no tablet in stock reserves nothing"."""
    order = approved(structure, mediator, coordinator, workshop, LAPTOP_AND_TWO_TABLETS)
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RESERVED
    assert progress(order) == [("1 × Ordinateur portable", 1, 0), ("2 × Tablette", 0, 2)]
    # The workshop starts preparing: nothing refused, what is missing waits.
    assert orders.order_reserve(order=order, user=technician) == []
    tablet = ready(workshop, technician, "tablet")
    assert tablet.status == S.RESERVED
    assert Reservation.objects.get(device=tablet).line.device_type == "tablet"
    assert progress(order) == [("1 × Ordinateur portable", 1, 0), ("2 × Tablette", 1, 1)]
    with pytest.raises(ValidationError, match="encore attendu"):
        orders.order_mark_ready(order=order, user=technician)
    ready(workshop, technician, "tablet")
    orders.order_mark_ready(order=order, user=technician)
    order.refresh_from_db()
    assert order.status == O.READY
    assert OrderStep.objects.filter(order=order, kind="picked", actor=technician).exists()


def test_waiting_orders_are_served_by_priority_then_oldest_approval(
    structure, mediator, coordinator, workshop, technician
):
    first = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    second = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    third = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    with pytest.raises(PermissionDenied):
        orders.order_set_priority(order=third, user=mediator, priority=5)
    orders.order_set_priority(order=third, user=coordinator, priority=5)
    assert OrderStep.objects.filter(order=third, kind="priority", note="5").exists()
    a = ready(workshop, technician)
    b = ready(workshop, technician)
    assert Reservation.objects.get(device=a).line.order == third
    assert Reservation.objects.get(device=b).line.order == first
    assert not Reservation.objects.filter(line__order=second).exists()
    # A cancelled order's device goes to the next order waiting for one.
    orders.order_cancel(order=first, user=mediator, reason="Atelier reporté")
    assert Reservation.objects.get(device=b, released_at__isnull=True).line.order == second


def test_a_device_of_another_workshop_or_type_is_not_taken(
    structure, mediator, coordinator, workshop, technician, other_workshop, other_technician
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "tablet", "quantity": 1}]
    )
    laptop = ready(workshop, technician)
    elsewhere = ready(other_workshop, other_technician, "tablet")
    assert laptop.status == S.READY and elsewhere.status == S.READY
    assert progress(order) == [("1 × Tablette", 0, 1)]


def test_the_expected_date_comes_from_the_workshops_throughput(
    structure, mediator, coordinator, workshop, technician
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "tablet", "quantity": 2}]
    )
    assert orders.line_progress(order)[0]["expected"] is None  # no tablet made ready lately
    # Eight tablets made ready in the last eight weeks (reserved by another, earlier order):
    # one a week; this order waits for two.
    earlier = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "tablet", "quantity": 8}]
    )
    orders.order_set_priority(order=earlier, user=coordinator, priority=9)
    for _ in range(8):
        ready(workshop, technician, "tablet")
    row = orders.line_progress(order)[0]
    assert row["waiting"] == 2 and row["expected"] is not None

    assert row["expected"] == timezone.localdate() + datetime.timedelta(days=14)


def test_a_draft_or_submitted_order_changes_and_an_approved_one_goes_back_to_approval(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = orders.order_create(structure=structure, user=mediator, lines=LAPTOP_AND_TWO_TABLETS)
    orders.order_submit(order=order, user=mediator)
    orders.order_edit(order=order, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}])
    order.refresh_from_db()
    assert order.status == O.SUBMITTED
    assert OrderStep.objects.get(order=order, kind="edited").note.endswith(
        "→ 1 × Ordinateur portable"
    )
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop, note="OK")
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RESERVED
    # After approval: the change sends the order back; the laptop line is unchanged and keeps
    # its device, the tablet waits for the new decision.
    orders.order_edit(
        order=order,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1}, {"device_type": "tablet", "quantity": 1}],
    )
    order.refresh_from_db()
    assert order.status == O.SUBMITTED
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.RESERVED
    assert OrderStep.objects.filter(order=order, kind="sent_back", actor=mediator).count() == 1
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop, note="Revu")
    # Each decision is its own row: the first one stays.
    assert list(
        OrderStep.objects.filter(order=order, kind="approved").values_list("note", flat=True)
    ) == ["OK", "Revu"]
    assert list(OrderEvent.objects.filter(order=order).values_list("to_status", flat=True)) == [
        O.DRAFT,
        O.SUBMITTED,
        O.APPROVED,
        O.SUBMITTED,
        O.APPROVED,
    ]
    # Removing a line gives its device back.
    orders.order_edit(order=order, user=mediator, lines=[{"device_type": "tablet", "quantity": 1}])
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.READY
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    tablet = ready(workshop, technician, "tablet")
    orders.order_mark_ready(order=order, user=technician)
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        orders.order_edit(
            order=order, user=mediator, lines=[{"device_type": "tablet", "quantity": 2}]
        )
    assert [str(line) for line in order.lines.all()] == ["1 × Tablette"]
    assert Reservation.objects.get(released_at__isnull=True).device == tablet


def test_the_workshop_scans_a_device_in_or_swaps_one(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 2}]
    )
    proposed = Reservation.objects.get(line__order=order)
    assert proposed.device == ready_laptop
    other = ready(workshop, technician)  # reserved at once for the waiting line
    spare = ready(workshop, technician)
    assert spare.status == S.READY
    tablet = ready(workshop, technician, "tablet")
    with pytest.raises(ValidationError, match="ne convient pas"):
        orders.order_scan(order=order, user=technician, scanned=tablet.asset_tag, replaces=proposed)
    with pytest.raises(ValidationError, match="Aucun appareil"):
        orders.order_scan(order=order, user=technician, scanned="FL9999999", replaces=proposed)
    with pytest.raises(PermissionDenied):
        orders.order_scan(order=order, user=mediator, scanned=spare.asset_tag, replaces=proposed)
    swapped = orders.order_scan(
        order=order, user=technician, scanned=spare.asset_tag.lower(), replaces=proposed
    )
    assert swapped.device == spare
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.READY
    step = OrderStep.objects.get(order=order, kind="swapped")
    assert step.note == f"{ready_laptop.asset_tag} → {spare.asset_tag}" and step.actor == technician
    held = set(
        Reservation.objects.filter(released_at__isnull=True).values_list("device", flat=True)
    )
    assert held == {other.pk, spare.pk}


def test_dispatch_then_receipt_each_recorded_once(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    with pytest.raises(ValidationError):
        orders.order_dispatch(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)
    with pytest.raises(ValidationError, match="pas encore enregistré l.expédition"):
        orders.order_receive(order=order, user=mediator)
    with pytest.raises(PermissionDenied):
        orders.order_dispatch(order=order, user=mediator)
    orders.order_dispatch(order=order, user=technician, note="Tournée du jeudi")
    with pytest.raises(ValidationError):
        orders.order_dispatch(order=order, user=technician)
    with pytest.raises(PermissionDenied):
        orders.order_receive(order=order, user=technician)
    orders.order_receive(order=order, user=mediator)
    assert list(OrderStep.objects.filter(order=order).values_list("kind", "actor")) == [
        ("approved", coordinator.pk),
        ("picked", technician.pk),
        ("dispatched", technician.pk),
        ("received", mediator.pk),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks")
def test_devices_made_ready_at_once_never_over_serve_a_line(
    structure, mediator, coordinator, workshop, technician
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    almost = [
        walk_to(
            make_device(
                make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
            ),
            S.OS_INSTALLED,
            technician,
        )
        for _ in range(4)
    ]
    barrier = threading.Barrier(len(almost))

    def finish(device):
        try:
            barrier.wait()
            take_step(device, S.READY, technician)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=finish, args=(d,)) for d in almost]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Reservation.objects.filter(line__order=order, released_at__isnull=True).count() == 1
    assert Device.objects.filter(status=S.READY).count() == 3


def test_devices_handed_over_still_count_as_served(
    structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 2}]
    )
    second = ready(workshop, technician)
    orders.order_mark_ready(order=order, user=technician)
    own = ExemptionReason.objects.get(label__startswith="Équipement de la structure")
    for device in (ready_laptop, second):
        allocations.allocation_create(
            device=device, structure=structure, user=mediator, exemption=own, exemption_note="PC"
        )
    order.refresh_from_db()
    assert order.status == O.HANDED_OVER
    assert progress(order) == [("2 × Ordinateur portable", 2, 0)]
    # A device made ready now goes to no one: the line is served.
    assert ready(workshop, technician).status == S.READY


def test_line_progress_keeps_the_order_lines_were_written_in(
    structure, mediator, coordinator, workshop, ready_laptop
):
    """CI on PostgreSQL listed the tablets before the laptop: counting per line groups the rows,
    and Django drops a model's default ordering from a grouped query, so the order was the
    database's. The query that lists the lines must sort them itself."""
    from django.test.utils import CaptureQueriesContext

    order = approved(structure, mediator, coordinator, workshop, LAPTOP_AND_TWO_TABLETS)
    with CaptureQueriesContext(connection) as ctx:
        rows = orders.line_progress(order)
    assert [r["line"].pk for r in rows] == sorted(r["line"].pk for r in rows)
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    listing = [sql for sql in grouped if "orderline" in sql.split("FROM")[1].split()[0].lower()]
    assert listing, grouped
    assert all("ORDER BY" in sql for sql in listing), listing
