"""Spreadsheet exports (django-import-export).

The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=", so every
cell goes through `escape_cell` instead: a cell starting with = + - @ tab or CR is prefixed with
a quote, which spreadsheets show as text and never run (OWASP CSV injection)."""

from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

from .models import Device

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class DeviceResource(resources.ModelResource):
    batch = fields.Field(attribute="batch__reference", column_name="batch")
    location = fields.Field(attribute="location", column_name="location")
    status = fields.Field(attribute="get_status_display", column_name="status")
    device_type = fields.Field(attribute="get_device_type_display", column_name="device_type")
    storage = fields.Field(column_name="storage")

    class Meta:
        model = Device
        fields = (
            "asset_tag",
            "serial_number",
            "device_type",
            "manufacturer",
            "model",
            "cpu",
            "ram_mb",
            "storage",
            "battery_health_pct",
            "screen_size_in",
            "keyboard_layout",
            "status",
            "batch",
            "location",
            "notes",
            "created_at",
        )
        export_order = fields

    def dehydrate_storage(self, device):
        return " + ".join(str(d) for d in device.drives.all())


EXPORT_FORMATS = {"csv": CSV, "xlsx": XLSX}


def devices_export(queryset, fmt: str) -> bytes:
    """Export devices as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    dataset = DeviceResource().export(queryset.prefetch_related("drives"))
    escaped = [[escape_cell(cell) for cell in row] for row in dataset]
    dataset._data = []  # tablib has no public "clear rows but keep headers"
    for row in escaped:
        dataset.append(row)
    data = EXPORT_FORMATS[fmt]().export_data(dataset)
    if isinstance(data, str):
        return ("\ufeff" + data).encode("utf-8")
    return data
