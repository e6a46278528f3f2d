"""The workshop's sections of the home page (settings.HOME_SECTIONS)."""

from django.db.models import Count

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
    # The devices are counted for the 8 batches shown only: annotating before the slice
    # counted every batch's devices first (0.5–0.9 s at a million devices).
    latest = (
        CollectionBatch.objects.visible_to(user)
        .order_by("-collected_on", "-id")
        .values("pk")[:LATEST_BATCHES]
    )
    batches = (
        CollectionBatch.objects.filter(pk__in=latest)
        .select_related("donor")
        .annotate(device_count=Count("devices"))
        .order_by("-collected_on", "-id")
    )
    counts = capped_counts(Device.objects.visible_to(user), "status", DeviceStatus.values)
    statuses = [(label, *counts[value]) for value, label in DeviceStatus.choices]
    return "inventory/home/stock.html", {"batches": batches, "statuses": statuses}
