"""People and trainings: who may receive a device, and whether their training is complete."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import permissions
from accounts.enums import OrganisationKind
from accounts.models import Organisation, User

from .mednum import read_mednum_csv
from .mednum_schema import MAX_ERRORS, SCHEMA_VERSION, validate_mednum_schema
from .models import (
    Commune,
    DeviceTraining,
    EligibilityCriterion,
    Enrolment,
    Person,
    Structure,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
    TrainingWaiver,
)


def require_structure_member(user: User, structure: Organisation) -> None:
    if structure.kind != OrganisationKind.MEDIATION:
        raise ValidationError(_("This organisation is not a mediation structure."))
    permissions.require(user, "structures.act_for", structure)


@transaction.atomic
def person_create(
    *,
    structure: Organisation,
    user: User,
    eligibility: EligibilityCriterion,
    age_band: str,
    situation: str,
    consent_purpose: str,
    consent_given_on: date,
    eligibility_checked_on: date,
    first_name: str = "",
    last_name: str = "",
    reference: str = "",
    phone: str = "",
    email: str = "",
    commune=None,
    eligibility_justification: str = "",
) -> Person:
    """Refer a person. Either a name or the structure's own reference is needed."""
    require_structure_member(user, structure)
    if not last_name.strip() and not reference.strip():
        raise ValidationError(_("Give the person's last name, or your own reference only."))
    if eligibility.needs_justification and not eligibility_justification.strip():
        raise ValidationError(_("This eligibility criterion needs a justification."))
    if reference and Person.objects.filter(structure=structure, reference=reference).exists():
        raise ValidationError(
            _("Your structure already uses the reference %(ref)s.") % {"ref": reference}
        )
    if consent_given_on > date.today():
        raise ValidationError(_("The consent cannot be dated in the future."))
    return Person.objects.create(
        structure=structure,
        referred_by=user,
        reference=reference.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone,
        email=email,
        commune=commune,
        age_band=age_band,
        situation=situation,
        eligibility=eligibility,
        eligibility_justification=eligibility_justification.strip(),
        eligibility_checked_on=eligibility_checked_on,
        consent_purpose=consent_purpose,
        consent_given_on=consent_given_on,
        consent_recorded_by=user,
    )


def programme_for(device_type: str) -> TrainingProgramme | None:
    rule = (
        DeviceTraining.objects.select_related("programme").filter(device_type=device_type).first()
    )
    return rule.programme if rule else None


def training_missing(person: Person, programme: TrainingProgramme) -> list[TrainingModule]:
    """Required modules of the programme the person has not attended."""
    attended = set(
        TrainingModule.objects.filter(
            trainingsession__enrolments__person=person,
            trainingsession__enrolments__attended=True,
            trainingsession__starts_at__lte=timezone.now(),
            programme=programme,
        ).values_list("pk", flat=True)
    )
    return [m for m in programme.modules.filter(required=True) if m.pk not in attended]


def training_complete(person: Person, programme: TrainingProgramme) -> bool:
    return not training_missing(person, programme)


@transaction.atomic
def session_create(
    *,
    structure: Organisation,
    user: User,
    programme: TrainingProgramme,
    modules,
    starts_at,
    place: str,
    trainer: str,
    capacity: int,
) -> TrainingSession:
    require_structure_member(user, structure)
    modules = list(modules)
    if any(m.programme_id != programme.pk for m in modules):
        raise ValidationError(_("Every module must belong to the programme."))
    if not modules:
        raise ValidationError(_("Choose the modules the session covers."))
    session = TrainingSession.objects.create(
        structure=structure,
        programme=programme,
        starts_at=starts_at,
        place=place,
        trainer=trainer,
        capacity=capacity,
    )
    session.modules.set(modules)
    return session


@transaction.atomic
def enrol(*, session: TrainingSession, person: Person, user: User) -> Enrolment:
    require_structure_member(user, session.structure)
    if person.structure_id != session.structure_id:
        raise ValidationError(_("This person is referred by another structure."))
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if Enrolment.objects.filter(session=session, person=person).exists():
        raise ValidationError(_("This person is already enrolled."))
    if session.enrolments.count() >= session.capacity:
        raise ValidationError(
            ngettext(
                "The session is full (%(n)s place).",
                "The session is full (%(n)s places).",
                session.capacity,
            )
            % {"n": session.capacity}
        )
    return Enrolment.objects.create(session=session, person=person, recorded_by=user)


@transaction.atomic
def attendance_record(*, session: TrainingSession, present: set[int], user: User) -> int:
    """Mark who attended (person ids in `present`) and who did not; returns the present count."""
    require_structure_member(user, session.structure)
    if session.starts_at > timezone.now():
        raise ValidationError(_("Attendance is recorded once the session has taken place."))
    enrolments = list(session.enrolments.select_for_update())
    for enrolment in enrolments:
        enrolment.attended = enrolment.person_id in present
        enrolment.recorded_by = user
    Enrolment.objects.bulk_update(enrolments, ["attended", "recorded_by"])
    return sum(e.attended for e in enrolments)


