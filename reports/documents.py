"""The papers of the quasi-don: the receipt of a payment and the handover document the person
signs. Both are short, one page each."""

from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Allocation, Order, OrderStep, Payment, Reservation
from core.pdf import render_pdf


def _system(allocation: Allocation) -> str:
    install = allocation.device.os_installs.select_related("system").order_by("-id").first()
    return str(install.system) if install else ""


def receipt_pdf(payment: Payment) -> bytes:
    allocation = payment.allocation
    # What remains due once this payment and the ones before it are counted.
    paid = allocation.amount_paid(allocation.payments.filter(pk__lte=payment.pk))
    return render_pdf(
        "reports/receipt.html",
        {
            "issuer": allocation.structure,
            "balance": max(Decimal("0"), allocation.amount_due(paid)),
            "payment": payment,
            "allocation": allocation,
            "device": allocation.device,
            "structure": allocation.structure,
            "issued_at": timezone.now(),
        },
    )


def handover_pdf(allocation: Allocation) -> bytes:
    return render_pdf(
        "reports/handover_document.html",
        {
            "issuer": allocation.structure,
            "signature": allocation.signatures.filter(kind="handover").order_by("-id").first(),
            "allocation": allocation,
            "device": allocation.device,
            "structure": allocation.structure,
            "system": _system(allocation),
            "drives": list(allocation.device.drives.all()),
            "issued_at": timezone.now(),
        },
    )


def _order_devices(order: Order):
    return list(
        Reservation.objects.filter(line__order=order, released_at__isnull=True)
        .select_related("device__location", "line")
        .order_by("device__location__zone", "device__location__shelf", "device__asset_tag")
    )


def picking_list_pdf(order: Order) -> bytes:
    """The workshop's list of devices to take off the shelves for an order, by place. It
    names no person: the workshop prepares devices, the structure knows for whom."""
    return render_pdf(
        "reports/order_picking.html",
        {
            "issuer": order.workshop,
            "order": order,
            "reservations": _order_devices(order),
            "issued_at": timezone.now(),
        },
    )


def delivery_note_pdf(order: Order) -> bytes:
    """What leaves the workshop for the structure, signed by both at the hand-off."""
    dispatched = order.steps.filter(kind=OrderStep.Kind.DISPATCHED).first()
    handed = list(
        Allocation.objects.filter(order_line__order=order)
        .select_related("device")
        .order_by("device__asset_tag")
    )
    return render_pdf(
        "reports/order_delivery.html",
        {
            "issuer": order.workshop,
            "order": order,
            "devices": [r.device for r in _order_devices(order)] + [a.device for a in handed],
            "dispatched": dispatched,
            "issued_at": timezone.now(),
        },
    )
