"""The ways of putting the same plain device rows into the database, measured side by side."""

import time

from django.db import connection, transaction
from import_export import fields, resources, widgets

from inventory.bulk import copy_rows, is_postgres
from inventory.enums import DeviceStatus
from inventory.importing import import_file
from inventory.models import CollectionBatch, Device


class Rollback(Exception):
    pass


def donor_csv(n: int, offset: int = 0) -> bytes:
    lines = [
        "Inventaire matériel réformé",
        "",
        "N° de série;Marque;Modèle;Type;Mémoire;Stockage;Date d'achat;Valeur",
    ]
    for i in range(offset, offset + n):
        lines.append(f"BN{i:09d};Dell;Latitude 5490;PC portable;8 Go;256 Go SSD;15/03/2019;50")
    return "\r\n".join(lines).encode("cp1252")


def timed(func) -> float:
    """Run inside a transaction that is rolled back, so every method starts from the same data;
    the deferred foreign-key checks a commit would run are run inside the timing
    (`SET CONSTRAINTS ALL IMMEDIATE`), or a rolled-back method would skip a cost that a real
    import pays at its commit."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            func()
            if connection.vendor == "postgresql":
                connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
            else:
                connection.cursor().execute("SELECT 1")
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def plain_rows(batch: CollectionBatch, n: int, offset: int = 0):
    for i in range(offset, offset + n):
        yield {
            "asset_tag": f"BX{i:09d}",
            "workshop_id": batch.workshop_id,
            "batch_id": batch.pk,
            "status": DeviceStatus.RECEIVED,
            "device_type": "laptop",
            "serial_number": f"BN{i:09d}",
            "manufacturer": "Dell",
            "model": "Latitude 5490",
            "ram_mb": 8192,
        }


class PlainDeviceResource(resources.ModelResource):
    workshop = fields.Field(
        attribute="workshop_id", column_name="workshop_id", widget=widgets.IntegerWidget()
    )
    batch = fields.Field(
        attribute="batch_id", column_name="batch_id", widget=widgets.IntegerWidget()
    )

    class Meta:
        model = Device
        fields = (
            "asset_tag",
            "workshop",
            "batch",
            "status",
            "device_type",
            "serial_number",
            "manufacturer",
            "model",
            "ram_mb",
        )
        import_id_fields = ("asset_tag",)


class BulkPlainDeviceResource(PlainDeviceResource):
    class Meta(PlainDeviceResource.Meta):
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        force_init_instance = True
        skip_unchanged = False


def dataset(batch, n, offset):
    import tablib

    rows = list(plain_rows(batch, n, offset))
    data = tablib.Dataset(headers=list(rows[0].keys()))
    for row in rows:
        data.append(list(row.values()))
    return data


def run_importer(batch, n, offset=0):
    content = donor_csv(n, offset)
    return timed(lambda: import_file(content, "donateur.csv", batch=batch, user=None))


def run_import_export(batch, n, offset=0, bulk=False):
    resource = (BulkPlainDeviceResource if bulk else PlainDeviceResource)()
    data = dataset(batch, n, offset)

    def go():
        result = resource.import_data(
            data, dry_run=False, raise_errors=True, use_transactions=False
        )
        assert not result.has_errors()

    return timed(go)


def run_bulk_create(batch, n, offset=0):
    rows = list(plain_rows(batch, n, offset))
    return timed(lambda: Device.objects.bulk_create([Device(**r) for r in rows], batch_size=2000))


COPY_COLUMNS = (
    "asset_tag",
    "workshop_id",
    "batch_id",
    "status",
    "grade",
    "device_type",
    "serial_number",
    "manufacturer",
    "model",
    "cpu",
    "ram_mb",
    "keyboard_layout",
    "notes",
    "is_virtual",
    "source",
    "created_at",
    "updated_at",
    "status_since",
)


def run_copy(batch, n, offset=0):
    if not is_postgres():
        return None
    from django.utils import timezone

    now = timezone.now()
    rows = [
        (
            r["asset_tag"],
            r["workshop_id"],
            r["batch_id"],
            r["status"],
            "",
            "laptop",
            r["serial_number"],
            "Dell",
            "Latitude 5490",
            "",
            8192,
            "",
            "",
            False,
            "scan",
            now,
            now,
            now,
        )
        for r in plain_rows(batch, n, offset)
    ]
    return timed(lambda: copy_rows(Device, COPY_COLUMNS, rows))
