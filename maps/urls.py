from django.urls import path

from . import views

app_name = "maps"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("communes.geojson", views.communes_data, name="communes_data"),
    path("structures.geojson", views.structures_data, name="structures_data"),
    path("fragilite/", views.fragility, name="fragility"),
    path("publique/", views.public_map, name="public"),
    path("publique/reglage/", views.public_switch, name="public_switch"),
]
