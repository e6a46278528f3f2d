"""Orders: a structure orders, a coordinator decides, a workshop reserves and prepares.

The order's workflow is data (ORDER_FLOW); `_move` is the one writer of Order.status and
writes an OrderEvent (who, when, from, to, why) with every change. Each step asks its named
action of accounts.permissions (ORDER_STEPS). Reserving locks candidate devices with SKIP
LOCKED, so two orders never take the same device."""

import math
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import permissions
from accounts.enums import OrganisationKind
from accounts.models import Organisation, User
from inventory.enums import DeviceStatus
from inventory.models import Device, DeviceEvent, StorageDrive
from inventory.scanning import read_scan
from inventory.services import counter_reserve
from reconditioning.lifecycle import device_transition, on_ready

from . import notifications
from .enums import OrderStatus as O
from .models import Allocation, Order, OrderEvent, OrderLine, OrderStep, Reservation
from .privacy import require_not_erased
from .services import require_structure_member

# Each step of an order and the action of accounts.permissions that decides who takes it.
ORDER_STEPS: dict[str, str] = {
    "edit": "orders.edit",
    "submit": "orders.submit",
    "decide": "orders.decide",
    "reserve": "orders.reserve",
    "ready": "orders.prepare",
    "split": "orders.prepare",
    "cancel": "orders.cancel",
    "close": "orders.close",
    "scan": "orders.reserve",
    "dispatch": "orders.prepare",
    "receive": "orders.receive",
    "priority": "orders.decide",
}

# Orders whose missing devices are reserved as devices become ready.
WAITING = (O.APPROVED, O.PREPARING)
# Until the workshop marks it ready, a structure may change its order; once approved, a change
# sends it back to the coordination.
EDITABLE = (O.DRAFT, O.SUBMITTED, O.APPROVED, O.PREPARING)
# The throughput behind an expected date: devices of the type made ready in these last weeks.
THROUGHPUT_WEEKS = 8

