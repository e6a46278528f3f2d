"""Personal data of the people structures accompany: retention, right of access, right to
erasure, and the audit trail of who looked at it. See docs/privacy.md.

Anonymising and erasing keep the person's row (allocations, receipts and funder reports point
at it) but blank everything that identifies them: names, contact, the structure's reference
(replaced by a pseudonym), free-text notes; dates are cut down to their year. What the reports
count stays: age band, situation, commune, structure, eligibility criterion."""

import hashlib
import json
import re
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User

from .models import (
    Allocation,
    AuditLog,
    EligibilityCheck,
    Enrolment,
    LimitOverride,
    Order,
    OrderEvent,
    OrderLine,
    OrderStep,
    Payment,
    Person,
    TrainingWaiver,
)

# People with no activity for this long are anonymised (docs/privacy.md, "Retention").
RETENTION = timedelta(days=730)
# The access log is kept one year (CNIL's recommendation for access logs), then deleted.
AUDIT_RETENTION = timedelta(days=365)


# Audit trail


def audit(
    *,
    user: User | None,
    action: str,
    person: Person | None = None,
    person_id: int | None = None,
    detail: str = "",
) -> AuditLog:
    """One line in the trail. No name is copied: the person is a foreign key, so an erased
    person reads as their pseudonym in the trail too."""
    organisation = None
    if user is not None and user.is_authenticated:
        memberships = user.memberships_cached()
        organisation = memberships[0].organisation if memberships else None
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "",
        organisation=organisation,
        action=action,
        person_id=person.pk if person is not None else person_id,
        detail=detail[:300],
    )


# Retention


def activity_conditions(cutoff: datetime) -> list:
    """Activity of a person on or after cutoff, one condition per kind of event. "Activity" is:
    the person's record created or edited; an order line for them whose order was created,
    submitted or decided; a device handed over to them or returned; a payment received for one
    of their devices; an enrolment in a training session, or a session they are enrolled in
    taking place (attendance is recorded at the session); a training waiver granted."""
    person = OuterRef("pk")
    return [
        Q(created_at__gte=cutoff),
        Q(updated_at__gte=cutoff),
        Exists(
            OrderLine.objects.filter(person=person).filter(
                Q(order__created_at__gte=cutoff)
                | Q(order__submitted_at__gte=cutoff)
                | Q(order__decided_at__gte=cutoff)
            )
        ),
        Exists(
            Allocation.objects.filter(person=person).filter(
                Q(handed_over_at__gte=cutoff) | Q(returned_at__gte=cutoff)
            )
        ),
        Exists(Payment.objects.filter(allocation__person=person, created_at__gte=cutoff)),
        Exists(
            Enrolment.objects.filter(person=person).filter(
                Q(created_at__gte=cutoff) | Q(session__starts_at__gte=cutoff)
            )
        ),
        Exists(TrainingWaiver.objects.filter(person=person, granted_at__gte=cutoff)),
    ]


def people_inactive(now: datetime | None = None):
    """People not anonymised yet with no activity since now - RETENTION."""
    cutoff = (now or timezone.now()) - RETENTION
    active = Q()
    for condition in activity_conditions(cutoff):
        active |= condition
    return Person.objects.filter(anonymised_at__isnull=True).exclude(active)


def pseudonym_code(person: Person) -> str:
    """A short code, stable for a person, that says nothing about them without the key."""
    key = settings.SECRET_KEY.encode()[:64]
    return hashlib.blake2b(str(person.pk).encode(), key=key, digest_size=4).hexdigest()


def _year_only(value: date | None) -> date | None:
    return value.replace(month=1, day=1) if value else value


def require_not_erased(person: Person | None) -> None:
    """Orders and hand-overs are for people the structure can still name: an erased or
    anonymised person is referred again (a new record) if they come back."""
    if person is not None and person.anonymised_at:
        raise ValidationError(_("This person's data was erased: refer them again instead."))


