"""The proof of precarity seen at referral or hand-over (décret of 7 November 2022): its kind
and the date it was seen, never a copy of the document."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from inventory.models import AppendOnlyModel

from .people import Person

USER = settings.AUTH_USER_MODEL


class EligibilityProofKind(models.Model):
    """A kind of document that shows precarity (RSA, AAH, CSS…), set by the coordination.
    A kind in use is never deleted (PROTECT): it is turned off instead."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("offered"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("kind of eligibility proof")
        verbose_name_plural = _("kinds of eligibility proof")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class EligibilityCheckQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        return Q(person__structure_id__in=user.organisation_ids(OrganisationKind.MEDIATION))


class EligibilityCheck(AppendOnlyModel):
    """A proof of the kind was seen on `seen_on`. A correction is a new row: the latest row
    recorded is the one in force."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="eligibility_checks")
    kind = models.ForeignKey(
        EligibilityProofKind,
        on_delete=models.PROTECT,
        related_name="checks",
        verbose_name=_("kind of proof"),
    )
    seen_on = models.DateField(_("proof seen on"))
    structure = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = EligibilityCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("eligibility proof seen")
        verbose_name_plural = _("eligibility proofs seen")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person}: {self.kind} ({self.seen_on})"
