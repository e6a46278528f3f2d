import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.images import data_uri

from .enums import OrganisationKind, Role
from .permissions import ScopedQuerySet
from .validators import validate_rna, validate_siret


class Organisation(models.Model):
    """A legal body taking part in the filière: workshop, mediation structure, coordination,
    funder or donor. Every user acts through one or more organisations."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_("14 digits, optional."),
    )
    commune_insee = models.CharField(_("commune INSEE code"), max_length=5, blank=True)
    # The identity its documents carry (receipts, hand-over papers, certificates, reports).
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    rna = models.CharField(
        _("RNA number"),
        max_length=10,
        blank=True,
        validators=[validate_rna],
        help_text=_("An association's number in the national register: W and 9 digits."),
    )
    legal_basis = models.CharField(
        _("basis for tax receipts"),
        max_length=200,
        blank=True,
        help_text=_(
            "What entitles the organisation to issue donation receipts, e.g. “Association "
            "d'intérêt général (article 238 bis 1-a du CGI)”."
        ),
    )
    # A small logo kept in the row itself: documents embed it, no file to serve or back up.
    logo = models.BinaryField(_("logo"), null=True, blank=True, editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_line(self) -> str:
        town = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join(p for p in (self.street_address, town) if p)

    @property
    def logo_data_uri(self) -> str:
        if not self.logo or not self.logo_type:
            return ""
        return data_uri(self.logo, self.logo_type)


class User(AbstractUser):
    """A person (or a workshop machine) who logs in. Rights come from memberships."""

    organisations = models.ManyToManyField(
        Organisation, through="Membership", related_name="users", blank=True
    )
    is_machine = models.BooleanField(
        _("workshop machine"),
        default=False,
        help_text=_("Technical account behind an API token; cannot log in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    # Memberships are read on almost every request: cache them on the instance.
    def memberships_cached(self) -> list["Membership"]:
        if not hasattr(self, "_memberships_cache"):
            self._memberships_cache = list(self.memberships.select_related("organisation"))
        return self._memberships_cache

    def identity_organisation(self) -> "Organisation | None":
        """The organisation whose documents' identity the user sets (a manager or staff)."""
        for m in self.memberships_cached():
            if m.role in (Role.MANAGER, Role.STAFF):
                return m.organisation
        return None

    def organisation_ids(self, *kinds: str) -> set[int]:
        return {
            m.organisation_id
            for m in self.memberships_cached()
            if not kinds or m.organisation.kind in kinds
        }

    @property
    def is_coordinator(self) -> bool:
        return self.is_superuser or any(
            m.organisation.kind == OrganisationKind.COORDINATION for m in self.memberships_cached()
        )

    def workshop_ids(self) -> set[int]:
        return self.organisation_ids(OrganisationKind.WORKSHOP)

    @property
    def is_workshop_staff(self) -> bool:
        return bool(self.workshop_ids())

    @property
    def is_funder(self) -> bool:
        return bool(self.organisation_ids(OrganisationKind.FUNDER))

    @property
    def is_mediation_staff(self) -> bool:
        return bool(self.organisation_ids(OrganisationKind.MEDIATION))

    def default_workshop(self) -> Organisation | None:
        for m in self.memberships_cached():
            if m.organisation.kind == OrganisationKind.WORKSHOP:
                return m.organisation
        return None


class Membership(models.Model):
    """A user's role in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class MachineTokenQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def scope(self, user) -> Q:
        return Q(workshop_id__in=user.workshop_ids())


class MachineToken(models.Model):
    """API key of one workshop machine (the PC that runs lshw on a live USB key).

    Only a hash is stored; the key is shown once at creation. Requests made with it act as a
    technical user who is a member of the workshop, so the usual scoping applies."""

    workshop = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="machine_tokens",
        limit_choices_to={"kind": OrganisationKind.WORKSHOP},
    )
    label = models.CharField(_("label"), max_length=100)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="machine_token")
    key_prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = MachineTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("machine token")
        verbose_name_plural = _("machine tokens")

    def __str__(self) -> str:
        return f"{self.label} ({self.key_prefix}…)"

    def clean(self):
        if self.workshop_id and self.workshop.kind != OrganisationKind.WORKSHOP:
            raise ValidationError(_("A machine token belongs to a workshop."))

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    @classmethod
    def find(cls, key: str) -> "MachineToken | None":
        return (
            cls.objects.active()
            .select_related("user", "workshop")
            .filter(key_hash=_hash_key(key))
            .first()
        )

    def set_key(self, key: str) -> None:
        self.key_prefix = key[:8]
        self.key_hash = _hash_key(key)

    def touch(self) -> None:
        now = timezone.now()
        MachineToken.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now


class InvitationQuerySet(ScopedQuerySet):
    # Invitations name people not yet in the tool: only the coordination sees them.
    def scope(self, user) -> Q | None:
        return None

    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """The coordination asks a person to join an organisation with a role, by e-mail.

    The link holds a random key; only its hash is stored. It can be used once, until it
    expires; accepting creates the account (or adds the membership to the account that
    already has this e-mail). A ProConnect login by the same e-mail accepts it too."""

    VALIDITY_DAYS = 7

    email = models.EmailField(_("e-mail"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations_accepted",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} — {self.organisation}"

    @classmethod
    def find(cls, key: str) -> "Invitation | None":
        return (
            cls.objects.select_related("organisation", "accepted_by")
            .filter(key_hash=_hash_key(key))
            .first()
        )

    def set_key(self, key: str) -> None:
        self.key_hash = _hash_key(key)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired
