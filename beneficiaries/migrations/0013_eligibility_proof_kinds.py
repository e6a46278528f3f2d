"""Load the kinds of proof of precarity the coordination starts from (beneficiaries/defaults.py,
PROOF_KINDS; décret of 7 November 2022)."""

from django.db import migrations


def load(apps, schema_editor):
    from beneficiaries.defaults import proof_kinds_load

    proof_kinds_load(apps.get_model("beneficiaries", "EligibilityProofKind"))


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0012_eligibility_proofs")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