def _identifiers(person: Person) -> set[str]:
    """What identified the person, as stored in free text: each value and its JSON-escaped
    form (the admin stores change messages as JSON, "é" as "\\u00e9")."""
    values = {
        " ".join(p for p in [person.first_name, person.last_name] if p),
        person.first_name,
        person.last_name,
        person.reference,
        person.phone,
        person.email,
    }
    values = {v for v in values if len(v) >= 2}
    return values | {json.dumps(v)[1:-1] for v in values}


def _scrub_admin_history(person: Person, identifiers: set[str]) -> int:
    """The admin's history (LogEntry) copies the object's name at each edit: for the person
    and the rows whose name includes theirs, the name becomes the current (pseudonymous) one
    and any identifier left in the change message is replaced by the pseudonym."""
    objects = [person]
    objects += Allocation.objects.filter(person=person).select_related(
        "device", "person", "structure"
    )
    objects += Enrolment.objects.filter(person=person).select_related(
        "person", "session__programme"
    )
    objects += TrainingWaiver.objects.filter(person=person).select_related("person")
    # Longest first, so "Awa Traoré" goes whole before "Awa" would leave "Traoré".
    ordered = sorted(identifiers, key=len, reverse=True)
    changed = 0
    for obj in objects:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        for entry in LogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)):
            message = entry.change_message
            for value in ordered:
                message = message.replace(value, person.reference)
            entry.object_repr = str(obj)[:200]
            entry.change_message = message
            entry.save(update_fields=["object_repr", "change_message"])
            changed += 1
    return changed


def _scrub_orders(person: Person, identifiers: set[str]) -> None:
    """The structure's words on its orders (notes, decision notes, the reasons in the order's
    log) may name the person: on an order for her alone they go whole; on any other order of
    her structure, each identifier of hers becomes her pseudonym. The log's rows stay (who,
    when, from, to): only their free text is blanked."""
    pattern = _identifier_pattern(identifiers)
    own = Order.objects.filter(lines__person=person).exclude(
        lines__person__in=Person.objects.exclude(pk=person.pk)
    )
    own_ids = set(own.values_list("pk", flat=True))
    Order.objects.filter(pk__in=own_ids).update(notes="", decision_note="")
    OrderEvent.objects.filter(order_id__in=own_ids).exclude(note="").update(note="")
    OrderStep.objects.filter(order_id__in=own_ids).exclude(note="").update(note="")
    if pattern is None:
        return
    others = Order.objects.filter(
        Q(structure_id=person.structure_id) | Q(lines__person=person)
    ).exclude(pk__in=own_ids)
    for order in others.distinct().only("pk", "notes", "decision_note"):
        notes = pattern.sub(person.reference, order.notes)
        decision = pattern.sub(person.reference, order.decision_note)
        if (notes, decision) != (order.notes, order.decision_note):
            Order.objects.filter(pk=order.pk).update(notes=notes, decision_note=decision)
    events = OrderEvent.objects.filter(order__in=others).exclude(note="")
    for event in events.only("pk", "note"):
        note = pattern.sub(person.reference, event.note)
        if note != event.note:
            # A queryset update: the ledger's row keeps its who, when, from and to.
            OrderEvent.objects.filter(pk=event.pk).update(note=note[:300])


def _identifier_pattern(identifiers: set[str]):
    """Whole words, any case, longest first ("Awa Traoré" before "Awa")."""
    ordered = sorted(identifiers, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(v) for v in ordered) + r")(?!\w)", re.IGNORECASE
    )


def _blank(person: Person, label: str) -> Person:
    identifiers = _identifiers(person)
    person.first_name = person.last_name = ""
    person.phone = person.email = ""
    person.reference = label
    person.eligibility_justification = ""
    person.consent_purpose = ""
    person.eligibility_checked_on = _year_only(person.eligibility_checked_on)
    person.consent_given_on = _year_only(person.consent_given_on)
    person.anonymised_at = timezone.now()
    person.save()
    Allocation.objects.filter(person=person).update(
        exemption_note="", return_reason="", reassignment_reason=""
    )
    # A device reserved for her and handed to someone else: the reason may speak of her.
    Allocation.objects.filter(reassigned_from=person).update(reassignment_reason="")
    # Append-only ledger, but its free text may describe the person: the reason goes, the
    # fact that a waiver (or an exception) was granted (and by whom) stays.
    TrainingWaiver.objects.filter(person=person).update(reason="")
    LimitOverride.objects.filter(person=person).update(reason="")
    _scrub_orders(person, identifiers)
    _scrub_admin_history(person, identifiers)
    return person


