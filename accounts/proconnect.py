"""ProConnect, the State's OpenID Connect login for public agents, beside the local login.

mozilla-django-oidc runs the code flow (state, nonce, token, JWKS, userinfo); this module says
who an agent is here. An agent is logged in as the one active account whose e-mail matches
ProConnect's, or, when a pending invitation names that e-mail, as the account that
invitation creates. Anyone else sees a page asking the coordination for an invitation:
nothing is ever created silently. The feature is on only when a client id and secret are
configured (settings.PROCONNECT_ENABLED); otherwise its URLs do not exist (config/urls.py)."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from .services import active_user_by_email, invitation_accept_by_proconnect

logger = logging.getLogger(__name__)

# Set by the backend for the callback's failure page; read once by the "unknown agent" page.
UNKNOWN_EMAIL_SESSION_KEY = "proconnect_unknown_email"


class ProConnectBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the callback view's call (it passes the nonce kept in the session): a local login
        # posted with ?code=&state= in its address must not start a code exchange.
        if not settings.PROCONNECT_ENABLED or "nonce" not in kwargs or "username" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # The library checks signature and nonce; the issuer and audience are checked here so
        # that a token made by the same provider for another service is not accepted.
        issuer = settings.PROCONNECT_ISSUER
        if payload.get("iss") not in (issuer, issuer + "/"):
            raise SuspiciousOperation("ProConnect token from another issuer.")
        audience = payload.get("aud")
        if audience is not None:
            audiences = audience if isinstance(audience, list) else [audience]
            if settings.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("ProConnect token for another client.")
        return payload

    def verify_claims(self, claims):
        email = (claims.get("email") or "").strip()
        # ProConnect's identity providers verify addresses; a provider saying otherwise is
        # not trusted to name an account.
        return bool(email) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims):
        user = active_user_by_email(claims.get("email", ""))
        return self.UserModel.objects.filter(pk=user.pk) if user else self.UserModel.objects.none()

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("ProConnect gave no verified e-mail.")
        email = claims["email"].strip()
        user = active_user_by_email(email)
        if user is None:
            user = invitation_accept_by_proconnect(email, claims)
        if user is None:
            self.request.session[UNKNOWN_EMAIL_SESSION_KEY] = email
            logger.info("ProConnect login refused: no account nor invitation for this e-mail")
        return user

    def create_user(self, claims):
        raise SuspiciousOperation("ProConnect never creates an account without an invitation.")


class CallbackView(OIDCAuthenticationCallbackView):
    def dispatch(self, request, *args, **kwargs):
        if not settings.PROCONNECT_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self):
        if UNKNOWN_EMAIL_SESSION_KEY in self.request.session:
            return HttpResponseRedirect(reverse("proconnect_unknown"))
        messages.error(self.request, _("The ProConnect login did not succeed. Try again."))
        return HttpResponseRedirect(reverse("login"))


def end_session_url(request, id_token: str) -> str:
    """ProConnect's logout (required by ProConnect): back to our login page afterwards."""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": get_random_string(32),
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{settings.PROCONNECT_ISSUER}/session/end?{query}"


@login_not_required
def unknown_agent(request):
    """ProConnect knew the agent, Filière does not: say whom to ask for an invitation."""
    if not settings.PROCONNECT_ENABLED:
        raise Http404
    email = request.session.pop(UNKNOWN_EMAIL_SESSION_KEY, "")
    return render(request, "accounts/proconnect_unknown.html", {"email": email})
