"""Reports built in the background."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.permissions import ScopedQuerySet


class ReportJobQuerySet(ScopedQuerySet):
    """A report is read by who asked for it (it is built with their rights), and coordinators."""

    def scope(self, user) -> Q:
        return Q(requested_by=user)


class ReportJob(models.Model):
    """A report built in the background: its status and progress for the screen, and the file
    when done. The task that builds it is idempotent: a job that is done is not redone."""

    class Kind(models.TextChoices):
        STOCK = "stock", _("Stock report")
        FUNDER = "funder", _("Funder report")
        DONOR = "donor", _("Donor report")
        # Documents and exports too long to build in the request (settings.FILIERE_SYNC_*).
        CERTIFICATE = "certificate", _("Erasure certificate")
        STATEMENT = "reuse_statement", _("Reuse statement")
        DEVICES = "devices", _("Device export")
        # The nightly audit's outcome, kept so that pages read it instead of re-auditing.
        CHAIN_AUDIT = "chain_audit", _("Chain-of-proof audit")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    fmt = models.CharField(_("format"), max_length=5, default="pdf")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        # Moved from inventory with its table (a state-only migration).
        db_table = "inventory_reportjob"
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def subject(self) -> str:
        """What the document is about (a batch's reference, a donor and a year), as the
        requester saw it when asking: shown on the job's page."""
        return self.params.get("subject", "")

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}
