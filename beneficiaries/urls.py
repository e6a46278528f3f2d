from django.urls import path

from . import privacy_views, tariff_views, territory_views, views

app_name = "beneficiaries"

urlpatterns = [
    path("personnes/", views.person_list, name="person_list"),
    path("communes/suggestions/", territory_views.commune_suggestions, name="commune_suggestions"),
    path("personnes/nouvelle/", views.person_create, name="person_create"),
    path("personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("personnes/<int:pk>/derogation/", views.person_waiver, name="person_waiver"),
    path("personnes/<int:pk>/modifier/", views.person_edit, name="person_edit"),
    path(
        "personnes/<int:pk>/exception-limite/",
        views.person_limit_override,
        name="person_limit_override",
    ),
    path("personnes/<int:pk>/justificatif/", views.person_eligibility, name="person_eligibility"),
    path("justificatifs/", views.proof_kind_list, name="proof_kind_list"),
    path("justificatifs/<int:pk>/activation/", views.proof_kind_toggle, name="proof_kind_toggle"),
    path("personnes/<int:pk>/export.json", privacy_views.person_export, name="person_export"),
    path("personnes/<int:pk>/effacer/", privacy_views.person_erase, name="person_erase"),
    path("personnes/journal-des-acces/", privacy_views.audit_log, name="audit_log"),
    path("formations/", views.session_list, name="session_list"),
    path("formations/nouvelle/", views.session_create, name="session_create"),
    path("formations/<int:pk>/", views.session_detail, name="session_detail"),
    path("commandes/", views.order_list, name="order_list"),
    path("commandes/nouvelle/", views.order_create, name="order_create"),
    path("commandes/<int:pk>/", views.order_detail, name="order_detail"),
    path("commandes/<int:pk>/modifier/", views.order_edit, name="order_edit"),
    path("commandes/<int:pk>/annulation/", views.order_cancel, name="order_cancel"),
    path("commandes/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("remise/<int:device_pk>/", views.handover, name="handover"),
    path("attributions/<int:pk>/", views.allocation_detail, name="allocation_detail"),
    path("attributions/<int:pk>/paiement/", views.allocation_pay, name="allocation_pay"),
    path("attributions/<int:pk>/retour/", views.allocation_return, name="allocation_return"),
    path(
        "attributions/<int:pk>/remplacement/", views.allocation_replace, name="allocation_replace"
    ),
    path("tarifs/", tariff_views.tariffs, name="tariffs"),
    path("structures/", views.structure_list, name="structure_list"),
    path("structures/<int:pk>/precarite/", views.structure_precarity, name="structure_precarity"),
    path("structures/import/", views.structure_import, name="structure_import"),
    path(
        "structures/export-national/",
        views.structure_export_national,
        name="structure_export_national",
    ),
]
