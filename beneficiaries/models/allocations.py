"""The quasi-don itself: the tariff grid, exemptions, allocations and their payments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from core.images import data_uri
from inventory.enums import DeviceType, Grade
from inventory.models import AppendOnlyModel, Device

from ..enums import ExemptionGrantor, PaymentMethod
from .eligibility import EligibilityCheck
from .orders import OrderLine
from .people import Person
from .structures import MEDIATION
from .trainings import TrainingWaiver

USER = settings.AUTH_USER_MODEL


class Tariff(models.Model):
    """The residual charge by device type and grade, set by the coordination."""

    device_type = models.CharField(_("device type"), max_length=20, choices=DeviceType.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    amount = models.DecimalField(
        _("residual charge (€)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariff grid")
        ordering = ["device_type", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["device_type", "grade"], name="unique_tariff")
        ]

    def __str__(self) -> str:
        return f"{self.get_device_type_display()} {self.grade}: {self.amount} €"


class ExemptionReason(models.Model):
    """A reason to lower or waive the residual charge, and who may grant it."""

    label = models.CharField(_("label"), max_length=200)
    granted_by = models.CharField(
        _("who may grant it"), max_length=20, choices=ExemptionGrantor.choices
    )

    class Meta:
        verbose_name = _("exemption reason")
        verbose_name_plural = _("exemption reasons")

    def __str__(self) -> str:
        return self.label


class LimitOverrideQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        return Q(person__structure_id__in=user.organisation_ids(OrganisationKind.MEDIATION))


class LimitOverride(AppendOnlyModel):
    """A coordinator lets a person receive one more device of a type within the period of
    settings.FILIERE_ONE_DEVICE_PER_TYPE_MONTHS; the hand-over that uses it points at it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="limit_overrides")
    device_type = models.CharField(_("device type"), max_length=20, choices=DeviceType.choices)
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    objects = LimitOverrideQuerySet.as_manager()

    class Meta:
        verbose_name = _("per-person limit override")
        verbose_name_plural = _("per-person limit overrides")
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_device_type_display()}"


class AllocationQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        """The structure that handed it over, and coordinators: it names a person."""
        return Q(structure_id__in=user.organisation_ids(OrganisationKind.MEDIATION))

    def active(self):
        return self.filter(returned_at__isnull=True)

    def for_reports(self, user):
        """What a report may count: everything for coordinators, the allocations of their
        programmes for funders (who only ever see aggregates), nothing for others."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        funders = user.organisation_ids(OrganisationKind.FUNDER)
        if funders:
            return self.filter(order_line__order__funding_programme__funder_id__in=funders)
        return self.none()


class Allocation(models.Model):
    """One device to one recipient (a person, or the structure itself), with the residual
    charge. A device has at most one allocation not returned."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="allocations")
    structure = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="allocations",
        limit_choices_to=MEDIATION,
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    waiver = models.ForeignKey(TrainingWaiver, on_delete=models.PROTECT, null=True, blank=True)
    tariff_amount = models.DecimalField(_("tariff"), max_digits=7, decimal_places=2)
    charge = models.DecimalField(_("residual charge (€)"), max_digits=7, decimal_places=2)
    exemption_reason = models.ForeignKey(
        ExemptionReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("exemption"),
    )
    exemption_note = models.CharField(_("exemption detail"), max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replacement"
    )
    handed_over_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    handed_over_at = models.DateTimeField(_("handed over at"), auto_now_add=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=300, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=6)
    # The device was reserved for another person of the structure: who, and why it went to
    # this one instead (the structure's words, blanked when either person is erased).
    reassigned_from = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reserved for"),
    )
    reassignment_reason = models.CharField(
        _("reason for the re-assignment"), max_length=300, blank=True, default="", db_default=""
    )
    limit_override = models.OneToOneField(
        LimitOverride, on_delete=models.PROTECT, null=True, blank=True, related_name="allocation"
    )
    # The person's proof of precarity in force at the hand-over (beneficiaries.eligibility):
    # required for a public body's device sold at a solidarity price, kept whenever there is one.
    eligibility_check = models.ForeignKey(
        EligibilityCheck,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("proof of eligibility"),
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-handed_over_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(returned_at__isnull=True),
                name="one_active_allocation_per_device",
            )
        ]

    def __str__(self) -> str:
        return f"{self.device} → {self.person or self.structure}"

    def get_absolute_url(self) -> str:
        return reverse("beneficiaries:allocation_detail", args=[self.pk])

    # The one place paid and due are worked out: the detail screen and payment_record agree.
    def amount_paid(self, payments=None) -> Decimal:
        """What was paid so far; `payments` when the caller already fetched them."""
        if payments is None:
            payments = self.payments.all()
        return sum((p.amount for p in payments), Decimal("0"))

    def amount_due(self, paid: Decimal | None = None) -> Decimal:
        """What the recipient still owes: the residual charge less what was paid."""
        return self.charge - (self.amount_paid() if paid is None else paid)


class Payment(AppendOnlyModel):
    """A sum received towards an allocation's residual charge, with its receipt number."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(
        _("amount (€)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    paid_on = models.DateField(_("paid on"))
    received_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.receipt_number}: {self.amount} €"


class Signature(AppendOnlyModel):
    """The person's signature of a hand-over or a return: drawn on screen (a PNG kept in the
    row) or on paper (no image: the printed document carries it). A new row corrects."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", _("Hand-over")
        RETURN = "return", _("Return")

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="signatures")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    image = models.BinaryField(_("signature drawn on screen"), null=True, blank=True)
    on_paper = models.BooleanField(_("signed on paper"), default=False)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.kind}"

    @property
    def data_uri(self) -> str:
        if not self.image:
            return ""
        return data_uri(self.image, "image/png")
