"""The funders' side: the programmes orders are charged to, and the impact factors their
reports use."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from inventory.enums import DeviceType


class FundingProgrammeQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        """A funder's own programmes (the coordination sees every one)."""
        return Q(funder_id__in=user.organisation_ids(OrganisationKind.FUNDER))


class FundingProgramme(models.Model):
    """A funder's programme (e.g. "Inclusion numérique 2026" of the Département) that orders
    are charged to; a funder's users read the reports of their programmes."""

    funder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="funding_programmes",
        limit_choices_to={"kind": OrganisationKind.FUNDER},
        verbose_name=_("funder"),
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = FundingProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding programme")
        verbose_name_plural = _("funding programmes")
        ordering = ["funder__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.funder})"


class ImpactFactor(models.Model):
    """Avoided impact of reusing a device of a type, per year of extra use, from a published
    source the report cites. Set by the coordination."""

    device_type = models.CharField(
        _("device type"), max_length=20, choices=DeviceType.choices, unique=True
    )
    co2e_kg_per_year = models.DecimalField(
        _("kg CO2e avoided per year of use"), max_digits=7, decimal_places=2
    )
    materials_kg_per_year = models.DecimalField(
        _("kg of raw materials avoided per year of use"), max_digits=7, decimal_places=2
    )
    extra_years = models.DecimalField(
        _("expected extra years of use"), max_digits=4, decimal_places=1, default=2
    )
    major_repair_factor = models.DecimalField(
        _("share kept when a major part was replaced"),
        max_digits=3,
        decimal_places=2,
        default=0.5,
        help_text=_(
            "e.g. 0.5: half the avoided impact when the screen or the motherboard was replaced"
        ),
    )
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), blank=True)
    to_be_checked = models.BooleanField(_("to be checked against the source"), default=True)

    class Meta:
        verbose_name = _("impact factor")
        verbose_name_plural = _("impact factors")
        ordering = ["device_type"]

    def __str__(self) -> str:
        return f"{self.get_device_type_display()}: {self.co2e_kg_per_year} kg CO2e/an"
