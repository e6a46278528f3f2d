from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self):
        # Models must be loaded first: the module registers its hook on devices becoming ready.
        from . import orders  # noqa: F401
