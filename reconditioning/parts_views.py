"""The spare-parts catalogue and stock of a workshop, in the app: its staff read it, its
manager adds parts and records purchases and inventory adjustments (reconditioning.services)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from core.sorting import sort_for

from . import services
from .enums import PartMovementKind
from .models import SparePart

PART_SORTS = {
    "name": Lower("name"),
    "category": (Lower("category"), Lower("name")),
    "quantity": "quantity",
    "workshop": (Lower("workshop__name"), Lower("name")),
}


class PartForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    category = forms.CharField(
        label=gettext_lazy("Category"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("e.g. RAM, SSD, battery, charger, screen"),
    )


class StockChangeForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Movement"),
        choices=[
            (PartMovementKind.PURCHASE, PartMovementKind.PURCHASE.label),
            (PartMovementKind.ADJUST, PartMovementKind.ADJUST.label),
        ],
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=-10000,
        max_value=10000,
        help_text=gettext_lazy("Positive when parts come in, negative when they go out."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note or reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Required for an adjustment, e.g. “counted 3 on the shelf”."),
    )


def _managed_workshop(request):
    workshop = request.user.default_workshop()
    if workshop is None or not permissions.can(
        request.user, "parts.manage", SparePart(workshop=workshop)
    ):
        return None
    return workshop


def part_list(request):
    parts = SparePart.objects.visible_to(request.user).select_related("workshop")
    if not (request.user.is_coordinator or request.user.is_workshop_staff):
        raise PermissionDenied(_("The spare parts are for the workshops and the coordination."))
    sort = sort_for(request, PART_SORTS, "category")
    workshop = _managed_workshop(request)
    form = PartForm(request.POST or None) if workshop else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only the workshop's manager manages its spare parts."))
        if form.is_valid():
            try:
                part = services.part_create(
                    workshop=workshop, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Part “%(part)s” added.") % {"part": part.name})
                return redirect("reconditioning:part_detail", pk=part.pk)
    return render(
        request,
        "reconditioning/part_list.html",
        {"parts": sort.apply(parts), "sort": sort, "form": form},
    )


def part_detail(request, pk):
    part = get_object_or_404(
        SparePart.objects.visible_to(request.user).select_related("workshop"), pk=pk
    )
    may_manage = permissions.can(request.user, "parts.manage", part)
    form = StockChangeForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        permissions.require(request.user, "parts.manage", part)
        if form.is_valid():
            try:
                services.part_stock_change(part=part, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Stock change recorded."))
                return redirect("reconditioning:part_detail", pk=part.pk)
    movements = part.movements.select_related("by", "source_device", "repair__device").order_by(
        "-id"
    )[:200]
    return render(
        request,
        "reconditioning/part_detail.html",
        {"part": part, "movements": movements, "form": form},
    )
