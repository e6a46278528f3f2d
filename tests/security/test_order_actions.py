"""Every step of an order over HTTP, tried by each persona who must not take it: the order
does not move and no device is reserved; then the persona who may take it does (so the refusal
is not an accident of the set-up)."""

import pytest
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from beneficiaries import orders
from beneficiaries.enums import OrderStatus as O
from beneficiaries.models import Order, Reservation
from tests.beneficiaries import conftest as quasi_don
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

# The quasi-don fixtures (tests/beneficiaries/conftest.py), shared with this folder.
structure = quasi_don.structure
other_structure = quasi_don.other_structure
mediator = quasi_don.mediator
other_mediator = quasi_don.other_mediator
ready_laptop = quasi_don.ready_laptop


@pytest.fixture
def people(structure, mediator, other_mediator, coordinator, technician, other_technician):
    funder = member(OrganisationFactory(kind=OrganisationKind.FUNDER), Role.READER, username="fu")
    donor = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER, username="do")
    return {
        "mediator": mediator,
        "other_mediator": other_mediator,
        "coordinator": coordinator,
        "technician": technician,
        "other_technician": other_technician,
        "funder": funder,
        "donor": donor,
    }


@pytest.fixture
def order(structure, mediator, ready_laptop):
    return orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1}],
    )


# (action, the status it starts from, who may take it, the status it leads to, POST data)
STEPS = [
    ("submit", O.DRAFT, "mediator", O.SUBMITTED, {}),
    ("decide", O.SUBMITTED, "coordinator", O.APPROVED, {"approve": "1"}),
    ("reserve", O.APPROVED, "technician", O.PREPARING, {}),
    ("ready", O.PREPARING, "technician", O.READY, {}),
    ("cancel", O.SUBMITTED, "mediator", O.CANCELLED, {"reason": "plus besoin"}),
    ("close", O.HANDED_OVER, "mediator", O.CLOSED, {}),
]


@pytest.mark.parametrize(("action", "start", "rightful", "end", "data"), STEPS)
def test_only_the_rightful_persona_moves_an_order(
    client, people, order, workshop, action, start, rightful, end, data
):
    workshop_id = workshop.pk if start not in (O.DRAFT, O.SUBMITTED) else None
    Order.objects.filter(pk=order.pk).update(status=start, workshop_id=workshop_id)
    if action == "decide":
        data = {**data, "workshop": workshop.pk}
    url = reverse("beneficiaries:order_action", args=[order.pk, action])
    for name, user in people.items():
        if name == rightful or (action == "cancel" and name == "coordinator"):
            continue
        client.force_login(user)
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404), (name, action)
        order.refresh_from_db()
        assert order.status == start, (name, action)
        assert not Reservation.objects.exists(), (name, action)
    client.force_login(people[rightful])
    client.post(url, data)
    order.refresh_from_db()
    assert order.status == end, (rightful, action)
