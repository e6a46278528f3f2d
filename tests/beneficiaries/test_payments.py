"""Payments against a residual charge: never beyond it, even when two are taken at once."""

import html
import threading
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, close_old_connections, connection
from django.urls import reverse
from django.utils import translation

from beneficiaries import allocations
from beneficiaries.models import Allocation, Payment
from tests.beneficiaries.conftest import train


@pytest.fixture
def allocation(person, programme, mediator, structure, ready_laptop):
    train(person, programme, mediator)
    return allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks")
def test_two_payments_at_once_never_exceed_the_charge(allocation, mediator):
    assert allocation.charge == Decimal("40")
    barrier = threading.Barrier(2)
    outcomes = []

    def pay():
        try:
            barrier.wait()
            with translation.override("fr"):
                allocations.payment_record(
                    allocation=allocation, amount=Decimal("40"), method="cash", user=mediator
                )
            outcomes.append("paid")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            close_old_connections()

    original = Allocation.amount_paid

    def slow_amount_paid(self, payments=None):
        # Both payments read what was paid before either writes: the window of the race.
        paid = original(self, payments)
        time.sleep(0.5)
        return paid

    threads = [threading.Thread(target=pay) for _ in range(2)]
    with mock.patch.object(Allocation, "amount_paid", slow_amount_paid):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert outcomes.count("paid") == 1, outcomes
    refusal = next(o for o in outcomes if o != "paid")
    assert "dépasserait" in refusal and "déjà payé : 40,00 €" in refusal, refusal
    assert Payment.objects.filter(allocation=allocation).count() == 1
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_a_payment_caught_in_a_concurrent_write_is_refused_clearly(client, allocation, mediator):
    """SQLite answers a concurrent writer "database is locked": the screen says to try
    again, nothing is written, no receipt number is burnt."""
    client.force_login(mediator)
    url = reverse("beneficiaries:allocation_pay", args=[allocation.pk])
    with mock.patch.object(
        allocations, "receipt_number_next", side_effect=OperationalError("database is locked")
    ):
        response = client.post(
            url, {"amount": "40", "method": "cash", "paid_on": "2026-11-21"}, follow=True
        )
    assert response.status_code == 200
    assert "Le paiement n'a pas pu être enregistré" in html.unescape(response.content.decode())
    assert not Payment.objects.exists()
    # Then the same payment goes through, with the first receipt number of the year.
    response = client.post(
        url, {"amount": "40", "method": "cash", "paid_on": "2026-11-21"}, follow=True
    )
    assert Payment.objects.get().receipt_number.endswith("-000001")


@pytest.mark.django_db
def test_a_second_payment_beyond_the_charge_is_refused_on_the_screen(client, allocation, mediator):
    client.force_login(mediator)
    url = reverse("beneficiaries:allocation_pay", args=[allocation.pk])
    client.post(url, {"amount": "40", "method": "cash", "paid_on": "2026-11-21"})
    response = client.post(
        url, {"amount": "40", "method": "cash", "paid_on": "2026-11-21"}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "40,00 € dépasserait le reste à charge de 40,00 €" in page, page
    assert Payment.objects.count() == 1
