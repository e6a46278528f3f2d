"""Handing a device over: the quasi-don's rules in one place.

No device to a person without the training its type requires (or a coordinator's waiver), no
device allocated twice (row lock + partial unique constraint), a residual charge from the
coordinator's grid, capped by law for devices donated by public bodies, a receipt numbered
without gaps per year."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.enums import OrganisationKind
from accounts.models import Organisation, User
from inventory.enums import DeviceStatus
from inventory.models import Device, Donor
from inventory.services import counter_reserve
from reconditioning.lifecycle import device_transition

from .enums import PUBLIC_BODY_PRICE_CAPS, ExemptionGrantor, OrderStatus
from .models import (
    Allocation,
    ExemptionReason,
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
            % {"amount": amount, "cap": cap}
        )


def tariff_set(*, device_type: str, grade: str, amount: Decimal, user: User) -> Tariff:
    permissions.require(user, "tariffs.set")
    tariff_check(device_type=device_type, amount=amount)
    tariff, _created = Tariff.objects.update_or_create(
        device_type=device_type, grade=grade, defaults={"amount": amount}
    )
    return tariff


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
) -> Allocation:
    """Hand a device over to a person (or to the structure itself)."""
    if structure.kind != OrganisationKind.MEDIATION:
        raise ValidationError(_("This organisation is not a mediation structure."))
    permissions.require(user, "allocations.hand_over", structure)
    if person is not None and person.structure_id != structure.pk:
        raise ValidationError(_("This person is referred by another structure."))
    device = Device.objects.select_for_update().select_related("batch__donor").get(pk=device.pk)
    reservation = (
        Reservation.objects.select_related("line__order")
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
    if order_line is not None and order_line.person_id and person is None:
        person = order_line.person
    require_not_erased(person)
    waiver = None
    if person is not None:
        problem = training_problem(person, device)
        if problem:
            raise ValidationError(problem)
        programme = programme_for(device.device_type)
        if programme is not None:
            waiver = TrainingWaiver.objects.filter(person=person, programme=programme).first()
            if waiver is not None and not training_missing(person, programme):
                waiver = None  # trained after all: no waiver used
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
            % {"amount": amount, "cap": cap, "type": device.get_device_type_display()}
        )
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
