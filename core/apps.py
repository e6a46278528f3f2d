from celery.signals import task_prerun
from django.apps import AppConfig
from django.core.signals import request_started

from . import db, ids


class CoreConfig(AppConfig):
    """Shared, domain-free building blocks: PDF rendering, charts, safe spreadsheet and CSV
    writers, uploads, pagination, widgets, text helpers, the site's own pages."""

    name = "core"

    def ready(self):
        # A typed id beyond the column's range matches nothing, wherever it is used.
        ids.register()
        # Each request and each task starts with nothing written (core.db: who reads a replica).
        request_started.connect(db.writes_forget, dispatch_uid="core.db.request")
        task_prerun.connect(db.writes_forget, dispatch_uid="core.db.task")
