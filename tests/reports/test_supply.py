"""Supply against demand (issue 16): open order lines against ready stock and the pipeline,
the expected date of each open order from the last weeks' pace, the orders at risk first,
and the collection plan. Built on constructed histories."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from beneficiaries import orders
from inventory.enums import DeviceStatus as S
from inventory.models import DeviceEvent
from reconditioning.demo import walk_to
from reports.supply import supply_report
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure(db):
    return OrganisationFactory(name="Centre social Les Acacias", kind=OrganisationKind.MEDIATION)


def approved_order(structure, user, coordinator, workshop, quantity, device_type="laptop"):
    order = orders.order_create(
        structure=structure,
        user=user,
        lines=[{"device_type": device_type, "quantity": quantity}],
    )
    orders.order_submit(order=order, user=user)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    return order


def ready_laptops(batch, technician, n, weeks_ago=1):
    devices = [
        walk_to(
            make_device(batch, ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]),
            S.READY,
            technician,
        )
        for _ in range(n)
    ]
    DeviceEvent.objects.filter(device__in=devices, to_status=S.READY).update(
        at=timezone.now() - timedelta(weeks=weeks_ago)
    )
    return devices


def test_stock_pipeline_pace_and_the_orders_at_risk_first(
    client, workshop, technician, coordinator, structure
):
    med = member(structure, Role.STAFF)
    batch = make_batch(workshop)
    # 8 laptops made ready in the last weeks: a pace of 1 a week; 3 more still in the steps.
    ready_laptops(batch, technician, 8)
    for _ in range(3):
        make_device(batch)
    small = approved_order(structure, med, coordinator, workshop, 6)  # served from stock
    big = approved_order(structure, med, coordinator, workshop, 10)  # 2 left, then 8 short
    tablets = approved_order(structure, med, coordinator, workshop, 2, device_type="tablet")
    report = supply_report(coordinator)
    laptops = next(r for r in report.rows if r.device_type == "laptop")
    assert (laptops.wanted, laptops.ready, laptops.in_steps) == (8, 0, 3)
    assert laptops.per_week == 1.0 and laptops.weeks_to_serve == 8
    by_order = {f.order.pk: f for f in report.orders}
    assert by_order[small.pk].waiting == 0 and not by_order[small.pk].late
    assert by_order[big.pk].waiting == 8 and by_order[big.pk].late
    assert by_order[tablets.pk].expected is None and by_order[tablets.pk].late  # no pace
    # At risk first: the big order and the tablets come before the served one.
    assert [f.order.pk for f in report.orders][-1] == small.pk
    client.force_login(coordinator)
    page = client.get(reverse("beneficiaries:supply")).content.decode()
    assert big.reference in page.split('id="forecast"')[1].split(small.reference)[0]


def test_collection_plan_quiet_donors_volumes_and_scrap_rate(workshop, technician, coordinator):
    quiet = DonorFactory(workshop=workshop, name="Mairie endormie")
    old = make_batch(workshop, donor=quiet)
    old.collected_on = timezone.localdate() - timedelta(days=500)
    old.save()
    costly = DonorFactory(workshop=workshop, name="Société coûteuse")
    batch = make_batch(workshop, donor=costly)
    devices = [make_device(batch) for _ in range(4)]
    for device in devices[:3]:
        walk_to(device, S.SCRAPPED, technician)
    report = supply_report(coordinator)
    assert ("Mairie endormie", old.collected_on) in report.quiet_donors
    assert ("Société coûteuse", 4, 3, 75) in report.scrap
    assert dict(report.volumes)["Société coûteuse"][-1] == 4
    assert report.quarter_labels[-1].startswith("T")


def test_a_workshop_manager_sees_only_its_workshop_and_others_are_refused(
    client, workshop, technician, coordinator
):
    other = OrganisationFactory(name="Atelier Voisin", kind=OrganisationKind.WORKSHOP)
    ready_laptops(make_batch(other), member(other, Role.TECHNICIAN), 2)
    ready_laptops(make_batch(workshop), technician, 1)
    manager = member(workshop, Role.MANAGER)
    report = supply_report(manager)
    assert {r.workshop for r in report.rows} == {workshop.name}
    client.force_login(manager)
    assert client.get(reverse("beneficiaries:supply")).status_code == 200
    client.force_login(technician)
    assert client.get(reverse("beneficiaries:supply")).status_code == 403


def test_the_page_costs_the_same_queries_with_more_orders(
    client, django_assert_max_num_queries, workshop, technician, coordinator, structure
):
    med = member(structure, Role.STAFF)
    ready_laptops(make_batch(workshop), technician, 2)
    client.force_login(coordinator)
    counts = []
    for n in (1, 6):
        for _ in range(n):
            approved_order(structure, med, coordinator, workshop, 1)
        with django_assert_max_num_queries(200) as captured:
            assert client.get(reverse("beneficiaries:supply")).status_code == 200
        counts.append(len(captured))
    # line_progress reads each order shown (at most ORDERS_SHOWN): bounded, not constant.
    assert counts[1] - counts[0] <= 6 * 6, counts


def test_ready_devices_serve_only_the_lines_whose_memory_they_have(
    client, workshop, technician, coordinator, structure
):
    """Five ready laptops of 4 GB against an order of three laptops with 8 GB or more: the
    forecast said nothing was short, as if any laptop served any line (persona walk)."""
    med = member(structure, Role.STAFF)
    batch = make_batch(workshop)
    small = [
        walk_to(
            make_device(batch, ram_mb=4096, drives=[{"capacity_gb": 128, "kind": "ssd"}]),
            S.READY,
            technician,
        )
        for _ in range(5)
    ]
    order = orders.order_create(
        structure=structure,
        user=med,
        lines=[{"device_type": "laptop", "quantity": 3, "min_ram_mb": 8192}],
    )
    orders.order_submit(order=order, user=med)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    laptops = next(r for r in supply_report(coordinator).rows if r.device_type == "laptop")
    assert (laptops.wanted, laptops.ready, laptops.short) == (3, len(small), 3)
    assert laptops.ram_needs == [(8, 3, 0)]
    # A 16 GB laptop made ready serves the line (the hook reserves it for the order).
    walk_to(
        make_device(batch, ram_mb=16384, drives=[{"capacity_gb": 256, "kind": "ssd"}]),
        S.READY,
        technician,
    )
    laptops = next(r for r in supply_report(coordinator).rows if r.device_type == "laptop")
    assert laptops.wanted == 2 and laptops.short == 2
    client.force_login(coordinator)
    page = client.get(reverse("beneficiaries:supply")).content.decode()
    assert "2 avec 8 Go ou plus : 0 prêts les ont" in page


def test_the_strictest_minimum_is_served_first():
    """A 16 GB laptop serves the 16 GB line, the 8 GB one the line without minimum: nothing
    short, whatever order the lines come in."""
    from reports.supply import SupplyRow

    row = SupplyRow("A", "laptop", "Portable", wanted=2)
    row.wanted_by_ram = {0: 1, 16384: 1}
    row.ready_by_ram = {8192: 1, 16384: 1}
    row.ready = 2
    assert row.short == 0
    row.ready_by_ram = {None: 1, 16384: 1}  # memory unknown: serves only the line without
    assert row.short == 0
    row.ready_by_ram = {None: 2}
    assert row.short == 1
