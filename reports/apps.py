from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Every report and document: stock, funder, donor, certificates, receipts, report jobs."""

    name = "reports"
    verbose_name = _("Reports")
