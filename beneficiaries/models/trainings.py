"""The trainings a quasi-don is conditional on: programmes, sessions, attendance, waivers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from inventory.enums import DeviceType
from inventory.models import AppendOnlyModel

from ..enums import CoopTheme
from .people import Person
from .structures import MEDIATION, StructureScopedQuerySet

USER = settings.AUTH_USER_MODEL


class TrainingProgramme(models.Model):
    """A training a quasi-don is conditional on (e.g. "Premiers pas sur ordinateur")."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_hours = models.DecimalField(_("duration (hours)"), max_digits=5, decimal_places=1)
    # CoopTheme values: the categories of La Coop de la médiation numérique.
    themes = models.JSONField(_("themes (La Coop)"), default=list, blank=True)

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        unknown = [theme for theme in self.themes or [] if theme not in CoopTheme.values]
        if unknown:
            raise ValidationError(
                {"themes": _("Unknown theme: %(v)s.") % {"v": ", ".join(unknown)}}
            )

    def theme_labels(self) -> list[str]:
        return [str(CoopTheme(theme).label) for theme in self.themes if theme in CoopTheme.values]


class TrainingModule(models.Model):
    """One part of a programme; a person is trained once every required module was attended."""

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


class TrainingSessionQuerySet(StructureScopedQuerySet):
    structure_field = "structure_id"


class TrainingSession(models.Model):
    """A dated session of a programme held by a structure, covering some of its modules."""

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
    """A person enrolled in a session; `attended` stays unknown until attendance is recorded."""

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
