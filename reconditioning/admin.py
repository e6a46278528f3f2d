from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inventory.admin import ReadOnlyLedgerAdmin

from . import services
from .enums import PartMovementKind
from .models import (
    Diagnosis,
    ErasureRecord,
    OperatingSystem,
    OsInstall,
    PartMovement,
    QualityCheck,
    Repair,
    ScrapRecord,
    SparePart,
)


@admin.register(OperatingSystem)
class OperatingSystemAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "architecture", "min_ram_mb", "min_storage_gb", "is_active"]
    list_filter = ["is_active", "architecture"]
    list_editable = ["is_active"]


class SparePartForm(forms.ModelForm):
    received = forms.IntegerField(
        label=_("Quantity received (purchase or donation)"), required=False, min_value=1
    )

    class Meta:
        model = SparePart
        fields = ["workshop", "name", "category"]


class PartMovementInline(admin.TabularInline):
    model = PartMovement
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "quantity", "source_device", "repair", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SparePart)
class SparePartAdmin(admin.ModelAdmin):
    """Stock changes go through the service, so every one leaves a movement row."""

    form = SparePartForm
    list_display = ["name", "category", "workshop", "quantity"]
    list_filter = ["workshop", "category"]
    search_fields = ["name"]
    readonly_fields = ["quantity"]
    inlines = [PartMovementInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        received = form.cleaned_data.get("received")
        if received:
            services.part_move(
                part=obj,
                quantity=received,
                kind=PartMovementKind.PURCHASE,
                user=request.user,
                note=str(_("Back office")),
            )


for model in (Diagnosis, ErasureRecord, Repair, OsInstall, QualityCheck, ScrapRecord):
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (ReadOnlyLedgerAdmin,),
            {
                "list_display": ["device", "recorded_by", "recorded_at"],
                "list_select_related": ["device", "recorded_by"],
            },
        ),
    )
