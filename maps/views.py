"""The map page, its layers' GeoJSON, the fragility import, and the public map."""

from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts import permissions
from beneficiaries.geography import fragility_import
from beneficiaries.models import FragilityImport, PublicMapSwitch
from core.charts import scatter_chart
from core.uploads import check_upload_size, read_upload

from . import layers

YEARS_BACK = 6


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    return year if this_year - YEARS_BACK <= year <= this_year else this_year


def _geojson(data: dict) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"separators": (",", ":")})
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "private, max-age=60"
    return response


def map_page(request):
    permissions.require(request.user, "map.read")
    year = _year(request)
    commune_layers, fresh = layers.commune_figures_fresh(request.user, year)
    rows = fresh.value
    structures = layers.structures(request.user)
    fair = layers.fairness(rows) if permissions.can(request.user, "map.read_fairness") else []
    return render(
        request,
        "maps/map.html",
        {
            "year": year,
            "years": range(
                timezone.localdate().year, timezone.localdate().year - YEARS_BACK - 1, -1
            ),
            "layers": commune_layers,
            "rows": rows,
            "figures_stale": fresh.stale,
            "figures_at": datetime.fromtimestamp(fresh.computed_at, tz=UTC),
            "structures": structures,
            "statuses": layers.structure_status_labels(),
            "tile_url": settings.FILIERE_MAP_TILE_URL,
            "tile_attribution": settings.FILIERE_MAP_TILE_ATTRIBUTION,
            "fairness": fair,
            "fairness_chart": scatter_chart(
                [(r["name"], r["fragility"], r["per_1000"]) for r in fair],
                x_label=_("Digital-fragility index"),
                y_label=_("per 1,000 inhabitants"),
                title=_("Devices handed over per 1,000 inhabitants against the fragility index"),
            ),
            "can_structures": permissions.can(request.user, "map.read_structures"),
            "can_import": permissions.can(request.user, "map.import_fragility"),
            "can_switch": permissions.can(request.user, "map.switch_public"),
            "public_on": PublicMapSwitch.is_on(),
            "fragility": FragilityImport.objects.order_by("-imported_at", "-id").first(),
        },
    )


def communes_data(request):
    permissions.require(request.user, "map.read")
    return _geojson(layers.communes_geojson(request.user, _year(request)))


def structures_data(request):
    permissions.require(request.user, "map.read_structures")
    response = HttpResponse(
        layers.structures_geojson_bytes(request.user), content_type="application/geo+json"
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


class FragilityForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "INSEE code and score, separated by “;” or “,”; a third column may give the share "
            "of the population in priority neighbourhoods (QPV), in percent."
        ),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        check_upload_size(f, "MEDNUM_CSV_MAX_BYTES")
        return f


def fragility(request):
    permissions.require(request.user, "map.import_fragility")
    form = FragilityForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = read_upload(upload)
            source = fragility_import(content=content, filename=upload.name, user=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                ngettext(
                    "Fragility index imported for %(n)s commune.",
                    "Fragility index imported for %(n)s communes.",
                    source.rows,
                )
                % {"n": source.rows},
            )
            return redirect("maps:map")
    return render(
        request,
        "maps/fragility.html",
        {"form": form, "errors": errors, "imports": FragilityImport.objects.all()[:10]},
    )


@require_POST
def public_switch(request):
    permissions.require(request.user, "map.switch_public")
    enabled = request.POST.get("enabled") == "1"
    PublicMapSwitch.objects.create(enabled=enabled, changed_by=request.user)
    messages.success(
        request, _("The public map is now shown.") if enabled else _("The public map is now off.")
    )
    return redirect("maps:map")


@login_not_required
def public_map(request):
    if not PublicMapSwitch.is_on():
        raise Http404(_("The public map is off."))
    return render(request, "maps/public.html", {"structures": layers.public_structures()})
