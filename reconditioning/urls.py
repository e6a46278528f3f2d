from django.urls import path

from . import parts_views, views

app_name = "reconditioning"

urlpatterns = [
    path("file/", views.queue, name="queue"),
    path("appareils/<int:pk>/etape/", views.device_transition_view, name="device_transition"),
    path("appareils/<int:pk>/nwipe/", views.device_nwipe, name="device_nwipe"),
    path("appareils/<int:pk>/recuperation/", views.device_harvest, name="device_harvest"),
    path("appareils/<int:pk>/<slug:step>/", views.device_step, name="device_step"),
    path("lots/<int:pk>/etapes/", views.batch_steps, name="batch_steps"),
    path("etapes-groupees/<int:pk>/", views.bulk_job, name="bulk_job"),
    path("lots/<int:pk>/nwipe/", views.batch_nwipe, name="batch_nwipe"),
    path("pieces/", parts_views.part_list, name="part_list"),
    path("pieces/<int:pk>/", parts_views.part_detail, name="part_detail"),
]

# Pages of inventory's objects that show this app's evidence: in the inventory namespace.
inventory_urlpatterns = [
    path("lots/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("appareils/<int:pk>/", views.device_detail, name="device_detail"),
]
