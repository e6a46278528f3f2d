"""Orders: a structure orders, a coordinator decides, a workshop reserves and prepares.

The order's workflow is data (ORDER_FLOW); `_move` is the one writer of Order.status and
writes an OrderEvent (who, when, from, to, why) with every change. Each step asks its named
action of accounts.permissions (ORDER_STEPS). Reserving locks candidate devices with SKIP
LOCKED, so two orders never take the same device."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.enums import OrganisationKind
from accounts.models import Organisation, User
from inventory.enums import DeviceStatus
from inventory.models import Device, StorageDrive
from inventory.services import counter_reserve
from reconditioning.lifecycle import device_transition

from .enums import OrderStatus as O
from .models import Order, OrderEvent, OrderLine, Reservation
from .privacy import require_not_erased
from .services import require_structure_member

# Each step of an order and the action of accounts.permissions that decides who takes it.
ORDER_STEPS: dict[str, str] = {
    "edit": "orders.edit",
    "submit": "orders.submit",
    "decide": "orders.decide",
    "reserve": "orders.reserve",
    "ready": "orders.prepare",
    "cancel": "orders.cancel",
    "close": "orders.close",
}

ORDER_FLOW: dict[str, tuple[str, ...]] = {
    O.DRAFT: (O.SUBMITTED, O.CANCELLED),
    O.SUBMITTED: (O.APPROVED, O.REFUSED, O.CANCELLED),
    O.APPROVED: (O.PREPARING, O.CANCELLED),
    O.PREPARING: (O.READY, O.CANCELLED),
    O.READY: (O.HANDED_OVER, O.CANCELLED),
    O.HANDED_OVER: (O.CLOSED,),
    O.REFUSED: (),
    O.CLOSED: (),
    O.CANCELLED: (),
}

GRADE_ORDER = {"A": 3, "B": 2, "C": 1, "": 0}


def _move(order: Order, to_status: str, *, user: User | None, note: str = "", **fields) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if to_status not in ORDER_FLOW[order.status]:
        raise ValidationError(
            _("An order cannot go from “%(from)s” to “%(to)s”.")
            % {"from": O(order.status).label, "to": O(to_status).label}
        )
    from_status = order.status
    fields["status"] = to_status
    Order.objects.filter(pk=order.pk).update(**fields)
    for name, value in fields.items():
        setattr(order, name, value)
    OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=user, note=note[:300]
    )
    return order


def _require_step(user: User, step: str, order: Order) -> None:
    # Asked of the order as stored now, not as the caller's copy says (structure, workshop).
    current = Order.objects.only("structure_id", "workshop_id").get(pk=order.pk)
    permissions.require(user, ORDER_STEPS[step], current)


def _lines_create(order: Order, structure: Organisation, lines: list[dict]) -> None:
    if not lines:
        raise ValidationError(_("An order needs at least one line."))
    for line in lines:
        person = line.get("person")
        if person is not None and person.structure_id != structure.pk:
            raise ValidationError(_("This person is referred by another structure."))
        require_not_erased(person)
        if person is not None and line["quantity"] != 1:
            raise ValidationError(_("A line for a named person is for one device."))
        OrderLine.objects.create(order=order, **line)


@transaction.atomic
def order_create(
    *, structure: Organisation, user: User, lines: list[dict], notes: str = ""
) -> Order:
    """A draft order; each line: device_type, quantity, optional min_ram_mb, min_storage_gb,
    min_grade, person (one of the structure's people)."""
    require_structure_member(user, structure)
    if not lines:
        raise ValidationError(_("An order needs at least one line."))
    year = timezone.localdate().year
    number = counter_reserve(name=f"order-{year}")
    order = Order.objects.create(
        reference=f"CMD-{year}-{number:04d}", structure=structure, created_by=user, notes=notes
    )
    _lines_create(order, structure, lines)
    OrderEvent.objects.create(order=order, from_status="", to_status=O.DRAFT, actor=user)
    return order


@transaction.atomic
def order_edit(*, order: Order, user: User, lines: list[dict], notes: str = "") -> Order:
    """Change a draft's lines and notes: before it is submitted nothing rests on them."""
    _require_step(user, "edit", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != O.DRAFT:
        raise ValidationError(_("Only a draft order can be changed."))
    order.lines.all().delete()
    _lines_create(order, order.structure, lines)
    Order.objects.filter(pk=order.pk).update(notes=notes)
    order.notes = notes
    return order


@transaction.atomic
def order_submit(*, order: Order, user: User) -> Order:
    _require_step(user, "submit", order)
    return _move(order, O.SUBMITTED, user=user, submitted_at=timezone.now())


@transaction.atomic
def order_decide(
    *,
    order: Order,
    user: User,
    approve: bool,
    workshop: Organisation | None = None,
    note: str = "",
    funding_programme=None,
) -> Order:
    _require_step(user, "decide", order)
    if approve:
        if workshop is None or workshop.kind != OrganisationKind.WORKSHOP:
            raise ValidationError(_("Choose the workshop that will prepare the order."))
        return _move(
            order,
            O.APPROVED,
            user=user,
            note=note,
            decided_by=user,
            decided_at=timezone.now(),
            decision_note=note,
            workshop=workshop,
            funding_programme=funding_programme,
        )
    if not note.strip():
        raise ValidationError(_("Say why the order is refused."))
    return _move(
        order,
        O.REFUSED,
        user=user,
        note=note,
        decided_by=user,
        decided_at=timezone.now(),
        decision_note=note,
    )


def suitable_devices(line: OrderLine, workshop_id: int):
    qs = Device.objects.filter(
        workshop_id=workshop_id, status=DeviceStatus.READY, device_type=line.device_type
    ).exclude(Exists(Reservation.objects.filter(device=OuterRef("pk"), released_at__isnull=True)))
    if line.min_ram_mb:
        qs = qs.filter(ram_mb__gte=line.min_ram_mb)
    if line.min_storage_gb:
        # EXISTS rather than a join: no duplicates, so rows can be locked (no DISTINCT).
        qs = qs.filter(
            Exists(
                StorageDrive.objects.filter(
                    device=OuterRef("pk"), capacity_gb__gte=line.min_storage_gb
                )
            )
        )
    if line.min_grade:
        allowed = [
            g for g, rank in GRADE_ORDER.items() if g and rank >= GRADE_ORDER[line.min_grade]
        ]
        qs = qs.filter(grade__in=allowed)
    return qs


@transaction.atomic
def order_reserve(*, order: Order, user: User) -> list[Reservation]:
    """Reserve suitable ready devices for every line (oldest in stock first). All lines are
    served or nothing is reserved; devices another order is locking are skipped, never shared."""
    _require_step(user, "reserve", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == O.APPROVED:
        order = _move(order, O.PREPARING, user=user)
    elif order.status != O.PREPARING:
        raise ValidationError(_("Only an approved order is prepared."))
    reservations = []
    short = []
    for line in order.lines.all():
        needed = line.quantity - line.reservations.filter(released_at__isnull=True).count()
        if needed <= 0:
            continue
        # Rows another transaction is reserving are skipped, not waited for nor shared.
        picked = list(
            suitable_devices(line, order.workshop_id)
            .select_for_update(skip_locked=True)
            .order_by("pk")[:needed]
        )
        if len(picked) < needed:
            short.append(
                _("%(n)s × %(type)s")
                % {"n": needed - len(picked), "type": line.get_device_type_display()}
            )
            continue
        for device in picked:
            device_transition(
                device=device,
                to_status=DeviceStatus.RESERVED,
                user=user,
                note=order.reference,
                allow_order_steps=True,
            )
            reservations.append(
                Reservation.objects.create(line=line, device=device, reserved_by=user)
            )
    if short:
        raise ValidationError(
            _("Not enough suitable devices ready: %(list)s missing. Nothing was reserved.")
            % {"list": ", ".join(short)}
        )
    return reservations


@transaction.atomic
def order_mark_ready(*, order: Order, user: User) -> Order:
    _require_step(user, "ready", order)
    return _move(order, O.READY, user=user)


def _release(order: Order, user: User) -> int:
    active = list(
        Reservation.objects.select_related("device").filter(
            line__order=order, released_at__isnull=True
        )
    )
    for reservation in active:
        if reservation.device.status == DeviceStatus.RESERVED:
            device_transition(
                device=reservation.device,
                to_status=DeviceStatus.READY,
                user=user,
                note=_("Released: %(ref)s") % {"ref": order.reference},
                allow_order_steps=True,
            )
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(released_at=timezone.now())
    return len(active)


@transaction.atomic
def order_cancel(*, order: Order, user: User, reason: str = "") -> Order:
    """Cancel, releasing every reserved device back to the stock. The reason is kept in the
    order's log only (not as the decision note, which the workshop reads)."""
    _require_step(user, "cancel", order)
    order = _move(order, O.CANCELLED, user=user, note=reason)
    _release(order, user)
    return order


def order_after_handover(order: Order, user: User) -> None:
    """Once every reserved device of the order is handed over, the order is handed over."""
    pending = Reservation.objects.filter(
        line__order=order, released_at__isnull=True, device__status=DeviceStatus.RESERVED
    ).exists()
    if not pending and order.status == O.READY:
        _move(order, O.HANDED_OVER, user=user)


@transaction.atomic
def order_close(*, order: Order, user: User) -> Order:
    _require_step(user, "close", order)
    return _move(order, O.CLOSED, user=user)


def orders_to_prepare(user: User):
    return Order.objects.visible_to(user).filter(
        Q(workshop_id__in=user.workshop_ids()),
        status__in=[O.APPROVED, O.PREPARING, O.READY],
    )
