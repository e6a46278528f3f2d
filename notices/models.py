"""What the app tells a person: notices (in the app, and by mail) and who wants which."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.permissions import ScopedQuerySet

from .enums import NoticeKind

USER = settings.AUTH_USER_MODEL


class NoticeQuerySet(ScopedQuerySet):
    # A notice is its recipient's alone: not even the coordination reads someone else's.
    coordination_sees_all = False

    def scope(self, user) -> Q:
        return Q(recipient_id=user.pk)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """One event told to one person: a short French text and the page where they act."""

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header's unread count and the list, both per recipient.
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notice_recipient_newest"),
        ]

    def __str__(self) -> str:
        return self.text


class NoticePreference(models.Model):
    """A person's choice for one kind; no row means mail and app both on."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notice_preferences")
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    by_mail = models.BooleanField(_("by e-mail"), default=True)
    in_app = models.BooleanField(_("in the app"), default=True)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notice_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()}"
