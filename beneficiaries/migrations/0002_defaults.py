"""Load the coordination's starting defaults (beneficiaries/defaults.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from beneficiaries.defaults import MODEL_NAMES, defaults_load

    defaults_load({name: apps.get_model("beneficiaries", name) for name in MODEL_NAMES})


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
