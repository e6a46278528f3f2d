"""The kinds of proof of precarity the coordination starts from (décret of 7 November 2022);
it adds, reorders or turns them off in the app (Justificatifs d'éligibilité)."""

from django.db import migrations

# code, name (French: the coordination's own words)
PROOF_KINDS = [
    ("rsa", "Revenu de solidarité active (RSA)"),
    ("ass", "Allocation de solidarité spécifique (ASS)"),
    ("aah", "Allocation aux adultes handicapés (AAH)"),
    ("css", "Complémentaire santé solidaire (CSS)"),
    ("aspa", "Minimum vieillesse (ASPA)"),
    ("bourse", "Bourse étudiante (sur critères sociaux)"),
    ("travailleur-social", "Orientation par un travailleur social"),
]


def load(apps, schema_editor):
    Kind = apps.get_model("beneficiaries", "EligibilityProofKind")
    for order, (code, name) in enumerate(PROOF_KINDS, start=1):
        Kind.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0012_eligibility_proofs")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
