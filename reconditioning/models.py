"""The evidence behind each step of a device's life. Evidence rows are append-only: a
mistake is corrected by recording the step again, and the latest record of the current cycle
is the one the guards read."""

from datetime import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from inventory.enums import DeviceStatus
from inventory.models import (
    AppendOnlyModel,
    CollectionBatch,
    Device,
    DeviceEvent,
    DeviceLedgerQuerySet,
    StorageDrive,
)

from .enums import (
    BulkJobStatus,
    CheckResult,
    ErasureMethod,
    ErasureResult,
    Grade,
    LockStatus,
    NistLevel,
    NistRevision,
    PartMovementKind,
    RecyclingChannel,
    Sanitization,
    ScrapReason,
    Verification,
)

USER = settings.AUTH_USER_MODEL

# A device's cycle (one pass through the workshop, for one future owner) begins when it is
# received or comes back from a recipient.
CYCLE_STARTS = (DeviceStatus.RECEIVED, DeviceStatus.RETURNED)


def cycle_start_of(device_ref: str = "device_id") -> Subquery:
    """The start of the current cycle of the device named by `device_ref` (an OuterRef path):
    its latest reception or return event. The one definition the guards, the imports, the
    forms and the certificates use."""
    return Subquery(
        DeviceEvent.objects.filter(device_id=OuterRef(device_ref), to_status__in=CYCLE_STARTS)
        .order_by("-at", "-id")
        .values("at")[:1]
    )


def cycle_start(device: Device) -> datetime | None:
    """When the device's current cycle began; evidence older than that belongs to a previous
    owner's cycle."""
    return (
        Device.objects.filter(pk=device.pk)
        .annotate(start=cycle_start_of("pk"))
        .values_list("start", flat=True)
        .first()
    )


class Evidence(AppendOnlyModel):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = DeviceLedgerQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-id"]


class Diagnosis(Evidence):
    """The checklist of the device's type, each item OK / fault / not applicable."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="diagnoses")
    results = models.JSONField(_("results"), default=dict)
    battery_health_pct = models.PositiveSmallIntegerField(
        _("battery health (%)"), null=True, blank=True
    )
    imei = models.CharField(_("IMEI"), max_length=15, blank=True)
    lock_status = models.CharField(
        _("lock status"), max_length=20, choices=LockStatus.choices, blank=True
    )

    class Meta(Evidence.Meta):
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")

    def __str__(self) -> str:
        return f"{self.device_id} diagnosis {self.recorded_at:%Y-%m-%d}"

    @property
    def faults(self) -> list[str]:
        return [key for key, value in self.results.items() if value == CheckResult.FAULT]


class ErasureRecordQuerySet(DeviceLedgerQuerySet):
    def of_current_cycle(self, now: datetime | None = None):
        """Erasures that happened in their device's current cycle: started after it began,
        ended no later than now. When the record was entered does not matter."""
        return self.annotate(cycle_began=cycle_start_of()).filter(
            Q(cycle_began__isnull=True) | Q(started_at__gt=F("cycle_began")),
            started_at__isnull=False,
            ended_at__isnull=False,
            ended_at__gte=F("started_at"),
            ended_at__lte=now or timezone.now(),
        )


class ErasureRecord(Evidence):
    """Erasure of one storage medium (or of the whole device for phones): NIST SP 800-88 Rev. 2
    category (Clear, Purge, Destroy) with its IEEE 2883 technique. Records made under Rev. 1
    keep their revision, method and level as recorded. The medium's facts are copied: the
    certificate must not change if the drive row is edited or removed later."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="erasures")
    drive = models.ForeignKey(
        StorageDrive,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasures",
        verbose_name=_("storage drive"),
    )
    media_type = models.CharField(_("media type"), max_length=30, blank=True)
    media_make = models.CharField(_("media manufacturer"), max_length=100, blank=True)
    media_model = models.CharField(_("media model"), max_length=150, blank=True)
    media_serial = models.CharField(_("media serial number"), max_length=100, blank=True)
    media_capacity_gb = models.PositiveIntegerField(_("capacity (GB)"), null=True, blank=True)
    # The category of the Rev. 1 forms, kept for older records; derived from `sanitization`.
    method = models.CharField(_("method"), max_length=20, choices=ErasureMethod.choices)
    nist_revision = models.CharField(
        _("NIST SP 800-88 revision"),
        max_length=2,
        choices=NistRevision.choices,
        default=NistRevision.REV2,
    )
    nist_level = models.CharField(
        _("NIST SP 800-88 category"), max_length=10, choices=NistLevel.choices
    )
    sanitization = models.CharField(
        _("IEEE 2883 technique"), max_length=30, choices=Sanitization.choices, blank=True
    )
    technique = models.CharField(
        _("tool's method"),
        max_length=100,
        blank=True,
        help_text=_("as the tool names it, e.g. DoD Short, Fill With Zeros, nvme sanitize"),
    )
    tool = models.CharField(_("tool"), max_length=100)
    tool_version = models.CharField(_("tool version"), max_length=50, blank=True)
    passes = models.PositiveSmallIntegerField(_("passes"), null=True, blank=True)
    verification = models.CharField(
        _("verification"), max_length=10, choices=Verification.choices, default=Verification.NONE
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=ErasureResult.choices)
    source = models.CharField(_("source"), max_length=20, default="manual")
    log_excerpt = models.TextField(_("log"), blank=True)

    objects = ErasureRecordQuerySet.as_manager()

    class Meta(Evidence.Meta):
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return f"{self.device_id} {self.media_serial or self.media_type} {self.result}"


class SparePartQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        return Q(workshop_id__in=user.workshop_ids())


