import django_filters
from django.utils.translation import gettext_lazy as _

from core.widgets import FastSelect
from inventory.enums import DeviceStatus, DeviceType, Grade
from inventory.filters import filter_by_batch
from inventory.models import Device, Location


class QueueFilter(django_filters.FilterSet):
    batch = django_filters.CharFilter(label=_("Batch"), method="filter_batch")
    device_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=DeviceType.choices, widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DeviceStatus.choices, widget=FastSelect
    )
    location = django_filters.ModelChoiceFilter(
        widget=FastSelect, label=_("Location"), queryset=Location.objects.none()
    )
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Grade.choices, widget=FastSelect)

    class Meta:
        model = Device
        fields = ["batch", "device_type", "status", "location", "grade"]

    def filter_batch(self, queryset, name, value):
        return filter_by_batch(queryset, value)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["location"].queryset = Location.objects.visible_to(user)
