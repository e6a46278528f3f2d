"""Erasure reaches what the back office remembers (the admin's history) and what the services
still accept: an erased person is neither named in the history nor ordered for or handed a
device again."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries import allocations, orders, privacy
from beneficiaries.models import Allocation, Order
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    person,
    programme,
    ready_laptop,
    structure,
    train,
)

pytestmark = pytest.mark.django_db


def _admin_edit(client, person, **changes):  # noqa: F811
    """Post the admin's change form of the person as a superuser would."""
    data = {
        "structure": person.structure_id,
        "referred_by": person.referred_by_id,
        "reference": person.reference,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "email": person.email,
        "commune": person.commune_id or "",
        "age_band": person.age_band,
        "situation": person.situation,
        "eligibility": person.eligibility_id,
        "eligibility_justification": person.eligibility_justification,
        "eligibility_checked_on": person.eligibility_checked_on.isoformat(),
        "consent_purpose": person.consent_purpose,
        "consent_given_on": person.consent_given_on.isoformat(),
        "consent_recorded_by": person.consent_recorded_by_id,
        "anonymised_at_0": "",
        "anonymised_at_1": "",
        "_save": "Save",
        **changes,
    }
    url = reverse("admin:beneficiaries_person_change", args=[person.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.get(response.url)  # the "changed" message is read, as in a browser


def _history_text() -> str:
    return " ".join(f"{e.object_repr} {e.change_message}" for e in LogEntry.objects.all())


@pytest.mark.parametrize("how", ["erase", "anonymise"])
def test_names_leave_the_admin_history(
    how,
    client,
    admin_user,
    coordinator,
    person,  # noqa: F811
    programme,  # noqa: F811
    mediator,  # noqa: F811
    structure,  # noqa: F811
    ready_laptop,  # noqa: F811
):
    client.force_login(admin_user)
    _admin_edit(client, person, phone="0601020304", email="awa@example.org")
    # A row whose name includes the person's, logged by hand (as a deletion would be).
    train(person, programme, mediator)
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=person
    )
    LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=Allocation.objects.filter(pk=allocation.pk),
        action_flag=CHANGE,
        change_message="Vérifié avec Awa Traoré (awa@example.org)",
        single_object=True,
    )
    before = _history_text()
    assert "Traoré" in before and "Awa" in before  # the history did name her
    if how == "erase":
        privacy.person_erase(person=person, user=coordinator)
    else:
        privacy.person_anonymise(person=person)
    person.refresh_from_db()
    after = _history_text()
    for name in ("Traoré", "Trao\\u00e9", "Awa", "0601020304", "awa@example.org"):
        assert name not in after
    code = privacy.pseudonym_code(person)
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(person), object_id=str(person.pk)
    )
    assert entry.object_repr == str(person) and entry.object_repr.endswith(f"#{code}")
    # The history page of the person shows the pseudonym, not the name.
    page = client.get(reverse("admin:beneficiaries_person_history", args=[person.pk]))
    assert page.status_code == 200 and "Traoré" not in page.content.decode()


def test_no_order_for_an_erased_person(coordinator, mediator, person, structure):  # noqa: F811
    privacy.person_erase(person=person, user=coordinator)
    person.refresh_from_db()
    with pytest.raises(ValidationError, match="erased|effacées"):
        orders.order_create(
            structure=structure,
            user=mediator,
            lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
        )
    assert not Order.objects.exists()


def test_no_order_through_the_screen_either(client, coordinator, mediator, person):  # noqa: F811
    privacy.person_anonymise(person=person)
    client.force_login(mediator)
    response = client.post(
        reverse("beneficiaries:order_create"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-device_type": "laptop",
            "form-0-quantity": "1",
            "form-0-person": person.pk,
        },
    )
    assert not Order.objects.exists()
    html = response.content.decode()
    assert response.status_code == 200 and ("erased" in html or "effacées" in html), html[:3000]


def test_no_handover_to_an_erased_person(
    coordinator,
    mediator,  # noqa: F811
    person,  # noqa: F811
    programme,  # noqa: F811
    structure,  # noqa: F811
    ready_laptop,  # noqa: F811
):
    train(person, programme, mediator)
    privacy.person_erase(person=person, user=coordinator)
    person.refresh_from_db()
    with pytest.raises(ValidationError, match="erased|effacées"):
        allocations.allocation_create(
            device=ready_laptop, structure=structure, user=mediator, person=person
        )
    assert not Allocation.objects.exists()
    ready_laptop.refresh_from_db()
    assert ready_laptop.status == "ready"


def test_no_handover_on_an_order_line_whose_person_was_erased(
    coordinator,
    mediator,  # noqa: F811
    person,  # noqa: F811
    programme,  # noqa: F811
    structure,  # noqa: F811
    ready_laptop,  # noqa: F811
    workshop,
    technician,
):
    train(person, programme, mediator)
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    orders.order_mark_ready(order=order, user=technician)
    privacy.person_erase(person=person, user=coordinator)
    with pytest.raises(ValidationError, match="erased|effacées"):
        allocations.allocation_create(device=ready_laptop, structure=structure, user=mediator)
    assert not Allocation.objects.exists()
