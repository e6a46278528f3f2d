"""Trigram indexes for the device search (Device.objects.search): partial, case-insensitive
matches on asset tag, serial, model, manufacturer and donor name stay fast at 1,000,000 devices
on PostgreSQL. The expressions are the ones Django writes for icontains. SQLite: nothing."""

from django.db import migrations

COLUMNS = [
    ("inventory_device", "asset_tag"),
    ("inventory_device", "serial_number"),
    ("inventory_device", "model"),
    ("inventory_device", "manufacturer"),
    ("inventory_donor", "name"),
]


def _name(table, column):
    return f"{table}_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {_name(table, column)} ON "{table}" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_drive_removed_marker")]
    operations = [migrations.RunPython(create, drop)]
