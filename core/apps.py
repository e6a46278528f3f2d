from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared, domain-free building blocks: PDF rendering, charts, safe spreadsheet and CSV
    writers, uploads, pagination, widgets, text helpers, the site's own pages."""

    name = "core"
