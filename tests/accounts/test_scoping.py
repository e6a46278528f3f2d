"""Every list and detail starts from visible_to(user): another organisation sees nothing."""

import pytest
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from inventory.models import CollectionBatch, Device, Donor, Movement
from tests.factories import DonorFactory, OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workshops(workshop, other_workshop, technician, other_technician):
    mine = make_batch(workshop, user=technician)
    theirs = make_batch(other_workshop, user=other_technician)
    return {
        "mine": make_device(mine, serial_number="MINE1"),
        "theirs": make_device(theirs, serial_number="THEIRS1"),
    }


def test_querysets_hide_other_workshops(two_workshops, technician):
    assert list(Device.objects.visible_to(technician)) == [two_workshops["mine"]]
    assert CollectionBatch.objects.visible_to(technician).count() == 1
    assert Donor.objects.visible_to(technician).count() == 1
    assert Movement.objects.visible_to(technician).count() == 0


def test_coordinator_sees_every_workshop(two_workshops, coordinator):
    assert Device.objects.visible_to(coordinator).count() == 2


@pytest.mark.parametrize("kind", [OrganisationKind.FUNDER, OrganisationKind.MEDIATION])
def test_funders_and_structures_see_no_device(two_workshops, kind):
    user = member(OrganisationFactory(kind=kind), Role.READER)
    assert Device.objects.visible_to(user).count() == 0


def test_donor_account_sees_only_its_batches(workshop, technician):
    donor_org = OrganisationFactory(name="Société X", kind=OrganisationKind.DONOR)
    reader = member(donor_org, Role.READER)
    own = make_batch(workshop, donor=DonorFactory(workshop=workshop, organisation=donor_org))
    other = make_batch(workshop)
    make_device(own, serial_number="OWN1")
    make_device(other, serial_number="OTHER1")
    assert [d.serial_number for d in Device.objects.visible_to(reader)] == ["OWN1"]


def test_anonymous_sees_nothing(two_workshops):
    from django.contrib.auth.models import AnonymousUser

    assert Device.objects.visible_to(AnonymousUser()).count() == 0


def test_pages_of_another_workshop_are_404(client, two_workshops, technician):
    client.force_login(technician)
    theirs = two_workshops["theirs"]
    for url in [
        reverse("inventory:device_detail", args=[theirs.pk]),
        reverse("inventory:device_label", args=[theirs.pk]),
        reverse("inventory:batch_detail", args=[theirs.batch_id]),
        reverse("inventory:batch_intake", args=[theirs.batch_id]),
        reverse("inventory:donor_detail", args=[theirs.batch.donor_id]),
    ]:
        assert client.get(url).status_code == 404, url


def test_lists_show_only_own_rows(client, two_workshops, technician):
    client.force_login(technician)
    for url in [
        reverse("inventory:device_list"),
        reverse("inventory:batch_list"),
        reverse("inventory:donor_list"),
        reverse("home"),
    ]:
        body = client.get(url).content.decode()
        assert "THEIRS1" not in body and "Atelier Gennevilliers" not in body, url
    devices = client.get(reverse("inventory:device_list")).content.decode()
    assert "MINE1" in devices


def test_search_by_serial_does_not_leak(client, two_workshops, technician):
    client.force_login(technician)
    body = client.get(reverse("inventory:device_list"), {"q": "THEIRS1"}).content.decode()
    assert "THEIRS1" not in body.split("<tbody>")[1]


def test_api_lists_only_visible_devices(client, two_workshops, technician):
    client.force_login(technician)
    data = client.get("/api/devices/").json()
    assert [d["serial_number"] for d in data["results"]] == ["MINE1"]
    assert client.get(f"/api/devices/{two_workshops['theirs'].pk}/").status_code == 404


def test_donor_reader_cannot_log_devices(client, workshop):
    donor_org = OrganisationFactory(kind=OrganisationKind.DONOR)
    reader = member(donor_org, Role.READER)
    batch = make_batch(workshop, donor=DonorFactory(workshop=workshop, organisation=donor_org))
    client.force_login(reader)
    assert client.get(reverse("inventory:batch_detail", args=[batch.pk])).status_code == 200
    response = client.post(
        reverse("inventory:batch_intake", args=[batch.pk]),
        {"serial_number": "X1", "device_type": "laptop"},
    )
    assert response.status_code == 403
    assert Device.objects.count() == 0


def test_login_required_everywhere_but_health(client):
    assert client.get(reverse("inventory:device_list")).status_code == 302
    assert client.get("/healthz/").content == b"ok"
    assert client.get("/api/devices/").status_code in (401, 403)
