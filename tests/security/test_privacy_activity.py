"""Retention, kind by kind: each activity of the documented definition (docs/privacy.md,
"Retention") keeps a person for two years, and only two years."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries import allocations, orders, privacy, services
from beneficiaries.models import (
    Allocation,
    Enrolment,
    Order,
    Payment,
    Person,
    TrainingSession,
    TrainingWaiver,
)
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    person,
    programme,
    ready_laptop,
    structure,
    train,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _order(w, *, decide=True):
    order = orders.order_create(
        structure=w["structure"],
        user=w["mediator"],
        lines=[{"device_type": "laptop", "quantity": 1, "person": w["person"]}],
    )
    orders.order_submit(order=order, user=w["mediator"])
    if decide:
        orders.order_decide(order=order, user=w["coordinator"], approve=False, note="Stock")


def _handover(w):
    train(w["person"], w["programme"], w["mediator"])
    return allocations.allocation_create(
        device=w["device"], structure=w["structure"], user=w["mediator"], person=w["person"]
    )


def _payment(w):
    allocations.payment_record(
        allocation=_handover(w), amount=Decimal("40"), method="cash", user=w["mediator"]
    )


def _return(w):
    allocations.allocation_return(allocation=_handover(w), user=w["mediator"], reason="Panne")


def _train(w):
    train(w["person"], w["programme"], w["mediator"])


def _waiver(w):
    services.waiver_grant(
        person=w["person"], programme=w["programme"], reason="Urgence", user=w["coordinator"]
    )


# Kind of activity -> (what creates it, the timestamp that dates it).
KINDS = {
    "order created": (_order, (Order, "created_at")),
    "order submitted": (_order, (Order, "submitted_at")),
    "order decided": (_order, (Order, "decided_at")),
    "payment received": (_payment, (Payment, "created_at")),
    "enrolment": (_train, (Enrolment, "created_at")),
    "session taking place": (_train, (TrainingSession, "starts_at")),
    "training waiver": (_waiver, (TrainingWaiver, "granted_at")),
    "device returned": (_return, (Allocation, "returned_at")),
}


def _everything_at(when):
    """Every dated trace of activity in the database moved to `when`."""
    Person.objects.update(created_at=when, updated_at=when)
    Order.objects.update(created_at=when)
    Order.objects.exclude(submitted_at=None).update(submitted_at=when)
    Order.objects.exclude(decided_at=None).update(decided_at=when)
    Allocation.objects.update(handed_over_at=when)
    Allocation.objects.exclude(returned_at=None).update(returned_at=when)
    Payment.objects.update(created_at=when)
    Enrolment.objects.update(created_at=when)
    TrainingSession.objects.update(starts_at=when)
    TrainingWaiver.objects.update(granted_at=when)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_activity_keeps_a_person_two_years(
    kind,
    person,  # noqa: F811
    programme,  # noqa: F811
    mediator,  # noqa: F811
    structure,  # noqa: F811
    ready_laptop,  # noqa: F811
    coordinator,
):
    create, (model, field) = KINDS[kind]
    world = {
        "person": person,
        "programme": programme,
        "mediator": mediator,
        "structure": structure,
        "device": ready_laptop,
        "coordinator": coordinator,
    }
    create(world)
    assert model.objects.exclude(**{field: None}).exists()  # the activity is there
    now = timezone.now()
    _everything_at(now - 1100 * DAY)
    assert list(privacy.people_inactive(now)) == [person]  # nothing else keeps her
    model.objects.update(**{field: now - 365 * DAY})
    assert privacy.people_anonymise_inactive(now=now) == 0
    person.refresh_from_db()
    assert person.last_name == "Traoré"
    model.objects.update(**{field: now - 731 * DAY})  # two years and a day
    assert privacy.people_anonymise_inactive(now=now) == 1
    person.refresh_from_db()
    assert person.last_name == "" and person.anonymised_at
