"""Handing a device over: the quasi-don's rules in one place.

No device to a person without the training its type requires (or a coordinator's waiver), no
device allocated twice (row lock + partial unique constraint), a residual charge from the
coordinator's grid, capped by law for devices donated by public bodies, a receipt numbered
without gaps per year."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.enums import OrganisationKind
from accounts.models import Organisation, User
from inventory.enums import DeviceStatus, DeviceType
from inventory.models import Device, Donor
from inventory.services import counter_reserve
from reconditioning.lifecycle import device_transition

from .eligibility import Eligibility, eligibility_for_handover
from .enums import PUBLIC_BODY_PRICE_CAPS, ExemptionGrantor, OrderStatus
from .models import (
    Allocation,
    ExemptionReason,
    LimitOverride,
    OrderLine,
    Payment,
    Person,
    Reservation,
    Tariff,
    TrainingWaiver,
)
from .orders import order_after_handover
from .privacy import require_not_erased
from .services import programme_for, require_structure_member, training_missing


def price_cap(device: Device) -> Decimal | None:
    """The legal cap when the device was donated by a public body (décret of 7 Nov. 2022)."""
    if device.batch.donor.kind != Donor.Kind.PUBLIC_BODY:
        return None
    return PUBLIC_BODY_PRICE_CAPS.get(device.device_type, PUBLIC_BODY_PRICE_CAPS["other"])


def tariff_for(device: Device) -> Decimal:
    tariff = Tariff.objects.filter(device_type=device.device_type, grade=device.grade).first()
    if tariff is None:
        raise ValidationError(
            _(
                "No residual charge is set for a %(type)s of grade %(grade)s: ask the coordination "
                "to complete the tariff grid."
            )
            % {"type": device.get_device_type_display(), "grade": device.grade or "—"}
        )
    return tariff.amount


def tariff_check(*, device_type: str, amount: Decimal) -> None:
    """No grid amount above the legal cap: devices of public donors could not be handed over."""
    cap = PUBLIC_BODY_PRICE_CAPS.get(device_type, PUBLIC_BODY_PRICE_CAPS["other"])
    if amount > cap:
        raise ValidationError(
            _(
                "%(amount)s € is above the legal cap of %(cap)s € for a device donated by a public "
                "body: devices of such donors could not be handed over."
            )
            % {"amount": formats.number_format(amount, 2), "cap": formats.number_format(cap, 2)}
        )


def tariff_set(*, device_type: str, grade: str, amount: Decimal, user: User) -> Tariff:
    permissions.require(user, "tariffs.set")
    tariff_check(device_type=device_type, amount=amount)
    tariff, _created = Tariff.objects.update_or_create(
        device_type=device_type, grade=grade, defaults={"amount": amount}
    )
    return tariff


@transaction.atomic
def tariff_grid_set(*, amounts: dict[tuple[str, str], Decimal | None], user: User) -> int:
    """The coordinator's whole grid in one step, all or nothing: every cell is checked
    against the legal caps first, and a set amount is never silently removed (devices of
    that type and grade could no longer be handed over). Returns how many cells changed."""
    permissions.require(user, "tariffs.set")
    current = {(t.device_type, t.grade): t.amount for t in Tariff.objects.all()}
    errors = []
    for (device_type, grade), amount in amounts.items():
        if amount is None:
            if (device_type, grade) in current:
                errors.append(
                    _("%(cell)s: a set amount cannot be removed; enter 0,00 € instead.")
                    % {"cell": f"{DeviceType(device_type).label} {grade}"}
                )
            continue
        try:
            tariff_check(device_type=device_type, amount=amount)
        except ValidationError as exc:
            errors.extend(f"{DeviceType(device_type).label} {grade}: {m}" for m in exc.messages)
    if errors:
        raise ValidationError(errors)
    changed = 0
    for (device_type, grade), amount in amounts.items():
        if amount is not None and current.get((device_type, grade)) != amount:
            tariff_set(device_type=device_type, grade=grade, amount=amount, user=user)
            changed += 1
    return changed


def exemption_reason_add(*, label: str, granted_by: str, user: User) -> ExemptionReason:
    permissions.require(user, "tariffs.set")
    label = " ".join(label.split())
    if not label:
        raise ValidationError(_("Give the exemption's label."))
    if ExemptionReason.objects.filter(label__iexact=label).exists():
        raise ValidationError(_("This exemption already exists."))
    return ExemptionReason.objects.create(label=label, granted_by=granted_by)


def training_problem(person: Person, device: Device) -> str | None:
    programme = programme_for(device.device_type)
    if programme is None:
        return None
    missing = training_missing(person, programme)
    if not missing:
        return None
    if TrainingWaiver.objects.filter(person=person, programme=programme).exists():
        return None
    return _(
        "%(person)s has not completed the training “%(programme)s” (missing: %(modules)s). "
        "A coordinator can record a waiver with its reason."
    ) % {"person": person, "programme": programme, "modules": ", ".join(m.title for m in missing)}


def limit_problem(
    person: Person, device_type: str, *, replaces: Allocation | None = None
) -> tuple[str | None, LimitOverride | None]:
    """One device of each type per person within settings.FILIERE_ONE_DEVICE_PER_TYPE_MONTHS
    (a replacement under warranty is not one more). Returns the refusal, or the coordinator's
    unused override that lifts it."""
    months = settings.FILIERE_ONE_DEVICE_PER_TYPE_MONTHS
    if not months or replaces is not None:
        return None, None
    since = timezone.now() - timedelta(days=round(months * 365.25 / 12))
    previous = (
        Allocation.objects.filter(
            person=person, device__device_type=device_type, handed_over_at__gte=since
        )
        .select_related("device")
        .order_by("-handed_over_at")
        .first()
    )
    if previous is None:
        return None, None
    override = (
        LimitOverride.objects.filter(
            person=person, device_type=device_type, allocation__isnull=True
        )
        .order_by("granted_at")
        .first()
    )
    if override is not None:
        return None, override
    return (
        _(
            "%(person)s already received a %(type)s on %(date)s (%(tag)s): one device of each "
            "type per person within %(months)s months. A coordinator can record an exception "
            "with its reason."
        )
        % {
            "person": person,
            "type": previous.device.get_device_type_display().lower(),
            "date": formats.date_format(timezone.localtime(previous.handed_over_at), "DATE_FORMAT"),
            "tag": previous.device.asset_tag,
            "months": months,
        },
        None,
    )


@transaction.atomic
def limit_override_grant(
    *, person: Person, device_type: str, reason: str, user: User
) -> LimitOverride:
    """A coordinator lets the person receive one more device of the type, once."""
    permissions.require(user, "allocations.override_limit")
    require_not_erased(person)
    if not reason.strip():
        raise ValidationError(_("An exception needs a reason."))
    return LimitOverride.objects.create(
        person=person, device_type=device_type, reason=reason.strip()[:300], granted_by=user
    )


@dataclass
class HandoverTerms:
    """What a hand-over will record: the recap shows it, allocation_create writes it."""

    device: Device
    person: Person | None
    reservation: Reservation | None
    order_line: OrderLine | None
    waiver: TrainingWaiver | None
    tariff: Decimal
    amount: Decimal
    cap: Decimal | None
    reassigned_from: Person | None
    limit_override: LimitOverride | None
    eligibility: Eligibility | None = None


def handover_terms(
    *,
    device: Device,
    structure: Organisation,
    user: User,
    person: Person | None = None,
    order_line: OrderLine | None = None,
    exemption: ExemptionReason | None = None,
    exemption_note: str = "",
    charge: Decimal | None = None,
    replaces: Allocation | None = None,
    reassign_reason: str = "",
) -> HandoverTerms:
    """Every rule of a hand-over, checked without writing anything: a refusal is a
    ValidationError (or PermissionDenied) in the person's words."""
    if structure.kind != OrganisationKind.MEDIATION:
        raise ValidationError(_("This organisation is not a mediation structure."))
    permissions.require(user, "allocations.hand_over", structure)
    if person is not None and person.structure_id != structure.pk:
        raise ValidationError(_("This person is referred by another structure."))
    reservation = (
        Reservation.objects.select_related("line__order", "line__person")
        .filter(device=device, released_at__isnull=True)
        .first()
    )
    if device.status == DeviceStatus.RESERVED:
        if reservation is None or reservation.line.order.structure_id != structure.pk:
            raise ValidationError(_("This device is reserved for another order."))
        if reservation.line.order.status != OrderStatus.READY:
            raise ValidationError(
                _("The order is not ready to hand over yet: the workshop marks it ready first.")
            )
        order_line = order_line or reservation.line
    elif device.status != DeviceStatus.READY:
        raise ValidationError(
            _("%(tag)s cannot be handed over: it is “%(status)s”.")
            % {"tag": device.asset_tag, "status": device.get_status_display()}
        )
    reassigned_from = None
    if order_line is not None and order_line.person_id:
        intended = order_line.person
        if person is None:
            person = intended
        elif person.pk != intended.pk:
            # Reserved for someone: to someone else only on purpose, and the reason is kept.
            if not reassign_reason.strip():
                raise ValidationError(
                    _(
                        "%(tag)s is reserved for %(intended)s, not for %(person)s. To hand it to "
                        "%(person)s, give the reason for the re-assignment."
                    )
                    % {"tag": device.asset_tag, "intended": intended, "person": person}
                )
            reassigned_from = intended
    require_not_erased(person)
    waiver = None
    limit_override = None
    if person is not None:
        problem = training_problem(person, device)
        if problem:
            raise ValidationError(problem)
        programme = programme_for(device.device_type)
        if programme is not None:
            waiver = TrainingWaiver.objects.filter(person=person, programme=programme).first()
            if waiver is not None and not training_missing(person, programme):
                waiver = None  # trained after all: no waiver used
        problem, limit_override = limit_problem(person, device.device_type, replaces=replaces)
        if problem:
            raise ValidationError(problem)
    tariff = tariff_for(device)
    amount = tariff if charge is None else charge
    if exemption is not None:
        if exemption.granted_by == ExemptionGrantor.COORDINATOR:
            permissions.require(user, "allocations.grant_coordinator_exemption")
        if not exemption_note.strip():
            raise ValidationError(_("An exemption needs its reason written down."))
        amount = Decimal("0") if charge is None else charge
    elif amount != tariff:
        raise ValidationError(_("A charge other than the tariff needs an exemption."))
    cap = price_cap(device)
    if cap is not None and amount > cap:
        raise ValidationError(
            _(
                "%(amount)s € is above the legal cap of %(cap)s € for a %(type)s donated by a "
                "public body."
            )
            % {
                "amount": formats.number_format(amount, 2),
                "cap": formats.number_format(cap, 2),
                "type": device.get_device_type_display(),
            }
        )
    eligibility = eligibility_for_handover(
        person=person, structure=structure, public_body=cap is not None, amount=amount
    )
    return HandoverTerms(
        device=device,
        person=person,
        reservation=reservation,
        order_line=order_line,
        waiver=waiver,
        tariff=tariff,
        amount=amount,
        cap=cap,
        reassigned_from=reassigned_from,
        limit_override=limit_override,
        eligibility=eligibility,
    )


