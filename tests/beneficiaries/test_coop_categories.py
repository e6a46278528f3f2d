"""Age bands and social situations line up with La Coop de la médiation numérique's (issue
18): new people get La Coop's bands, people recorded with the former bands keep theirs, and
the reports count situations in La Coop's five categories."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from beneficiaries import services
from beneficiaries.models import EligibilityCriterion, Person
from reports.funder import FunderFilters, funder_report_build
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure(db):
    return OrganisationFactory(name="Centre social Coop", kind=OrganisationKind.MEDIATION)


@pytest.fixture
def staff(structure):
    return member(structure, Role.STAFF, username="med-coop")


def _person(structure, staff, **fields):
    today = datetime.date(2026, 11, 2)
    return services.person_create(
        structure=structure,
        user=staff,
        first_name="Nina",
        last_name="Coop",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        consent_purpose="Suivi",
        consent_given_on=today,
        eligibility_checked_on=today,
        **{"age_band": "25-39", "situation": "job_seeker", **fields},
    )


def _form(**fields):
    return {
        "first_name": "Léa",
        "last_name": "Martin",
        "age_band": "25-39",
        "situation": "employed",
        "eligibility": EligibilityCriterion.objects.get(code="rsa").pk,
        "eligibility_checked_on": "2026-11-02",
        "consent_purpose": "Suivi",
        "consent_given_on": "2026-11-02",
        "consent": "on",
        **fields,
    }


def test_a_new_person_gets_la_coops_bands_only(client, staff):
    client.force_login(staff)
    page = unescape(client.get(reverse("beneficiaries:person_create")).content.decode())
    for band in ("Mineur(e)", "18 - 24 ans", "25 - 39 ans", "40 - 59 ans", "60 - 69 ans"):
        assert band in page
    assert "70 ans ou plus" in page and "Non communiqué" in page
    assert "ancien découpage" not in page
    response = client.post(reverse("beneficiaries:person_create"), _form(age_band="26-44"))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in unescape(response.content.decode())
    assert not Person.objects.exists()


def test_a_former_band_is_kept_until_changed(client, structure, staff):
    person = _person(structure, staff, age_band="26-44")
    client.force_login(staff)
    url = reverse("beneficiaries:person_edit", args=[person.pk])
    page = unescape(client.get(url).content.decode())
    assert "26 à 44 ans (ancien découpage)" in page
    assert "45 à 64 ans (ancien découpage)" not in page  # only the person's own
    person.refresh_from_db()
    assert person.get_age_band_display() == "26 à 44 ans (ancien découpage)"


def test_situations_are_counted_in_la_coops_categories(client, structure, staff, coordinator):
    from decimal import Decimal

    from beneficiaries.models import Allocation
    from inventory.enums import DeviceStatus as S
    from reconditioning.demo import walk_to
    from tests.factories import make_batch, make_device

    workshop = OrganisationFactory(kind=OrganisationKind.WORKSHOP)
    tech = member(workshop, Role.TECHNICIAN)
    people = [
        _person(structure, staff, situation=situation)
        for situation in ("job_seeker", "inactive", "employed", "student")
    ]
    for person in people:
        device = walk_to(make_device(make_batch(workshop)), S.READY, tech)
        Allocation.objects.create(
            device=device,
            structure=structure,
            person=person,
            charge=Decimal("0"),
            tariff_amount=Decimal("0"),
            handed_over_by=staff,
        )
    start = timezone.localdate().replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    report = funder_report_build(
        user=coordinator,
        filters=FunderFilters(start, end),
    )
    situations = {label: n for _code, label, n in report.by_situation}
    assert situations == {
        "Scolarisé(e)": 1,
        "Sans emploi": 2,
        "En emploi": 1,
        "Retraité(e)": 0,
        "Non communiqué ou hétérogène": 0,
    }
    client.force_login(coordinator)
    rows = client.get(
        reverse("beneficiaries:allocation_rows"),
        {"from": start.isoformat(), "to": end.isoformat(), "situation": "unemployed"},
    )
    assert rows.content.decode().count('href="/attributions/') == 2
