"""Communes typed as people know them (issue 15): by name, postal code or INSEE code, with
suggestions as they type; a postal code shared by several communes offers them all."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from beneficiaries.models import Commune, EligibilityCriterion, Person
from beneficiaries.territories import commune_resolve, commune_suggestions, communes_matching

pytestmark = pytest.mark.django_db


def person_post_data(**extra):
    return {
        "last_name": "Martin",
        "age_band": "40-59",
        "situation": "retired",
        "eligibility": EligibilityCriterion.objects.get(code="aspa").pk,
        "eligibility_checked_on": "2026-11-20",
        "consent_purpose": "Suivi",
        "consent_given_on": "2026-11-20",
        **extra,
    }


@pytest.fixture
def communes(db):
    call_command("loaddata", "territories_92", verbosity=0)


@pytest.mark.parametrize(
    "typed",
    ["Nanterre", "nanterre", " NANTERRE ", "92000", "92050", "92050 Nanterre"],
)
def test_one_commune_by_its_name_postal_or_insee_code(communes, typed):
    assert commune_resolve(typed).code_insee == "92050"


@pytest.mark.parametrize(
    ("typed", "insee"),
    [("Sevres", "92072"), ("St-Cloud", "92064"), ("saint cloud", "92064"), ("Boulogne", "92012")],
)
def test_accents_hyphens_saint_and_beginnings(communes, typed, insee):
    assert commune_resolve(typed).code_insee == insee


def test_unknown_and_ambiguous_names_say_what_to_do(communes):
    with pytest.raises(ValidationError) as unknown:
        commune_resolve("Paris")
    assert "tapez son nom ou son code postal" in unknown.value.messages[0]


def test_a_name_inside_others_is_still_the_exact_one(communes):
    assert commune_resolve("Colombes").code_insee == "92025"
    with pytest.raises(ValidationError) as several:
        commune_resolve("Garenne")  # La Garenne-Colombes and Villeneuve-la-Garenne
    message = several.value.messages[0]
    assert "plusieurs communes" in message
    assert "La Garenne-Colombes" in message and "Villeneuve-la-Garenne" in message


def test_a_shared_postal_code_offers_every_commune():
    for code, name in (("95450", "Ableiges"), ("95451", "Us"), ("95456", "Vigny")):
        Commune.objects.create(
            code_insee=code, name=name, department="95", region="11", postal_codes=["95450"]
        )
    assert [c.name for c in communes_matching("95450")] == ["Ableiges", "Us", "Vigny"]
    with pytest.raises(ValidationError):
        commune_resolve("95450")
    assert commune_resolve("95451 Us").name == "Us"  # the option picked in the list


def test_suggestions_as_the_person_types(client, communes, technician):
    client.force_login(technician)
    url = reverse("beneficiaries:commune_suggestions")
    body = client.get(url, {"commune": "nant"}).content.decode()
    assert '<option value="92050 Nanterre">Nanterre (92000)</option>' in body
    by_postal = client.get(url, {"commune_insee": "921"}).content.decode()
    assert "Boulogne-Billancourt (92100)" in by_postal and "Nanterre" not in by_postal
    assert commune_suggestions("") == []


def test_the_person_form_takes_a_name_and_refuses_an_unknown_one(
    client, communes, mediator, structure
):
    client.force_login(mediator)
    form = client.get(reverse("beneficiaries:person_create")).content.decode()
    assert 'list="id_commune-suggestions"' in form and 'hx-get="/communes/suggestions/"' in form
    assert '<option value="" selected>—</option>' in form.split('name="age_band"')[1][:400]
    data = person_post_data(commune="Nanterre")
    client.post(reverse("beneficiaries:person_create"), data)
    assert Person.objects.get().commune_id == "92050"
    page = client.post(reverse("beneficiaries:person_create"), person_post_data(commune="Paris"))
    assert "Aucune commune ne s" in page.content.decode() and Person.objects.count() == 1
