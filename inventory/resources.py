"""Spreadsheet exports of devices: the staff screens' CSV and XLSX (core.exports: typed cells,
French decimals and dates) and the back office's django-import-export resource.

The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=", so every
cell goes through core.exports.escape_cell instead (OWASP CSV injection)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from core.exports import Sheet, csv_bytes, escape_cell, xlsx_bytes

from .enums import DeviceStatus, DeviceType, KeyboardLayout
from .models import Device, choice_label
from .values import gigabytes

# The export's columns, in order, and their headers: its own order and wording, not the
# import's (type after serial, the device's state before its notes, no purchase date or value).
HEADERS = {
    "asset_tag": _("Asset tag"),
    "serial_number": _("Serial number"),
    "device_type": _("Type"),
    "manufacturer": _("Manufacturer"),
    "model": _("Model"),
    "cpu": _("CPU"),
    "ram_mb": _("RAM (GB)"),
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
    """Devices as a spreadsheet for the back office (the admin's export)."""

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

    def dehydrate_ram_mb(self, device):
        # The column says GB (HEADERS), as the staff screens' export and every screen do.
        return gigabytes(device.ram_mb) if device.ram_mb else None

    def filter_export(self, queryset, **kwargs):
        # The batch, the location and the drives read with the rows, not once per device.
        queryset = super().filter_export(queryset, **kwargs)
        return queryset.select_related("batch", "location").with_row_drives()

    def dehydrate_storage(self, device):
        return " + ".join(str(d) for d in device.drive_rows)


def _row(device: Device) -> list:
    """A device's cells, in HEADERS' order, as values a spreadsheet computes with: numbers as
    numbers, memory in GB as the screens say it, the logging time in local time."""
    return [
        device.asset_tag,
        device.serial_number,
        choice_label(DeviceType, device.device_type),
        device.manufacturer,
        device.model,
        device.cpu,
        gigabytes(device.ram_mb) if device.ram_mb else None,
        " + ".join(str(d) for d in device.drive_rows),
        device.battery_health_pct,
        device.screen_size_in,
        choice_label(KeyboardLayout, device.keyboard_layout) if device.keyboard_layout else "",
        device.weight_kg,
        choice_label(DeviceStatus, device.status),
        device.grade,
        device.batch.reference if device.batch_id else "",
        str(device.location) if device.location_id else "",
        device.notes,
        timezone.localtime(device.created_at).replace(tzinfo=None, microsecond=0),
    ]


def _in_chunks(queryset, progress, chunk: int):
    """The rows by id, read `chunk` at a time (keyset on the id, the drives of each chunk in
    one query), telling progress from 5 to 90 when asked."""
    total = max(queryset.order_by().count(), 1) if progress else 1
    done = last = 0
    while True:
        part = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk])
        if not part:
            return
        yield from part
        done += len(part)
        last = part[-1].pk
        if progress:
            progress(5 + 85 * min(done, total) // total)


def devices_export(queryset, fmt: str, *, progress=None, chunk: int = 2000) -> bytes:
    """Export devices as CSV (";", UTF-8 with BOM, for French Excel) or XLSX, by id. With
    progress(pct) (a report job, for exports too long for the request) the progress is told
    as the rows are read; the file is the same."""
    queryset = queryset.select_related("batch", "location").with_row_drives()
    headers = [str(label) for label in HEADERS.values()]
    rows = (_row(device) for device in _in_chunks(queryset, progress, chunk))
    if fmt == "csv":
        data = csv_bytes([headers, *rows])
    elif fmt == "xlsx":
        data = xlsx_bytes([Sheet(_("Devices"), [headers, *rows])])
    else:
        raise ValueError(fmt)
    if progress is not None:
        progress(95)
    return data
