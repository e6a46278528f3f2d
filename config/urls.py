from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

import accounts.proconnect_urls
import beneficiaries.urls
import inventory.urls
import reconditioning.urls
import reports.urls
from accounts import views as accounts_views
from core import views as core_views
from core.accessibility import accessibility_statement

# Each app keeps its namespace; the reports app adds its documents to the namespace of the
# objects they describe (reports.urls), so no lower app has to know the reports.
urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("connexion/", accounts_views.LoginView.as_view(), name="login"),
    path("deconnexion/", accounts_views.LogoutView.as_view(), name="logout"),
    path("compte/", include("accounts.urls")),
    path("langue/", login_not_required(set_language), name="set_language"),
    path("accessibilite/", accessibility_statement, name="accessibility"),
    path(
        "",
        include(
            (
                inventory.urls.urlpatterns
                + reconditioning.urls.inventory_urlpatterns
                + reports.urls.inventory_urlpatterns,
                "inventory",
            )
        ),
    ),
    path(
        "",
        include(
            (
                reconditioning.urls.urlpatterns + reports.urls.reconditioning_urlpatterns,
                "reconditioning",
            )
        ),
    ),
    path(
        "",
        include(
            (
                beneficiaries.urls.urlpatterns + reports.urls.beneficiaries_urlpatterns,
                "beneficiaries",
            )
        ),
    ),
    path("carte/", include("maps.urls")),
    path("avis/", include("notices.urls")),
    path("api/", include("inventory.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]

# ProConnect's URLs exist only when it is configured (accounts.proconnect).
if settings.PROCONNECT_ENABLED:
    urlpatterns += accounts.proconnect_urls.urlpatterns

# Uploaded files and built reports are never served from /media/: only through views that
# check who asks (imports, report jobs).
