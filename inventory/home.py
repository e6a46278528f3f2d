"""The workshop's sections of the home page (settings.HOME_SECTIONS)."""

from django.db.models import Count

from .enums import DeviceStatus
from .models import CollectionBatch, Device


def actions(request):
    if request.user.is_workshop_staff:
        return "inventory/home/actions.html", {}
    return None


def stock(request):
    # Donors read their batches in their own "Today" section (reports.today.donor).
    user = request.user
    if not (user.is_workshop_staff or user.is_coordinator):
        return None
    batches = (
        CollectionBatch.objects.visible_to(user)
        .select_related("donor")
        .annotate(device_count=Count("devices"))
        .order_by("-collected_on", "-id")[:8]
    )
    status_counts = dict(
        Device.objects.visible_to(user).order_by().values_list("status").annotate(n=Count("id"))
    )
    statuses = [(label, status_counts.get(value, 0)) for value, label in DeviceStatus.choices]
    return "inventory/home/stock.html", {"batches": batches, "statuses": statuses}
