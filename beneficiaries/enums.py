from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AgeBand(models.TextChoices):
    """La Coop de la médiation numérique's age bands (its "tranches d'âge"), so that a
    structure's figures line up with what its advisers report there, then the bands Filière
    used before (kept readable on the records made with them, never offered again: 26-44 and
    45-64 straddle La Coop's, so no stored value can be converted)."""

    UNDER_18 = "u18", _("Minor")
    FROM_18_24 = "18-24", _("18 to 24")
    FROM_25_39 = "25-39", _("25 to 39")
    FROM_40_59 = "40-59", _("40 to 59")
    FROM_60_69 = "60-69", _("60 to 69")
    FROM_70 = "70+", _("70 and over")
    NOT_GIVEN = "nc", _("Not given")
    FROM_18_25 = "18-25", _("18 to 25 (former bands)")
    FROM_26_44 = "26-44", _("26 to 44 (former bands)")
    FROM_45_64 = "45-64", _("45 to 64 (former bands)")
    FROM_65 = "65+", _("65 and over (former bands)")


FORMER_AGE_BANDS = frozenset({"18-25", "26-44", "45-64", "65+"})


def age_band_choices(current: str = "") -> list[tuple[str, str]]:
    """What a form offers: La Coop's bands, and a record's former band when it has one."""
    return [(v, label) for v, label in AgeBand.choices if v not in FORMER_AGE_BANDS or v == current]


class Situation(models.TextChoices):
    """What the structure records; each maps to one of La Coop's social situations
    (COOP_SITUATION), the categories the reports count."""

    JOB_SEEKER = "job_seeker", _("Job seeker")
    EMPLOYED = "employed", _("Employed")
    STUDENT = "student", _("Student or in training")
    RETIRED = "retired", _("Retired")
    INACTIVE = "inactive", _("Without activity")
    OTHER = "other", _("Other")


class CoopSituation(models.TextChoices):
    """La Coop de la médiation numérique's social situations ("statut social")."""

    SCHOOLED = "schooled", _("In school or training")
    UNEMPLOYED = "unemployed", _("Without a job")
    EMPLOYED = "employed", _("In work")
    RETIRED = "retired", _("Retired person")
    NOT_GIVEN = "not_given", _("Not given or mixed")


COOP_SITUATION = {
    Situation.JOB_SEEKER: CoopSituation.UNEMPLOYED,
    Situation.INACTIVE: CoopSituation.UNEMPLOYED,
    Situation.EMPLOYED: CoopSituation.EMPLOYED,
    Situation.STUDENT: CoopSituation.SCHOOLED,
    Situation.RETIRED: CoopSituation.RETIRED,
    Situation.OTHER: CoopSituation.NOT_GIVEN,
}


def situations_for(coop: str) -> list[str]:
    """The situations recorded that La Coop's category `coop` counts."""
    return [s for s, c in COOP_SITUATION.items() if c == coop]


class CoopTheme(models.TextChoices):
    """The themes of La Coop de la médiation numérique (its "thématiques", non-administrative
    part), with the Coop's own identifiers as values so that figures line up with what the
    advisers report there (docs/quasi-don.md, "Categories of La Coop")."""

    DIAGNOSTIC = "DiagnosticNumerique", _("Digital skills assessment")
    DEVICES = "PrendreEnMainDuMateriel", _("Getting to grips with a device")
    MAINTENANCE = "MaintenanceDeMateriel", _("Device maintenance")
    CONTENTS = "GereSesContenusNumeriques", _("Managing one's digital content")
    BROWSING = "NavigationSurInternet", _("Browsing the internet")
    EMAIL = "Email", _("E-mail")
    OFFICE = "Bureautique", _("Office software")
    SOCIAL_MEDIA = "ReseauxSociaux", _("Social media and communication")
    HEALTH = "Sante", _("Health")
    BANKING = "BanqueEtAchatsEnLigne", _("Online banking and shopping")
    PROFESSIONALS = "Entrepreneuriat", _("Supporting a professional")
    EMPLOYMENT = "InsertionProfessionnelle", _("Finding work")
    SECURITY = "SecuriteNumerique", _("Digital security")
    PARENTING = "Parentalite", _("Parenting")
    SCHOOL = "ScolariteEtNumerique", _("School and digital")
    CREATING = "CreerAvecLeNumerique", _("Creating with digital tools")
    CULTURE = "CultureNumerique", _("Digital culture")
    AI = "IntelligenceArtificielle", _("Artificial intelligence (AI)")
    PAPERWORK = "AideAuxDemarchesAdministratives", _("Help with administrative procedures")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    PREPARING = "preparing", _("Being prepared")
    READY = "ready", _("Ready to hand over")
    HANDED_OVER = "handed_over", _("Handed over")
    CLOSED = "closed", _("Closed")
    # "une commande annulée": French agrees it, as the other statuses ("Refusée"…)
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Bank transfer")
    STRUCTURE = "structure", _("Paid by the structure")


class ExemptionGrantor(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    STRUCTURE = "structure", _("Mediation staff")


# Décret of 7 November 2022 (CGPPP L.3212-2): the most a person may be asked for a device
# donated by a public body, VAT included.
PUBLIC_BODY_PRICE_CAPS = {
    "laptop": Decimal("180"),
    "desktop": Decimal("150"),
    "tablet": Decimal("100"),
    "smartphone": Decimal("100"),
    "monitor": Decimal("30"),
    "other": Decimal("30"),
}
