from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from beneficiaries import privacy
from beneficiaries.models import Allocation, AuditLog, Order
from core.db import reading_replica
from core.pagination import capped_count
from core.pdf import pdf_response
from inventory.filters import device_filter_params, devices_filtered
from inventory.models import CollectionBatch, Device, Donor

from . import certificates, documents, donor
from . import jobs as report_jobs
from .models import ReportJob
from .stock import stock_report_fresh


@reading_replica()
def stock_report(request):
    permissions.require(request.user, "reports.read_stock")
    fresh = stock_report_fresh(request.user)
    report = fresh.value
    return render(
        request,
        "reports/stock.html",
        {
            "report": report,
            "stale": fresh.stale,
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
    return job_page_redirect(job)


# On the job's page reached right after asking for the file, the file downloads by itself
# once ready (app.js): asking was the click, a second one on "Download" was asked for nothing.
AUTO_DOWNLOAD = "telecharger"


def job_page_redirect(job):
    return redirect(f"{reverse('inventory:report_job', args=[job.pk])}?{AUTO_DOWNLOAD}=1")


def report_job(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    template = "reports/includes/job_status.html" if request.htmx else "reports/job.html"
    done = job.status == ReportJob.Status.DONE and bool(job.file)
    downloadable = done and report_jobs.report_job_still_allowed(job)
    return render(
        request,
        template,
        {
            "job": job,
            "downloadable": downloadable,
            "withdrawn": done and not downloadable,
            "auto_download": request.GET.get(AUTO_DOWNLOAD) == "1",
        },
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


# Documents: each one is built for what the user may see. Past a size (settings.FILIERE_SYNC_*)
# the same address starts a report job and sends to its page (progress bar, then the file).


def _too_long(queryset, limit: int) -> bool:
    return capped_count(queryset, limit)[1]


def _as_job(request, *, kind: str, params: dict, message: str, fmt: str = "pdf"):
    job, _created = report_jobs.report_job_follow_or_create(
        kind=kind, fmt=fmt, user=request.user, params=params
    )
    messages.info(request, message)
    return job_page_redirect(job)


def _long_document(request, *, kind: str, params: dict):
    limit = settings.FILIERE_SYNC_DOCUMENT_MAX_DEVICES
    message = _(
        "This document covers more than %(limit)s devices: it is being prepared in the "
        "background. Download it from this page once it is ready."
    ) % {"limit": number_format(limit, force_grouping=True)}
    return _as_job(request, kind=kind, params=params, message=message)


def _batch_for(request, pk) -> CollectionBatch:
    return get_object_or_404(
        CollectionBatch.objects.visible_to(request.user).select_related("donor", "workshop"),
        pk=pk,
    )


def batch_donor_report(request, pk):
    """What became of the batch: readable by the donor's own account."""
    batch = _batch_for(request, pk)
    if _too_long(Device.objects.filter(batch=batch), settings.FILIERE_SYNC_DOCUMENT_MAX_DEVICES):
        return _long_document(
            request, kind=ReportJob.Kind.DONOR, params={"batch": batch.pk, "subject": str(batch)}
        )
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
    batches = donor.donor_year_batches(request.user, the_donor, year)
    limit = settings.FILIERE_SYNC_STATEMENT_MAX_BATCHES
    if _too_long(batches, limit):
        message = _(
            "This statement covers more than %(limit)s batches: it is being prepared in the "
            "background. Download it from this page once it is ready."
        ) % {"limit": number_format(limit, force_grouping=True)}
        params = {"donor": the_donor.pk, "year": year, "subject": f"{the_donor.name} — {year}"}
        return _as_job(request, kind=ReportJob.Kind.STATEMENT, params=params, message=message)
    return pdf_response(
        donor.donor_year_report_pdf(the_donor, year, batches), f"reemploi-{year}-{the_donor.pk}.pdf"
    )


def device_certificate(request, pk):
    device = get_object_or_404(Device.objects.visible_to(request.user), pk=pk)
    refusal = certificates.certificate_refusal(device)
    if refusal:
        messages.error(request, refusal)
        return redirect(device)
    pdf = certificates.device_certificate_pdf(device)
    return pdf_response(pdf, f"certificat-effacement-{device.asset_tag}.pdf")


def batch_certificate(request, pk):
    batch = get_object_or_404(CollectionBatch.objects.visible_to(request.user), pk=pk)
    devices = Device.objects.visible_to(request.user).filter(batch=batch)
    if _too_long(devices, settings.FILIERE_SYNC_DOCUMENT_MAX_DEVICES):
        return _long_document(
            request,
            kind=ReportJob.Kind.CERTIFICATE,
            params={"batch": batch.pk, "subject": str(batch)},
        )
    pdf = certificates.batch_certificate_pdf(batch, user=request.user)
    return pdf_response(pdf, f"certificat-effacement-{batch.reference}.pdf")


def device_export_request(request):
    """The device list's export past FILIERE_SYNC_EXPORT_MAX_ROWS rows (the list sends here):
    a report job with the list's filters. Under the limit, back to the export in the request."""
    fmt = request.GET.get("export")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _filterset, devices = devices_filtered(request.user, request.GET)
    limit = settings.FILIERE_SYNC_EXPORT_MAX_ROWS
    if not _too_long(devices, limit):
        query = request.GET.copy()
        query.pop("after", None)
        return redirect(f"{reverse('inventory:device_list')}?{query.urlencode()}")
    message = _(
        "This export has more than %(limit)s rows: it is being prepared in the background. "
        "Download it from this page once it is ready."
    ) % {"limit": number_format(limit, force_grouping=True)}
    params = {"filters": device_filter_params(request.GET)}
    return _as_job(request, kind=ReportJob.Kind.DEVICES, fmt=fmt, params=params, message=message)


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


def _order_for(request, pk) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(request.user).select_related("structure", "workshop"), pk=pk
    )


def order_picking_list(request, pk):
    """The preparing workshop's list of devices to pick for an order."""
    order = _order_for(request, pk)
    permissions.require(request.user, "orders.prepare", order)
    return pdf_response(documents.picking_list_pdf(order), f"prelevement-{order.reference}.pdf")


def order_delivery_note(request, pk):
    """The delivery note: the workshop and the structure both sign it."""
    order = _order_for(request, pk)
    return pdf_response(documents.delivery_note_pdf(order), f"livraison-{order.reference}.pdf")
