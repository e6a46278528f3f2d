import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums import DeviceStatus, DeviceType
from .models import CollectionBatch, Device, Location


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeviceStatus.choices)
    device_type = django_filters.ChoiceFilter(label=_("Type"), choices=DeviceType.choices)
    batch = django_filters.ModelChoiceFilter(
        label=_("Batch"), queryset=CollectionBatch.objects.none()
    )
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=Location.objects.none()
    )

    class Meta:
        model = Device
        fields = ["q", "status", "device_type", "batch", "location"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["batch"].queryset = CollectionBatch.objects.visible_to(user)
        self.filters["location"].queryset = Location.objects.visible_to(user)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(asset_tag__iexact=value)
            | Q(serial_number__iexact=value)
            | Q(model__icontains=value)
            | Q(manufacturer__iexact=value)
        )
