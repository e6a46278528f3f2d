from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("devices", api.DeviceViewSet, basename="device")

urlpatterns = [
    path("hardware-reports/", api.HardwareReportView.as_view(), name="api-hardware-report"),
    *router.urls,
]
