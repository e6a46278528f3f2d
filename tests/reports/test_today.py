"""The "Today" page (reports.today): each role sees its sections, with the right figures and
links, only its own organisation's rows, plain-French empty states, and a query count that
does not grow with the number of devices."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from beneficiaries import orders, services
from beneficiaries.models import EligibilityCriterion, TrainingProgramme
from inventory.enums import DeviceStatus as S
from inventory.models import Device, DeviceEvent
from notices.context_processors import unread_changed
from reconditioning.demo import walk_to
from reports.audit import chain_audit_mail
from reports.today import this_quarter
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db

HOME = "/"


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    # Durations ("1 semaine, 3 jours") keep their words together with no-break spaces.
    return response.content.decode().replace("\xa0", " ")


def section(body: str, section_id: str) -> str:
    match = re.search(rf'<section class="today" id="{section_id}">(.*?)</section>', body, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def age(device_or_qs, days: float) -> None:
    """Move a device's events (its last change of status) `days` back."""
    at = timezone.now() - datetime.timedelta(days=days)
    DeviceEvent.objects.filter(device=device_or_qs).update(at=at)
    # The lifecycle keeps the same moment on the device.
    devices = device_or_qs if hasattr(device_or_qs, "update") else [device_or_qs]
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(status_since=at)


def ready_device(workshop, technician, **kwargs):
    device = make_device(
        make_batch(workshop),
        ram_mb=8192,
        drives=[{"capacity_gb": 256, "kind": "ssd"}],
        **kwargs,
    )
    return walk_to(device, S.READY, technician)


@pytest.fixture
def structure(db):
    return OrganisationFactory(name="Centre social Les Acacias", kind=OrganisationKind.MEDIATION)


@pytest.fixture
def other_structure(db):
    return OrganisationFactory(name="Médiathèque Voisine", kind=OrganisationKind.MEDIATION)


@pytest.fixture
def mediator(structure):
    return member(structure, Role.STAFF, username="med")


@pytest.fixture
def other_mediator(other_structure):
    return member(other_structure, Role.STAFF, username="med-other")


@pytest.fixture
def manager(workshop):
    return member(workshop, Role.MANAGER, username="chef")


def person(structure, user, last_name):
    return services.person_create(
        structure=structure,
        user=user,
        first_name="Awa",
        last_name=last_name,
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="26-44",
        situation="job_seeker",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )


def order(structure, user, quantity=1, device_type="laptop"):
    o = orders.order_create(
        structure=structure, user=user, lines=[{"device_type": device_type, "quantity": quantity}]
    )
    orders.order_submit(order=o, user=user)
    return o


def approve(o, coordinator, workshop):
    return orders.order_decide(order=o, user=coordinator, approve=True, workshop=workshop)


# Technician


def test_technician_sees_the_oldest_waiting_devices_of_each_step_and_their_own_actions(
    client, workshop, other_workshop, technician, other_technician
):
    batch = make_batch(workshop, user=technician)
    received = [make_device(batch, user=technician) for _ in range(9)]
    for i, device in enumerate(received):
        age(device, 10 - i)  # the first one has waited longest
    diagnosed = walk_to(make_device(batch, user=technician), S.DIAGNOSED, technician)
    theirs = make_device(make_batch(other_workshop), user=other_technician)

    body = section(page(client, technician), "today-technician")
    step = body.split('id="step-1"')[1].split('id="step-2"')[0]
    shown = re.findall(r">(\w+-\d+|\w+)</a> Lenovo", step)
    assert [d.asset_tag for d in received[:5]] == shown  # oldest first, five of nine
    assert "attend depuis 1 semaine, 3 jours" in step  # the first: 10 days
    assert "et 4 autres" in step
    assert f'href="{reverse("reconditioning:queue")}?status=received"' in step
    assert diagnosed.asset_tag in body.split('id="step-2"')[1].split('id="step-3"')[0]
    assert "Rien en attente" in body.split('id="step-3"')[1]  # nobody erased yet
    assert theirs.asset_tag not in body
    # Their own last actions: the diagnosis they just recorded comes first.
    actions = body.split('id="my-actions"')[1]
    assert actions.index(diagnosed.asset_tag) < actions.index(received[-1].asset_tag)
    assert diagnosed.get_absolute_url() in actions
    assert actions.count("<li>") == 10  # of their 11 actions
    assert received[0].asset_tag not in actions  # the oldest reception


