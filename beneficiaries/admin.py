from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import allocations
from .models import (
    Allocation,
    Commune,
    DeviceTraining,
    EligibilityCriterion,
    ExemptionReason,
    Order,
    Person,
    Structure,
    Tariff,
    Territory,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    """The grid goes through the service, which refuses amounts above the legal caps."""

    list_display = ["device_type", "grade", "amount"]

    def save_model(self, request, obj, form, change):
        try:
            allocations.tariff_set(
                device_type=obj.device_type, grade=obj.grade, amount=obj.amount, user=request.user
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)


class TrainingModuleInline(admin.TabularInline):
    model = TrainingModule
    extra = 1


@admin.register(TrainingProgramme)
class TrainingProgrammeAdmin(admin.ModelAdmin):
    inlines = [TrainingModuleInline]
    list_display = ["title", "duration_hours"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["organisation", "commune", "in_qpv", "updated_on"]
    list_filter = ["in_qpv"]
    search_fields = ["organisation__name", "mednum_id"]
    raw_id_fields = ["commune"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code_insee", "name", "department", "epci", "ept"]
    list_filter = ["department"]
    search_fields = ["code_insee", "name"]
    show_full_result_count = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "structure", "status", "workshop", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["status"]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["device", "structure", "person", "charge", "handed_over_at", "returned_at"]
    raw_id_fields = ["device", "person", "order_line", "replaces", "waiver"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Territory)
admin.site.register(EligibilityCriterion)
admin.site.register(ExemptionReason)
admin.site.register(DeviceTraining)
admin.site.register(TrainingSession)
admin.site.register(Person, list_display=["__str__", "structure", "age_band", "created_at"])
