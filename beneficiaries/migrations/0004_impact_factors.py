"""Seed the impact factors (beneficiaries/defaults.py, ADEME 2022, to be checked)."""

from django.db import migrations


def seed(apps, schema_editor):
    from beneficiaries.defaults import impact_load

    impact_load(apps.get_model("beneficiaries", "ImpactFactor"))


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0003_funding_and_impact")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