class SparePart(models.Model):
    """A kind of spare part held by a workshop; its quantity is the sum of its movements."""

    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="spare_parts",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
    )
    name = models.CharField(_("name"), max_length=150)
    category = models.CharField(
        _("category"),
        max_length=50,
        blank=True,
        help_text=_("e.g. RAM, SSD, battery, charger, screen"),
    )
    quantity = models.IntegerField(_("quantity in stock"), default=0, editable=False)

    objects = SparePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "name"], name="unique_part_per_workshop"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="part_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Repair(Evidence):
    """What was done to a device, with the parts used and the time spent."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="repairs")
    description = models.TextField(_("what was done"))
    minutes_spent = models.PositiveIntegerField(
        _("time spent (minutes)"), validators=[MinValueValidator(1)]
    )

    class Meta(Evidence.Meta):
        verbose_name = _("repair")
        verbose_name_plural = _("repairs")

    def __str__(self) -> str:
        return f"{self.device_id} repair {self.recorded_at:%Y-%m-%d}"


class PartMovement(AppendOnlyModel):
    """A change of a spare part's stock: bought, harvested from a scrapped device, used."""

    part = models.ForeignKey(SparePart, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=20, choices=PartMovementKind.choices)
    quantity = models.IntegerField(_("quantity"))  # signed: + in, - out
    source_device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="harvested_parts",
        verbose_name=_("harvested from"),
    )
    repair = models.ForeignKey(
        Repair, on_delete=models.PROTECT, null=True, blank=True, related_name="parts"
    )
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("part movement")
        verbose_name_plural = _("part movements")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.part} {self.quantity:+d}"


class OperatingSystem(models.Model):
    """A free-software system the workshops install, with the specs it needs."""

    name = models.CharField(_("name"), max_length=100)
    version = models.CharField(_("version"), max_length=50)
    architecture = models.CharField(_("architecture"), max_length=20, default="amd64")
    device_types = models.JSONField(_("device types"), default=list)
    min_ram_mb = models.PositiveIntegerField(_("minimum RAM (MB)"), default=0)
    min_storage_gb = models.PositiveIntegerField(_("minimum storage (GB)"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("operating system")
        verbose_name_plural = _("operating systems")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version", "architecture"], name="unique_os_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.architecture})"


class OsInstall(Evidence):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="os_installs")
    system = models.ForeignKey(
        OperatingSystem, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    override_reason = models.CharField(
        _("reason for installing below the minimum specs"), max_length=300, blank=True
    )

    class Meta(Evidence.Meta):
        verbose_name = _("OS installation")
        verbose_name_plural = _("OS installations")

    def __str__(self) -> str:
        return f"{self.device_id} {self.system}"


class QualityCheck(Evidence):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="quality_checks")
    results = models.JSONField(_("results"), default=dict)
    passed = models.BooleanField(_("passed"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    # The diagnosis's faults that no repair dealt with and that the technician accepted: the
    # device goes out with them, and says so (lifecycle.unrepaired_faults).
    faults_accepted = models.JSONField(_("faults accepted as they are"), default=list, blank=True)

    class Meta(Evidence.Meta):
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")

    def __str__(self) -> str:
        return f"{self.device_id} QA {self.grade or '-'}"


class ScrapRecord(Evidence):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="scrap_records")
    reason = models.CharField(_("reason"), max_length=20, choices=ScrapReason.choices)
    channel = models.CharField(_("WEEE channel"), max_length=20, choices=RecyclingChannel.choices)
    destination = models.CharField(_("recycler or collection point"), max_length=200)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0.01)]
    )

    class Meta(Evidence.Meta):
        verbose_name = _("scrap record")
        verbose_name_plural = _("scrap records")

    def __str__(self) -> str:
        return f"{self.device_id} scrapped ({self.reason})"


class DriveChange(Evidence):
    """Drives added to or taken out of a device after intake: its own recorded step, which
    sends a device past erasure back to the erasure step. The drives taken out stay as rows
    marked removed, with the erasure records that point at them."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="drive_changes")
    from_status = models.CharField(_("status before"), max_length=20, blank=True)
    removed = models.ManyToManyField(
        StorageDrive, related_name="removed_by_changes", blank=True, verbose_name=_("removed")
    )
    added = models.ManyToManyField(
        StorageDrive, related_name="added_by_changes", blank=True, verbose_name=_("added")
    )

    class Meta(Evidence.Meta):
        verbose_name = _("drive change")
        verbose_name_plural = _("drive changes")

    def __str__(self) -> str:
        return f"{self.device_id} drive change {self.recorded_at:%Y-%m-%d}"


class BulkStepJobQuerySet(ScopedQuerySet):
    def scope(self, user) -> Q:
        return Q(workshop_id__in=user.workshop_ids())


class BulkStepJob(models.Model):
    """A bulk step too large for the request (reconditioning.bulk_steps): the posted step,
    checked device by device, then recorded all or nothing."""

    workshop = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(CollectionBatch, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("step"), max_length=20)
    data = models.JSONField(default=dict)  # the posted form, lists of values by name
    status = models.CharField(
        max_length=20, choices=BulkJobStatus.choices, default=BulkJobStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    checked = models.PositiveIntegerField(default=0)
    faults = models.JSONField(default=list, blank=True)  # [[device id, asset tag, message]]
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BulkStepJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk step")
        verbose_name_plural = _("bulk steps")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.step} × {self.total} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (
            BulkJobStatus.QUEUED,
            BulkJobStatus.CHECKING,
            BulkJobStatus.RECORDING,
        )

    @property
    def progress_pct(self) -> int:
        """Checking is the measured part; the recording, one transaction, is its last tenth."""
        if self.status == BulkJobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(90, round(90 * self.checked / self.total))
