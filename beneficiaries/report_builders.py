"""The funder report as a background job (registered with inventory.report_jobs)."""

from datetime import date

from django.utils import timezone

from inventory.report_jobs import builder

from .models import FundingProgramme
from .reports import (
    FunderFilters,
    funder_report_build,
    funder_report_csv,
    funder_report_pdf,
    funder_report_xlsx,
)


def filters_from_params(params: dict) -> FunderFilters:
    programme = None
    if params.get("programme"):
        programme = FundingProgramme.objects.filter(pk=params["programme"]).first()
    return FunderFilters(
        date_from=date.fromisoformat(params["from"]),
        date_to=date.fromisoformat(params["to"]),
        programme=programme,
        territory=params.get("territory", ""),
    )


@builder("funder")
def build_funder(job, progress) -> tuple[bytes, str]:
    filters = filters_from_params(job.params)
    report = funder_report_build(user=job.requested_by, filters=filters)
    progress(50)
    stamp = f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
    render = {"pdf": funder_report_pdf, "csv": funder_report_csv, "xlsx": funder_report_xlsx}
    return render[job.fmt](report), f"rapport-financeur-{stamp}.{job.fmt}"


def last_month() -> tuple[date, date]:
    first_this = timezone.localdate().replace(day=1)
    last_prev = first_this.fromordinal(first_this.toordinal() - 1)
    return last_prev.replace(day=1), last_prev
