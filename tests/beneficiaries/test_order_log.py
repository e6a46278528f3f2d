"""The order's own log (who, when, from, to, why), shown on the order page; the structure's
words (notes, reasons, the people named) kept from the workshop and erased with the person."""

import datetime
import html

import pytest
from django.urls import reverse

from beneficiaries import orders, privacy, services
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import EligibilityCriterion, Order, OrderEvent
from inventory.models import AppendOnlyError

pytestmark = pytest.mark.django_db


def _page(client, user, order) -> str:
    client.force_login(user)
    response = client.get(reverse("beneficiaries:order_detail", args=[order.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def zoe(structure, mediator):
    return services.person_create(
        structure=structure,
        user=mediator,
        first_name="Zoé",
        last_name="Martin",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="45-64",
        situation="retired",
        consent_purpose="Attribution d'un ordinateur",
        consent_given_on=datetime.date(2026, 11, 2),
        eligibility_checked_on=datetime.date(2026, 11, 2),
    )


def _approved(structure, mediator, coordinator, workshop, lines, notes=""):
    order = orders.order_create(structure=structure, user=mediator, lines=lines, notes=notes)
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(
        order=order, user=coordinator, approve=True, workshop=workshop, note="Priorité haute"
    )
    return order


def test_every_step_is_logged_and_shown(
    client, structure, mediator, coordinator, workshop, technician, ready_laptop
):
    order = _approved(
        structure, mediator, coordinator, workshop, [{"device_type": "laptop", "quantity": 1}]
    )
    orders.order_reserve(order=order, user=technician)
    orders.order_cancel(order=order, user=mediator, reason="Mme Traoré a déménagé")
    log = list(
        OrderEvent.objects.filter(order=order).values_list("from_status", "to_status", "actor")
    )
    assert log == [
        ("", O.DRAFT, mediator.pk),
        (O.DRAFT, O.SUBMITTED, mediator.pk),
        (O.SUBMITTED, O.APPROVED, coordinator.pk),
        (O.APPROVED, O.PREPARING, technician.pk),
        (O.PREPARING, O.CANCELLED, mediator.pk),
    ]
    event = OrderEvent.objects.filter(order=order).latest("id")
    assert event.note == "Mme Traoré a déménagé"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    # The structure and the coordination read the reason; the workshop reads the steps only.
    for user in (mediator, coordinator):
        page = _page(client, user, order)
        assert "Historique de la commande" in page and "Mme Traoré a déménagé" in page
    page = _page(client, technician, order)
    assert "Historique de la commande" in page and "Annulé" in page
    assert "Traoré" not in page and "déménagé" not in page
    assert "Priorité haute" in page  # the coordination's word to the workshop


def test_a_refusal_reason_is_the_structures_and_the_coordinations(
    client, structure, mediator, coordinator, other_mediator
):
    order = orders.order_create(
        structure=structure, user=mediator, lines=[{"device_type": "tablet", "quantity": 1}]
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=False, note="Doublon pour Mme X")
    assert "Doublon pour Mme X" in _page(client, mediator, order)
    client.force_login(other_mediator)
    assert client.get(reverse("beneficiaries:order_detail", args=[order.pk])).status_code == 404


def test_erasing_a_person_erases_what_the_orders_say_of_her(
    client, structure, mediator, coordinator, workshop, technician, person, zoe
):
    # Her own order; an order for her and Zoé; an order of the structure that only names her.
    own = _approved(
        structure,
        mediator,
        coordinator,
        workshop,
        [{"device_type": "laptop", "quantity": 1, "person": person}],
        notes="Awa Traoré préfère un clavier AZERTY",
    )
    orders.order_cancel(order=own, user=mediator, reason="Awa Traoré a déménagé")
    shared = _approved(
        structure,
        mediator,
        coordinator,
        workshop,
        [
            {"device_type": "laptop", "quantity": 1, "person": person},
            {"device_type": "laptop", "quantity": 1, "person": zoe},
        ],
        notes="Pour AWA TRAORÉ et Zoé Martin",
    )
    orders.order_cancel(order=shared, user=mediator, reason="Mme Traoré ne viendra pas")
    mention = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "tablet", "quantity": 1}],
        notes="Prêt en attendant celui de Mme Traoré",
    )
    privacy.person_erase(person=person, user=coordinator)
    person.refresh_from_db()
    texts = []
    for order in Order.objects.all():
        texts += [order.notes, order.decision_note]
        texts += list(order.events.values_list("note", flat=True))
        texts.append(_page(client, coordinator, order))
    joined = "\n".join(texts)
    assert "Traoré" not in joined and "TRAORÉ" not in joined and "Awa" not in joined
    own.refresh_from_db()
    shared.refresh_from_db()
    mention.refresh_from_db()
    assert own.notes == "" and not own.events.exclude(note="").exclude(to_status=O.APPROVED)
    assert shared.notes == f"Pour {person.reference} et Zoé Martin"
    assert mention.notes == f"Prêt en attendant celui de Mme {person.reference}"
    # The log's rows stay: who, when, from, to.
    assert own.events.count() == 4 and shared.events.count() == 4
