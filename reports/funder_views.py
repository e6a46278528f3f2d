from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from beneficiaries.enums import situations_for
from beneficiaries.models import AuditLog, FundingProgramme
from beneficiaries.privacy import audit
from core.db import reading_replica
from reports.funder import (
    FunderFilters,
    allocations_filtered,
    funder_report_fresh,
    territory_communes,
)
from reports.periods import Period, period_choices
from reports.views import job_page_redirect

from . import jobs as report_jobs


def _programmes(user):
    return FundingProgramme.objects.visible_to(user).select_related("funder")


def _years() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(y, y) for y in range(this_year, 2019, -1)]


class FunderFilterForm(forms.Form):
    """A whole calendar period: a year, or one of its quarters or months (reports/periods.py
    says why no free dates)."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, choices=_years)
    part = forms.ChoiceField(label=gettext_lazy("Period"), required=False, choices=period_choices)
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Funding programme"),
        required=False,
        queryset=FundingProgramme.objects.none(),
        empty_label=gettext_lazy("All my programmes"),
    )
    territory = forms.CharField(
        label=gettext_lazy("Territory"),
        required=False,
        max_length=10,
        help_text=gettext_lazy(
            "Commune INSEE code (92050), EPT or EPCI code (200057982) or department (D92)"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = _programmes(user)

    def clean(self):
        data = super().clean()
        if data.get("year"):
            part = data.get("part") or ""
            try:
                data["period"] = Period.parse(
                    f"{data['year']}-{part}" if part else str(data["year"])
                )
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        territory = (data.get("territory") or "").strip().upper()
        if territory:
            try:
                territory_communes(territory)
            except ValueError as exc:
                self.add_error("territory", str(exc))
        data["territory"] = territory
        return data

    def filters(self) -> FunderFilters:
        d = self.cleaned_data
        return FunderFilters.for_period(d["period"], d.get("programme"), d["territory"])


def _default_period() -> dict:
    return {"year": timezone.localdate().year, "part": ""}


@reading_replica()
def funder_report(request):
    permissions.require(request.user, "reports.read_funder")
    data = request.GET if "year" in request.GET else _default_period()
    form = FunderFilterForm(data, user=request.user)
    report = fresh = None
    if form.is_valid():
        # The figures of a whole period as last counted (a year's protection table takes
        # seconds at a department's volume): after a change, the previous ones with their time.
        d = form.cleaned_data
        fresh = funder_report_fresh(request.user, d["period"], d.get("programme"), d["territory"])
        report = fresh.value
    return render(
        request,
        "reports/funder.html",
        {
            "form": form,
            "report": report,
            "stale": fresh.stale if fresh else False,
            "charts": report.charts() if report else {},
            "staff": permissions.can(request.user, "reports.read_rows"),
            "query": report.filters.query() if report else "",
        },
    )


@require_POST
def funder_report_request(request):
    permissions.require(request.user, "reports.read_funder")
    form = FunderFilterForm(request.POST, user=request.user)
    fmt = request.POST.get("fmt", "pdf")
    if not form.is_valid() or fmt not in ("pdf", "csv", "xlsx"):
        messages.error(request, _("Check the period and the filters."))
        return redirect("beneficiaries:funder_report")
    f = form.filters()
    params = {
        "period": f.period.key,
        "programme": f.programme.pk if f.programme else None,
        "territory": f.territory,
    }
    job = report_jobs.report_job_create(kind="funder", fmt=fmt, user=request.user, params=params)
    return job_page_redirect(job)


@reading_replica()
def allocation_rows(request):
    """Staff only: the rows behind a figure of the funder report (same filters)."""
    permissions.require(request.user, "reports.read_rows")
    g = request.GET
    try:
        if not all(2000 <= date.fromisoformat(g[k]).year <= 2100 for k in ("from", "to")):
            raise ValueError(g["from"])
        filters = FunderFilters(
            date.fromisoformat(g["from"]),
            date.fromisoformat(g["to"]),
            FundingProgramme.objects.filter(pk=g.get("programme") or 0).first(),
            g.get("territory", ""),
        )
        rows = allocations_filtered(request.user, filters)
    except (KeyError, ValueError):
        raise PermissionDenied(_("Check the period and the filters.")) from None
    for key, lookup in [
        ("device_type", "device__device_type"),
        ("age_band", "person__age_band"),
    ]:
        if g.get(key):
            rows = rows.filter(**{lookup: g[key]})
    if g.get("situation"):  # one of La Coop's situations, as the report counts them
        rows = rows.filter(person__situation__in=situations_for(g["situation"]))
    if g.get("proof") == "none":
        rows = rows.filter(person__isnull=False, eligibility_check__isnull=True)
    elif g.get("proof"):
        rows = rows.filter(eligibility_check__kind__code=g["proof"])
    if g.get("category") == "people":
        rows = rows.filter(person__isnull=False)
    elif g.get("category") == "structures":
        rows = rows.filter(person__isnull=True)
    if g.get("exempted"):
        rows = rows.filter(exemption_reason__isnull=False)
    rows = rows.select_related("device", "person", "structure", "exemption_reason")
    if rows.filter(person__isnull=False).exists():
        audit(user=request.user, action=AuditLog.Action.ROWS, detail=request.GET.urlencode())
    return render(
        request,
        "reports/allocation_rows.html",
        {
            "rows": rows[:1000],
            "count": rows.count(),
        },
    )
