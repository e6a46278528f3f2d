"""ProConnect's URLs, included by config/urls.py only when ProConnect is configured."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from . import proconnect


class _RequestView(OIDCAuthenticationRequestView):
    def dispatch(self, request, *args, **kwargs):
        if not settings.PROCONNECT_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


urlpatterns = [
    path(
        "connexion/proconnect/",
        login_not_required(_RequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "connexion/proconnect/retour/",
        login_not_required(proconnect.CallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path(
        "connexion/proconnect/inconnu/",
        proconnect.unknown_agent,
        name="proconnect_unknown",
    ),
]
