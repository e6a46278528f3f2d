from django.urls import path

from . import views

urlpatterns = [
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path(
        "organisation/<int:pk>/identite/",
        views.organisation_identity,
        name="organisation_identity",
    ),
    path("invitation/<str:key>/", views.invitation_accept, name="invitation_accept"),
]
