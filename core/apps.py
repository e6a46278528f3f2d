from django.apps import AppConfig

from . import ids


class CoreConfig(AppConfig):
    """Shared, domain-free building blocks: PDF rendering, charts, safe spreadsheet and CSV
    writers, uploads, pagination, widgets, text helpers, the site's own pages."""

    name = "core"

    def ready(self):
        # A typed id beyond the column's range matches nothing, wherever it is used.
        ids.register()
