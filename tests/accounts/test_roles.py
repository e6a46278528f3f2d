"""A membership's role grants rights: a reader of a workshop or a structure sees what the
organisation sees (visible_to) and writes nothing; technicians, managers and staff act."""

import pytest
from django.urls import reverse

from accounts import permissions
from accounts.enums import OrganisationKind, Role
from beneficiaries.models import Order, Person
from inventory.models import Device, Donor
from tests.factories import OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure(db):
    return OrganisationFactory(name="Centre social", kind=OrganisationKind.MEDIATION)


def test_a_workshop_reader_sees_the_devices_and_changes_none(client, workshop, technician):
    device = make_device(make_batch(workshop, user=technician), model="ThinkPad T480")
    reader = member(workshop, Role.READER, username="auditeur")
    client.force_login(reader)
    page = client.get(reverse("inventory:device_detail", args=[device.pk]))
    assert page.status_code == 200 and "ThinkPad T480" in page.content.decode()
    response = client.post(
        reverse("inventory:device_edit", args=[device.pk]),
        {"device_type": "laptop", "manufacturer": "HP", "model": "EliteBook"},
    )
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.model == "ThinkPad T480"
    donors = Donor.objects.count()
    response = client.post(reverse("inventory:donor_create"), {"name": "X", "kind": "company"})
    assert response.status_code == 403 and Donor.objects.count() == donors
    assert not permissions.can(reader, "inventory.log")
    assert permissions.can(technician, "inventory.work_on", device)


def test_a_structure_reader_orders_nothing_and_records_no_one(client, structure):
    staff = member(structure, Role.STAFF, username="mediatrice")
    reader = member(structure, Role.READER, username="benevole")
    assert permissions.can(staff, "orders.order")
    assert permissions.can(staff, "structures.act_for", structure)
    assert not permissions.can(reader, "orders.order")
    assert not permissions.can(reader, "structures.act_for", structure)
    client.force_login(reader)
    response = client.post(reverse("beneficiaries:order_create"), {"form-0-device_type": "laptop"})
    assert response.status_code == 403
    assert Order.objects.count() == 0 and Person.objects.count() == 0
    assert client.get(reverse("beneficiaries:person_list")).status_code == 200


def test_a_machine_of_the_workshop_logs_devices(workshop):
    machine = member(workshop, Role.MACHINE, username="poste-1")
    assert permissions.can(machine, "inventory.log")
    assert Device.objects.count() == 0