def test_technician_with_nothing_waiting(client, technician):
    body = section(page(client, technician), "today-technician")
    assert body.count("Rien en attente") == 6
    assert "Vous n'avez encore rien enregistré." in body


# Workshop manager


def test_manager_sees_orders_to_prepare_what_is_short_and_the_week_lead_time(
    client,
    workshop,
    other_workshop,
    technician,
    manager,
    structure,
    mediator,
    coordinator,
):
    first = approve(order(structure, mediator, quantity=3), coordinator, workshop)
    second = approve(order(structure, mediator, quantity=2), coordinator, workshop)
    elsewhere = approve(order(structure, mediator, quantity=1), coordinator, other_workshop)
    order(structure, mediator, quantity=4)  # submitted, not yet for the workshop
    ready = [ready_device(workshop, technician) for _ in range(4)]
    Device.objects.filter(pk__in=[d.pk for d in ready]).update(
        received_at=timezone.now() - datetime.timedelta(days=3)
    )

    body = page(client, manager)
    assert "today-technician" not in body  # a manager, not a technician
    today = section(body, "today-manager")
    rows = today.split('id="orders-to-prepare"')[1]
    assert rows.index(first.reference) < rows.index(second.reference)
    assert elsewhere.reference not in today
    # The oldest order holds 3 of the 4 ready laptops (reserved as they became ready); the
    # next one holds the fourth and is one short.
    first_row = rows.split(first.reference)[1].split("</tr>")[0]
    second_row = rows.split(second.reference)[1].split("</tr>")[0]
    assert "3 prêts pour 3 demandés" in first_row and "manque" not in first_row
    assert "1 prêts pour 2 demandés" in second_row or "1 prêt pour 2 demandés" in second_row
    assert "manque 1" in second_row
    assert first.get_absolute_url() in rows
    week = today.split('id="week-lead-time"')[1]
    assert "médiane 3,0 jours" in week and "4 appareils" in week
    assert reverse("inventory:stock_report") in week


def test_manager_with_nothing_to_prepare(client, manager):
    today = section(page(client, manager), "today-manager")
    assert "Rien en attente" in today
    assert "Aucun appareil n'est devenu prêt depuis lundi." in today


# Coordinator


def test_coordinator_sees_orders_to_decide_stock_against_demand_and_chain_breaks(
    client, workshop, technician, structure, mediator, coordinator
):
    old = order(structure, mediator, quantity=3)
    new = order(structure, mediator, quantity=1, device_type="tablet")
    type(old).objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=9)
    )
    ready_device(workshop, technician)
    broken = make_device(make_batch(workshop))
    Device.objects.filter(pk=broken.pk).update(status=S.READY)  # ready with no proof at all

    body = page(client, coordinator)
    today = section(body, "today-coordinator")
    decide = today.split('id="orders-to-decide"')[1].split("</table>")[0]
    assert decide.index(old.reference) < decide.index(new.reference)
    assert "1 semaine, 2 jours" in decide
    stock = today.split('id="stock-vs-demand"')[1].split("</table>")[0]
    laptop = stock.split("Ordinateur portable")[1].split("</tr>")[0]
    assert re.findall(r'class="num">(?:<a [^>]*>)?(?:<strong>)?(\d+)', laptop) == ["2", "3", "1"]
    assert "status=ready&amp;device_type=laptop" in laptop
    tablet = stock.split("Tablette")[1].split("</tr>")[0]
    assert re.findall(r'class="num">(?:<a [^>]*>)?(?:<strong>)?(\d+)', tablet) == ["0", "1", "1"]
    chain = today.split('id="chain-breaks"')[1]
    assert "1 appareil sur 2 a une chaîne de preuve rompue" in chain
    assert reverse("reconditioning:chain_audit") in chain


