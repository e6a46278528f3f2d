"""The spare-parts catalogue and stock in the app (issue 15): the workshop's staff read it,
its manager adds parts and records purchases and adjustments as movement rows."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from reconditioning.models import PartMovement, SparePart
from tests.factories import member

LIST = reverse("reconditioning:part_list")


@pytest.fixture
def manager(workshop):
    return member(workshop, Role.MANAGER, username="resp")


def test_manager_adds_a_part_then_stock_comes_in_by_movements(client, manager):
    client.force_login(manager)
    response = client.post(LIST, {"name": " SSD  240 Go ", "category": "SSD"}, follow=True)
    part = SparePart.objects.get()
    assert part.name == "SSD 240 Go" and part.quantity == 0
    assert response.request["PATH_INFO"] == reverse("reconditioning:part_detail", args=[part.pk])
    url = reverse("reconditioning:part_detail", args=[part.pk])
    client.post(url, {"kind": "purchase", "quantity": "12", "note": "Don Dell"})
    client.post(url, {"kind": "adjust", "quantity": "-2", "note": "compté 10 en rayon"})
    part.refresh_from_db()
    assert part.quantity == 10
    assert list(part.movements.order_by("id").values_list("kind", "quantity", "by")) == [
        ("purchase", 12, manager.pk),
        ("adjust", -2, manager.pk),
    ]
    page = client.get(url).content.decode()
    assert "compté 10 en rayon" in page and "+12" in page
    listing = client.get(LIST).content.decode()
    assert "SSD 240 Go" in listing


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "adjust", "quantity": "-1", "note": ""}, "motif"),
        ({"kind": "purchase", "quantity": "-3", "note": ""}, "quantité positive"),
        ({"kind": "adjust", "quantity": "-9", "note": "casse"}, "insuffisant"),
        ({"kind": "use", "quantity": "1", "note": ""}, "choix valide"),
        ({"kind": "purchase", "quantity": "0", "note": ""}, "nulle"),
    ],
)
def test_bad_stock_changes_write_nothing(client, manager, workshop, data, message):
    part = SparePart.objects.create(workshop=workshop, name="Chargeur 65 W")
    client.force_login(manager)
    client.post(
        reverse("reconditioning:part_detail", args=[part.pk]),
        {"kind": "purchase", "quantity": "2", "note": ""},
    )
    response = client.post(reverse("reconditioning:part_detail", args=[part.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode().lower()
    part.refresh_from_db()
    assert part.quantity == 2 and PartMovement.objects.count() == 1


def test_a_duplicate_part_name_is_refused(client, manager, workshop):
    SparePart.objects.create(workshop=workshop, name="Batterie T480")
    client.force_login(manager)
    response = client.post(LIST, {"name": "batterie t480", "category": ""})
    assert "déjà" in response.content.decode()
    assert SparePart.objects.count() == 1


def test_technician_reads_but_does_not_manage(client, technician, workshop):
    part = SparePart.objects.create(workshop=workshop, name="Barrette 8 Go")
    client.force_login(technician)
    assert "Barrette 8 Go" in client.get(LIST).content.decode()
    assert client.post(LIST, {"name": "X"}).status_code == 403
    url = reverse("reconditioning:part_detail", args=[part.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "purchase", "quantity": "5"}).status_code == 403
    assert not PartMovement.objects.exists() and SparePart.objects.count() == 1


def test_another_workshop_never_sees_the_part(client, other_workshop, workshop):
    part = SparePart.objects.create(workshop=workshop, name="Barrette 8 Go")
    other_manager = member(other_workshop, Role.MANAGER, username="resp-other")
    client.force_login(other_manager)
    assert "Barrette 8 Go" not in client.get(LIST).content.decode()
    url = reverse("reconditioning:part_detail", args=[part.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "purchase", "quantity": "5"}).status_code == 404
