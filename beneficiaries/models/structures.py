"""Mediation structures, and the scoping every structure-owned row shares."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet

from .territories import Commune

MEDIATION = {"kind": OrganisationKind.MEDIATION}
# The national schema's services (v1, then v0.1) that say a place hands out devices.
OFFERS_DEVICES = (
    "Acquisition de matériel informatique à prix solidaire",
    "S'équiper en matériel informatique",
)


class StructureScopedQuerySet(ScopedQuerySet):
    """Rows of the user's mediation structures (coordinators see all, anyone else nothing)."""

    structure_field = "structure_id"

    def scope(self, user) -> Q:
        return Q(
            **{f"{self.structure_field}__in": user.organisation_ids(OrganisationKind.MEDIATION)}
        )


class StructureQuerySet(StructureScopedQuerySet):
    structure_field = "organisation_id"

    def on_map(self):
        """Every structure, for the map and the public page: only the public facts of the
        national open data are read from these rows, never the structure's own records."""
        return self.all()


class Structure(models.Model):
    """A digital-mediation structure's public facts (the organisation is its account)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="structure", limit_choices_to=MEDIATION
    )
    mednum_id = models.CharField(
        _("national open-data id"), max_length=100, unique=True, null=True, blank=True
    )
    pivot = models.CharField(_("SIRET or RNA"), max_length=14, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("commune")
    )
    in_qpv = models.BooleanField(_("in a QPV (priority neighbourhood)"), default=False)
    programmes = models.JSONField(_("national programmes"), default=list, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    updated_on = models.DateField(_("updated on (open data)"), null=True, blank=True)
    # From the national schema: where to find it and when, for the map and the public page.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=500, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    # Set by the coordination: such an association may receive devices donated by public
    # bodies at a solidarity price without a proof for each person (décret of 7 Nov. 2022).
    serves_precarity = models.BooleanField(
        _("association serving people in precarity"), default=False, db_default=False
    )

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation structure")
        verbose_name_plural = _("mediation structures")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def offers_devices(self) -> bool:
        """Whether the national data says it offers devices at a solidarity price."""
        return any(s in OFFERS_DEVICES for s in self.services)
