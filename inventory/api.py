from django import forms
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import BIGINT_MAX, IdCursorPagination
from core.parsers import SafeJSONParser
from core.uploads import too_large_message

from .enums import DeviceStatus, DeviceType
from .hardware import HardwareReportError
from .hardware_ingest import HardwarePermissionError, hardware_report_ingest, held_message
from .models import CollectionBatch, Device, StorageDrive


class StorageDriveSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageDrive
        fields = ["kind", "capacity_gb", "model", "serial_number", "smart_passed", "power_on_hours"]


class DeviceSerializer(serializers.ModelSerializer):
    batch = serializers.CharField(source="batch.reference", read_only=True)
    # A device not shelved yet has no location: null, as the schema says.
    location = serializers.CharField(read_only=True, allow_null=True)
    # The list's prefetched row_drives when there (DeviceQuerySet.with_row_drives).
    drives = StorageDriveSerializer(many=True, read_only=True, source="drive_rows")
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
            "weight_kg",
            "batch",
            "location",
            "is_virtual",
            "created_at",
            "updated_at",
        ]


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(filters.NumberFilter):
    """A row's id: a whole number the database can hold ("1e5", "0" or a 400-digit number is
    refused with the reason, not matched against nothing or sent to the database)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class DeviceApiFilter(filters.FilterSet):
    # The status is the device's own column: no join can repeat a row, and django-filter's
    # default DISTINCT made PostgreSQL sort the scope before the page (74 ms at 1M devices).
    status = filters.MultipleChoiceFilter(choices=DeviceStatus.choices, distinct=False)
    device_type = filters.ChoiceFilter(choices=DeviceType.choices)
    serial_number = filters.CharFilter(lookup_expr="iexact")
    batch = IdFilter(field_name="batch_id")

    class Meta:
        model = Device
        fields = ["status", "device_type", "serial_number", "batch"]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


NOT_AUTHENTICATED = OpenApiResponse(ErrorSerializer, description=_("No valid token or session."))
FORBIDDEN = OpenApiResponse(ErrorSerializer, description=_("Not allowed for this account."))


class DevicePagination(IdCursorPagination):
    """A page_size that is not a whole number is refused, not silently replaced by 50."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None:
            try:
                valid = int(raw) >= 1
            except ValueError:
                valid = False
            if not valid:
                raise exceptions.ValidationError(
                    {self.page_size_query_param: [_("Give a whole number of at least 1.")]}
                )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                # Larger than max_page_size is served as max_page_size.
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


@extend_schema_view(
    list=extend_schema(
        responses={
            200: DeviceSerializer(many=True),
            400: OpenApiResponse(description=_("A filter value is not valid.")),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorSerializer, description=_("The cursor is not valid.")),
        }
    ),
    retrieve=extend_schema(
        responses={
            200: DeviceSerializer,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorSerializer, description=_("No such device visible.")),
        }
    ),
)
class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Devices of the caller's organisations, newest first (cursor pagination)."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceApiFilter
    pagination_class = DevicePagination
    ordering = "-id"
    # Any id reaches the view, which answers a JSON 404, not the site's HTML page.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return (
            Device.objects.visible_to(self.request.user)
            .select_related("batch", "location")
            .with_row_drives()
        )


@extend_schema_field({"oneOf": [{"type": "object"}, {"type": "array"}, {"type": "string"}]})
class LshwField(serializers.JSONField):
    """The parsed JSON of lshw, or its raw text (which may start with lshw's warning line)."""


class HardwareReportInSerializer(serializers.Serializer):
    lshw = LshwField(
        help_text=_("The output of `lshw -json` (or the text of `dmidecode`, which has no drives).")
    )
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
    held = serializers.BooleanField(default=False)
    warnings = serializers.ListField(child=serializers.CharField())
    device = DeviceSerializer()


class DifferenceSerializer(serializers.Serializer):
    field = serializers.CharField()
    current = serializers.CharField()
    reported = serializers.CharField()


class HardwareReportHeldSerializer(serializers.Serializer):
    held = serializers.BooleanField()
    detail = serializers.CharField()
    pending_report = serializers.IntegerField()
    differences = DifferenceSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    device = DeviceSerializer(help_text=_("The device as it is, unchanged."))


class ReportTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class HardwareReportParser(SafeJSONParser):
    """JSON only, and no larger than HARDWARE_REPORT_MAX_BYTES: refused before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
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


class HardwareReportView(APIView):
    """A workshop machine posts what lshw/smartctl say; the device is found or created."""

    parser_classes = [HardwareReportParser]

    @extend_schema(
        request=HardwareReportInSerializer,
        responses={
            200: HardwareReportOutSerializer,
            201: HardwareReportOutSerializer,
            202: OpenApiResponse(
                HardwareReportHeldSerializer,
                description=_(
                    "The report would change the device's manufacturer, model or number of "
                    "drives: held for a technician's confirmation, nothing applied."
                ),
            ),
            400: OpenApiResponse(description=_("The report could not be read.")),
            401: NOT_AUTHENTICATED,
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
        if result.held:
            body = HardwareReportHeldSerializer(
                {
                    "held": True,
                    "detail": held_message(result.pending),
                    "pending_report": result.pending.pk,
                    "differences": result.pending.differences,
                    "warnings": result.warnings,
                    "device": result.device,
                }
            ).data
            return Response(body, status=status.HTTP_202_ACCEPTED)
        body = HardwareReportOutSerializer(
            {
                "created": result.created,
                "held": False,
                "warnings": result.warnings,
                "device": result.device,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)