ORDER_FLOW: dict[str, tuple[str, ...]] = {
    O.DRAFT: (O.SUBMITTED, O.CANCELLED),
    O.SUBMITTED: (O.APPROVED, O.REFUSED, O.CANCELLED),
    O.APPROVED: (O.PREPARING, O.SUBMITTED, O.CANCELLED),
    O.PREPARING: (O.READY, O.SUBMITTED, O.CANCELLED),
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


def _line_key(line: OrderLine | dict) -> tuple:
    """What makes two lines the same, whatever their quantity."""
    if isinstance(line, dict):
        person = line.get("person")
        fields = {**line, "person_id": person.pk if person is not None else None}
    else:
        fields = vars(line)
    return (
        fields.get("device_type"),
        fields.get("min_ram_mb") or None,
        fields.get("min_storage_gb") or None,
        fields.get("min_grade") or "",
        fields.get("person_id"),
    )


def _lines_summary(order: Order) -> str:
    return ", ".join(str(line) for line in order.lines.all())


def _lines_replace(order: Order, user: User, lines: list[dict]) -> None:
    """The new lines, keeping each unchanged line (and the devices reserved for it): a line of
    the same type, specs and person keeps its reservations up to its new quantity; the devices
    of a removed line go back to the stock."""
    if not lines:
        raise ValidationError(_("An order needs at least one line."))
    existing = list(order.lines.all())
    kept = set()
    for data in lines:
        match = next(
            (x for x in existing if x.pk not in kept and _line_key(x) == _line_key(data)), None
        )
        if match is None:
            _lines_create(order, order.structure, [data])
            continue
        kept.add(match.pk)
        if data["quantity"] != match.quantity:
            if match.person_id and data["quantity"] != 1:
                raise ValidationError(_("A line for a named person is for one device."))
            OrderLine.objects.filter(pk=match.pk).update(quantity=data["quantity"])
            surplus = list(
                match.reservations.filter(released_at__isnull=True).order_by("-id")[
                    : max(0, _served(match) - data["quantity"])
                ]
            )
            _release(order, user, surplus)
    for line in existing:
        if line.pk not in kept:
            _release(order, user, list(line.reservations.filter(released_at__isnull=True)))
            if line.allocations.exists():
                raise ValidationError(
                    _("A device of the line “%(line)s” was handed over: it stays in the order.")
                    % {"line": line}
                )
            line.delete()


@transaction.atomic
def order_edit(*, order: Order, user: User, lines: list[dict], notes: str = "") -> Order:
    """Change the lines and notes until the workshop has prepared the order. A change after
    the approval sends the order back to the coordination (a new decision step: the previous
    decision stays); the devices reserved for unchanged lines stay reserved."""
    _require_step(user, "edit", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in EDITABLE:
        raise ValidationError(
            _(
                "Once the workshop has prepared it, the order cannot be changed any more: cancel "
                "it or order again."
            )
        )
    before = _lines_summary(order)
    if order.status in (O.APPROVED, O.PREPARING):
        order = _move(order, O.SUBMITTED, user=user, submitted_at=timezone.now())
        kind = OrderStep.Kind.SENT_BACK
    else:
        kind = OrderStep.Kind.EDITED
    _lines_replace(order, user, lines)
    Order.objects.filter(pk=order.pk).update(notes=notes)
    order.notes = notes
    after = _lines_summary(order)
    if order.status != O.DRAFT and (before != after or kind == OrderStep.Kind.SENT_BACK):
        OrderStep.objects.create(
            order=order, kind=kind, actor=user, note=f"{before} → {after}"[:300]
        )
    return order


@transaction.atomic
def order_submit(*, order: Order, user: User) -> Order:
    _require_step(user, "submit", order)
    # Back to the coordination from later steps only through a change (order_edit).
    if not Order.objects.filter(pk=order.pk, status=O.DRAFT).exists():
        raise ValidationError(_("Only a draft order is submitted."))
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
        order = _move(
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
        OrderStep.objects.create(
            order=order, kind=OrderStep.Kind.APPROVED, actor=user, note=note[:300]
        )
        # Sent back after a change, then given to another workshop: the first one's devices
        # go back to its stock.
        _release(
            order,
            user,
            list(
                Reservation.objects.filter(line__order=order, released_at__isnull=True).exclude(
                    device__workshop_id=workshop.pk
                )
            ),
        )
        # What the stock holds is reserved now; the rest as devices become ready.
        _reserve_available(order, user)
        notifications.order_decided(order)
        return order
    if not note.strip():
        raise ValidationError(_("Say why the order is refused."))
    order = _move(
        order,
        O.REFUSED,
        user=user,
        note=note,
        decided_by=user,
        decided_at=timezone.now(),
        decision_note=note,
    )
    # The refusal's words stay in the order's log (they may name a person).
    OrderStep.objects.create(order=order, kind=OrderStep.Kind.REFUSED, actor=user)
    _release(order, user)
    notifications.order_decided(order)
    return order


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


def _served(line: OrderLine) -> int:
    """Devices the line holds: reserved now, or already handed over."""
    return (
        line.reservations.filter(released_at__isnull=True).count()
        + Allocation.objects.filter(order_line=line, replaces__isnull=True).count()
    )


def _reserve_device(line: OrderLine, device: Device, user: User) -> Reservation:
    device_transition(
        device=device,
        to_status=DeviceStatus.RESERVED,
        user=user,
        note=line.order.reference,
        allow_order_steps=True,
    )
    return Reservation.objects.create(line=line, device=device, reserved_by=user)


def _reserve_available(order: Order, user: User) -> list[Reservation]:
    """Reserve what the stock holds for each line (oldest in stock first); a line the stock
    cannot serve whole takes what there is and waits for the rest."""
    reservations = []
    for line in order.lines.select_related("order"):
        needed = line.quantity - _served(line)
        if needed <= 0:
            continue
        # Rows another transaction is reserving are skipped, not waited for nor shared.
        picked = list(
            suitable_devices(line, order.workshop_id)
            .select_for_update(skip_locked=True)
            .order_by("pk")[:needed]
        )
        reservations += [_reserve_device(line, device, user) for device in picked]
    return reservations


@transaction.atomic
def order_reserve(*, order: Order, user: User) -> list[Reservation]:
    """The workshop starts preparing: it reserves what the stock holds now. Devices another
    order is locking are skipped, never shared; what is missing waits and is reserved as
    devices become ready (reserve_for_waiting_orders)."""
    _require_step(user, "reserve", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == O.APPROVED:
        order = _move(order, O.PREPARING, user=user)
    elif order.status != O.PREPARING:
        raise ValidationError(_("Only an approved order is prepared."))
    return _reserve_available(order, user)


def _queue_key(order: Order) -> tuple:
    return (-order.priority, order.decided_at or order.created_at, order.pk)


def reserve_for_waiting_orders(device: Device, user) -> Reservation | None:
    """A device has just become ready (reconditioning.lifecycle's hook): reserve it for the
    first order of its workshop that waits for a device like it — the coordination's priority
    first, then the oldest approval."""
    if device.workshop_id is None or user is None:
        return None
    lines = (
        OrderLine.objects.filter(
            order__workshop_id=device.workshop_id,
            order__status__in=WAITING,
            device_type=device.device_type,
        )
        .select_related("order")
        .order_by("-order__priority", "order__decided_at", "order_id", "id")
    )
    for line in lines:
        if _served(line) >= line.quantity:
            continue
        if not suitable_devices(line, device.workshop_id).filter(pk=device.pk).exists():
            continue
        # The order's row is the lock: two devices made ready at once for its last missing
        # one wait for each other here, and the second reads what the first reserved.
        order = Order.objects.select_for_update().get(pk=line.order_id)
        if order.status not in WAITING or _served(line) >= line.quantity:
            continue
        return _reserve_device(line, device, user)
    return None


def _throughput(workshop_id: int, device_type: str) -> float:
    """Devices of the type the workshop made ready per week, over the last weeks."""
    since = timezone.now() - timedelta(weeks=THROUGHPUT_WEEKS)
    made = (
        DeviceEvent.objects.filter(
            to_status=DeviceStatus.READY,
            at__gte=since,
            device__workshop_id=workshop_id,
            device__device_type=device_type,
        )
        .values("device_id")
        .distinct()
        .count()
    )
    return made / THROUGHPUT_WEEKS


def line_progress(order: Order) -> list[dict]:
    """Per line: how many devices it holds, how many it waits for, and when the missing ones
    should be ready (the workshop's throughput of the last weeks over the devices waited for
    by the orders ahead of this one and this line's own; None: unknown)."""
    lines = list(
        order.lines.select_related("person")
        .annotate(
            n_reserved=Count("reservations", filter=Q(reservations__released_at__isnull=True)),
        )
        # A grouped query drops the model's default ordering: sort here, in the order written.
        .order_by("pk")
    )
    handed = dict(
        Allocation.objects.filter(order_line__order=order, replaces__isnull=True)
        .order_by()
        .values_list("order_line_id")
        .annotate(n=Count("id"))
    )
    rows = []
    rates: dict[str, float] = {}
    for line in lines:
        served = line.n_reserved + handed.get(line.pk, 0)
        waiting = max(0, line.quantity - served)
        expected = None
        if waiting and order.status in WAITING and order.workshop_id:
            if line.device_type not in rates:
                rates[line.device_type] = _throughput(order.workshop_id, line.device_type)
            rate = rates[line.device_type]
            if rate:
                ahead = _waiting_ahead(order, line.device_type)
                expected = timezone.localdate() + timedelta(
                    days=math.ceil((ahead + waiting) / rate * 7)
                )
        rows.append({"line": line, "served": served, "waiting": waiting, "expected": expected})
    return rows


def _waiting_ahead(order: Order, device_type: str) -> int:
    """Devices of the type waited for by the orders served before this one (one query)."""
    mine = _queue_key(order)
    lines = (
        OrderLine.objects.filter(
            order__workshop_id=order.workshop_id,
            order__status__in=WAITING,
            device_type=device_type,
        )
        .exclude(order_id=order.pk)
        .select_related("order")
        .annotate(
            n_reserved=Count(
                "reservations",
                filter=Q(reservations__released_at__isnull=True),
                distinct=True,
            ),
            n_handed=Count(
                "allocations", filter=Q(allocations__replaces__isnull=True), distinct=True
            ),
        )
    )
    return sum(
        max(0, line.quantity - line.n_reserved - line.n_handed)
        for line in lines
        if _queue_key(line.order) < mine
    )


def devices_awaited(order_ids) -> dict[int, int]:
    """For orders waiting for devices: how many each still waits for (three queries)."""
    wanted = dict(
        OrderLine.objects.filter(order_id__in=order_ids, order__status__in=WAITING)
        .order_by()
        .values_list("order_id")
        .annotate(n=Sum("quantity"))
    )
    held = dict(
        Reservation.objects.filter(line__order_id__in=wanted, released_at__isnull=True)
        .order_by()
        .values_list("line__order_id")
        .annotate(n=Count("id"))
    )
    handed = dict(
        Allocation.objects.filter(order_line__order_id__in=wanted, replaces__isnull=True)
        .order_by()
        .values_list("order_line__order_id")
        .annotate(n=Count("id"))
    )
    return {pk: max(0, n - held.get(pk, 0) - handed.get(pk, 0)) for pk, n in wanted.items()}


def _device_scanned(order: Order, scanned: str) -> Device:
    scan = read_scan(scanned or "")
    devices = Device.objects.filter(workshop_id=order.workshop_id)
    device = None
    if scan is not None and scan.kind == "tag":
        device = devices.filter(asset_tag=scan.value).first()
    elif scan is not None and scan.kind == "pk":
        device = devices.filter(pk=scan.value).first()
    elif scan is not None and scan.kind == "text":
        device = devices.filter(
            # Tags are written in capitals: the unique index answers, not a scan.
            Q(asset_tag=scan.value.upper()) | Q(serial_number=scan.value)
        ).first()
    if device is None:
        raise ValidationError(
            _("No device of the preparing workshop answers to “%(scan)s”.") % {"scan": scanned}
        )
    return device


@transaction.atomic
def order_scan(
    *, order: Order, user: User, scanned: str, replaces: Reservation | None = None
) -> Reservation:
    """The workshop picks a device itself: scanned for a line still waiting, or in place of
    a device the order holds (the swap). The device must suit the line like a proposed one."""
    _require_step(user, "scan", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in WAITING:
        raise ValidationError(_("Devices are picked while the order is being prepared."))
    device = _device_scanned(order, scanned)
    if replaces is not None:
        replaces = Reservation.objects.select_related("device", "line").get(pk=replaces.pk)
        if replaces.line.order_id != order.pk or replaces.released_at is not None:
            raise ValidationError(_("This device is no longer reserved for the order."))
        lines = [replaces.line]
    else:
        lines = [line for line in order.lines.all() if _served(line) < line.quantity]
        if not lines:
            raise ValidationError(_("Every line of the order is served: swap a device instead."))
    if device.status != DeviceStatus.READY:
        raise ValidationError(
            _("%(tag)s cannot be reserved: it is “%(status)s”.")
            % {"tag": device.asset_tag, "status": device.get_status_display()}
        )
    line = next(
        (x for x in lines if suitable_devices(x, order.workshop_id).filter(pk=device.pk).exists()),
        None,
    )
    if line is None:
        raise ValidationError(
            _("%(tag)s does not suit the line “%(line)s” (type, specifications or grade).")
            % {"tag": device.asset_tag, "line": ", ".join(str(x) for x in lines)}
        )
    reservation = _reserve_device(line, device, user)
    if replaces is not None:
        _release(order, user, [replaces])
        OrderStep.objects.create(
            order=order,
            kind=OrderStep.Kind.SWAPPED,
            actor=user,
            device=device,
            note=f"{replaces.device.asset_tag} → {device.asset_tag}",
        )
    else:
        OrderStep.objects.create(
            order=order,
            kind=OrderStep.Kind.SCANNED,
            actor=user,
            device=device,
            note=device.asset_tag,
        )
    return reservation


@transaction.atomic
def order_mark_ready(*, order: Order, user: User) -> Order:
    """The workshop accepts the picking (proposed or scanned devices): every line must be
    served."""
    _require_step(user, "ready", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == O.APPROVED:
        order = _move(order, O.PREPARING, user=user)
    waiting = sum(max(0, line.quantity - _served(line)) for line in order.lines.all())
    if waiting:
        raise ValidationError(
            ngettext(
                "%(n)s device still awaited: the order is ready once every line is served.",
                "%(n)s devices still awaited: the order is ready once every line is served.",
                waiting,
            )
            % {"n": waiting}
        )
    held = Reservation.objects.filter(line__order=order, released_at__isnull=True).count()
    OrderStep.objects.create(
        order=order,
        kind=OrderStep.Kind.PICKED,
        actor=user,
        note=ngettext("%(n)s device", "%(n)s devices", held) % {"n": held},
    )
    order = _move(order, O.READY, user=user)
    notifications.order_ready(order)
    return order


def _step_done(order: Order, kind: str) -> bool:
    return OrderStep.objects.filter(order=order, kind=kind).exists()


@transaction.atomic
def order_split_served(*, order: Order, user: User) -> Order:
    """The workshop sends what is ready without waiting for the rest: the devices the order
    holds stay in it, now ready to hand over; what it still waits for moves to a new order
    that keeps the approval (its date, its programme, its priority, so its place in the
    queue) and is reserved as devices become ready. Both orders record the split."""
    _require_step(user, "split", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in WAITING:
        raise ValidationError(_("Only an order being prepared is split."))
    lines = list(order.lines.all())
    served = {line.pk: _served(line) for line in lines}
    if not any(served.values()):
        raise ValidationError(_("The order holds no device yet: there is nothing to send."))
    waiting = [(line, line.quantity - served[line.pk]) for line in lines]
    waiting = [(line, n) for line, n in waiting if n > 0]
    if not waiting:
        raise ValidationError(_("Every line is served: mark the order ready instead."))
    year = timezone.localdate().year
    number = counter_reserve(name=f"order-{year}")
    rest = Order.objects.create(
        reference=f"CMD-{year}-{number:04d}",
        structure=order.structure,
        workshop=order.workshop,
        status=O.APPROVED,
        created_by=user,
        submitted_at=order.submitted_at,
        decided_by=order.decided_by,
        decided_at=order.decided_at,
        decision_note=order.decision_note,
        funding_programme=order.funding_programme,
        priority=order.priority,
        notes=order.notes,
    )
    for line, missing in waiting:
        if served[line.pk] == 0:
            # Nothing held: the whole line waits in the new order (its history with it).
            OrderLine.objects.filter(pk=line.pk).update(order=rest)
        else:
            OrderLine.objects.filter(pk=line.pk).update(quantity=served[line.pk])
            OrderLine.objects.create(
                order=rest,
                device_type=line.device_type,
                quantity=missing,
                min_ram_mb=line.min_ram_mb,
                min_storage_gb=line.min_storage_gb,
                min_grade=line.min_grade,
                person=line.person,
            )
    moved = sum(n for _line, n in waiting)
    note = ngettext(
        "%(n)s device still awaited moved to %(ref)s.",
        "%(n)s devices still awaited moved to %(ref)s.",
        moved,
    ) % {"n": moved, "ref": rest.reference}
    OrderStep.objects.create(order=order, kind=OrderStep.Kind.SPLIT, actor=user, note=note)
    OrderEvent.objects.create(
        order=rest,
        from_status="",
        to_status=O.APPROVED,
        actor=user,
        note=_("The rest of %(ref)s, approved with it.") % {"ref": order.reference},
    )
    OrderStep.objects.create(
        order=rest,
        kind=OrderStep.Kind.SPLIT,
        actor=user,
        note=_("What %(ref)s still waited for when the workshop sent the rest.")
        % {"ref": order.reference},
    )
    order_mark_ready(order=order, user=user)
    order.refresh_from_db()
    return rest


@transaction.atomic
def order_dispatch(*, order: Order, user: User, note: str = "") -> OrderStep:
    """The workshop records that the devices left for the structure."""
    _require_step(user, "dispatch", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != O.READY:
        raise ValidationError(_("Only an order ready to hand over is dispatched."))
    if _step_done(order, OrderStep.Kind.DISPATCHED):
        raise ValidationError(_("The dispatch of this order is already recorded."))
    return OrderStep.objects.create(
        order=order, kind=OrderStep.Kind.DISPATCHED, actor=user, note=note.strip()[:300]
    )


@transaction.atomic
def order_receive(*, order: Order, user: User, note: str = "") -> OrderStep:
    """The structure confirms it received what the workshop dispatched."""
    _require_step(user, "receive", order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not _step_done(order, OrderStep.Kind.DISPATCHED):
        raise ValidationError(_("The workshop has not recorded the dispatch yet."))
    if _step_done(order, OrderStep.Kind.RECEIVED):
        raise ValidationError(_("The receipt of this order is already confirmed."))
    return OrderStep.objects.create(
        order=order, kind=OrderStep.Kind.RECEIVED, actor=user, note=note.strip()[:300]
    )


@transaction.atomic
def order_set_priority(*, order: Order, user: User, priority: int) -> Order:
    """The coordination lifts an order in the queue of orders waiting for devices."""
    _require_step(user, "priority", order)
    if priority < 0 or priority > 9:
        raise ValidationError(_("The priority is a number from 0 to 9."))
    order = Order.objects.select_for_update().get(pk=order.pk)
    Order.objects.filter(pk=order.pk).update(priority=priority)
    order.priority = priority
    OrderStep.objects.create(
        order=order, kind=OrderStep.Kind.PRIORITY, actor=user, note=str(priority)
    )
    return order


def _release(order: Order, user: User, reservations: list[Reservation] | None = None) -> int:
    """Give devices back to the stock. Each reservation is closed before its device is ready
    again, so the device may go at once to an order waiting for one."""
    if reservations is None:
        reservations = list(
            Reservation.objects.select_related("device").filter(
                line__order=order, released_at__isnull=True
            )
        )
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        released_at=timezone.now()
    )
    for reservation in reservations:
        device = Device.objects.get(pk=reservation.device_id)
        if device.status == DeviceStatus.RESERVED:
            device_transition(
                device=device,
                to_status=DeviceStatus.READY,
                user=user,
                note=_("Released: %(ref)s") % {"ref": order.reference},
                allow_order_steps=True,
            )
    return len(reservations)


@transaction.atomic
def order_cancel(*, order: Order, user: User, reason: str = "") -> Order:
    """Cancel, releasing every reserved device back to the stock (or to the next order
    waiting for one). The reason is required and kept in the order's log only (not as the
    decision note, which the workshop reads)."""
    _require_step(user, "cancel", order)
    if not reason.strip():
        raise ValidationError(_("Say why the order is cancelled."))
    order = _move(order, O.CANCELLED, user=user, note=reason.strip())
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


# A device made ready anywhere (the technician's step, a release) serves the waiting orders.
on_ready(reserve_for_waiting_orders)
