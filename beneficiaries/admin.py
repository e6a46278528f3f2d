from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import allocations
from .enums import CoopTheme
from .models import (
    Allocation,
    AuditLog,
    Commune,
    DeviceTraining,
    EligibilityCriterion,
    EligibilityProofKind,
    ExemptionReason,
    Order,
    OrderEvent,
    OrderStep,
    Person,
    Structure,
    Tariff,
    Territory,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
)
from .privacy import audit


class AuditedAdmin(admin.ModelAdmin):
    """Admin pages that show people's names write to the access log, as the screens do: one
    line per list shown (not per person; a search's words are not copied, they may be a
    name), one per object page with the person it names."""

    def audited_person_id(self, obj) -> int | None:
        return None

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            searched = " search" if request.GET.get("q") else ""
            detail = f"admin {self.model._meta.model_name} list{searched}"
            audit(user=request.user, action=AuditLog.Action.VIEW, detail=detail)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # The page's own object: no second query for it.
            obj = getattr(response, "context_data", {}).get("original")
            if obj is not None:
                audit(
                    user=request.user,
                    action=AuditLog.Action.VIEW,
                    person_id=self.audited_person_id(obj),
                    detail=f"admin {self.model._meta.model_name} {obj.pk}",
                )
        return response


class TariffForm(forms.ModelForm):
    class Meta:
        model = Tariff
        fields = ["device_type", "grade", "amount"]

    def clean(self):
        data = super().clean()
        if data.get("device_type") and data.get("amount") is not None:
            try:
                allocations.tariff_check(device_type=data["device_type"], amount=data["amount"])
            except ValidationError as exc:
                self.add_error("amount", exc)
        return data


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    """The grid refuses amounts above the legal caps (same check as the service)."""

    form = TariffForm
    list_display = ["device_type", "grade", "amount"]


class TrainingModuleInline(admin.TabularInline):
    model = TrainingModule
    extra = 1


class TrainingProgrammeForm(forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label=_("themes (La Coop)"),
        choices=CoopTheme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The categories of La Coop de la médiation numérique."),
    )

    class Meta:
        model = TrainingProgramme
        fields = ["title", "description", "duration_hours", "themes"]


@admin.register(TrainingProgramme)
class TrainingProgrammeAdmin(admin.ModelAdmin):
    form = TrainingProgrammeForm
    inlines = [TrainingModuleInline]
    list_display = ["title", "duration_hours"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["organisation", "commune", "in_qpv", "serves_precarity", "updated_on"]
    list_filter = ["in_qpv", "serves_precarity"]
    search_fields = ["organisation__name", "mednum_id"]
    raw_id_fields = ["commune"]


@admin.register(EligibilityProofKind)
class EligibilityProofKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active", "order"]
    list_filter = ["active"]

    def has_delete_permission(self, request, obj=None):
        return False  # turned off instead: the proofs recorded with a kind name it


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code_insee", "name", "department", "epci", "ept"]
    list_filter = ["department"]
    search_fields = ["code_insee", "name"]
    show_full_result_count = False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ["at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderStepInline(OrderEventInline):
    model = OrderStep
    fields = ["at", "actor", "kind", "device", "note"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(AuditedAdmin):
    """Read-only: every step is taken on the order page, through beneficiaries.orders (its
    permission and its log row); an edit here would bypass both."""

    list_display = ["reference", "structure", "status", "workshop", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["status"]
    inlines = [OrderEventInline, OrderStepInline]

    def audited_person_id(self, obj):
        named = {pk for pk in obj.lines.values_list("person_id", flat=True) if pk}
        return next(iter(named)) if len(named) == 1 else None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(AuditedAdmin):
    list_display = ["device", "structure", "person", "charge", "handed_over_at", "returned_at"]
    raw_id_fields = [
        "device",
        "person",
        "order_line",
        "replaces",
        "waiver",
        "reassigned_from",
        "limit_override",
    ]

    def audited_person_id(self, obj):
        return obj.person_id

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Territory)
admin.site.register(EligibilityCriterion)
admin.site.register(ExemptionReason)
admin.site.register(DeviceTraining)
admin.site.register(TrainingSession)


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["__str__", "structure", "age_band", "created_at"]
    search_fields = ["last_name", "first_name", "reference"]

    def audited_person_id(self, obj):
        return obj.pk


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the application, never by hand."""

    list_display = ["at", "username", "organisation", "action", "person", "detail"]
    list_filter = ["action", "organisation"]
    search_fields = ["username", "detail"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
