"""The papers of the quasi-don: the receipt of a payment and the handover document the person
signs. Both are short, one page each."""

from django.utils import timezone

from beneficiaries.models import Allocation, Payment
from core.pdf import render_pdf


def _system(allocation: Allocation) -> str:
    install = allocation.device.os_installs.select_related("system").order_by("-id").first()
    return str(install.system) if install else ""


def receipt_pdf(payment: Payment) -> bytes:
    allocation = payment.allocation
    return render_pdf(
        "reports/receipt.html",
        {
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
            "allocation": allocation,
            "device": allocation.device,
            "structure": allocation.structure,
            "system": _system(allocation),
            "drives": list(allocation.device.drives.all()),
            "issued_at": timezone.now(),
        },
    )
