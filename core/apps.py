from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared, domain-free building blocks: PDF rendering, charts, safe spreadsheet and CSV
    writers, uploads, pagination, widgets, text helpers, the site's own pages."""

    name = "core"
    verbose_name = _("Core")
