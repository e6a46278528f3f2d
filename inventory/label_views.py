"""Labels in the workstation's format (A4 PDF sheet, Zebra ZPL, Brother QL), for a device, a
batch, a selection of devices or shelves; and the workstation's printer settings."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from core.pdf import pdf_response

from . import labels, printing
from .models import Device

MAX_LABELS = 500
YEAR = 365 * 24 * 3600


def labels_response(request, *, devices=(), locations=(), name: str) -> HttpResponse:
    fmt = printing.printer_of(request)
    if fmt == "pdf":
        if locations:
            return pdf_response(labels.shelf_label_sheet_pdf(locations), f"{name}.pdf")
        if len(devices) == 1:
            return pdf_response(labels.label_pdf(devices[0]), f"{name}.pdf")
        return pdf_response(labels.label_sheet_pdf(devices), f"{name}.pdf")
    render_labels, content_type, extension = printing.RENDERERS[fmt]
    items = [printing.shelf_label(loc) for loc in locations]
    items += [printing.device_label(d) for d in devices]
    response = HttpResponse(render_labels(items), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@require_POST
def labels_selection(request):
    """The labels of the devices ticked in a list (not only a whole batch)."""
    ids = [int(v) for v in request.POST.getlist("devices") if v.isdigit() and len(v) < 12]
    devices = list(
        Device.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .order_by("asset_tag")[:MAX_LABELS]
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if not devices:
        messages.warning(request, _("Select at least one device."))
        return redirect(back or "inventory:device_list")
    return labels_response(request, devices=devices, name="etiquettes-selection")


class PrinterForm(forms.Form):
    printer = forms.ChoiceField(
        label=gettext_lazy("Label printer of this workstation"),
        choices=list(printing.PRINTERS.items()),
        widget=forms.RadioSelect,
    )
    print_on_intake = forms.BooleanField(
        label=gettext_lazy("Print each device's label as soon as it is logged at intake"),
        required=False,
    )


def printer_settings(request):
    """Per workstation (a cookie of this browser), not per user: the printer is on the desk."""
    permissions.require(request.user, "inventory.log")
    if request.method == "POST":
        form = PrinterForm(request.POST)
        if form.is_valid():
            response = redirect("inventory:printer_settings")
            response.set_cookie(
                printing.PRINTER_COOKIE,
                form.cleaned_data["printer"],
                max_age=YEAR,
                samesite="Lax",
                secure=request.is_secure(),
                httponly=True,
            )
            response.set_cookie(
                printing.PRINT_ON_INTAKE_COOKIE,
                "1" if form.cleaned_data["print_on_intake"] else "0",
                max_age=YEAR,
                samesite="Lax",
                secure=request.is_secure(),
                httponly=True,
            )
            messages.success(request, _("This workstation's printer is saved."))
            return response
    else:
        form = PrinterForm(
            initial={
                "printer": printing.printer_of(request),
                "print_on_intake": request.COOKIES.get(printing.PRINT_ON_INTAKE_COOKIE) == "1",
            }
        )
    return render(request, "inventory/printer_settings.html", {"form": form})