def test_a_large_base_is_not_audited_in_the_home_page(
    client, workshop, technician, coordinator, monkeypatch
):
    """Before the first nightly audit, auditing a million devices in the request hung the
    coordinator's home for minutes: past a small base it says the audit has not run yet."""
    from reports import audit as audit_module
    from reports import today as today_module

    monkeypatch.setattr(audit_module, "AUDIT_IN_REQUEST_MAX", 1)
    ready_device(workshop, technician)
    ready_device(workshop, technician)
    monkeypatch.setattr(
        today_module, "chain_audit", lambda *a, **k: pytest.fail("audited in the request")
    )
    chain = section(page(client, coordinator), "today-coordinator").split('id="chain-breaks"')[1]
    assert "n'a pas encore tourné sur cette base" in unescape(chain)
    assert reverse("reconditioning:chain_audit") in chain


def test_coordinator_with_nothing_waiting(client, coordinator):
    today = section(page(client, coordinator), "today-coordinator")
    assert "Rien en attente" in today
    assert "Aucun appareil prêt et aucune commande en cours." in today
    assert "Chaîne de preuve complète pour 0 appareil." in today


# Mediation staff


def test_mediation_sees_its_orders_to_collect_and_people_waiting(
    client,
    workshop,
    technician,
    structure,
    other_structure,
    mediator,
    other_mediator,
    coordinator,
):
    ready_device(workshop, technician)
    to_collect = approve(order(structure, mediator), coordinator, workshop)
    orders.order_reserve(order=to_collect, user=technician)
    orders.order_mark_ready(order=to_collect, user=technician)
    ready_device(workshop, technician)
    theirs = approve(order(other_structure, other_mediator), coordinator, workshop)
    orders.order_reserve(order=theirs, user=technician)
    orders.order_mark_ready(order=theirs, user=technician)

    programme = TrainingProgramme.objects.get(title="Premiers pas avec son équipement")
    session = services.session_create(
        structure=structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        starts_at=datetime.datetime(2026, 12, 10, 14, tzinfo=datetime.UTC),
        place="Salle 2",
        trainer="Lina",
        capacity=8,
    )
    enrolled = person(structure, mediator, "Enrôlée")
    services.enrol(session=session, person=enrolled, user=mediator)
    trained = person(structure, mediator, "Formée")
    past = services.session_create(
        structure=structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        starts_at=datetime.datetime(2026, 11, 10, 14, tzinfo=datetime.UTC),
        place="Salle 2",
        trainer="Lina",
        capacity=8,
    )
    services.enrol(session=past, person=trained, user=mediator)
    services.attendance_record(session=past, present={trained.pk}, user=mediator)
    person(structure, mediator, "Sansformation")  # neither enrolled nor trained
    neighbour = person(other_structure, other_mediator, "Voisine")
    services.enrol(
        session=services.session_create(
            structure=other_structure,
            user=other_mediator,
            programme=programme,
            modules=programme.modules.all(),
            starts_at=datetime.datetime(2026, 12, 11, 14, tzinfo=datetime.UTC),
            place="Salle 1",
            trainer="Max",
            capacity=8,
        ),
        person=neighbour,
        user=other_mediator,
    )

    today = section(page(client, mediator), "today-mediation")
    collect = today.split('id="orders-to-collect"')[1].split("</ul>")[0]
    assert to_collect.reference in collect and to_collect.get_absolute_url() in collect
    assert theirs.reference not in today
    training = today.split('id="waiting-training"')[1].split("</ul>")[0]
    assert "Awa Enrôlée" in training and "10 décembre 2026" in training
    assert enrolled.get_absolute_url() in training
    device = today.split('id="waiting-device"')[1].split("</ul>")[0]
    assert "Awa Formée" in device and "10 novembre 2026" in device
    assert "Sansformation" not in today and "Voisine" not in today


def test_mediation_with_nothing_waiting(client, mediator):
    today = section(page(client, mediator), "today-mediation")
    assert today.count("Rien en attente") == 3


# Funder


