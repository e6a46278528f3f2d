from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgeBand(models.TextChoices):
    UNDER_18 = "u18", _("Under 18")
    FROM_18_25 = "18-25", _("18 to 25")
    FROM_26_44 = "26-44", _("26 to 44")
    FROM_45_64 = "45-64", _("45 to 64")
    FROM_65 = "65+", _("65 and over")


class Situation(models.TextChoices):
    JOB_SEEKER = "job_seeker", _("Job seeker")
    EMPLOYED = "employed", _("Employed")
    STUDENT = "student", _("Student or in training")
    RETIRED = "retired", _("Retired")
    INACTIVE = "inactive", _("Without activity")
    OTHER = "other", _("Other")


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
    CANCELLED = "cancelled", _("Cancelled")


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
