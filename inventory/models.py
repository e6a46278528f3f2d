import functools

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Concat, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from accounts.validators import validate_insee_code, validate_siret

from .enums import (
    DeviceSource,
    DeviceStatus,
    DeviceType,
    Grade,
    ImportStatus,
    KeyboardLayout,
    StorageKind,
)
from .values import WEIGHT_MAX_KG, WEIGHT_MIN_KG, gigabytes


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    """Ledger rows: written once, never edited or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class Counter(models.Model):
    """A named sequence handing out numbers without gaps (asset tags, later receipts)."""

    name = models.CharField(max_length=50, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class WorkshopScopedQuerySet(ScopedQuerySet):
    """Rows owned by a workshop: visible to its members and to coordinators (and, for the
    models that say how, to the donor organisation they came from)."""

    workshop_field = "workshop_id"
    donor_org_field: str | None = None

    def scope(self, user) -> Q:
        q = Q(**{f"{self.workshop_field}__in": user.workshop_ids()})
        donor_orgs = user.organisation_ids(OrganisationKind.DONOR)
        if self.donor_org_field and donor_orgs:
            q |= Q(**{f"{self.donor_org_field}__in": donor_orgs})
        return q


class DonorQuerySet(WorkshopScopedQuerySet):
    workshop_field = "workshop_id"
    donor_org_field = "organisation_id"


class Donor(models.Model):
    """A company, public body or person giving devices, as registered by a workshop.

    `organisation` links it to a donor account that can read its batches' outcome."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PUBLIC_BODY = "public_body", _("Public body")
        ASSOCIATION = "association", _("Association")
        INDIVIDUAL = "individual", _("Individual")

    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registered_donors",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
        verbose_name=_("workshop"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="donor_profiles",
        limit_choices_to={"kind": OrganisationKind.DONOR},
        verbose_name=_("donor account"),
        help_text=_("The organisation whose users may read this donor's reports."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DonorQuerySet.as_manager()

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:donor_detail", args=[self.pk])


LOCATION_PREFIX = "LOC"


class LocationQuerySet(WorkshopScopedQuerySet):
    pass


class Location(models.Model):
    """A place in a workshop where a device sits: zone and shelf."""

    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="locations",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
        verbose_name=_("workshop"),
    )
    zone = models.CharField(_("zone"), max_length=50)
    shelf = models.CharField(_("shelf"), max_length=50, blank=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["zone", "shelf"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "zone", "shelf"], name="unique_location_per_workshop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.zone} / {self.shelf}" if self.shelf else self.zone

    def get_absolute_url(self) -> str:
        return reverse("inventory:location_detail", args=[self.pk])

    @property
    def code(self) -> str:
        """What its shelf label's barcode holds (inventory/scanning.py reads it back)."""
        return f"{LOCATION_PREFIX}{self.pk:06d}"


class BatchQuerySet(WorkshopScopedQuerySet):
    donor_org_field = "donor__organisation_id"


class CollectionBatch(models.Model):
    """Devices collected together from one donor on one day."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="batches",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
        verbose_name=_("workshop"),
    )
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="batches", verbose_name=_("donor")
    )
    collected_on = models.DateField(_("collection date"))
    pickup_address = models.TextField(_("pick-up address"), blank=True)
    commune_insee = models.CharField(
        _("commune INSEE code"), max_length=5, blank=True, validators=[validate_insee_code]
    )
    declared_quantity = models.PositiveIntegerField(_("declared quantity"), null=True, blank=True)
    received_quantity = models.PositiveIntegerField(_("received quantity"), null=True, blank=True)
    # Written by the services that log devices into the batch (inventory.services), in their
    # transaction: the lists show and sort by it without counting devices.
    logged_count = models.PositiveIntegerField(_("devices logged"), default=0, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("collection batch")
        verbose_name_plural = _("collection batches")
        ordering = ["-collected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} — {self.donor}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:batch_detail", args=[self.pk])


# Between the fields of Device.search_text: no one types it, so no word spans two fields.
SEARCH_SEPARATOR = "\x1f"


class DeviceQuerySet(WorkshopScopedQuerySet):
    donor_org_field = "batch__donor__organisation_id"

    def with_list_related(self):
        return self.select_related("batch", "location")

    def with_row_drives(self):
        """The current drives of each device as a list (`row_drives`), for the tables' rows:
        a plain prefetch also builds a queryset per device, a tenth of a 50-row page."""
        return self.prefetch_related(models.Prefetch("drives", to_attr="row_drives"))

    def search(self, text: str):
        """One search for the list and the scan box: asset tag, serial (partial, any case),
        model, manufacturer and donor. PostgreSQL answers the partial matches from the trigram
        index on search_text (migration 0019); SQLite scans, which is fine at its sizes."""
        text = " ".join(text.split())
        if not text:
            return self
        q = Q()
        for word in text.split(" "):
            q &= Q(search_text__icontains=word) | self._donor_batches(word)
        return self.filter(q)

    DONOR_BATCHES_INLINE = 5000

    def _donor_batches(self, word: str) -> Q:
        """The donor's batches looked up first, their ids inline: an OR over the device's own
        columns and a join to the donor cannot use the trigram indexes (PostgreSQL scanned
        the whole table: 168 ms at 50,000 devices); over batch ids it can (BitmapOr)."""
        batches = CollectionBatch.objects.filter(donor__name__icontains=word).values_list(
            "pk", flat=True
        )
        ids = list(batches[: self.DONOR_BATCHES_INLINE + 1])
        if len(ids) > self.DONOR_BATCHES_INLINE:  # a word most donors share: still right
            return Q(batch__donor__name__icontains=word)
        return Q(batch_id__in=ids) if ids else Q(pk__in=[])


_LABELS: dict[tuple[type, str], dict[str, str]] = {}


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of a choice in the active language, from a table built once per language."""
    key = (choices, get_language())
    table = _LABELS.get(key)
    if table is None:
        table = _LABELS[key] = {v: str(label) for v, label in choices.choices}
    return table.get(value, value)


class DeviceTypeWeight(models.Model):
    """The weight counted for a device of a type when none was weighed: the reports give
    tonnes reused and recycled, the unit eco-organisms and funders count in. Set by the
    coordination (seeded by migration 0013, from inventory/weights.py)."""

    device_type = models.CharField(
        _("device type"), max_length=20, choices=DeviceType.choices, unique=True
    )
    weight_kg = models.DecimalField(
        _("default weight (kg)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(WEIGHT_MIN_KG), MaxValueValidator(WEIGHT_MAX_KG)],
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("default weight of a device type")
        verbose_name_plural = _("default weights of device types")
        ordering = ["device_type"]

    def __str__(self) -> str:
        return f"{choice_label(DeviceType, self.device_type)}: {self.weight_kg} kg"


def device_url(pk: int) -> str:
    """A device page's address without resolving the URL patterns for each row of a list."""
    return _device_url_pattern().replace("999999999", str(pk))


@functools.cache
def _device_url_pattern() -> str:
    return reverse("inventory:device_detail", args=[999999999])


class Device(models.Model):
    """One physical device, from the day it is received until it leaves the filière.

    `status` is written only by inventory.services / the lifecycle module, always with a
    DeviceEvent row."""

    asset_tag = models.CharField(_("asset tag"), max_length=20, unique=True, editable=False)
    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="devices",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
        verbose_name=_("workshop"),
    )
    batch = models.ForeignKey(
        CollectionBatch,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("batch"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("location"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeviceStatus.choices,
        default=DeviceStatus.RECEIVED,
        editable=False,
    )
    grade = models.CharField(
        _("grade"), max_length=1, choices=Grade.choices, blank=True, editable=False
    )
    device_type = models.CharField(_("type"), max_length=20, choices=DeviceType.choices)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=150, blank=True)
    cpu = models.CharField(_("CPU"), max_length=200, blank=True)
    ram_mb = models.PositiveIntegerField(_("RAM (MB)"), null=True, blank=True)
    battery_health_pct = models.PositiveSmallIntegerField(
        _("battery health (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    screen_size_in = models.DecimalField(
        _("screen size (inches)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    keyboard_layout = models.CharField(
        _("keyboard layout"), max_length=20, choices=KeyboardLayout.choices, blank=True
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    declared_value = models.DecimalField(
        _("declared value (€)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # Empty: the type's default (DeviceTypeWeight) counts in the tonnes reports show.
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(WEIGHT_MIN_KG), MaxValueValidator(WEIGHT_MAX_KG)],
    )
    notes = models.TextField(_("notes"), blank=True)
    is_virtual = models.BooleanField(_("virtual machine"), default=False, editable=False)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=DeviceSource.choices,
        default=DeviceSource.SCAN,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # First time the device reached each milestone, copied from its event log by the writers
    # of that log: the stock report reads one narrow scan of devices instead of every event.
    received_at = models.DateTimeField(_("first received"), null=True, editable=False)
    ready_at = models.DateTimeField(_("first ready"), null=True, editable=False)
    allocated_at = models.DateTimeField(_("first handed over"), null=True, editable=False)
    # When it entered its current status (its latest event), kept by the writers of the
    # event log: the queues sort on it through an index instead of a subquery per device.
    status_since = models.DateTimeField(
        _("in this status since"), default=timezone.now, editable=False
    )
    # What the search reads, kept by the database: one trigram index on it instead of one per
    # column (four GIN indexes cost the importer 44 % of its write at a million devices). The
    # unit separator keeps a word from matching across two fields.
    search_text = models.GeneratedField(
        expression=Concat(
            "asset_tag",
            Value(SEARCH_SEPARATOR),
            "serial_number",
            Value(SEARCH_SEPARATOR),
            "model",
            Value(SEARCH_SEPARATOR),
            "manufacturer",
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("manufacturer"),
                "serial_number",
                condition=~Q(serial_number=""),
                name="unique_serial_per_manufacturer",
                violation_error_message=_(
                    "A device with this serial number and manufacturer already exists."
                ),
            )
        ]
        indexes = [
            models.Index(fields=["workshop", "status", "-id"], name="device_workshop_status"),
            # A workshop's newest devices first, without walking the other workshops' rows.
            models.Index(fields=["workshop", "-id"], name="device_workshop_newest"),
            models.Index(fields=["serial_number"], name="device_serial"),
            # Capped counts by status over every workshop (the coordinator's tiles and queue).
            models.Index(fields=["status", "-id"], name="device_status"),
            models.Index(fields=["status", "status_since"], name="device_status_since"),
            # Ready stock by type (the coordinator's and the manager's home) counted from the
            # index alone; this week's lead time of a workshop read from its ready dates.
            models.Index(fields=["status", "device_type"], name="device_status_type"),
            models.Index(
                fields=["workshop", "status", "device_type"], name="device_workshop_status_type"
            ),
            models.Index(fields=["workshop", "ready_at"], name="device_workshop_ready_at"),
            models.Index(
                fields=["workshop", "status", "status_since"], name="device_workshop_status_since"
            ),
        ]

    def __str__(self) -> str:
        label = " ".join(p for p in [self.manufacturer, self.model] if p)
        return f"{self.asset_tag} — {label}" if label else self.asset_tag

    def get_absolute_url(self) -> str:
        return device_url(self.pk)

    @property
    def drive_rows(self) -> list:
        """The current drives: the list with_row_drives read, or a query."""
        found = getattr(self, "row_drives", None)
        return list(self.drives.all()) if found is None else found

    # Lists show these labels on every row: Django's generated get_FOO_display hashes every
    # lazy label of the field on each call (a fifth of the work queue's time).
    def get_status_display(self) -> str:
        return choice_label(DeviceStatus, self.status)

    def get_device_type_display(self) -> str:
        return choice_label(DeviceType, self.device_type)

    def get_grade_display(self) -> str:
        return choice_label(Grade, self.grade)

    @property
    def ram_display(self) -> str:
        if not self.ram_mb:
            return ""
        if self.ram_mb >= 1024:
            return _("%(n)s GB") % {"n": gigabytes(self.ram_mb)}
        return _("%(n)s MB") % {"n": self.ram_mb}


# The milestones the stock report measures, and the device column that keeps the first time.
MILESTONE_FIELDS = {
    DeviceStatus.RECEIVED: "received_at",
    DeviceStatus.READY: "ready_at",
    DeviceStatus.ALLOCATED: "allocated_at",
}


def milestone_updates(to_status: str, at) -> dict:
    """The update() arguments that record `at` as the first time a device reached `to_status`
    (kept if it was reached before)."""
    name = MILESTONE_FIELDS.get(to_status)
    if name is None:
        return {}
    return {name: Coalesce(F(name), Value(at), output_field=models.DateTimeField())}


class CurrentDriveManager(models.Manager):
    """Only the drives still in the device: what every screen, guard and certificate reads."""

    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class StorageDrive(models.Model):
    """A storage device inside a device; a device may have several, or none.

    Drives are evidence (erasure records point at them): a drive taken out or corrected is
    marked removed, never deleted. `objects` (and `device.drives`) hold the current drives,
    `all_objects` every row; erasure records reach removed drives through the base manager."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="drives")
    kind = models.CharField(_("kind"), max_length=10, choices=StorageKind.choices)
    capacity_gb = models.PositiveIntegerField(_("capacity (GB)"), null=True, blank=True)
    model = models.CharField(_("model"), max_length=150, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    smart_passed = models.BooleanField(_("SMART passed"), null=True, blank=True)
    power_on_hours = models.PositiveIntegerField(_("power-on hours"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("removed by"),
    )
    removal_note = models.CharField(
        _("why removed"), max_length=300, blank=True, default="", db_default="", editable=False
    )

    all_objects = models.Manager()
    objects = CurrentDriveManager()

    class Meta:
        verbose_name = _("storage drive")
        verbose_name_plural = _("storage drives")
        ordering = ["id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        size = self.capacity_display
        return f"{size} {self.get_kind_display()}".strip()

    def get_kind_display(self) -> str:  # every list row shows its drives: see choice_label
        return choice_label(StorageKind, self.kind)

    @property
    def capacity_display(self) -> str:
        if not self.capacity_gb:
            return ""
        if self.capacity_gb >= 1000 and self.capacity_gb % 1000 == 0:
            return _("%(n)s TB") % {"n": self.capacity_gb // 1000}
        return _("%(n)s GB") % {"n": self.capacity_gb}


class DeviceLedgerQuerySet(ScopedQuerySet):
    """A device's movements and events: seen by whoever sees the device."""

    def scope(self, user) -> Q:
        return Q(device__in=Device.objects.visible_to(user).values("pk"))


class Movement(AppendOnlyModel):
    """A device moved from one location to another (append-only)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="movements")
    from_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    moved_at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = DeviceLedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.from_location} → {self.to_location}"


class DeviceEvent(AppendOnlyModel):
    """A change of a device's status: who, when, from, to, note (append-only)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=20, choices=DeviceStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=DeviceStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = DeviceLedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["-at", "-id"]
        indexes = [
            # Lead times and "waiting longest" read events by status and date.
            models.Index(fields=["to_status", "at"], name="event_status_at"),
            models.Index(fields=["device", "to_status"], name="event_device_status"),
            # A technician's last actions (their home): 680 ms by a sort of their 320,000.
            models.Index(fields=["actor", "-at", "-id"], name="event_actor_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.from_status} → {self.to_status}"


class ImportJobQuerySet(WorkshopScopedQuerySet):
    pass


class ImportJob(models.Model):
    """A donor spreadsheet on its way in: analysed, previewed, then imported all or nothing."""

    workshop = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(CollectionBatch, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.ANALYSING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # {"errors": [{line, column, message}], "warnings": [...], "preview": [{line, values}]}
    report = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_pct(self) -> int:
        if not self.total_rows:
            return 100 if self.status in {ImportStatus.DONE, ImportStatus.PREVIEW} else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in {ImportStatus.ANALYSING, ImportStatus.IMPORTING}


class ReportPayload(models.Model):
    """What a machine sent about itself, as it came: kept alike whether applied or held."""

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    lshw = models.JSONField(_("lshw output"))
    smartctl = models.JSONField(_("smartctl outputs"), default=list, blank=True)
    battery = models.JSONField(_("battery"), default=dict, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)

    class Meta:
        abstract = True


class HardwareReport(AppendOnlyModel, ReportPayload):
    """What a machine said about itself (lshw, smartctl), kept as evidence of the specs."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="hardware_reports")

    objects = DeviceLedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("hardware report")
        verbose_name_plural = _("hardware reports")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device_id} @ {self.received_at:%Y-%m-%d %H:%M}"


class PendingReportQuerySet(WorkshopScopedQuerySet):
    def pending(self):
        return self.filter(status=PendingHardwareReport.Status.PENDING)


class PendingHardwareReport(ReportPayload):
    """A hardware report that would change what a known device is (manufacturer, model or
    number of drives): held, with the raw report and the differences, until a technician of
    the workshop confirms it (it is then applied, as its own HardwareReport) or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed and applied")
        REJECTED = "rejected", _("Rejected")

    workshop = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="pending_reports", verbose_name=_("device")
    )
    batch = models.ForeignKey(
        CollectionBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # [{"field": "model", "current": "IdeaPad 5", "reported": "ThinkPad T480"}, ...]
    differences = models.JSONField(_("differences"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    applied_report = models.OneToOneField(
        HardwareReport, on_delete=models.PROTECT, null=True, blank=True, related_name="held_as"
    )

    objects = PendingReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("held hardware report")
        verbose_name_plural = _("held hardware reports")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device_id} @ {self.received_at:%Y-%m-%d %H:%M} ({self.status})"


class StocktakeQuerySet(WorkshopScopedQuerySet):
    pass


class Stocktake(models.Model):
    """A count of one location: what was scanned there, against what the records expected.
    Its lines are the evidence; accepting it writes the movements, nothing is edited."""

    workshop = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("workshop")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="stocktakes", verbose_name=_("location")
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    counted_at = models.DateTimeField(_("counted at"), auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = StocktakeQuerySet.as_manager()

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-counted_at", "-id"]

    def __str__(self) -> str:
        return _("Stocktake no. %(n)s") % {"n": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("inventory:stocktake_detail", args=[self.pk])


class StocktakeLine(AppendOnlyModel):
    class Result(models.TextChoices):
        FOUND = "found", _("Found")
        MISSING = "missing", _("Missing")
        UNEXPECTED = "unexpected", _("Unexpected")

    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="lines")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    # Where the records had the device when it was counted (an unexpected one: elsewhere).
    recorded_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["result", "device__asset_tag"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "device"], name="one_line_per_device")
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.device_id} {self.result}"
