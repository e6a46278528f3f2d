from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    """The territory on a map: the coordination's map, its layers' data and the public map."""

    name = "maps"
    verbose_name = _("Map")
