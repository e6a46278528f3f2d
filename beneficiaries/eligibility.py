"""Eligibility, as the law asks (décret of 7 November 2022): a device donated by a public body
may be sold at a capped solidarity price only to people in precarity, or to associations
serving them. The structure records the kind of proof it saw and the date, never a copy; the
proof counts for settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organisation, User

from .models import EligibilityCheck, EligibilityProofKind, Person, Structure
from .privacy import require_not_erased


class EligibilityMissing(ValidationError):
    """A hand-over refused for want of a valid proof: the screen offers to record one."""

    def __init__(self, message, *, person: Person):
        super().__init__(message)
        self.person = person


def recheck_days() -> int | None:
    """How long a proof counts, in days (None: it never lapses)."""
    months = settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS
    return round(months * 365.25 / 12) if months else None


def _date(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


# The list of kinds (coordination)


@transaction.atomic
def proof_kind_create(*, name: str, user: User, order: int | None = None) -> EligibilityProofKind:
    permissions.require(user, "eligibility.manage_proofs")
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the kind of proof a name."))
    if EligibilityProofKind.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("“%(name)s” is already in the list.") % {"name": name})
    base = slugify(name)[:34] or "justificatif"
    code, n = base, 1
    while EligibilityProofKind.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    if order is None:
        last = EligibilityProofKind.objects.order_by("-order").values_list("order", flat=True)
        order = (last.first() or 0) + 10
    try:
        with transaction.atomic():
            return EligibilityProofKind.objects.create(name=name, code=code, order=order)
    except IntegrityError as exc:  # the same name added at the same moment
        raise ValidationError(_("“%(name)s” is already in the list.") % {"name": name}) from exc


def proof_kind_set_active(
    *, kind: EligibilityProofKind, active: bool, user: User
) -> EligibilityProofKind:
    """Turn a kind off (or on again): the proofs already recorded with it keep counting; a
    kind is never deleted, the checks that name it stay readable."""
    permissions.require(user, "eligibility.manage_proofs")
    EligibilityProofKind.objects.filter(pk=kind.pk).update(active=active)
    kind.active = active
    return kind


def structure_set_serves_precarity(*, structure: Structure, value: bool, user: User) -> Structure:
    permissions.require(user, "structures.set_precarity")
    Structure.objects.filter(pk=structure.pk).update(serves_precarity=value)
    structure.serves_precarity = value
    return structure


# The proofs seen (the structure)


@transaction.atomic
def check_record(
    *, person: Person, kind: EligibilityProofKind, seen_on: date, user: User
) -> EligibilityCheck:
    """The structure saw a proof of this kind on `seen_on`. A correction is a new row."""
    permissions.require(user, "eligibility.record", person)
    require_not_erased(person)
    if not kind.active:
        raise ValidationError(
            _("“%(kind)s” is no longer offered: choose another kind of proof.") % {"kind": kind}
        )
    today = timezone.localdate()
    if seen_on > today:
        raise ValidationError(_("The date the proof was seen cannot be in the future."))
    days = recheck_days()
    if days is not None and seen_on < today - timedelta(days=days):
        raise ValidationError(
            _(
                "A proof seen on %(date)s is more than %(months)s months old and no longer "
                "counts: see a recent one."
            )
            % {"date": _date(seen_on), "months": settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS}
        )
    return EligibilityCheck.objects.create(
        person=person,
        kind=kind,
        seen_on=seen_on,
        structure_id=person.structure_id,
        recorded_by=user,
    )


def check_in_force(person: Person) -> EligibilityCheck | None:
    """The latest proof recorded for the person (a correction supersedes what it corrects)."""
    return (
        EligibilityCheck.objects.filter(person=person)
        .select_related("kind")
        .order_by("-recorded_at", "-id")
        .first()
    )


def check_valid_on(check: EligibilityCheck | None, on: date) -> bool:
    if check is None:
        return False
    days = recheck_days()
    return days is None or check.seen_on >= on - timedelta(days=days)


def proof_lacking(
    *, person: Person | None, structure: Organisation, public_body: bool, on: date | None = None
) -> bool:
    """Whether selling a public body's device to the person would be refused for want of a
    valid proof (the hand-over page warns before the mediator asks)."""
    if not public_body or person is None:
        return False
    try:  # the hand-over's own rule, for a sale (any charge above zero)
        eligibility_for_handover(
            person=person, structure=structure, public_body=True, amount=Decimal("1"), on=on
        )
    except EligibilityMissing:
        return True
    return False


@dataclass
class Eligibility:
    """What a hand-over relies on: the person's proof in force (kept on the allocation even
    when the law asks nothing, for the funder's report), the association's own eligibility."""

    check: EligibilityCheck | None = None
    required: bool = False
    by_structure: bool = False


def eligibility_for_handover(
    *,
    person: Person | None,
    structure: Organisation,
    public_body: bool,
    amount: Decimal,
    on: date | None = None,
) -> Eligibility:
    """The law asks for it when a public body's device is sold (a charge above zero): a proof
    seen within the interval, unless the structure is an association serving people in
    precarity. Refuses with EligibilityMissing when nothing makes the sale lawful."""
    on = on or timezone.localdate()
    in_force = check_in_force(person) if person is not None else None
    valid = in_force if check_valid_on(in_force, on) else None
    if not public_body or amount <= 0:
        return Eligibility(check=valid)
    if Structure.objects.filter(organisation=structure, serves_precarity=True).exists():
        return Eligibility(check=valid, required=True, by_structure=True)
    if person is None:
        raise ValidationError(
            _(
                "A device donated by a public body is sold at a solidarity price only to people "
                "in precarity or to associations serving them: hand it over to a person with "
                "their proof, or ask the coordination to record that your structure serves "
                "people in precarity."
            )
        )
    if valid is not None:
        return Eligibility(check=valid, required=True)
    months = settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS
    if in_force is None:
        message = _(
            "This device was donated by a public body: sold at a solidarity price, it may only "
            "go to a person in precarity. No proof of eligibility is recorded for %(person)s: "
            "record the kind of proof seen (RSA, AAH, CSS…) and its date on their page."
        ) % {"person": person}
    else:
        message = _(
            "This device was donated by a public body: sold at a solidarity price, it may only "
            "go to a person in precarity. The proof recorded for %(person)s (%(kind)s, seen on "
            "%(date)s) is more than %(months)s months old: record a recent one on their page."
        ) % {
            "person": person,
            "kind": in_force.kind,
            "date": _date(in_force.seen_on),
            "months": months,
        }
    raise EligibilityMissing(message, person=person)