@transaction.atomic
def person_anonymise(*, person: Person, user: User | None = None) -> Person:
    """Retention: the person becomes "Anonymised person #code"."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymised_at:
        return person
    with translation.override(settings.LANGUAGE_CODE):
        label = _("Anonymised person #%(code)s") % {"code": pseudonym_code(person)}
    _blank(person, label)
    audit(user=user, action=AuditLog.Action.ANONYMISE, person=person, detail="retention")
    return person


def people_anonymise_inactive(*, now: datetime | None = None) -> int:
    """The scheduled job: anonymise everyone inactive for RETENTION. One transaction per
    person, so a failure leaves the others done and the next run picks it up again."""
    count = 0
    for pk in people_inactive(now).values_list("pk", flat=True).iterator():
        person_anonymise(person=Person(pk=pk))
        count += 1
    return count


def audit_log_purge(*, now: datetime | None = None) -> int:
    """Access-log lines older than AUDIT_RETENTION go (a queryset delete: the ledger's rows
    are never edited, only dropped when their retention ends)."""
    cutoff = (now or timezone.now()) - AUDIT_RETENTION
    deleted, _by_model = AuditLog.objects.filter(at__lt=cutoff).delete()
    return deleted


# Rights of the person


def require_coordinator(user: User) -> None:
    permissions.require(user, "people.export_or_erase")


@transaction.atomic
def person_erase(*, person: Person, user: User) -> Person:
    """Right to erasure: everything that identifies the person is blanked; allocations,
    payments and receipts stay (accounting and funders' reports, GDPR art. 17(3)(b)), with the
    person shown as "Erased person #code"."""
    require_coordinator(user)
    return _erase(person, user=user)


def _erased_label(person: Person) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased person #%(code)s") % {"code": pseudonym_code(person)}


def _erase(person: Person, *, user: User | None, detail: str = "") -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    _blank(person, _erased_label(person))
    audit(user=user, action=AuditLog.Action.ERASE, person=person, detail=detail)
    return person


# Backups: a restored dump brings back the people erased since it was taken.


def erasures_since(since: date) -> list[dict]:
    """The erasures this database's access log holds from `since` on: the list to replay on
    a backup taken before them. Ids, pseudonyms and logins only, never a name."""
    entries = AuditLog.objects.filter(
        action=AuditLog.Action.ERASE, at__date__gte=since, person__isnull=False
    ).order_by("at", "id")
    return [
        {
            "person": e.person_id,
            "pseudonym": _erased_label(Person(pk=e.person_id)),
            "at": e.at.isoformat(),
            "by": e.username,
        }
        for e in entries
    ]


@transaction.atomic
def erasure_replay(*, person_id: int, at: str = "", by: str = "") -> str:
    """Erase again, after a restore, someone whose erasure the backup predates. Returns
    "erased", "already" (the backup already had it) or "missing" (no such row)."""
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        return "missing"
    if person.reference == _erased_label(person):
        return "already"
    detail = f"replayed after a restore ({by or '?'}, {at or '?'})"
    _erase(person, user=None, detail=detail)
    return "erased"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _money(value) -> str | None:
    return None if value is None else str(value)


def person_export(*, person: Person, user: User) -> dict:
    """Right of access: everything stored about the person, as plain data (JSON-ready)."""
    require_coordinator(user)
    person = Person.objects.select_related(
        "structure", "commune", "eligibility", "referred_by", "consent_recorded_by"
    ).get(pk=person.pk)
    lines = OrderLine.objects.filter(person=person).select_related("order")
    allocations = (
        Allocation.objects.filter(person=person)
        .select_related("device", "exemption_reason", "structure")
        .order_by("handed_over_at")
    )
    data = {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "id": person.pk,
            "structure": str(person.structure),
            "reference": person.reference,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
            "email": person.email,
            "commune": str(person.commune) if person.commune else None,
            "age_band": person.get_age_band_display(),
            "situation": person.get_situation_display(),
            "created_at": _iso(person.created_at),
            "updated_at": _iso(person.updated_at),
            "anonymised_at": _iso(person.anonymised_at),
            "referred_by": person.referred_by.get_username(),
        },
        "eligibility": {
            "criterion": str(person.eligibility),
            "justification": person.eligibility_justification,
            "checked_on": _iso(person.eligibility_checked_on),
            # The proofs of precarity seen: their kind and date (no copy was ever kept).
            "proofs_seen": [
                {
                    "kind": str(c.kind),
                    "seen_on": _iso(c.seen_on),
                    "recorded_by": c.recorded_by.get_username(),
                    "recorded_at": _iso(c.recorded_at),
                }
                for c in EligibilityCheck.objects.filter(person=person)
                .select_related("kind", "recorded_by")
                .order_by("recorded_at", "id")
            ],
        },
        "consents": [
            {
                "purpose": person.consent_purpose,
                "given_on": _iso(person.consent_given_on),
                "recorded_by": person.consent_recorded_by.get_username(),
            }
        ],
        "orders": [
            {
                "reference": line.order.reference,
                "status": line.order.get_status_display(),
                "created_at": _iso(line.order.created_at),
                "submitted_at": _iso(line.order.submitted_at),
                "decided_at": _iso(line.order.decided_at),
                "device_type": line.get_device_type_display(),
                "quantity": line.quantity,
                "notes": line.order.notes,
                "decision_note": line.order.decision_note,
                "log": [
                    {
                        "at": _iso(e.at),
                        "from": e.from_status,
                        "to": e.to_status,
                        "note": e.note,
                    }
                    for e in line.order.events.order_by("at", "id")
                ],
            }
            for line in lines
        ],
        "allocations": [
            {
                "device": a.device.asset_tag,
                "device_type": a.device.get_device_type_display(),
                "model": f"{a.device.manufacturer} {a.device.model}".strip(),
                "structure": str(a.structure),
                "handed_over_at": _iso(a.handed_over_at),
                "returned_at": _iso(a.returned_at),
                "return_reason": a.return_reason,
                "tariff": _money(a.tariff_amount),
                "charge": _money(a.charge),
                "exemption": str(a.exemption_reason) if a.exemption_reason else None,
                "exemption_note": a.exemption_note,
                "warranty_months": a.warranty_months,
                "payments": [
                    {
                        "receipt_number": p.receipt_number,
                        "amount": _money(p.amount),
                        "method": p.get_method_display(),
                        "paid_on": _iso(p.paid_on),
                    }
                    for p in a.payments.order_by("created_at")
                ],
            }
            for a in allocations
        ],
        "trainings": [
            {
                "programme": str(e.session.programme),
                "session_at": _iso(e.session.starts_at),
                "place": e.session.place,
                "attended": e.attended,
                "enrolled_at": _iso(e.created_at),
            }
            for e in Enrolment.objects.filter(person=person).select_related("session__programme")
        ],
        "training_waivers": [
            {
                "programme": str(w.programme),
                "reason": w.reason,
                "granted_by": w.granted_by.get_username(),
                "granted_at": _iso(w.granted_at),
            }
            for w in TrainingWaiver.objects.filter(person=person).select_related(
                "programme", "granted_by"
            )
        ],
        # Who looked at the data (recipients, art. 15(1)(c)): organisations and actions.
        "accesses": [
            {
                "at": _iso(entry.at),
                "organisation": str(entry.organisation) if entry.organisation else None,
                "action": entry.get_action_display(),
            }
            for entry in AuditLog.objects.filter(person=person)
            .select_related("organisation")
            .order_by("at")
        ],
    }
    audit(user=user, action=AuditLog.Action.EXPORT, person=person, detail="json")
    return data
