"""The tariff grid and its exemptions, in the app: the coordinator sets them (services in
beneficiaries.allocations), the structures read them at the front desk."""

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import permissions
from inventory.enums import DeviceType, Grade

from . import allocations
from .enums import PUBLIC_BODY_PRICE_CAPS, ExemptionGrantor
from .models import ExemptionReason, Tariff


class ExemptionReasonForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200)
    granted_by = forms.ChoiceField(
        label=gettext_lazy("Who may grant it"), choices=ExemptionGrantor.choices
    )


def _cell_name(device_type: str, grade: str) -> str:
    return f"amount-{device_type}-{grade}"


AMOUNT = re.compile(r"\d{1,5}(?:[.,]\d{1,2})?")


def _parse_amount(raw: str) -> Decimal | None:
    """'40', '40,5', '40.50 €', '1 000,00' → Decimal; '' → None; anything else raises."""
    text = raw.replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        return None
    if not AMOUNT.fullmatch(text):
        raise ValueError(raw)
    return Decimal(text.replace(",", "."))


def tariffs(request):
    user = request.user
    if not (user.is_coordinator or user.is_mediation_staff or user.is_workshop_staff):
        raise PermissionDenied(_("The tariff grid is for the coordination and the structures."))
    may_set = permissions.can(user, "tariffs.set")
    grades = [g for g, _label in Grade.choices]
    current = {(t.device_type, t.grade): t.amount for t in Tariff.objects.all()}
    errors: list[str] = []
    submitted: dict[str, str] = {}
    reason_form = ExemptionReasonForm(prefix="reason") if may_set else None
    if request.method == "POST":
        permissions.require(user, "tariffs.set")
        if "reason-label" in request.POST:
            reason_form = ExemptionReasonForm(request.POST, prefix="reason")
            if reason_form.is_valid():
                try:
                    allocations.exemption_reason_add(user=user, **reason_form.cleaned_data)
                except ValidationError as exc:
                    reason_form.add_error(None, exc)
                else:
                    messages.success(request, _("Exemption added."))
                    return redirect("beneficiaries:tariffs")
        else:
            amounts = {}
            for device_type, _label in DeviceType.choices:
                for grade in grades:
                    raw = request.POST.get(_cell_name(device_type, grade), "")
                    submitted[_cell_name(device_type, grade)] = raw
                    try:
                        amounts[(device_type, grade)] = _parse_amount(raw)
                    except ValueError:
                        errors.append(
                            _("%(cell)s: « %(value)s » is not an amount in euros.")
                            % {"cell": f"{DeviceType(device_type).label} {grade}", "value": raw}
                        )
            if not errors:
                try:
                    changed = allocations.tariff_grid_set(amounts=amounts, user=user)
                except ValidationError as exc:
                    errors.extend(exc.messages)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Tariff grid saved: %(n)s amount changed.",
                            "Tariff grid saved: %(n)s amounts changed.",
                            changed,
                        )
                        % {"n": changed},
                    )
                    return redirect("beneficiaries:tariffs")
    rows = []
    for device_type, label in DeviceType.choices:
        cap = PUBLIC_BODY_PRICE_CAPS.get(device_type, PUBLIC_BODY_PRICE_CAPS["other"])
        cells = []
        for grade in grades:
            name = _cell_name(device_type, grade)
            amount = current.get((device_type, grade))
            shown = (
                submitted.get(name)
                if submitted
                else (formats.number_format(amount, 2) if amount is not None else "")
            )
            cells.append({"grade": grade, "name": name, "amount": amount, "value": shown})
        rows.append({"type": device_type, "label": label, "cap": cap, "cells": cells})
    return render(
        request,
        "beneficiaries/tariffs.html",
        {
            "rows": rows,
            "grades": Grade.choices,
            "may_set": may_set,
            "errors": errors,
            "reasons": ExemptionReason.objects.order_by("label"),
            "reason_form": reason_form,
        },
    )
