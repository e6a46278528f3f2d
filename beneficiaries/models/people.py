"""The people a structure accompanies: identity kept minimal, eligibility, consent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from ..enums import AgeBand, Situation
from .structures import MEDIATION, StructureScopedQuerySet
from .territories import Commune

USER = settings.AUTH_USER_MODEL


class EligibilityCriterion(models.Model):
    """A reason a person may receive a device (configurable: RSA, AAH, student grant…)."""

    code = models.SlugField(_("code"), unique=True)
    label = models.CharField(_("label"), max_length=200)
    needs_justification = models.BooleanField(_("needs a written justification"), default=False)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("eligibility criterion")
        verbose_name_plural = _("eligibility criteria")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class PersonQuerySet(StructureScopedQuerySet):
    structure_field = "structure_id"


class Person(models.Model):
    """Someone a structure accompanies. As little personal data as the work needs; a structure
    may keep identities on its side and record only its own reference."""

    structure = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="people",
        limit_choices_to=MEDIATION,
        verbose_name=_("structure"),
    )
    referred_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("referred by")
    )
    reference = models.CharField(_("structure's reference"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("commune")
    )
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices)
    situation = models.CharField(_("situation"), max_length=20, choices=Situation.choices)
    eligibility = models.ForeignKey(
        EligibilityCriterion,
        on_delete=models.PROTECT,
        verbose_name=_("eligibility criterion checked"),
    )
    eligibility_justification = models.CharField(_("justification"), max_length=300, blank=True)
    eligibility_checked_on = models.DateField(_("checked on"))
    consent_purpose = models.CharField(_("consent: purpose"), max_length=300)
    consent_given_on = models.DateField(_("consent: date"))
    consent_recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Retention (beneficiaries.privacy): an edit counts as activity; set once anonymised.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="person_newest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(last_name="") | ~Q(reference=""), name="person_named_or_referenced"
            ),
            models.UniqueConstraint(
                fields=["structure", "reference"],
                condition=~Q(reference=""),
                name="unique_reference_per_structure",
            ),
        ]

    def __str__(self) -> str:
        name = " ".join(p for p in [self.first_name, self.last_name] if p)
        return name or self.reference

    def get_absolute_url(self) -> str:
        return reverse("beneficiaries:person_detail", args=[self.pk])