@transaction.atomic
def allocation_create(
    *,
    device: Device,
    structure: Organisation,
    user: User,
    person: Person | None = None,
    order_line: OrderLine | None = None,
    exemption: ExemptionReason | None = None,
    exemption_note: str = "",
    charge: Decimal | None = None,
    replaces: Allocation | None = None,
    warranty_months: int = 6,
    reassign_reason: str = "",
) -> Allocation:
    """Hand a device over to a person (or to the structure itself), on the terms
    handover_terms checks, the device's row locked."""
    device = Device.objects.select_for_update().select_related("batch__donor").get(pk=device.pk)
    terms = handover_terms(
        device=device,
        structure=structure,
        user=user,
        person=person,
        order_line=order_line,
        exemption=exemption,
        exemption_note=exemption_note,
        charge=charge,
        replaces=replaces,
        reassign_reason=reassign_reason,
    )
    person, order_line, reservation = terms.person, terms.order_line, terms.reservation
    waiver, tariff, amount = terms.waiver, terms.tariff, terms.amount
    if device.status == DeviceStatus.READY:
        device_transition(
            device=device,
            to_status=DeviceStatus.RESERVED,
            user=user,
            note=_("Handed over directly"),
            allow_order_steps=True,
        )
    try:
        with transaction.atomic():
            allocation = Allocation.objects.create(
                device=device,
                structure=structure,
                person=person,
                order_line=order_line,
                waiver=waiver,
                tariff_amount=tariff,
                charge=amount,
                exemption_reason=exemption,
                exemption_note=exemption_note.strip(),
                replaces=replaces,
                handed_over_by=user,
                warranty_months=warranty_months,
                reassigned_from=terms.reassigned_from,
                reassignment_reason=reassign_reason.strip()[:300] if terms.reassigned_from else "",
                limit_override=terms.limit_override,
                eligibility_check=terms.eligibility.check,
            )
    except IntegrityError as exc:
        raise ValidationError(_("This device has already been handed over.")) from exc
    # The device's history is read by workshops and donors: name the structure, not the person.
    device_transition(
        device=device,
        to_status=DeviceStatus.ALLOCATED,
        user=user,
        note=_("Handed over by %(structure)s") % {"structure": structure.name},
        allow_order_steps=True,
    )
    if reservation is not None:
        Reservation.objects.filter(pk=reservation.pk).update(released_at=timezone.now())
        order_after_handover(reservation.line.order, user)
    return allocation


