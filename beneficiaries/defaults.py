"""Defaults the coordination starts from and then adjusts in the back office: eligibility
criteria, exemption reasons, the tariff grid, and the training each device type requires."""

from decimal import Decimal

ELIGIBILITY = [
    # code, label (French: these are the coordination's own words), needs a justification
    ("rsa", "Allocataire du RSA", False),
    ("ass", "Allocation de solidarité spécifique (ASS)", False),
    ("aah", "Allocation aux adultes handicapés (AAH)", False),
    ("aspa", "Minimum vieillesse (ASPA)", False),
    ("bourse", "Étudiant boursier", False),
    ("qf", "Quotient familial inférieur au seuil", False),
    ("autre", "Autre situation (justification écrite)", True),
]

EXEMPTIONS = [
    ("Remplacement sous garantie", "structure"),
    ("Situation d'urgence sociale (validée par la coordination)", "coordinator"),
    ("Équipement de la structure elle-même", "structure"),
]

# Residual charges (€) by device type and grade, under the public-body caps.
TARIFFS = {
    "laptop": {"A": "50", "B": "40", "C": "30"},
    "desktop": {"A": "40", "B": "30", "C": "20"},
    "tablet": {"A": "30", "B": "25", "C": "20"},
    "smartphone": {"A": "30", "B": "25", "C": "20"},
    "monitor": {"A": "10", "B": "10", "C": "5"},
    "other": {"A": "10", "B": "5", "C": "5"},
}

PROGRAMME = (
    "Premiers pas avec son équipement",
    "6",
    [
        "Prise en main et sécurité",
        "Internet et messagerie",
        "Démarches en ligne (France Connect)",
        "Logiciels libres du quotidien",
    ],
)


def defaults_load(models) -> None:
    """`models` maps names to model classes (real ones, or a migration's historical ones)."""
    for code, label, needs in ELIGIBILITY:
        models["EligibilityCriterion"].objects.get_or_create(
            code=code, defaults={"label": label, "needs_justification": needs}
        )
    for label, grantor in EXEMPTIONS:
        models["ExemptionReason"].objects.get_or_create(
            label=label, defaults={"granted_by": grantor}
        )
    for device_type, grades in TARIFFS.items():
        for grade, amount in grades.items():
            models["Tariff"].objects.get_or_create(
                device_type=device_type, grade=grade, defaults={"amount": Decimal(amount)}
            )
    title, hours, modules = PROGRAMME
    programme, created = models["TrainingProgramme"].objects.get_or_create(
        title=title, defaults={"duration_hours": Decimal(hours)}
    )
    if created:
        for position, module in enumerate(modules):
            models["TrainingModule"].objects.create(
                programme=programme, title=module, position=position, required=True
            )
    for device_type in ("laptop", "desktop", "tablet", "smartphone"):
        models["DeviceTraining"].objects.get_or_create(
            device_type=device_type, defaults={"programme": programme}
        )


MODEL_NAMES = [
    "EligibilityCriterion",
    "ExemptionReason",
    "Tariff",
    "TrainingProgramme",
    "TrainingModule",
    "DeviceTraining",
]


# The kinds of proof of precarity (décret of 7 November 2022) the coordination starts from;
# it adds, reorders or turns them off in the app. code, name (French: its own words).
PROOF_KINDS = [
    ("rsa", "Revenu de solidarité active (RSA)"),
    ("ass", "Allocation de solidarité spécifique (ASS)"),
    ("aah", "Allocation aux adultes handicapés (AAH)"),
    ("css", "Complémentaire santé solidaire (CSS)"),
    ("aspa", "Minimum vieillesse (ASPA)"),
    ("bourse", "Bourse étudiante (sur critères sociaux)"),
    ("travailleur-social", "Orientation par un travailleur social"),
]


def proof_kinds_load(EligibilityProofKind) -> None:
    """The real model or a migration's historical one; a kind already there is left alone."""
    for order, (code, name) in enumerate(PROOF_KINDS, start=1):
        EligibilityProofKind.objects.get_or_create(
            code=code, defaults={"name": name, "order": order * 10}
        )


IMPACT_SOURCE = (
    "ADEME (2022), « Évaluation de l'impact environnemental d'un ensemble de "
    "produits reconditionnés » — valeurs rapportées, à vérifier"
)
IMPACT_FACTORS = [("laptop", "27", "127"), ("smartphone", "24.6", "76.9")]


def impact_load(ImpactFactor) -> None:
    """ADEME 2022's avoided impact per year of use, as reported, marked to be checked."""
    for device_type, co2e, materials in IMPACT_FACTORS:
        ImpactFactor.objects.get_or_create(
            device_type=device_type,
            defaults={
                "co2e_kg_per_year": Decimal(co2e),
                "materials_kg_per_year": Decimal(materials),
                "extra_years": Decimal("2"),
                "major_repair_factor": Decimal("0.5"),
                "source": IMPACT_SOURCE,
                "source_url": "https://librairie.ademe.fr/",
                "to_be_checked": True,
            },
        )