def test_funder_sees_this_quarters_key_figures_masked_and_a_link_to_the_report(client):
    funder = member(OrganisationFactory(name="CAF", kind=OrganisationKind.FUNDER), Role.READER)
    body = page(client, funder)
    today = section(body, "today-funder")
    quarter = this_quarter()
    assert str(quarter) in today
    figures = today.split('id="quarter-figures"')[1].split("</div>\n</div>")[0]
    assert figures.count("<strong>—</strong>") >= 3  # below five, zero included
    url = reverse("beneficiaries:funder_report") + f"?year={quarter.year}&amp;part=Q{quarter.index}"
    assert url in today
    assert client.get(url.replace("&amp;", "&")).status_code == 200
    for other in ("today-technician", "today-coordinator", "today-mediation", "today-donor"):
        assert other not in body


# Donor


def test_donor_sees_its_batches_progress(client, workshop, technician):
    donor_org = OrganisationFactory(name="Société Générale", kind=OrganisationKind.DONOR)
    donor_user = member(donor_org, Role.READER)
    mine = make_batch(workshop, donor=DonorFactory(workshop=workshop, organisation=donor_org))
    make_device(mine)
    walk_to(make_device(mine), S.DIAGNOSED, technician)
    walk_to(
        make_device(mine, ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]),
        S.READY,
        technician,
    )
    walk_to(make_device(mine), S.SCRAPPED, technician)
    theirs = make_batch(workshop, donor=DonorFactory(workshop=workshop, name="Autre SA"))
    make_device(theirs)

    today = section(page(client, donor_user), "today-donor")
    row = today.split(mine.reference)[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)', row) == ["4", "2", "1", "1"]
    assert mine.get_absolute_url() in today
    assert theirs.reference not in today


def test_donor_without_batches(client):
    donor_user = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER)
    assert "Aucun lot pour l'instant." in section(page(client, donor_user), "today-donor")


# Several memberships, and isolation


def test_one_user_with_several_memberships_sees_each_section(client, workshop, structure):
    both = member(workshop, Role.TECHNICIAN, username="both")
    both.memberships.create(organisation=structure, role=Role.STAFF)
    body = page(client, both)
    assert 'id="today-technician"' in body and 'id="today-mediation"' in body
    assert 'id="today-manager"' not in body and 'id="today-coordinator"' not in body


def test_a_user_of_a_never_sees_bs_orders_or_devices(
    client, workshop, other_workshop, technician, other_technician, coordinator
):
    structure_a = OrganisationFactory(name="Structure A", kind=OrganisationKind.MEDIATION)
    structure_b = OrganisationFactory(name="Structure B", kind=OrganisationKind.MEDIATION)
    staff_a = member(structure_a, Role.STAFF)
    staff_b = member(structure_b, Role.STAFF)
    manager_a = member(workshop, Role.MANAGER)
    order_b = approve(order(structure_b, staff_b), coordinator, other_workshop)
    device_b = make_device(make_batch(other_workshop), user=other_technician)
    for user in (technician, manager_a, staff_a):
        body = page(client, user)
        assert order_b.reference not in body and device_b.asset_tag not in body
        assert "Structure B" not in body and "Atelier Gennevilliers" not in body


# Query counts


def _world(workshop, technician, n):
    batch = make_batch(workshop, user=technician)
    for _ in range(n):
        make_device(batch, user=technician)


@pytest.mark.parametrize("persona", ["technician", "manager", "mediator", "donor", "coordinator"])
def test_query_count_is_pinned_and_does_not_grow_with_devices(
    client, django_assert_max_num_queries, workshop, technician, structure, persona
):
    users = {
        "technician": technician,
        "manager": member(workshop, Role.MANAGER),
        "mediator": member(structure, Role.STAFF),
        "coordinator": member(
            OrganisationFactory(kind=OrganisationKind.COORDINATION), Role.COORDINATOR
        ),
    }
    donor_org = OrganisationFactory(kind=OrganisationKind.DONOR)
    users["donor"] = member(donor_org, Role.READER)
    donor = DonorFactory(workshop=workshop, organisation=donor_org)
    user = users[persona]
    client.force_login(user)
    counts = []
    for n in (3, 27):  # 3 devices, then 30
        batch = make_batch(workshop, donor=donor, user=technician)
        for _ in range(n):
            make_device(batch, user=technician)
        unread_changed([user.pk])  # the header's count, asked again on both pages alike
        with django_assert_max_num_queries(40) as captured:
            assert client.get(HOME).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def _ready_without_proof(workshop, n):
    batch = make_batch(workshop)
    devices = [make_device(batch) for _ in range(n)]
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(status=S.READY)


