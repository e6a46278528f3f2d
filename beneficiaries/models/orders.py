"""A structure's orders of devices, their lines and the devices reserved for them."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from inventory.enums import DeviceType, Grade
from inventory.models import AppendOnlyModel, Device
from inventory.values import gigabytes

from ..enums import OrderStatus
from .people import Person
from .structures import MEDIATION

USER = settings.AUTH_USER_MODEL


class OrderQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        """The ordering structure; the workshop preparing it; coordinators."""
        return Q(structure_id__in=user.organisation_ids(OrganisationKind.MEDIATION)) | Q(
            workshop_id__in=user.workshop_ids()
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
    # Set by the coordination: among waiting orders, a higher priority is served first, then
    # the oldest approval.
    # db_default: the bulk writers (seed_scale) insert rows column by column.
    priority = models.PositiveSmallIntegerField(_("priority"), default=0, db_default=0)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        # The coordinator's list (newest first, all or by status) and home (oldest submitted
        # first) read a page of 330,000 orders through these instead of sorting them all.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="order_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="order_status_newest"),
            models.Index(fields=["status", "submitted_at", "id"], name="order_status_submitted"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("beneficiaries:order_detail", args=[self.pk])


class OrderLine(models.Model):
    """Devices of one type in an order, with minimum specs, possibly for a named person."""

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

    @property
    def min_ram_gb(self) -> float | int | None:
        """The minimum as the order form asks it, in GB (stored in MB, as devices are)."""
        return gigabytes(self.min_ram_mb) if self.min_ram_mb else None


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


class OrderEvent(AppendOnlyModel):
    """A step of an order: who, when, from, to, why (append-only). The why of a cancellation
    or a refusal is the structure's or the coordination's words and may name a person: the
    order page shows it only to those `orders.read_reason` lets read it, and erasing the
    person blanks it (beneficiaries.privacy)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=20, choices=OrderStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status or '∅'} → {self.to_status}"


class OrderStep(AppendOnlyModel):
    """A step of an order that is not a change of status, or the evidence behind one: each
    decision (approval, refusal, sending back after a change), the workshop's picking, a swap,
    the dispatch and the receipt. Its note is for everyone who sees the order: it never names
    a person (the structure's words stay in the order's log, OrderEvent)."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        SENT_BACK = "sent_back", _("Changed after approval: back to the coordination")
        EDITED = "edited", _("Lines changed")
        PRIORITY = "priority", _("Priority set")
        SCANNED = "scanned", _("Device reserved by scan")
        SWAPPED = "swapped", _("Device swapped")
        PICKED = "picked", _("Picking checked")
        DISPATCHED = "dispatched", _("Dispatched")
        RECEIVED = "received", _("Receipt confirmed")
        SPLIT = "split", _("Split: what is ready sent, the rest waits")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order step")
        verbose_name_plural = _("order steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.kind}"
