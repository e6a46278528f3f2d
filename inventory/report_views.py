from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import report_jobs
from .models import ReportJob
from .reports import stock_report_build


def _may_read_stock(user) -> bool:
    return user.is_coordinator or user.is_workshop_staff


def stock_report(request):
    if not _may_read_stock(request.user):
        raise PermissionDenied(_("The stock report is for workshops and the coordination."))
    report = stock_report_build(user=request.user)
    return render(
        request,
        "inventory/reports/stock.html",
        {
            "report": report,
            "charts": report.charts(),
            "jobs": ReportJob.objects.visible_to(request.user).filter(kind="stock")[:5],
        },
    )


@require_POST
def stock_report_request(request):
    if not _may_read_stock(request.user):
        raise PermissionDenied(_("The stock report is for workshops and the coordination."))
    fmt = request.POST.get("fmt", "pdf")
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    job = report_jobs.report_job_create(kind="stock", fmt=fmt, user=request.user)
    messages.info(request, _("The report is being built."))
    return redirect("inventory:report_job", pk=job.pk)


def report_job(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    template = (
        "inventory/reports/includes/job_status.html"
        if request.htmx
        else "inventory/reports/job.html"
    )
    return render(request, template, {"job": job})


def report_job_file(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type=report_jobs.CONTENT_TYPES[job.fmt],
    )
