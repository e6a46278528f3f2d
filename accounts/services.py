import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.images import image_info

from .enums import OrganisationKind, Role
from .models import Invitation, MachineToken, Membership, Organisation, User
from .permissions import require
from .validators import normalise_siret


@transaction.atomic
def machine_token_create(*, workshop: Organisation, label: str) -> tuple[MachineToken, str]:
    """Create a workshop machine's API token; returns it with the clear key, shown only once."""
    if workshop.kind != OrganisationKind.WORKSHOP:
        raise ValueError("A machine token belongs to a workshop.")
    key = MachineToken.generate_key()
    user = User.objects.create(
        username=f"machine-{workshop.pk}-{key[:8]}", is_machine=True, first_name=label[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, organisation=workshop, role=Role.MACHINE)
    token = MachineToken(workshop=workshop, label=label, user=user)
    token.set_key(key)
    token.save()
    return token, key


# --- invitations ------------------------------------------------------------------------------


def active_user_by_email(email: str) -> User | None:
    """The one person (never a workshop machine) who logs in with this e-mail, if any."""
    users = list(
        User.objects.filter(email__iexact=email.strip(), is_active=True, is_machine=False)[:2]
    )
    return users[0] if len(users) == 1 else None


def invitation_link(key: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[key])


@transaction.atomic
def invitation_create(
    *, by: User, email: str, organisation: Organisation, role: str
) -> tuple[Invitation, str]:
    """Invite a person by e-mail; the mail carries the only copy of the link's key."""
    require(by, "accounts.invite")
    email = email.strip()
    key = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        organisation=organisation,
        role=role,
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=Invitation.VALIDITY_DAYS),
    )
    invitation.set_key(key)
    invitation.save()
    link = invitation_link(key)
    values = {
        "inviter": by.get_full_name() or by.username,
        "organisation": organisation.name,
        "role": invitation.get_role_display(),
        "days": Invitation.VALIDITY_DAYS,
    }
    # One msgid per paragraph: the catalogue tools handle single-line messages best.
    body = "\n\n".join(
        [
            _("Hello,"),
            _("%(inviter)s invites you to join %(organisation)s in Filière as %(role)s.") % values,
            _("Open this link to accept (valid for %(days)s days, once):") % values + "\n" + link,
            _(
                "If ProConnect is offered on the login page, you may also log in with ProConnect "
                "using this e-mail address."
            ),
        ]
    )
    # Sent once the row is committed: no mail for an invitation that was rolled back.
    transaction.on_commit(lambda: send_mail(_("Your invitation to Filière"), body, None, [email]))
    return invitation, key


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why this link cannot be used any more (translated), or None."""
    if invitation is None:
        return _("This invitation link is not valid. Ask the coordination for a new one.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Log in with your account.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn. Ask the coordination for a new one.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask the coordination for a new one.")
    return None


def _accept(invitation: Invitation, user: User) -> None:
    Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])


def _locked(invitation: Invitation) -> Invitation:
    # Two clicks on the same link: the second one finds it used.
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(locked)
    if problem:
        raise ValidationError(problem)
    return locked


@transaction.atomic
def invitation_accept_new_account(
    invitation: Invitation, *, first_name: str, last_name: str, password: str
) -> User:
    """Create the invited person's account with the password they chose."""
    invitation = _locked(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account already uses this e-mail: log in to accept."))
    if User.objects.filter(username__iexact=invitation.email).exists():
        raise ValidationError(_("An account already uses this e-mail: log in to accept."))
    user = User(
        username=invitation.email,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
    )
    user.set_password(password)
    user.save()
    _accept(invitation, user)
    return user


@transaction.atomic
def invitation_accept_existing(invitation: Invitation, user: User) -> None:
    """The person already has an account (same e-mail): add the membership to it."""
    invitation = _locked(invitation)
    if user.email.strip().lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s: log in with that account to accept it.")
            % {"email": invitation.email}
        )
    _accept(invitation, user)


@transaction.atomic
def invitation_accept_by_proconnect(email: str, claims: dict) -> User | None:
    """A ProConnect login by an e-mail nobody uses yet: the account is created only when a
    pending invitation names that e-mail (the most recent one), never otherwise."""
    invitation = (
        Invitation.objects.pending()
        .select_for_update()
        .filter(email__iexact=email)
        .order_by("-created_at")
        .first()
    )
    if invitation is None:
        return None
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        # An account (inactive, or one of two sharing the address) already has it: no new one.
        return None
    user = User(
        username=email,
        email=email,
        first_name=(claims.get("given_name") or "")[:150],
        last_name=(claims.get("usual_name") or claims.get("family_name") or "")[:150],
    )
    user.set_unusable_password()
    user.save()
    _accept(invitation, user)
    return user


LOGO_MAX_BYTES = 256 * 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


def organisation_identity_set(
    *, organisation: Organisation, user: User, logo=None, remove_logo: bool = False, **fields
) -> Organisation:
    """The identity the organisation's documents carry; a logo is checked to be a real PNG or
    JPEG of at most 256 kB (it is embedded in every PDF), all or nothing."""
    require(user, "organisations.edit_identity", organisation)
    updates = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if updates.get("rna"):
        updates["rna"] = updates["rna"].upper()
    if updates.get("siret"):
        updates["siret"] = normalise_siret(updates["siret"])
    if logo is not None:
        data = logo.read(LOGO_MAX_BYTES + 1)
        if len(data) > LOGO_MAX_BYTES:
            raise ValidationError(_("The logo is larger than 256 kB: send a smaller image."))
        info = image_info(data)
        kind = info[0] if info else None
        if kind not in LOGO_TYPES:
            raise ValidationError(_("The logo must be a PNG or JPEG image."))
        updates["logo"], updates["logo_type"] = data, LOGO_TYPES[kind]
    elif remove_logo:
        updates["logo"], updates["logo_type"] = None, ""
    for name, value in updates.items():
        setattr(organisation, name, value)
    organisation.full_clean(exclude=["logo"])
    organisation.save(update_fields=list(updates))
    return organisation