def receipt_number_next() -> str:
    year = timezone.localdate().year
    number = counter_reserve(name=f"receipt-{year}")
    return f"R{year}-{number:06d}"


@transaction.atomic
def payment_record(
    *, allocation: Allocation, amount: Decimal, method: str, user: User, paid_on: date | None = None
) -> Payment:
    """Record what the person paid; the receipt number comes from a gapless yearly counter
    taken in the same transaction, so a refused payment never burns a number."""
    require_structure_member(user, allocation.structure)
    if amount <= 0:
        raise ValidationError(_("The amount must be positive."))
    # The allocation's row is the lock: a second payment taken at the same moment waits here,
    # then reads the first one's payment, so the sum never goes beyond the charge.
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    paid = allocation.amount_paid()
    if amount > allocation.amount_due(paid):
        raise ValidationError(
            _(
                "%(amount)s € would exceed the residual charge of %(charge)s € (already paid: "
                "%(paid)s €)."
            )
            % {
                "amount": formats.number_format(amount, 2),
                "charge": formats.number_format(allocation.charge, 2),
                "paid": formats.number_format(paid, 2),
            }
        )
    return Payment.objects.create(
        allocation=allocation,
        amount=amount,
        method=method,
        paid_on=paid_on or timezone.localdate(),
        received_by=user,
        receipt_number=receipt_number_next(),
    )


