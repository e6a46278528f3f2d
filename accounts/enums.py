from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    WORKSHOP = "workshop", _("Refurbishing workshop")
    MEDIATION = "mediation", _("Digital mediation structure")
    COORDINATION = "coordination", _("Coordination")
    FUNDER = "funder", _("Funder")
    DONOR = "donor", _("Donor")


class Role(models.TextChoices):
    TECHNICIAN = "technician", _("Technician")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff member")
    COORDINATOR = "coordinator", _("Coordinator")
    READER = "reader", _("Reader")
    MACHINE = "machine", _("Workshop machine")
