"""The project's URLs as they are when ProConnect is configured (config/urls.py adds them
at start-up only then)."""

from accounts.proconnect_urls import urlpatterns as proconnect_urlpatterns
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*proconnect_urlpatterns, *project_urlpatterns]
