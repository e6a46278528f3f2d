"""Spreadsheet exports (django-import-export).

The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=", so every
cell goes through core.exports.escape_cell instead (OWASP CSV injection)."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.formats.base_formats import XLSX

from core.exports import csv_bytes, escape_cell

from .models import Device

# The export's columns, in order, and their headers: its own order and wording, not the
# import's (type after serial, the device's state before its notes, no purchase date or value).
HEADERS = {
    "asset_tag": _("Asset tag"),
    "serial_number": _("Serial number"),
    "device_type": _("Type"),
    "manufacturer": _("Manufacturer"),
    "model": _("Model"),
    "cpu": _("CPU"),
    "ram_mb": _("RAM (MB)"),
    "storage": _("Storage"),
    "battery_health_pct": _("Battery health (%)"),
    "screen_size_in": _("Screen (inches)"),
    "keyboard_layout": _("Keyboard"),
    "weight_kg": _("Weight (kg)"),
    "status": _("Status"),
    "grade": _("Grade"),
    "batch": _("Batch"),
    "location": _("Location"),
    "notes": _("Notes"),
    "created_at": _("Logged"),
}


class DeviceResource(resources.ModelResource):
    """Devices as a spreadsheet, for the staff screens and the back office alike."""

    batch = fields.Field(attribute="batch__reference", column_name="batch")
    location = fields.Field(attribute="location", column_name="location")
    status = fields.Field(attribute="get_status_display", column_name="status")
    device_type = fields.Field(attribute="get_device_type_display", column_name="device_type")
    keyboard_layout = fields.Field(
        attribute="get_keyboard_layout_display", column_name="keyboard_layout"
    )
    storage = fields.Field(column_name="storage")

    class Meta:
        model = Device
        fields = tuple(HEADERS)
        export_order = fields

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))

    def get_export_headers(self, selected_fields=None):
        return [
            str(HEADERS.get(f.column_name, f.column_name))
            for f in self.get_export_fields(selected_fields)
            if f
        ]

    def dehydrate_storage(self, device):
        return " + ".join(str(d) for d in device.drives.all())


EXPORT_FORMATS = {"xlsx": XLSX}


def _in_chunks(queryset, progress, chunk: int):
    """The rows in the order of the export made in the request (by id: import-export's
    iter_queryset sorts a prefetching queryset by pk), read `chunk` at a time (keyset on the
    id, the drives of each chunk in one query), telling progress from 5 to 90."""
    total = max(queryset.order_by().count(), 1)
    done = last = 0
    while True:
        part = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk])
        if not part:
            return
        yield from part
        done += len(part)
        last = part[-1].pk
        progress(5 + 85 * min(done, total) // total)


def devices_export(queryset, fmt: str, *, progress=None, chunk: int = 2000) -> bytes:
    """Export devices as CSV (UTF-8 with BOM, for Excel) or XLSX. With progress(pct) (a
    report job, for exports too long for the request), the rows are read in chunks and the
    progress told as they are; the file is the same."""
    queryset = queryset.prefetch_related("drives")
    rows = queryset if progress is None else _in_chunks(queryset, progress, chunk)
    dataset = DeviceResource().export(rows)
    if fmt == "csv":
        # ";" and a BOM, so that French Excel opens it in columns (tablib writes ",").
        data = csv_bytes([dataset.headers, *dataset])
    else:
        data = EXPORT_FORMATS[fmt]().export_data(dataset)
    if progress is not None:
        progress(95)
    return data
