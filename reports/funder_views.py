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
from beneficiaries.models import AuditLog, FundingProgramme
from beneficiaries.privacy import audit
from reports.funder import (
    FunderFilters,
    allocations_filtered,
    funder_report_build,
    territory_communes,
)

from . import jobs as report_jobs

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _programmes(user):
    return FundingProgramme.objects.visible_to(user).select_related("funder")


class FunderFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    date_to = forms.DateField(label=gettext_lazy("To"), widget=DATE)
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
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        for value in (start, end):
            if value and not 2000 <= value.year <= 2100:
                raise forms.ValidationError(_("Choose a period between 2000 and 2100."))
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
        return FunderFilters(d["date_from"], d["date_to"], d.get("programme"), d["territory"])


def _default_period() -> dict:
    today = timezone.localdate()
    return {"date_from": date(today.year, 1, 1), "date_to": today}


def funder_report(request):
    permissions.require(request.user, "reports.read_funder")
    data = request.GET if "date_from" in request.GET else _default_period()
    form = FunderFilterForm(data, user=request.user)
    report = None
    if form.is_valid():
        report = funder_report_build(user=request.user, filters=form.filters())
    return render(
        request,
        "reports/funder.html",
        {
            "form": form,
            "report": report,
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
        "from": f.date_from.isoformat(),
        "to": f.date_to.isoformat(),
        "programme": f.programme.pk if f.programme else None,
        "territory": f.territory,
    }
    job = report_jobs.report_job_create(kind="funder", fmt=fmt, user=request.user, params=params)
    return redirect("inventory:report_job", pk=job.pk)


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
        ("situation", "person__situation"),
    ]:
        if g.get(key):
            rows = rows.filter(**{lookup: g[key]})
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
