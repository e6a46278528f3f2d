from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self):
        from . import report_builders  # noqa: F401  (registers the funder report job)
