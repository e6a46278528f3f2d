"""Structures, people, trainings, orders and allocations: the quasi-don."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from inventory.enums import DeviceType, Grade
from inventory.models import AppendOnlyModel, Device

from ..enums import AgeBand, ExemptionGrantor, OrderStatus, PaymentMethod, Situation
from .territories import Commune

USER = settings.AUTH_USER_MODEL
MEDIATION = {"kind": OrganisationKind.MEDIATION}


def _structure_scope(user, field: str):
    """Rows of the user's mediation structures; coordinators see all; anyone else nothing."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_coordinator:
        return Q()
    return Q(**{f"{field}__in": user.organisation_ids(OrganisationKind.MEDIATION)})


class ScopedQuerySet(models.QuerySet):
    structure_field = "structure_id"

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(_structure_scope(user, self.structure_field))


class StructureQuerySet(ScopedQuerySet):
    structure_field = "organisation_id"


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

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation structure")
        verbose_name_plural = _("mediation structures")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


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


class PersonQuerySet(ScopedQuerySet):
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


class TrainingProgramme(models.Model):
    """A training a quasi-don is conditional on (e.g. "Premiers pas sur ordinateur")."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_hours = models.DecimalField(_("duration (hours)"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TrainingModule(models.Model):
    programme = models.ForeignKey(
        TrainingProgramme, on_delete=models.CASCADE, related_name="modules"
    )
    title = models.CharField(_("title"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        ordering = ["programme", "position", "id"]

    def __str__(self) -> str:
        return self.title


class DeviceTraining(models.Model):
    """Which programme a device type requires (configurable by the coordination)."""

    device_type = models.CharField(
        _("device type"), max_length=20, choices=DeviceType.choices, unique=True
    )
    programme = models.ForeignKey(
        TrainingProgramme, on_delete=models.PROTECT, verbose_name=_("programme")
    )

    class Meta:
        verbose_name = _("training required per device type")
        verbose_name_plural = _("trainings required per device type")

    def __str__(self) -> str:
        return f"{self.get_device_type_display()} → {self.programme}"


class TrainingSessionQuerySet(ScopedQuerySet):
    structure_field = "structure_id"


class TrainingSession(models.Model):
    structure = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        limit_choices_to=MEDIATION,
        verbose_name=_("structure"),
    )
    programme = models.ForeignKey(
        TrainingProgramme,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("programme"),
    )
    modules = models.ManyToManyField(TrainingModule, verbose_name=_("modules covered"))
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    trainer = models.CharField(_("trainer"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.programme} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("beneficiaries:session_detail", args=[self.pk])


class Enrolment(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="enrolments"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    attended = models.BooleanField(_("attended"), null=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="unique_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class TrainingWaiver(AppendOnlyModel):
    """A coordinator lets a person receive a device without the complete training."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="waivers")
    programme = models.ForeignKey(TrainingProgramme, on_delete=models.PROTECT)
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training waiver")
        verbose_name_plural = _("training waivers")

    def __str__(self) -> str:
        return f"{self.person}: {self.reason}"


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The ordering structure; the workshop preparing it; coordinators."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        return self.filter(
            Q(structure_id__in=user.organisation_ids(OrganisationKind.MEDIATION))
            | Q(workshop_id__in=user.workshop_ids())
        )


class Order(models.Model):
    """A structure's order of devices; its status follows beneficiaries.orders.ORDER_FLOW."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    structure = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="orders",
        limit_choices_to=MEDIATION,
        verbose_name=_("structure"),
    )
    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_to_prepare",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
        verbose_name=_("preparing workshop"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.DRAFT,
        editable=False,
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    funding_programme = models.ForeignKey(
        "FundingProgramme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("funding programme"),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("beneficiaries:order_detail", args=[self.pk])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    device_type = models.CharField(_("device type"), max_length=20, choices=DeviceType.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    min_ram_mb = models.PositiveIntegerField(_("minimum RAM (MB)"), null=True, blank=True)
    min_storage_gb = models.PositiveIntegerField(_("minimum storage (GB)"), null=True, blank=True)
    min_grade = models.CharField(
        _("minimum grade"), max_length=1, choices=Grade.choices, blank=True
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("for"),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.get_device_type_display()}"


class Reservation(models.Model):
    """A ready device set aside for an order line. At most one active per device."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="reservations")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="reservations")
    reserved_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reserved_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(released_at__isnull=True),
                name="one_active_reservation_per_device",
            )
        ]

    def __str__(self) -> str:
        return f"{self.device} → {self.line.order}"


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
    label = models.CharField(_("label"), max_length=200)
    granted_by = models.CharField(
        _("who may grant it"), max_length=20, choices=ExemptionGrantor.choices
    )

    class Meta:
        verbose_name = _("exemption reason")
        verbose_name_plural = _("exemption reasons")

    def __str__(self) -> str:
        return self.label


class AllocationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The structure that handed it over, and coordinators: it names a person."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        return self.filter(structure_id__in=user.organisation_ids(OrganisationKind.MEDIATION))

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


class Payment(AppendOnlyModel):
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
