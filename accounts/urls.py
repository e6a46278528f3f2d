from django.urls import path

from . import views

urlpatterns = [
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitation/<str:key>/", views.invitation_accept, name="invitation_accept"),
]
