"""The reports' URLs, in the namespaces they always had (config/urls.py adds each list to the
namespace of the app whose objects it documents), so every name and address stays."""

from django.urls import path

from . import audit_views, funder_views, supply_views, views

inventory_urlpatterns = [
    path("lots/<int:pk>/devenir.pdf", views.batch_donor_report, name="batch_donor_report"),
    path("lots/<int:pk>/recu-don.pdf", views.batch_donation_receipt, name="batch_donation_receipt"),
    path(
        "donateurs/<int:pk>/reemploi-<int:year>.pdf",
        views.donor_year_report,
        name="donor_year_report",
    ),
    path("rapports/stock/", views.stock_report, name="stock_report"),
    path("rapports/stock/demande/", views.stock_report_request, name="stock_report_request"),
    path("appareils/export/", views.device_export_request, name="device_export_request"),
    path("rapports/travaux/<int:pk>/", views.report_job, name="report_job"),
    path("rapports/travaux/<int:pk>/fichier/", views.report_job_file, name="report_job_file"),
]

reconditioning_urlpatterns = [
    path("audit-preuve/", audit_views.chain_audit_view, name="chain_audit"),
    path("appareils/<int:pk>/certificat.pdf", views.device_certificate, name="device_certificate"),
    path("lots/<int:pk>/certificat.pdf", views.batch_certificate, name="batch_certificate"),
]

beneficiaries_urlpatterns = [
    path("rapports/offre-et-demande/", supply_views.supply_demand, name="supply"),
    path("attributions/<int:pk>/recu/<int:payment_pk>.pdf", views.receipt, name="receipt"),
    path("attributions/<int:pk>/remise.pdf", views.handover_document, name="handover_pdf"),
    path(
        "commandes/<int:pk>/liste-de-prelevement.pdf",
        views.order_picking_list,
        name="order_picking_pdf",
    ),
    path(
        "commandes/<int:pk>/bon-de-livraison.pdf",
        views.order_delivery_note,
        name="order_delivery_pdf",
    ),
    path("rapports/financeurs/", funder_views.funder_report, name="funder_report"),
    path(
        "rapports/financeurs/demande/",
        funder_views.funder_report_request,
        name="funder_report_request",
    ),
    path("rapports/financeurs/lignes/", funder_views.allocation_rows, name="allocation_rows"),
]
