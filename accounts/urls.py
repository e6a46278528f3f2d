from django.urls import path

from . import views

urlpatterns = [
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
]
