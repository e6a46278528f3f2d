import django_filters
from django.db.models import CharField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from core.sorting import choice_order
from core.widgets import FastSelect

from .enums import DeviceStatus, DeviceType
from .models import Device, Location

# The device table's sortable columns (core.sorting). Never NULL: the device list pages on
# them by keyset. "id" is the default, newest first, which the workshop index answers.
DEVICE_SORTS = {
    "id": "pk",
    "asset_tag": "asset_tag",
    "type": choice_order("device_type", DeviceType),
    "model": Concat("manufacturer", Value(" "), "model", output_field=CharField()),
    "serial": "serial_number",
    "ram": Coalesce("ram_mb", Value(0)),
    "status": choice_order("status", DeviceStatus),
    "location": Concat(
        Coalesce("location__zone", Value("")),
        Value(" "),
        Coalesce("location__shelf", Value("")),
        output_field=CharField(),
    ),
}
DEVICE_DEFAULT_SORT = "-id"


def filter_by_batch(queryset, value: str):
    """A batch given by its id (links from the batch page) or its reference (typed)."""
    value = value.strip()
    if not value:
        return queryset
    if value.isdigit():
        return queryset.filter(batch_id=int(value))
    return queryset.filter(batch__reference__iexact=value)


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DeviceStatus.choices, widget=FastSelect
    )
    device_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=DeviceType.choices, widget=FastSelect
    )
    # A text field, not a select: a network has tens of thousands of batches.
    batch = django_filters.CharFilter(label=_("Batch"), method="filter_batch")
    location = django_filters.ModelChoiceFilter(
        widget=FastSelect, label=_("Location"), queryset=Location.objects.none()
    )

    class Meta:
        model = Device
        fields = ["q", "status", "device_type", "batch", "location"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["location"].queryset = Location.objects.visible_to(user)

    def filter_batch(self, queryset, name, value):
        return filter_by_batch(queryset, value)

    def search(self, queryset, name, value):
        return queryset.search(value)


def devices_filtered(user, data) -> tuple[DeviceFilter, object]:
    """The device list's rows for the user under the list's filters (`data`: the query
    string, or None): (filterset, queryset). The screen, its export and the export built as a
    report job share it, so a job exports what the list showed."""
    qs = Device.objects.visible_to(user).with_list_related().with_row_drives()
    filterset = DeviceFilter(data or None, queryset=qs, user=user)
    return filterset, (filterset.qs if filterset.is_bound else qs)


def device_filter_params(data) -> dict[str, str]:
    """The list's filters out of a query string (no paging, no export), as a job keeps them."""
    return {name: data[name] for name in DeviceFilter.base_filters if name in data}
