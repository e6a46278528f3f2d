"""Orders that bend, through the screens: what each persona sees and may press, the
cancellation's confirmation page, the workshop's scan and swap, its PDFs, dispatch and receipt."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries import orders
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Order, OrderEvent, OrderStep, Reservation
from inventory.enums import DeviceStatus as S
from tests.beneficiaries.test_orders_bend import ready

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def action(order, name):
    return reverse("beneficiaries:order_action", args=[order.pk, name])


def test_a_partial_order_through_the_screens(
    client, structure, mediator, coordinator, workshop, technician, ready_laptop
):
    client.force_login(mediator)
    r = client.post(
        reverse("beneficiaries:order_create"),
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-0-device_type": "laptop",
            "form-0-quantity": "1",
            "form-1-device_type": "tablet",
            "form-1-quantity": "2",
            "submit": "1",
        },
    )
    order = Order.objects.get()
    client.force_login(coordinator)
    client.post(action(order, "decide"), {"approve": "1", "workshop": workshop.pk})
    order.refresh_from_db()
    assert order.status == O.APPROVED
    client.force_login(mediator)
    page = client.get(order.get_absolute_url()).content.decode()
    lines = page.split('id="lines"')[1].split("</table>")[0]
    laptop_row, tablet_row = lines.split("<tr>")[2:4]
    assert "<td>1</td><td>0</td>" in laptop_row and "servie" in laptop_row
    assert "<td>0</td><td><strong>2</strong></td>" in tablet_row and "inconnue" in tablet_row
    listing = client.get(reverse("beneficiaries:order_list")).content.decode()
    assert "2 appareils attendus" in listing
    # The structure may change its approved order (it goes back to the coordination); it
    # does not pick devices.
    assert reverse("beneficiaries:order_edit", args=[order.pk]) in page
    assert 'id="scan-form"' not in page
    client.force_login(technician)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'id="scan-form"' in page
    assert reverse("beneficiaries:order_edit", args=[order.pk]) not in page
    # Marking ready is refused while a tablet is missing; tablets made ready are reserved on
    # their own, then the order is ready.
    r = client.post(action(order, "ready"), follow=True)
    assert "2 appareils encore attendus" in r.content.decode()
    order.refresh_from_db()
    assert order.status == O.APPROVED  # refused whole: not even "being prepared"
    ready(workshop, technician, "tablet")
    ready(workshop, technician, "tablet")
    assert Reservation.objects.filter(line__order=order, released_at__isnull=True).count() == 3
    client.post(action(order, "ready"))
    order.refresh_from_db()
    assert order.status == O.READY


def test_cancelling_asks_why_on_a_confirmation_page(
    client, structure, mediator, coordinator, workshop, ready_laptop
):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    url = reverse("beneficiaries:order_cancel", args=[order.pk])
    client.force_login(mediator)
    # The order page links to the confirmation page; no one-click cancel form.
    page = client.get(order.get_absolute_url()).content.decode()
    assert url in page and action(order, "cancel") not in page
    confirm = client.get(url).content.decode()
    assert "Pourquoi la commande est-elle annulée" in confirm
    assert "1 appareil réservé pour elle retourne au stock" in confirm
    logged = OrderEvent.objects.count()
    r = client.post(url, {"reason": ""})
    assert r.status_code == 200
    order.refresh_from_db()
    assert order.status == O.APPROVED and OrderEvent.objects.count() == logged
    r = client.post(url, {"reason": "L'atelier informatique est reporté"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == O.CANCELLED
    event = OrderEvent.objects.latest("id")
    assert (event.actor, event.to_status, event.note) == (
        mediator,
        O.CANCELLED,
        "L'atelier informatique est reporté",
    )
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == S.READY


def test_the_workshop_swaps_prints_dispatches_and_the_structure_confirms(
    client, structure, mediator, coordinator, workshop, technician, person, ready_laptop
):
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    spare = ready(workshop, technician)
    proposed = Reservation.objects.get()
    client.force_login(technician)
    r = client.post(
        action(order, "scan"), {"scan": "FL0000999", "replaces": proposed.pk}, follow=True
    )
    assert "Aucun appareil" in r.content.decode()
    r = client.post(
        action(order, "scan"),
        {"scan": f"https://filiere.test/appareils/{spare.pk}/", "replaces": proposed.pk},
        follow=True,
    )
    assert f"{spare.asset_tag} réservé pour la commande." in r.content.decode()
    assert Reservation.objects.get(released_at__isnull=True).device == spare
    picking = reverse("beneficiaries:order_picking_pdf", args=[order.pk])
    text = pdf_text(client.get(picking))
    assert spare.asset_tag in text and "Traoré" not in text and "signature" in text
    client.post(action(order, "ready"))
    page = client.get(order.get_absolute_url()).content.decode()
    assert action(order, "dispatch") in page and action(order, "receive") not in page
    client.post(action(order, "dispatch"))
    assert OrderStep.objects.filter(order=order, kind="dispatched", actor=technician).exists()
    # The structure: no picking list, the delivery note, and the receipt to confirm.
    client.force_login(mediator)
    assert client.get(picking).status_code == 403
    page = client.get(order.get_absolute_url()).content.decode()
    assert picking not in page and action(order, "dispatch") not in page
    assert action(order, "receive") in page
    text = pdf_text(client.get(reverse("beneficiaries:order_delivery_pdf", args=[order.pk])))
    assert spare.asset_tag in text and "Reçu par la structure" in text
    client.post(action(order, "receive"))
    client.post(action(order, "receive"))  # twice: recorded once
    assert OrderStep.objects.filter(order=order, kind="received").count() == 1
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Réception confirmée" in page and "Appareil échangé" in page


def test_only_the_coordination_sets_the_priority(
    client, structure, mediator, coordinator, workshop
):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "tablet", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    client.force_login(mediator)
    assert action(order, "priority") not in client.get(order.get_absolute_url()).content.decode()
    client.post(action(order, "priority"), {"priority": "7"})
    order.refresh_from_db()
    assert order.priority == 0 and not OrderStep.objects.exists()
    client.force_login(coordinator)
    assert action(order, "priority") in client.get(order.get_absolute_url()).content.decode()
    client.post(action(order, "priority"), {"priority": "7"})
    order.refresh_from_db()
    assert order.priority == 7
    assert OrderStep.objects.get().actor == coordinator


def test_the_order_page_costs_the_same_with_many_orders_waiting(
    client, structure, mediator, coordinator, workshop, technician
):
    def waiting_order():
        order = orders.order_create(
            structure=structure,
            user=mediator,
            lines=[
                {"device_type": "laptop", "quantity": 2},
                {"device_type": "tablet", "quantity": 1},
            ],
        )
        orders.order_submit(order=order, user=mediator)
        return orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)

    mine = waiting_order()
    ready(workshop, technician)  # a week's throughput: an expected date, not "unknown"
    client.force_login(mediator)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(mine.get_absolute_url()).status_code == 200
        return len(queries)

    waiting_order()
    few = cost()
    for _ in range(6):
        waiting_order()
    assert cost() == few
