from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconditioningConfig(AppConfig):
    name = "reconditioning"
    verbose_name = _("Reconditioning")
