"""Communes and the territories grouping them, from the official geographic code (COG).

Loaded from the fixture `territories_92` (Hauts-de-Seine) or, for the whole country, with
`manage.py load_territories` (see `beneficiaries.territories`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "Territory":
        return self.get(code=code)


class Territory(models.Model):
    """A grouping of communes: EPCI (CC, CA, CU, METRO, MET69) or EPT (Grand Paris), or a
    department.

    `code` is the SIREN for EPCI and EPT, "D" and the department code for departments ("D92",
    "D2A", "D974"). It is also the natural key, so fixtures do not depend on database ids."""

    class Kind(models.TextChoices):
        EPCI = "epci", _("EPCI")
        EPT = "ept", _("EPT (Grand Paris territory)")
        DEPARTMENT = "department", _("Department")

    code = models.CharField(_("code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    epci_type = models.CharField(
        _("EPCI type"),
        max_length=5,
        blank=True,
        help_text=_("CC, CA, CU, METRO or MET69 for an EPCI; EPT for a Grand Paris territory."),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    objects = TerritoryManager()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def communes(self) -> models.QuerySet["Commune"]:
        """The member communes, whatever the kind of territory."""
        if self.kind == self.Kind.DEPARTMENT:
            return Commune.objects.filter(department=self.code.removeprefix("D"))
        if self.kind == self.Kind.EPT:
            return self.ept_communes.all()
        return self.epci_communes.all()


class Commune(models.Model):
    """A current French commune, identified by its INSEE code ("92050" for Nanterre)."""

    code_insee = models.CharField(_("INSEE code"), primary_key=True, max_length=5)
    name = models.CharField(_("name"), max_length=200)
    department = models.CharField(_("department"), max_length=3, db_index=True)
    region = models.CharField(_("region"), max_length=3)
    postal_codes = models.JSONField(_("postal codes"), default=list, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    epci = models.ForeignKey(
        Territory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="epci_communes",
        limit_choices_to={"kind": Territory.Kind.EPCI},
        verbose_name=_("EPCI"),
    )
    ept = models.ForeignKey(
        Territory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ept_communes",
        limit_choices_to={"kind": Territory.Kind.EPT},
        verbose_name=_("EPT (Grand Paris territory)"),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name", "code_insee"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code_insee})"

    def territories(self) -> list[Territory]:
        """The territories the commune belongs to, smallest first: EPT, EPCI, department."""
        found = [t for t in (self.ept, self.epci) if t is not None]
        department = Territory.objects.filter(
            kind=Territory.Kind.DEPARTMENT, code=f"D{self.department}"
        ).first()
        if department is not None:
            found.append(department)
        return found
