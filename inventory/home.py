"""The workshop's sections of the home page (settings.HOME_SECTIONS)."""

from core.pagination import capped_counts

from .enums import DeviceStatus
from .models import CollectionBatch, Device

LATEST_BATCHES = 8


def actions(request):
    if request.user.is_workshop_staff:
        return "inventory/home/actions.html", {}
    return None


def stock(request):
    # Donors read their batches in their own "Today" section (reports.today.donor).
    user = request.user
    if not (user.is_workshop_staff or user.is_coordinator):
        return None
    # Each batch keeps its devices' count (logged_count): nothing is counted here.
    batches = (
        CollectionBatch.objects.visible_to(user)
        .select_related("donor")
        .order_by("-collected_on", "-id")[:LATEST_BATCHES]
    )
    counts = capped_counts(Device.objects.visible_to(user), "status", DeviceStatus.values)
    statuses = [(label, *counts[value]) for value, label in DeviceStatus.choices]
    return "inventory/home/stock.html", {"batches": batches, "statuses": statuses}