@transaction.atomic
def allocation_return(*, allocation: Allocation, user: User, reason: str) -> Allocation:
    """A device brought back within its warranty goes back to the workshop for diagnosis."""
    permissions.require(user, "allocations.return", allocation)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.returned_at is not None:
        raise ValidationError(_("This device has already been returned."))
    if not reason.strip():
        raise ValidationError(_("Say why the device is brought back."))
    limit = allocation.handed_over_at + timezone.timedelta(days=31 * allocation.warranty_months)
    # A refusal the form shows beside the reason, hence a ValidationError.
    if timezone.now() > limit and not permissions.can(user, "allocations.late_return"):
        raise ValidationError(permissions.refusal("allocations.late_return"))
    allocation.returned_at = timezone.now()
    allocation.return_reason = reason.strip()
    allocation.save(update_fields=["returned_at", "return_reason"])
    device_transition(
        device=allocation.device,
        to_status=DeviceStatus.RETURNED,
        user=user,
        # The reason is written by mediation staff and may name the person: it stays on the
        # allocation (erased with the person), the workshop's timeline gets a neutral note.
        note=_("Brought back by the structure (return of allocation %(id)s).")
        % {"id": allocation.pk},
        allow_order_steps=True,
    )
    return allocation


def allocation_replace(*, allocation: Allocation, device: Device, user: User) -> Allocation:
    """Hand a replacement over, linked to the returned allocation, at no further charge."""
    allocation = Allocation.objects.get(pk=allocation.pk)
    if allocation.returned_at is None:
        raise ValidationError(_("Record the return first."))
    reason = (
        ExemptionReason.objects.filter(
            granted_by=ExemptionGrantor.STRUCTURE, label__icontains="garantie"
        ).first()
        or ExemptionReason.objects.filter(granted_by=ExemptionGrantor.STRUCTURE).first()
    )
    return allocation_create(
        device=device,
        structure=allocation.structure,
        user=user,
        person=allocation.person,
        replaces=allocation,
        charge=Decimal("0"),
        exemption=reason,
        exemption_note=_("Replacement of %(tag)s") % {"tag": allocation.device.asset_tag},
    )