def test_coordinator_reads_the_last_nightly_audit_in_constant_queries(
    client, django_assert_max_num_queries, workshop, coordinator
):
    client.force_login(coordinator)
    counts = []
    for n in (3, 27):  # 3 devices whose chain is broken, then 30
        _ready_without_proof(workshop, n)
        audit = chain_audit_mail()  # the nightly run
        assert len(audit.breaks) == {3: 3, 27: 30}[n]
        unread_changed([coordinator.pk])  # the header's count, asked on both pages alike
        with django_assert_max_num_queries(40) as captured:
            body = client.get(HOME).content.decode()
        counts.append(len(captured))
        chain = section(body, "today-coordinator").split('id="chain-breaks"')[1]
        n = len(audit.breaks)
        assert f"{n} appareil{'s' if n > 1 else ''} sur {n}" in chain
        assert "audit nocturne du" in chain
    assert counts[0] == counts[1], counts


def test_before_the_first_nightly_audit_the_page_audits_itself(
    client, django_assert_max_num_queries, workshop, coordinator
):
    """Only until the first nightly run: a few queries per audited device, as the audit page."""
    _ready_without_proof(workshop, 3)
    client.force_login(coordinator)
    with django_assert_max_num_queries(80):
        body = client.get(HOME).content.decode()
    chain = section(body, "today-coordinator").split('id="chain-breaks"')[1]
    assert "3 appareils sur 3" in chain and "audit nocturne" not in chain


def test_a_donor_reads_each_batch_once_on_its_home_page(client, workshop):
    # The workshop's "latest batches" section is not repeated under the donor's own one.
    donor_org = OrganisationFactory(kind=OrganisationKind.DONOR)
    donor_user = member(donor_org, Role.READER)
    batch = make_batch(workshop, donor=DonorFactory(workshop=workshop, organisation=donor_org))
    make_device(batch)
    html = page(client, donor_user)
    assert html.count(f">{batch.reference}</a>") == 1


def test_the_ready_stock_is_counted_up_to_the_demand_not_to_the_last_device(
    client, workshop, technician, structure, mediator, coordinator, monkeypatch
):
    """Issue 17: the coordinator's home counted every ready device by type (244,000 at a
    million). It counts up to COUNT_CAP, or to what the open orders ask when they ask more,
    so the shortfall stays exact and a larger stock reads "plus de"."""
    monkeypatch.setattr("reports.today.COUNT_CAP", 2)
    for _ in range(4):
        Device.objects.filter(pk=make_device(make_batch(workshop)).pk).update(status=S.READY)
    order(structure, mediator, quantity=1)

    def laptop_row() -> str:
        stock = section(page(client, coordinator), "today-coordinator")
        return stock.split('id="stock-vs-demand"')[1].split("Ordinateur portable")[1]

    row = laptop_row().split("</tr>")[0]
    assert "plus de 2" in row and ">4<" not in row
    order(structure, mediator, quantity=5)  # 6 asked: the stock is counted to 6, exactly
    row = laptop_row().split("</tr>")[0]
    assert re.findall(r'class="num">(?:<a [^>]*>)?(?:<strong>)?(\d+)', row) == ["4", "6", "2"]


def test_the_home_page_audits_no_more_devices_than_a_request_affords(
    client, workshop, technician, coordinator
):
    """A fresh install has no nightly audit yet: the coordinator's home audited the demo's
    ready and handed-over devices in the request (a few queries each: 5,328 queries, 5-6 s on
    every visit after `make run`). Past a handful it says the audit has not run yet and links
    to the page that runs it in the background."""
    client.force_login(coordinator)
    counts = []
    for n in (1, 40):
        while Device.objects.filter(status=S.READY).count() < n:
            ready_device(workshop, technician)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(HOME).content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[1] <= counts[0], counts  # 40 ready devices cost no more than one
    chain = section(body.replace("\xa0", " "), "today-coordinator").split('id="chain-breaks"')[1]
    assert "n'a pas encore tourné sur cette base" in unescape(chain)
