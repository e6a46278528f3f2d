"""The quasi-don's sections of the home page (settings.HOME_SECTIONS)."""

from .models import Order


def actions(request):
    if request.user.is_mediation_staff:
        return "beneficiaries/home/actions.html", {}
    return None


def orders(request):
    recent = list(
        Order.objects.visible_to(request.user)
        .select_related("structure")
        .order_by("-created_at")[:8]
    )
    if not recent:
        return None
    return "beneficiaries/home/orders.html", {"recent_orders": recent}
