"""Eligibility, as the law asks (issue 15; décret of 7 November 2022): a device donated by a
public body, sold at a capped solidarity price, goes only to a person whose proof of precarity
was seen within FILIERE_ELIGIBILITY_RECHECK_MONTHS, or through an association serving people
in precarity. The kind of proof and its date are recorded, never a copy; the coordination
keeps the list of kinds in the app; the funder report counts people by kind of proof."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from beneficiaries import allocations, eligibility, orders, privacy, services
from beneficiaries.models import (
    Allocation,
    EligibilityCheck,
    EligibilityCriterion,
    EligibilityProofKind,
    ExemptionReason,
    FundingProgramme,
    Person,
    Structure,
)
from inventory.enums import DeviceStatus as S
from reconditioning.demo import walk_to
from reports.funder import (
    HIDDEN,
    FunderFilters,
    funder_report_build,
    funder_report_csv,
    funder_report_xlsx,
)
from reports.periods import MONTH, Period
from tests.beneficiaries.conftest import public_ready_laptop, train
from tests.factories import OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def kind(code: str) -> EligibilityProofKind:
    return EligibilityProofKind.objects.get(code=code)


def ready_for(person, structure, mediator, coordinator, workshop, technician, funding=None):
    """An order for the person, approved, the (only ready) laptop reserved and ready."""
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=[{"device_type": "laptop", "quantity": 1, "person": person}],
    )
    orders.order_submit(order=order, user=mediator)
    orders.order_decide(
        order=order, user=coordinator, approve=True, workshop=workshop, funding_programme=funding
    )
    orders.order_mark_ready(order=order, user=technician)
    return order.lines.get().reservations.get().device


def company_ready_laptop(workshop, technician):
    device = make_device(
        make_batch(workshop), ram_mb=8192, drives=[{"capacity_gb": 256, "kind": "ssd"}]
    )
    return walk_to(device, S.READY, technician)


def old_check(person, code: str, days_ago: int, user) -> EligibilityCheck:
    """A proof recorded long ago (the service refuses to record a date already lapsed)."""
    return EligibilityCheck.objects.create(
        person=person,
        kind=kind(code),
        seen_on=TODAY - datetime.timedelta(days=days_ago),
        structure_id=person.structure_id,
        recorded_by=user,
    )


@pytest.fixture
def trained(person, programme, mediator):
    train(person, programme, mediator)
    return person


# The list of kinds


def test_the_kinds_the_law_names_are_there_from_the_start():
    names = list(EligibilityProofKind.objects.values_list("name", flat=True))
    assert names[:5] == [
        "Revenu de solidarité active (RSA)",
        "Allocation de solidarité spécifique (ASS)",
        "Allocation aux adultes handicapés (AAH)",
        "Complémentaire santé solidaire (CSS)",
        "Minimum vieillesse (ASPA)",
    ]
    assert "Bourse étudiante (sur critères sociaux)" in names
    assert "Orientation par un travailleur social" in names
    # A proof is a kind and a date: the model has no place for a copy of the document.
    fields = {f.get_internal_type() for f in EligibilityCheck._meta.get_fields() if f.concrete}
    assert not fields & {"FileField", "ImageField", "BinaryField"}


# The rule, in the service


def test_a_public_bodys_device_sold_needs_a_proof(
    structure, mediator, coordinator, workshop, technician, trained
):
    public_ready_laptop(workshop, technician)
    device = ready_for(trained, structure, mediator, coordinator, workshop, technician)
    with pytest.raises(eligibility.EligibilityMissing) as exc:
        allocations.allocation_create(device=device, structure=structure, user=mediator)
    assert "donné par une personne publique" in exc.value.messages[0]
    assert (
        "Aucun justificatif d'éligibilité n'est enregistré pour Awa Traoré"
        in (exc.value.messages[0])
    )
    assert not Allocation.objects.exists()
    device.refresh_from_db()
    assert device.status == "reserved"  # nothing moved

    check = eligibility.check_record(
        person=trained, kind=kind("rsa"), seen_on=TODAY - datetime.timedelta(days=30), user=mediator
    )
    allocation = allocations.allocation_create(device=device, structure=structure, user=mediator)
    assert allocation.charge > 0 and allocation.eligibility_check == check


def test_a_proof_older_than_the_interval_no_longer_counts(
    settings, structure, mediator, coordinator, workshop, technician, trained
):
    public_ready_laptop(workshop, technician)
    device = ready_for(trained, structure, mediator, coordinator, workshop, technician)
    old_check(trained, "aah", 400, mediator)
    with pytest.raises(ValidationError, match="date de plus de 12 mois"):
        allocations.allocation_create(device=device, structure=structure, user=mediator)
    assert not Allocation.objects.exists()
    # The interval is a setting: at 18 months the same proof counts.
    settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS = 18
    assert allocations.allocation_create(device=device, structure=structure, user=mediator)


def test_a_correction_is_a_new_row_and_the_latest_is_in_force(
    structure, mediator, coordinator, workshop, technician, trained
):
    public_ready_laptop(workshop, technician)
    device = ready_for(trained, structure, mediator, coordinator, workshop, technician)
    eligibility.check_record(person=trained, kind=kind("rsa"), seen_on=TODAY, user=mediator)
    # Recorded by mistake with today's date: the proof was in fact seen 13 months ago.
    old = old_check(trained, "rsa", 400, mediator)
    assert EligibilityCheck.objects.filter(person=trained).count() == 2
    assert eligibility.check_in_force(trained) == old
    with pytest.raises(eligibility.EligibilityMissing):
        allocations.allocation_create(device=device, structure=structure, user=mediator)


def test_an_association_serving_people_in_precarity_needs_no_proof_per_person(
    structure, mediator, coordinator, workshop, technician, trained
):
    place = Structure.objects.create(organisation=structure)
    public_ready_laptop(workshop, technician)
    device = ready_for(trained, structure, mediator, coordinator, workshop, technician)
    with pytest.raises(PermissionDenied):
        eligibility.structure_set_serves_precarity(structure=place, value=True, user=mediator)
    eligibility.structure_set_serves_precarity(structure=place, value=True, user=coordinator)
    terms = allocations.handover_terms(device=device, structure=structure, user=mediator)
    assert terms.eligibility.required and terms.eligibility.by_structure
    allocation = allocations.allocation_create(device=device, structure=structure, user=mediator)
    assert allocation.charge > 0 and allocation.eligibility_check is None


def test_a_companys_device_or_a_free_one_needs_no_proof(
    structure, mediator, coordinator, workshop, technician, trained, ready_laptop
):
    # The ready_laptop fixture's donor is a company.
    allocation = allocations.allocation_create(
        device=ready_laptop, structure=structure, user=mediator, person=trained
    )
    assert allocation.charge > 0 and allocation.eligibility_check is None
    # A public body's device at no charge is not sold: the structure's own equipment.
    own = ExemptionReason.objects.get(label__startswith="Équipement de la structure")
    allocation = allocations.allocation_create(
        device=public_ready_laptop(workshop, technician),
        structure=structure,
        user=mediator,
        exemption=own,
        exemption_note="poste d'accueil",
    )
    assert allocation.charge == 0


def test_a_structure_buying_for_itself_must_serve_people_in_precarity(
    structure, mediator, workshop, technician
):
    device = public_ready_laptop(workshop, technician)
    with pytest.raises(ValidationError, match="associations qui les accompagnent"):
        allocations.allocation_create(device=device, structure=structure, user=mediator)
    assert not Allocation.objects.exists()


def test_the_date_seen_is_checked(settings, person, mediator, other_mediator, coordinator):
    with pytest.raises(ValidationError, match="dans le futur"):
        eligibility.check_record(
            person=person,
            kind=kind("rsa"),
            seen_on=TODAY + datetime.timedelta(days=1),
            user=mediator,
        )
    with pytest.raises(ValidationError, match="ne compte plus"):
        eligibility.check_record(
            person=person,
            kind=kind("rsa"),
            seen_on=TODAY - datetime.timedelta(days=400),
            user=mediator,
        )
    for user in (other_mediator, coordinator):  # only the structure that saw it records it
        with pytest.raises(PermissionDenied):
            eligibility.check_record(person=person, kind=kind("rsa"), seen_on=TODAY, user=user)
    off = eligibility.proof_kind_set_active(kind=kind("ass"), active=False, user=coordinator)
    with pytest.raises(ValidationError, match="plus proposé"):
        eligibility.check_record(person=person, kind=off, seen_on=TODAY, user=mediator)
    assert not EligibilityCheck.objects.exists()


# Through the screens


def test_the_hand_over_screen_refuses_then_offers_to_record_the_proof(
    client, structure, mediator, coordinator, workshop, technician, trained
):
    public_ready_laptop(workshop, technician)
    device = ready_for(trained, structure, mediator, coordinator, workshop, technician)
    client.force_login(mediator)
    url = reverse("beneficiaries:handover", args=[device.pk])
    # Warned before asking: the form to record the proof is on the page.
    first = client.get(url).content.decode()
    assert 'id="proof-warning"' in first and 'id="eligibility-form"' in first
    page = client.post(url, {"person": trained.pk, "confirm": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Aucun justificatif d&#x27;éligibilité n&#x27;est enregistré pour Awa Traoré" in html
    assert 'id="proof-missing"' in html and 'name="next" value="' + url in html
    assert not Allocation.objects.exists()

    recorded = client.post(
        reverse("beneficiaries:person_eligibility", args=[trained.pk]),
        {"proof-kind": kind("css").pk, "proof-seen_on": TODAY.isoformat(), "next": url},
    )
    assert recorded.status_code == 302 and recorded["Location"] == url
    check = EligibilityCheck.objects.get()
    assert (check.kind.code, check.seen_on, check.recorded_by) == ("css", TODAY, mediator)

    assert 'id="proof-missing"' not in client.get(url).content.decode()
    recap = client.post(url, {"person": trained.pk})
    assert recap.status_code == 200
    text = recap.content.decode()
    assert "Complémentaire santé solidaire (CSS), vu le" in text
    assert "exigé : appareil donné par une personne publique" in text
    assert not Allocation.objects.exists()
    done = client.post(url, {"person": trained.pk, "confirm": "1"})
    assert done.status_code == 302
    assert Allocation.objects.get().eligibility_check == check


def test_the_person_page_records_proofs_and_lists_them(client, person, mediator):
    client.force_login(mediator)
    page = client.get(person.get_absolute_url())
    html = page.content.decode()
    assert "Aucun justificatif enregistré" in html and 'id="eligibility-form"' in html
    assert "ne gardez jamais de copie du document" in html
    url = reverse("beneficiaries:person_eligibility", args=[person.pk])
    for bad in [(TODAY + datetime.timedelta(days=2)).isoformat(), "2024-01-01", "31/02/2026", ""]:
        response = client.post(url, {"proof-kind": kind("rsa").pk, "proof-seen_on": bad})
        assert response.status_code == 302
    assert not EligibilityCheck.objects.exists()
    page = client.get(person.get_absolute_url()).content.decode()
    assert "dans le futur" in page and "ne compte plus" in page
    assert "Vu le : Saisissez une date valide." in page

    client.post(url, {"proof-kind": kind("aah").pk, "proof-seen_on": TODAY.isoformat()})
    client.post(url, {"proof-kind": kind("rsa").pk, "proof-seen_on": TODAY.isoformat()})
    assert EligibilityCheck.objects.filter(person=person).count() == 2
    html = client.get(person.get_absolute_url()).content.decode()
    assert "Justificatif en vigueur : Revenu de solidarité active (RSA)" in html
    assert html.count("<tr><td>Allocation aux adultes handicapés (AAH)</td>") == 1  # history
    # An external "next" is not followed.
    away = client.post(
        url,
        {
            "proof-kind": kind("rsa").pk,
            "proof-seen_on": TODAY.isoformat(),
            "next": "https://evil.example/",
        },
    )
    assert away["Location"] == person.get_absolute_url() + "#eligibility"


def test_only_the_coordination_edits_the_list_of_kinds(client, coordinator, mediator):
    url = reverse("beneficiaries:proof_kind_list")
    before = EligibilityProofKind.objects.count()
    funder = member(
        OrganisationFactory(name="CAF", kind=OrganisationKind.FUNDER), Role.STAFF, username="caf"
    )
    for user in (mediator, funder):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "Quotient familial"}).status_code == 403
        toggle = reverse("beneficiaries:proof_kind_toggle", args=[kind("rsa").pk])
        assert client.post(toggle, {"active": "0"}).status_code == 403
    assert EligibilityProofKind.objects.count() == before and kind("rsa").active

    client.force_login(coordinator)
    page = client.get(url)
    assert (
        page.status_code == 200 and "Complémentaire santé solidaire (CSS)" in page.content.decode()
    )
    assert client.post(url, {"name": "  Quotient familial CAF  "}).status_code == 302
    added = EligibilityProofKind.objects.get(name="Quotient familial CAF")
    assert added.active and added.code == "quotient-familial-caf"
    shown = [k.name for k in client.get(url).context["kinds"]]
    assert shown[0] == "Revenu de solidarité active (RSA)" and shown[-1] == added.name
    again = client.post(url, {"name": "quotient familial caf"})
    assert again.status_code == 200 and "déjà dans la liste" in again.content.decode()
    assert client.post(url, {"name": "   "}).status_code == 200
    assert EligibilityProofKind.objects.count() == before + 1

    toggle = reverse("beneficiaries:proof_kind_toggle", args=[kind("ass").pk])
    assert client.post(toggle, {"active": "0"}).status_code == 302
    assert not kind("ass").active  # turned off, never deleted
    form_choices = client.get(url)  # still listed on the coordination's page
    assert "Allocation de solidarité spécifique (ASS)" in form_choices.content.decode()


def test_a_kind_turned_off_is_no_longer_offered_but_its_proofs_stay(
    client, person, mediator, coordinator
):
    check = eligibility.check_record(person=person, kind=kind("ass"), seen_on=TODAY, user=mediator)
    eligibility.proof_kind_set_active(kind=kind("ass"), active=False, user=coordinator)
    client.force_login(mediator)
    html = client.get(person.get_absolute_url()).content.decode()
    assert f'<option value="{kind("ass").pk}"' not in html
    assert "Allocation de solidarité spécifique (ASS)" in html  # the proof recorded
    assert eligibility.check_in_force(person) == check
    with pytest.raises(Exception):  # noqa: B017 - PROTECT: a kind in use is never deleted
        kind("ass").delete()


def test_the_coordination_marks_a_structure_serving_people_in_precarity(
    client, structure, coordinator, mediator
):
    place = Structure.objects.create(organisation=structure)
    url = reverse("beneficiaries:structure_precarity", args=[place.pk])
    client.force_login(mediator)
    assert client.post(url, {"serves_precarity": "1"}).status_code == 403
    place.refresh_from_db()
    assert not place.serves_precarity
    client.force_login(coordinator)
    page = client.get(reverse("beneficiaries:structure_list"))
    assert "Enregistrer comme association accompagnant" in page.content.decode()
    assert client.post(url, {"serves_precarity": "1"}).status_code == 302
    place.refresh_from_db()
    assert place.serves_precarity


# The funder report


@pytest.fixture
def funded_with_proofs(structure, mediator, coordinator, workshop, technician, programme):
    """Laptops of a public body handed over under the Département's programme: 3 people with
    an RSA proof, 6 with an AAH proof; one company laptop to a person with no proof."""
    funder_org = OrganisationFactory(name="Département", kind=OrganisationKind.FUNDER)
    funding = FundingProgramme.objects.create(funder=funder_org, name="Inclusion 2026")
    rsa = EligibilityCriterion.objects.get(code="rsa")
    people = []
    for i, code in enumerate(["rsa"] * 3 + ["aah"] * 6 + [None]):
        person = services.person_create(
            structure=structure,
            user=mediator,
            reference=f"P{i}",
            age_band="26-44",
            situation="job_seeker",
            eligibility=rsa,
            consent_purpose="x",
            consent_given_on=TODAY,
            eligibility_checked_on=TODAY,
        )
        train(person, programme, mediator)
        if code:
            eligibility.check_record(person=person, kind=kind(code), seen_on=TODAY, user=mediator)
            public_ready_laptop(workshop, technician)
        else:
            company_ready_laptop(workshop, technician)
        device = ready_for(
            person, structure, mediator, coordinator, workshop, technician, funding=funding
        )
        allocations.allocation_create(device=device, structure=structure, user=mediator)
        people.append(person)
    return {"funder": member(funder_org, Role.STAFF, username="dept"), "programme": funding}


def test_the_funder_report_counts_people_by_kind_of_proof(client, funded_with_proofs, coordinator):
    period = FunderFilters.for_period(
        Period(TODAY.year, MONTH, TODAY.month), funded_with_proofs["programme"]
    )
    staff = funder_report_build(user=coordinator, filters=period)
    counts = {code: n for code, _label, n in staff.by_proof}
    assert counts["rsa"] == 3 and counts["aah"] == 6 and counts["none"] == 1
    assert counts["css"] == 0  # every kind listed
    assert sum(counts.values()) == staff.people == 10

    funder = funded_with_proofs["funder"]
    masked = funder_report_build(user=funder, filters=period)
    shown = {code: n for code, _label, n in masked.by_proof}
    assert shown["rsa"] == HIDDEN and shown["css"] == HIDDEN and shown["none"] == HIDDEN
    csv = funder_report_csv(masked).decode("utf-8-sig")
    line = next(x for x in csv.splitlines() if "Revenu de solidarité active" in x)
    assert line.endswith(";—") and "3" not in line.split(";")[-1]
    sheet = openpyxl.load_workbook(io.BytesIO(funder_report_xlsx(masked))).worksheets[0]
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert cells["Justificatif d'éligibilité : Revenu de solidarité active (RSA)"] == "—"
    staff_sheet = openpyxl.load_workbook(io.BytesIO(funder_report_xlsx(staff))).worksheets[0]
    cells = {row[0]: row[1] for row in staff_sheet.iter_rows(values_only=True)}
    assert cells["Justificatif d'éligibilité : Allocation aux adultes handicapés (AAH)"] == 6

    client.force_login(funder)
    page = client.get(
        reverse("beneficiaries:funder_report"),
        {"year": TODAY.year, "part": f"{TODAY.month:02d}"},
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'id="proof-figures"' in html
    assert '<td>Revenu de solidarité active (RSA)</td><td class="num">—</td>' in html
    client.force_login(coordinator)
    html = client.get(
        reverse("beneficiaries:funder_report"),
        {
            "year": TODAY.year,
            "part": f"{TODAY.month:02d}",
            "programme": funded_with_proofs["programme"].pk,
        },
    ).content.decode()
    assert 'proof=rsa">3</a>' in html and 'proof=none">1</a>' in html
    # Each figure opens on the rows it counts.
    rows = client.get(
        reverse("beneficiaries:allocation_rows"),
        {"from": period.date_from, "to": period.date_to, "proof": "rsa"},
    )
    assert rows.context["count"] == 3


def test_the_recap_names_no_proof_for_a_device_that_needs_none(
    client, structure, mediator, coordinator, workshop, technician, trained, ready_laptop
):
    device = ready_for(trained, structure, mediator, coordinator, workshop, technician)
    client.force_login(mediator)
    page = client.get(reverse("beneficiaries:handover", args=[device.pk])).content.decode()
    assert 'id="proof-warning"' not in page and 'id="proof-missing"' not in page
    recap = client.post(reverse("beneficiaries:handover", args=[device.pk]), {"person": trained.pk})
    assert recap.status_code == 200 and 'id="recap-eligibility"' not in recap.content.decode()
    assert Decimal(str(allocations.tariff_for(device))) > 0


def test_the_right_of_access_lists_the_proofs_seen(person, mediator, coordinator):
    eligibility.check_record(person=person, kind=kind("css"), seen_on=TODAY, user=mediator)
    data = privacy.person_export(person=person, user=coordinator)
    assert data["eligibility"]["proofs_seen"] == [
        {
            "kind": "Complémentaire santé solidaire (CSS)",
            "seen_on": TODAY.isoformat(),
            "recorded_by": "med",
            "recorded_at": data["eligibility"]["proofs_seen"][0]["recorded_at"],
        }
    ]


def test_the_proof_can_be_recorded_at_referral(client, structure, mediator):
    client.force_login(mediator)
    url = reverse("beneficiaries:person_create")
    base = {
        "reference": "ACC-1",
        "age_band": "25-39",
        "situation": "job_seeker",
        "eligibility": EligibilityCriterion.objects.get(code="rsa").pk,
        "eligibility_checked_on": TODAY.isoformat(),
        "consent_purpose": "Suivi",
        "consent_given_on": TODAY.isoformat(),
    }
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    refused = client.post(url, {**base, "proof_kind": kind("rsa").pk, "proof_seen_on": future})
    assert refused.status_code == 200 and "dans le futur" in refused.content.decode()
    assert not Person.objects.exists() and not EligibilityCheck.objects.exists()
    done = client.post(
        url, {**base, "proof_kind": kind("aah").pk, "proof_seen_on": TODAY.isoformat()}
    )
    assert done.status_code == 302
    check = EligibilityCheck.objects.get()
    assert check.person == Person.objects.get() and check.kind.code == "aah"
    # None seen yet: the person is referred without a proof.
    assert client.post(url, {**base, "reference": "ACC-2"}).status_code == 302
    assert Person.objects.count() == 2 and EligibilityCheck.objects.count() == 1
