"""Who viewed, exported, erased or anonymised personal data: an append-only trail."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.permissions import ScopedQuerySet
from inventory.models import AppendOnlyModel


class AuditLogQuerySet(ScopedQuerySet):
    def scope(self, user) -> None:
        """The trail names the people a staff member looked at: coordinators only."""
        return None


class AuditLog(AppendOnlyModel):
    """One access to personal data: who, when, which action, about which person."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        ROWS = "rows", _("Opened report rows")
        ERASE = "erase", _("Erased")
        ANONYMISE = "anonymise", _("Anonymised")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # Kept when the account is deleted: the name says who it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    username = models.CharField(_("login"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # The person row outlives erasure (pseudonymised), so the trail keeps pointing at it
    # without ever copying a name.
    person = models.ForeignKey(
        "beneficiaries.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '—'} {self.get_action_display()}"

    def detail_display(self) -> str:
        """The stored detail is a code in English (the same whatever the writer's language,
        so filters and tests read it); the log shows it in the reader's language."""
        return detail_label(self.detail)


# What the screens store as an access's detail, in the reader's words.
DETAIL_LABELS = {
    "list": _("list of people"),
    "edit": _("person's form"),
    "handover recap": _("hand-over recap"),
    "allocation": _("allocation page"),
    "handover document": _("hand-over document"),
    "json": _("export (JSON)"),
    "retention": _("retention period over"),
    "list search": _("list, with a search"),
}
DETAIL_PREFIXES = {
    "session": _("training session %(rest)s"),
    "order": _("order %(rest)s"),
    "receipt": _("receipt %(rest)s"),
    "replayed after a restore": _("erased again after a restore %(rest)s"),
}


def detail_label(detail: str) -> str:
    if detail in DETAIL_LABELS:
        return str(DETAIL_LABELS[detail])
    if detail.startswith("admin "):
        model_name, _sep, rest = detail[len("admin ") :].partition(" ")
        try:
            model = apps.get_model("beneficiaries", model_name)
        except LookupError:
            return detail
        return _("back office, %(model)s: %(rest)s") % {
            "model": model._meta.verbose_name,
            "rest": detail_label(rest) if rest in DETAIL_LABELS else rest,
        }
    for prefix, label in DETAIL_PREFIXES.items():
        if detail.startswith(prefix + " "):
            return label % {"rest": detail[len(prefix) + 1 :]}
    return detail