def waiver_grant(
    *, person: Person, programme: TrainingProgramme, reason: str, user: User
) -> TrainingWaiver:
    permissions.require(user, "people.waive_training")
    if not reason.strip():
        raise ValidationError(_("A waiver needs a reason."))
    return TrainingWaiver.objects.create(
        person=person, programme=programme, reason=reason.strip(), granted_by=user
    )


# The ids our own national export gives structures that had none (beneficiaries.mednum_export).
_OWN_EXPORT_ID = re.compile(r"^filiere-structure-(\d{1,18})$")


def _structure_for_place(place_id: str) -> Structure | None:
    structure = Structure.objects.select_related("organisation").filter(mednum_id=place_id).first()
    own = _OWN_EXPORT_ID.match(place_id)
    if structure is None and own:
        # Re-importing our own export updates the structure it came from, never duplicates it.
        structure = (
            Structure.objects.select_related("organisation")
            .filter(pk=int(own.group(1)), mednum_id__isnull=True)
            .first()
        )
    return structure


@transaction.atomic
def structures_import_mednum(*, content: bytes, user: User) -> dict:
    """Create or update mediation structures from the national open data (LaMednum schema),
    keyed by the schema's id: re-importing updates, never duplicates. Rows breaking the schema
    are reported and skipped; the others are written. The file is also checked against the
    schema's schema.json (beneficiaries.mednum_schema): its findings are listed, not applied."""
    permissions.require(user, "structures.import")
    parsed = read_mednum_csv(content)
    schema_errors = validate_mednum_schema(content)
    communes = {
        commune.code_insee: commune
        for commune in Commune.objects.filter(
            code_insee__in={p.code_insee for p in parsed.places if p.code_insee}
        ).only("code_insee", "name", "postal_codes")
    }
    issues = [
        {"line": i.line, "field": i.field, "message": i.message, "blocking": i.blocking}
        for i in parsed.issues
    ]
    created = updated = 0
    for place in parsed.places:
        commune = communes.get(place.code_insee)
        if (
            commune is not None
            and commune.postal_codes
            and place.postal_code
            and place.postal_code not in commune.postal_codes
        ):
            # Same département, yet not this commune's code: one of the two is wrong.
            issues.append(
                {
                    "line": place.line,
                    "field": "code_insee",
                    "message": _(
                        "The INSEE code %(code_insee)s (%(commune)s) contradicts the postal code "
                        "%(postal_code)s: that commune's postal codes are %(codes)s."
                    )
                    % {
                        "code_insee": place.code_insee,
                        "commune": commune.name,
                        "postal_code": place.postal_code,
                        "codes": ", ".join(commune.postal_codes),
                    },
                    "blocking": True,
                }
            )
            continue
        structure = _structure_for_place(place.id)
        if structure is None:
            organisation = Organisation.objects.create(
                name=place.name[:200],
                kind=OrganisationKind.MEDIATION,
                siret=place.pivot if len(place.pivot) == 14 and place.pivot.isdigit() else "",
                commune_insee=place.code_insee,
            )
            structure = Structure(organisation=organisation, mednum_id=place.id)
            created += 1
        else:
            organisation = structure.organisation
            organisation.name = place.name[:200]
            organisation.commune_insee = place.code_insee
            if len(place.pivot) == 14 and place.pivot.isdigit():
                organisation.siret = place.pivot
            organisation.save()
            updated += 1
        structure.pivot = place.pivot[:14]
        structure.address = place.address[:300]
        structure.postal_code = place.postal_code
        structure.commune_id = place.code_insee if commune is not None else None
        structure.programmes = place.programmes
        structure.contact_email = (place.emails or [""])[0][:254]
        structure.contact_phone = place.phone[:30]
        structure.updated_on = place.updated_on
        structure.latitude, structure.longitude = place.latitude, place.longitude
        structure.opening_hours = place.opening_hours[:500]
        structure.services = place.services
        structure.website = place.website[:300]
        structure.save()
    issues.sort(key=lambda i: (i["line"] is not None, i["line"] or 0))
    return {
        "created": created,
        "updated": updated,
        "total": parsed.total_rows,
        "issues": issues,
        "schema_version": SCHEMA_VERSION,
        "schema_errors": [
            {"line": e.line, "field": e.column, "message": e.message} for e in schema_errors
        ],
        "schema_errors_capped": len(schema_errors) >= MAX_ERRORS,
    }


@transaction.atomic
def person_update(*, person: Person, user: User, **fields) -> Person:
    """Correct a person's record; the same rules as at referral."""
    require_structure_member(user, person.structure)
    if person.anonymised_at:
        # Erased or anonymised for good: refer the person again if they come back.
        raise ValidationError(_("This person's data was erased: refer them again instead."))
    fields.pop("pseudonymous", None)
    last_name, reference = fields.get("last_name", ""), fields.get("reference", "")
    if not last_name.strip() and not reference.strip():
        raise ValidationError(_("Give the person's last name, or your own reference only."))
    eligibility = fields.get("eligibility") or person.eligibility
    if eligibility.needs_justification and not fields.get("eligibility_justification", "").strip():
        raise ValidationError(_("This eligibility criterion needs a justification."))
    if (
        reference
        and Person.objects.filter(structure=person.structure, reference=reference)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ValidationError(
            _("Your structure already uses the reference %(ref)s.") % {"ref": reference}
        )
    for name, value in fields.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    person.save()
    return person
