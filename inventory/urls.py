from django.urls import path

from . import label_views, shelf_views, views

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
    path("etiquettes/", label_views.labels_selection, name="labels_selection"),
    path("imprimante/", label_views.printer_settings, name="printer_settings"),
    path("emplacements/etiquettes.pdf", shelf_views.shelf_labels, name="shelf_labels"),
    path("emplacements/<int:pk>/", shelf_views.location_detail, name="location_detail"),
    path("emplacements/<int:pk>/ranger/", shelf_views.location_put_away, name="location_put_away"),
    path(
        "emplacements/<int:pk>/inventaire/", shelf_views.stocktake_create, name="stocktake_create"
    ),
    path("inventaires/<int:pk>/", shelf_views.stocktake_detail, name="stocktake_detail"),
    path("inventaires/<int:pk>/accepter/", shelf_views.stocktake_accept, name="stocktake_accept"),
    path(
        "inventaires/<int:pk>/rapport.pdf",
        shelf_views.stocktake_export,
        {"fmt": "pdf"},
        name="stocktake_pdf",
    ),
    path(
        "inventaires/<int:pk>/rapport.xlsx",
        shelf_views.stocktake_export,
        {"fmt": "xlsx"},
        name="stocktake_xlsx",
    ),
    path("appareils/<int:pk>/etiquette.pdf", views.device_label, name="device_label"),
    path("appareils/<int:pk>/deplacer/", views.device_move_view, name="device_move"),
    path(
        "rapports-materiel/<int:pk>/decision/",
        views.hardware_pending_decide,
        name="hardware_pending_decide",
    ),
]
