"""The tariff grid and exemptions in the app (issue 15: 'in the app, not only the back
office'): the coordinator sets the whole grid in one form, all or nothing under the legal
caps; the structures read it."""

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from beneficiaries.models import ExemptionReason, Tariff
from tests.factories import OrganisationFactory, member

URL = reverse("beneficiaries:tariffs")


@pytest.fixture
def mediator(db):
    return member(OrganisationFactory(kind=OrganisationKind.MEDIATION), Role.STAFF)


def _grid(**cells):
    """The form as the page posts it: every cell with the grid's current amount (empty when
    not set), then the cells given (laptop_A="40")."""
    current = {(t.device_type, t.grade): t.amount for t in Tariff.objects.all()}
    data = {}
    for device_type in ("laptop", "desktop", "tablet", "smartphone", "monitor", "other"):
        for grade in ("A", "B", "C"):
            amount = current.get((device_type, grade))
            data[f"amount-{device_type}-{grade}"] = "" if amount is None else str(amount)
    data.update({f"amount-{k.replace('_', '-')}": v for k, v in cells.items()})
    return data


def _amount(device_type, grade):
    tariff = Tariff.objects.filter(device_type=device_type, grade=grade).first()
    return tariff and tariff.amount


def test_coordinator_sets_the_grid_with_french_amounts(client, coordinator):
    client.force_login(coordinator)
    page = client.get(URL)
    assert page.status_code == 200
    assert "180,00\xa0€" in unescape(page.content.decode())  # the laptop's legal cap
    before = {(t.device_type, t.grade): t.amount for t in Tariff.objects.all()}
    response = client.post(
        URL, _grid(laptop_A="41", laptop_B="30,50", monitor_C="1 €"), follow=True
    )
    assert "3 montants modifiés" in unescape(response.content.decode())
    after = {(t.device_type, t.grade): t.amount for t in Tariff.objects.all()}
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    assert changed == {
        ("laptop", "A"): Decimal("41"),
        ("laptop", "B"): Decimal("30.50"),
        ("monitor", "C"): Decimal("1"),
    }
    assert 'value="30,50"' in client.get(URL).content.decode()


def test_an_amount_above_the_cap_saves_nothing(client, coordinator):
    Tariff.objects.update_or_create(device_type="laptop", grade="A", defaults={"amount": 40})
    client.force_login(coordinator)
    tablet_a = _amount("tablet", "A")
    response = client.post(URL, _grid(laptop_A="50", tablet_A="150"))
    body = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Rien n'a été enregistré" in body
    assert "100,00 €" in body  # the tablet's cap, in the message
    assert Tariff.objects.get(device_type="laptop", grade="A").amount == Decimal("40")
    assert _amount("tablet", "A") == tablet_a
    # What was typed stays in the form.
    assert 'value="150"' in body


@pytest.mark.parametrize("typed", ["douze", "-5", "1,234", "1e3"])
def test_what_is_not_an_amount_is_refused_by_cell(client, coordinator, typed):
    client.force_login(coordinator)
    before = list(Tariff.objects.values_list("device_type", "grade", "amount"))
    response = client.post(URL, _grid(laptop_A=typed, laptop_B="12"))
    assert response.status_code == 200
    assert "n’est pas un montant" in unescape(
        response.content.decode()
    ) or "n'est pas un montant" in (unescape(response.content.decode()))
    assert list(Tariff.objects.values_list("device_type", "grade", "amount")) == before


def test_a_set_amount_is_not_silently_removed(client, coordinator):
    Tariff.objects.update_or_create(device_type="laptop", grade="A", defaults={"amount": 40})
    client.force_login(coordinator)
    response = client.post(URL, _grid(laptop_A=""))
    assert "saisissez 0,00 €" in unescape(response.content.decode())
    assert _amount("laptop", "A") == Decimal("40")


def test_structures_read_the_grid_and_cannot_change_it(client, mediator):
    Tariff.objects.update_or_create(device_type="laptop", grade="A", defaults={"amount": 40})
    client.force_login(mediator)
    page = client.get(URL)
    body = unescape(page.content.decode())
    assert page.status_code == 200
    assert "40,00\xa0€" in body  # never broken before its unit
    assert '<input id="amount-laptop-A"' not in body
    assert client.post(URL, _grid(laptop_A="1")).status_code == 403
    assert _amount("laptop", "A") == Decimal("40")
    assert (
        client.post(URL, {"reason-label": "X", "reason-granted_by": "structure"}).status_code == 403
    )
    assert not ExemptionReason.objects.filter(label="X").exists()


def test_coordinator_adds_an_exemption_once(client, coordinator):
    client.force_login(coordinator)
    data = {"reason-label": "  Personne   sans ressources ", "reason-granted_by": "structure"}
    response = client.post(URL, data, follow=True)
    assert "Personne sans ressources" in unescape(response.content.decode())
    assert ExemptionReason.objects.filter(label="Personne sans ressources").count() == 1
    again = client.post(URL, {**data, "reason-label": "personne sans ressources"})
    assert "existe déjà" in unescape(again.content.decode())
    assert ExemptionReason.objects.filter(label__iexact="personne sans ressources").count() == 1


def test_donor_gets_a_french_refusal(client, db):
    donor = member(OrganisationFactory(kind=OrganisationKind.DONOR), Role.READER)
    client.force_login(donor)
    assert client.get(URL).status_code == 403
