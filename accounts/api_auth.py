from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import MachineToken


class MachineTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` for workshop machines."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = MachineToken.find(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked token."))
        token.touch()
        return (token.user, token)

    def authenticate_header(self, request):
        return self.keyword


class MachineTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.MachineTokenAuthentication"
    name = "machineToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("Workshop machine key, as “Token <key>”."),
        }
