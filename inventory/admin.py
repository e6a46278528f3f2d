from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from .models import (
    CollectionBatch,
    Device,
    DeviceEvent,
    DeviceTypeWeight,
    Donor,
    HardwareReport,
    ImportJob,
    Location,
    Movement,
    StorageDrive,
)
from .resources import DeviceResource


class ReadOnlyLedgerAdmin(admin.ModelAdmin):
    """Ledger rows are never edited or deleted, even from the back office."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "workshop", "organisation"]
    list_filter = ["kind", "workshop"]
    search_fields = ["name", "siret"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["zone", "shelf", "workshop"]
    list_filter = ["workshop"]


@admin.register(CollectionBatch)
class CollectionBatchAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "donor",
        "workshop",
        "collected_on",
        "declared_quantity",
        "received_quantity",
    ]
    list_filter = ["workshop"]
    search_fields = ["reference", "donor__name"]
    raw_id_fields = ["donor"]


class StorageDriveInline(admin.TabularInline):
    model = StorageDrive
    extra = 0


@admin.register(Device)
class DeviceAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [DeviceResource]
    list_display = [
        "asset_tag",
        "device_type",
        "manufacturer",
        "model",
        "serial_number",
        "status",
        "weight_kg",
        "workshop",
    ]
    list_filter = ["status", "device_type", "workshop"]
    search_fields = ["asset_tag", "serial_number", "model"]
    readonly_fields = [
        "asset_tag",
        "workshop",
        "batch",
        "location",
        "status",
        "source",
        "is_virtual",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [StorageDriveInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        # Devices come in through intake, import or hardware reports (asset tag, ledger).
        return False


@admin.register(DeviceTypeWeight)
class DeviceTypeWeightAdmin(admin.ModelAdmin):
    """The coordination adjusts the defaults; every type keeps one (the reports count it)."""

    list_display = ["device_type", "weight_kg", "source"]
    list_editable = ["weight_kg"]

    def has_delete_permission(self, request, obj=None):
        # Without its default a type's devices would weigh nothing in the reports.
        return False


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyLedgerAdmin):
    list_display = ["device", "from_status", "to_status", "actor", "at"]
    raw_id_fields = ["device"]


@admin.register(Movement)
class MovementAdmin(ReadOnlyLedgerAdmin):
    list_display = ["device", "from_location", "to_location", "moved_by", "moved_at"]


@admin.register(HardwareReport)
class HardwareReportAdmin(ReadOnlyLedgerAdmin):
    list_display = ["device", "submitted_by", "received_at"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "batch", "status", "total_rows", "created_count", "created_at"]
    list_filter = ["status"]
    # The file by its name only: the admin's usual link would point at the storage itself
    # (a signed bucket URL, or /media/ which is not served), outside any permission check.
    exclude = ["file"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "file"] + ["stored_file"]

    @admin.display(description=_("stored file"))
    def stored_file(self, obj):
        return obj.file.name
