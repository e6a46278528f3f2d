"""Seed the OS catalogue (reconditioning/catalogue.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from reconditioning.catalogue import catalogue_load

    catalogue_load(apps.get_model("reconditioning", "OperatingSystem"))


class Migration(migrations.Migration):
    dependencies = [("reconditioning", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
