from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("donateurs/", views.donor_list, name="donor_list"),
    path("donateurs/nouveau/", views.donor_create, name="donor_create"),
    path("donateurs/<int:pk>/", views.donor_detail, name="donor_detail"),
    path("lots/", views.batch_list, name="batch_list"),
    path("lots/nouveau/", views.batch_create, name="batch_create"),
    path("lots/<int:pk>/modifier/", views.batch_edit, name="batch_edit"),
    path("lots/<int:pk>/saisie/", views.batch_intake, name="batch_intake"),
    path("lots/<int:pk>/etiquettes.pdf", views.batch_labels, name="batch_labels"),
    path("lots/<int:pk>/import/", views.batch_import, name="batch_import"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/confirmer/", views.import_job_confirm, name="import_job_confirm"),
    path("imports/modele.<str:fmt>", views.import_template, name="import_template"),
    path("appareils/", views.device_list, name="device_list"),
    path("scan/", views.scan, name="scan"),
    path("appareils/<int:pk>/modifier/", views.device_edit, name="device_edit"),
    path("emplacements/", views.location_list, name="location_list"),
    path("appareils/<int:pk>/etiquette.pdf", views.device_label, name="device_label"),
    path("appareils/<int:pk>/deplacer/", views.device_move_view, name="device_move"),
    path(
        "rapports-materiel/<int:pk>/decision/",
        views.hardware_pending_decide,
        name="hardware_pending_decide",
    ),
]
