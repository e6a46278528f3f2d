"""A location's page (devices on it, scan to put away, stocktakes), the stocktake's page and
its report, and the shelf labels. Rules live in inventory/shelves.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import permissions
from core.exports import Sheet, xlsx_bytes
from core.pdf import pdf_response, render_pdf

from . import shelves
from .label_views import labels_response
from .models import Device, Location, Stocktake, StocktakeLine

SHOWN = 200


def _location(request, pk) -> Location:
    return get_object_or_404(
        Location.objects.visible_to(request.user).select_related("workshop"), pk=pk
    )


def location_detail(request, pk):
    location = _location(request, pk)
    devices = (
        Device.objects.visible_to(request.user)
        .filter(location=location)
        .order_by("asset_tag")
        .only("pk", "asset_tag", "manufacturer", "model", "status", "device_type")
    )
    return render(
        request,
        "inventory/location_detail.html",
        {
            "location": location,
            "devices": devices[:SHOWN],
            "count": devices.count(),
            "can_work": permissions.can(request.user, "inventory.work_on", location),
            "stocktakes": location.stocktakes.select_related("counted_by", "accepted_by")[:10],
        },
    )


def _scans_refused(request, exc: ValidationError) -> None:
    for message in exc.messages[:20]:
        messages.error(request, message)
    if len(exc.messages) > 20:
        messages.error(request, _("… and %(n)s more.") % {"n": len(exc.messages) - 20})


@require_POST
def location_put_away(request, pk):
    location = _location(request, pk)
    permissions.require(request.user, "inventory.work_on", location)
    try:
        moved = shelves.put_away(
            user=request.user, location=location, text=request.POST.get("scans", "")
        )
    except ValidationError as exc:
        _scans_refused(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s device put away on %(location)s.",
                "%(n)s devices put away on %(location)s.",
                moved,
            )
            % {"n": moved, "location": location},
        )
    return redirect(location)


@require_POST
def stocktake_create(request, pk):
    location = _location(request, pk)
    permissions.require(request.user, "inventory.work_on", location)
    try:
        stocktake = shelves.stocktake_record(
            user=request.user, location=location, text=request.POST.get("scans", "")
        )
    except ValidationError as exc:
        _scans_refused(request, exc)
        return redirect(location)
    return redirect(stocktake)


def _stocktake(request, pk) -> Stocktake:
    return get_object_or_404(
        Stocktake.objects.visible_to(request.user).select_related(
            "location", "workshop", "counted_by", "accepted_by"
        ),
        pk=pk,
    )


def _lines(stocktake: Stocktake) -> dict[str, list[StocktakeLine]]:
    grouped = {result: [] for result in StocktakeLine.Result.values}
    for line in stocktake.lines.select_related("device", "recorded_location"):
        grouped[line.result].append(line)
    return grouped


def stocktake_detail(request, pk):
    stocktake = _stocktake(request, pk)
    lines = _lines(stocktake)
    return render(
        request,
        "inventory/stocktake_detail.html",
        {
            "stocktake": stocktake,
            "found": lines["found"],
            "missing": lines["missing"],
            "unexpected": lines["unexpected"],
            "can_accept": stocktake.accepted_at is None
            and permissions.can(request.user, "inventory.accept_stocktake", stocktake),
        },
    )


@require_POST
def stocktake_accept(request, pk):
    stocktake = _stocktake(request, pk)
    permissions.require(request.user, "inventory.accept_stocktake", stocktake)
    try:
        moved = shelves.stocktake_accept(user=request.user, stocktake=stocktake)
    except ValidationError as exc:
        _scans_refused(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "Stocktake accepted: %(n)s movement recorded.",
                "Stocktake accepted: %(n)s movements recorded.",
                moved,
            )
            % {"n": moved},
        )
    return redirect(stocktake)


def stocktake_export(request, pk, fmt):
    stocktake = _stocktake(request, pk)
    lines = _lines(stocktake)
    name = f"inventaire-{stocktake.pk}-{stocktake.counted_at:%Y%m%d}"
    if fmt == "pdf":
        data = render_pdf(
            "inventory/stocktake_pdf.html",
            {"stocktake": stocktake, **lines},
        )
        return pdf_response(data, f"{name}.pdf", inline=False)
    labels_ = dict(StocktakeLine.Result.choices)
    header = [_("Result"), _("Asset tag"), _("Serial number"), _("Model"), _("Recorded at")]
    rows = [
        [
            str(labels_[line.result]),
            line.device.asset_tag,
            line.device.serial_number,
            " ".join(p for p in (line.device.manufacturer, line.device.model) if p),
            str(line.recorded_location or _("No location")),
        ]
        for result in ("missing", "unexpected", "found")
        for line in lines[result]
    ]
    response = HttpResponse(
        xlsx_bytes([Sheet(str(stocktake)[:31], [header, *rows])]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def shelf_labels(request):
    """The shelf labels of the user's workshops (or of one location)."""
    permissions.require(request.user, "inventory.log")
    locations = Location.objects.visible_to(request.user).select_related("workshop")
    if request.GET.get("location"):
        locations = locations.filter(pk__in=[_int(request.GET["location"])])
    locations = list(locations.order_by("workshop__name", "zone", "shelf")[:500])
    if not locations:
        messages.warning(request, _("No location yet."))
        return redirect("inventory:location_list")
    return labels_response(request, locations=locations, name="etiquettes-emplacements")


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 12 else 0
