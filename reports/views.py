from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from beneficiaries import privacy
from beneficiaries.models import Allocation, AuditLog
from core.pdf import pdf_response
from inventory.models import CollectionBatch, Device, Donor

from . import certificates, documents, donor
from . import jobs as report_jobs
from .models import ReportJob
from .stock import stock_report_build


def stock_report(request):
    permissions.require(request.user, "reports.read_stock")
    report = stock_report_build(user=request.user)
    return render(
        request,
        "reports/stock.html",
        {
            "report": report,
            "charts": report.charts(),
            "jobs": ReportJob.objects.visible_to(request.user).filter(kind="stock")[:5],
        },
    )


@require_POST
def stock_report_request(request):
    permissions.require(request.user, "reports.read_stock")
    fmt = request.POST.get("fmt", "pdf")
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    job = report_jobs.report_job_create(kind="stock", fmt=fmt, user=request.user)
    messages.info(request, _("The report is being built."))
    return redirect("inventory:report_job", pk=job.pk)


def report_job(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    template = "reports/includes/job_status.html" if request.htmx else "reports/job.html"
    done = job.status == ReportJob.Status.DONE and bool(job.file)
    downloadable = done and report_jobs.report_job_still_allowed(job)
    return render(
        request,
        template,
        {"job": job, "downloadable": downloadable, "withdrawn": done and not downloadable},
    )


def report_job_file(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404
    # A document about a batch or a donor: only while its requester may still read it.
    if not report_jobs.report_job_still_allowed(job):
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type=report_jobs.CONTENT_TYPES[job.fmt],
    )


# Documents: each one is built for what the user may see.


def _batch_for(request, pk) -> CollectionBatch:
    return get_object_or_404(
        CollectionBatch.objects.visible_to(request.user).select_related("donor", "workshop"),
        pk=pk,
    )


def batch_donor_report(request, pk):
    """What became of the batch: readable by the donor's own account."""
    batch = _batch_for(request, pk)
    return pdf_response(donor.donor_batch_report_pdf(batch), f"devenir-{batch.reference}.pdf")


def batch_donation_receipt(request, pk):
    batch = _batch_for(request, pk)
    if batch.donor.kind != Donor.Kind.COMPANY:
        # Article 238 bis concerns companies; public bodies get the reuse statement instead.
        messages.warning(
            request, _("A donation receipt (article 238 bis of the CGI) is for companies only.")
        )
        return redirect(batch)
    return pdf_response(donor.donation_receipt_pdf(batch), f"recu-don-{batch.reference}.pdf")


def donor_year_report(request, pk, year):
    if not 2000 <= year <= 2100:
        raise Http404
    the_donor = get_object_or_404(Donor.objects.visible_to(request.user), pk=pk)
    batches = (
        CollectionBatch.objects.visible_to(request.user)
        .filter(donor=the_donor, collected_on__year=year)
        .order_by("collected_on")
    )
    return pdf_response(
        donor.donor_year_report_pdf(the_donor, year, batches), f"reemploi-{year}-{the_donor.pk}.pdf"
    )


def device_certificate(request, pk):
    device = get_object_or_404(Device.objects.visible_to(request.user), pk=pk)
    pdf = certificates.device_certificate_pdf(device)
    return pdf_response(pdf, f"certificat-effacement-{device.asset_tag}.pdf")


def batch_certificate(request, pk):
    batch = get_object_or_404(CollectionBatch.objects.visible_to(request.user), pk=pk)
    pdf = certificates.batch_certificate_pdf(batch, user=request.user)
    return pdf_response(pdf, f"certificat-effacement-{batch.reference}.pdf")


def _allocation_for(request, pk) -> Allocation:
    return get_object_or_404(
        Allocation.objects.visible_to(request.user).select_related("device", "person", "structure"),
        pk=pk,
    )


def receipt(request, pk, payment_pk):
    allocation = _allocation_for(request, pk)
    payment = get_object_or_404(allocation.payments, pk=payment_pk)
    if allocation.person_id:
        privacy.audit(
            user=request.user,
            action=AuditLog.Action.VIEW,
            person=allocation.person,
            detail=f"receipt {payment.receipt_number}",
        )
    return pdf_response(documents.receipt_pdf(payment), f"recu-{payment.receipt_number}.pdf")


def handover_document(request, pk):
    allocation = _allocation_for(request, pk)
    if allocation.person_id:
        privacy.audit(
            user=request.user,
            action=AuditLog.Action.VIEW,
            person=allocation.person,
            detail="handover document",
        )
    return pdf_response(
        documents.handover_pdf(allocation), f"remise-{allocation.device.asset_tag}.pdf"
    )
