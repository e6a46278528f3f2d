"""The territory on a map: commune and department outlines, the digital-fragility index the
coordination imports, and the switch of the public map.

Outlines are reference data like the communes (loaded again, they are replaced); fragility
imports and the public switch are evidence: each import or change is a new row with who and
when, the latest one is current."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import AppendOnlyModel

USER = settings.AUTH_USER_MODEL


class Outline(models.Model):
    """The outline of a commune (INSEE code) or a department ("92"), as a GeoJSON geometry in
    WGS84, with a centre to place what has no coordinates of its own."""

    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        DEPARTMENT = "department", _("Department")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=5)
    name = models.CharField(_("name"), max_length=200)
    geometry = models.JSONField(_("geometry (GeoJSON)"))
    centre_lat = models.FloatField(_("centre latitude"))
    centre_lon = models.FloatField(_("centre longitude"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("outline")
        verbose_name_plural = _("outlines")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="unique_outline_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class FragilityImport(AppendOnlyModel):
    """One import of the digital-fragility index (IFN) by the coordination; the latest counts."""

    filename = models.CharField(_("file"), max_length=200, blank=True)
    imported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("communes"), default=0)

    class Meta:
        verbose_name = _("fragility index import")
        verbose_name_plural = _("fragility index imports")
        ordering = ["-imported_at", "-id"]


class FragilityScore(AppendOnlyModel):
    source = models.ForeignKey(FragilityImport, on_delete=models.PROTECT, related_name="scores")
    code_insee = models.CharField(_("INSEE code"), max_length=5)
    score = models.DecimalField(_("fragility index"), max_digits=8, decimal_places=2)
    qpv_share = models.DecimalField(
        _("population in QPV (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("fragility score")
        verbose_name_plural = _("fragility scores")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "code_insee"], name="one_fragility_score_per_commune"
            )
        ]


class PublicMapSwitch(AppendOnlyModel):
    """The coordination turns the public map on or off; no row yet means on."""

    enabled = models.BooleanField(_("public map shown"))
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public map switch")
        verbose_name_plural = _("public map switches")
        ordering = ["-changed_at", "-id"]

    @classmethod
    def is_on(cls) -> bool:
        latest = cls.objects.order_by("-changed_at", "-id").values_list("enabled", flat=True)
        return next(iter(latest[:1]), True)
