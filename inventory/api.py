from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from config.parsers import SafeJSONParser

from .enums import DeviceStatus, DeviceType
from .hardware import HardwareReportError
from .hardware_ingest import HardwarePermissionError, hardware_report_ingest
from .models import CollectionBatch, Device, StorageDrive


class StorageDriveSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageDrive
        fields = ["kind", "capacity_gb", "model", "serial_number", "smart_passed", "power_on_hours"]


class DeviceSerializer(serializers.ModelSerializer):
    batch = serializers.CharField(source="batch.reference", read_only=True)
    location = serializers.StringRelatedField()
    drives = StorageDriveSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "asset_tag",
            "url",
            "status",
            "device_type",
            "serial_number",
            "manufacturer",
            "model",
            "cpu",
            "ram_mb",
            "drives",
            "battery_health_pct",
            "screen_size_in",
            "keyboard_layout",
            "batch",
            "location",
            "is_virtual",
            "created_at",
            "updated_at",
        ]


class DeviceApiFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=DeviceStatus.choices)
    device_type = filters.ChoiceFilter(choices=DeviceType.choices)
    serial_number = filters.CharFilter(lookup_expr="iexact")
    batch = filters.NumberFilter(field_name="batch_id")

    class Meta:
        model = Device
        fields = ["status", "device_type", "serial_number", "batch"]


class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Devices of the caller's organisations, newest first (cursor pagination)."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceApiFilter
    ordering = "-id"

    def get_queryset(self):
        return (
            Device.objects.visible_to(self.request.user)
            .select_related("batch", "location")
            .prefetch_related("drives")
        )


class HardwareReportInSerializer(serializers.Serializer):
    lshw = serializers.JSONField(help_text=_("The output of `lshw -json`."))
    smartctl = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        default=list,
        help_text=_("One `smartctl --json -a` output per disk."),
    )
    battery = serializers.DictField(
        required=False,
        default=dict,
        help_text=_("energy_full and energy_full_design from /sys/class/power_supply/BAT0."),
    )
    batch = serializers.PrimaryKeyRelatedField(
        queryset=CollectionBatch.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Needed only when the device is not known yet."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["batch"].queryset = CollectionBatch.objects.visible_to(request.user)


class HardwareReportOutSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())
    device = DeviceSerializer()


class ReportTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class HardwareReportParser(SafeJSONParser):
    """JSON only, and no larger than HARDWARE_REPORT_MAX_BYTES: refused before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        from .uploads import too_large_message

        request = (parser_context or {}).get("request")
        meta = request.META if request is not None else {}
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.HARDWARE_REPORT_MAX_BYTES
        if length > limit:
            raise ReportTooLarge(too_large_message(length, limit))
        return super().parse(stream, media_type, parser_context)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class HardwareReportView(APIView):
    """A workshop machine posts what lshw/smartctl say; the device is found or created."""

    parser_classes = [HardwareReportParser]

    @extend_schema(
        request=HardwareReportInSerializer,
        responses={
            200: HardwareReportOutSerializer,
            201: HardwareReportOutSerializer,
            400: OpenApiResponse(description=_("The report could not be read.")),
            403: OpenApiResponse(ErrorSerializer, description=_("Not a member of the workshop.")),
            413: OpenApiResponse(ErrorSerializer, description=_("The body is too large.")),
        },
    )
    def post(self, request):
        data = HardwareReportInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                result = hardware_report_ingest(user=request.user, **data.validated_data)
        except HardwarePermissionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except HardwareReportError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        body = HardwareReportOutSerializer(
            {
                "created": result.created,
                "warnings": result.warnings,
                "device": result.device,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)
