from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from core.db import reading_replica
from core.pagination import (
    COUNT_CAP,
    capped_count,
    estimated_count,
    keyset_page,
    list_page,
    related_count,
)
from core.sorting import sort_for

from . import importing, printing, spreadsheet
from .filters import DEVICE_DEFAULT_SORT, DEVICE_SORTS, devices_filtered
from .forms import (
    BatchEditForm,
    BatchForm,
    DeviceEditForm,
    DonorForm,
    ImportUploadForm,
    IntakeForm,
    LocationForm,
    MoveForm,
)
from .hardware import HardwareReportError
from .hardware_ingest import pending_report_confirm, pending_report_reject
from .label_views import labels_response
from .models import CollectionBatch, Device, Donor, ImportJob, Location, PendingHardwareReport
from .resources import devices_export
from .scanning import read_scan
from .services import (
    DeviceSpecs,
    DrivesLockedError,
    DuplicateSerialError,
    device_move,
    device_receive,
    device_update_specs,
    location_create,
)
from .services import batch_create as batch_create_service

# Donors


DONOR_SORTS = {
    "name": Lower("name"),
    "kind": "kind",
    "siret": "siret",
    "batches": "batch_count",
}

BATCH_SORTS = {
    "reference": "reference",
    "donor": Lower("donor__name"),
    "collected_on": "collected_on",
    "declared": "declared_quantity",
    "logged": "logged_count",
}


def donor_list(request):
    sort = sort_for(request, DONOR_SORTS, "name")
    donors = sort.apply(
        Donor.objects.visible_to(request.user).annotate(
            batch_count=related_count(CollectionBatch, "donor")
        )
    )
    page = list_page(request, donors)
    return render(
        request,
        "inventory/donor_list.html",
        {
            "donors": page,
            "page": page,
            "query": sort.page_query,
            "sort": sort,
            "can_create": permissions.can(request.user, "inventory.log"),
        },
    )


def donor_create(request):
    permissions.require(request.user, "inventory.log")
    workshop = request.user.default_workshop()
    form = DonorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        donor = form.save(commit=False)
        donor.workshop = workshop
        donor.save()
        messages.success(request, _("Donor %(name)s created.") % {"name": donor.name})
        return redirect(donor)
    return render(
        request,
        "inventory/form.html",
        {
            "form": form,
            "title": _("New donor"),
            "back": reverse("inventory:donor_list"),
        },
    )


def donor_detail(request, pk):
    donor = get_object_or_404(Donor.objects.visible_to(request.user), pk=pk)
    batches = (
        CollectionBatch.objects.visible_to(request.user)
        .filter(donor=donor)
        .order_by("-collected_on", "-id")
    )
    years = sorted({b.collected_on.year for b in batches}, reverse=True)
    return render(
        request,
        "inventory/donor_detail.html",
        {
            "donor": donor,
            "batches": batches,
            "years": years,
            "can_receive": permissions.can(request.user, "inventory.log"),
        },
    )


# Batches


def batch_list(request):
    sort = sort_for(request, BATCH_SORTS, "-collected_on")
    batches = sort.apply(CollectionBatch.objects.visible_to(request.user).select_related("donor"))
    page = list_page(request, batches)
    return render(
        request,
        "inventory/batch_list.html",
        {
            "page": page,
            "sort": sort,
            "query": sort.page_query,
            "can_create": permissions.can(request.user, "inventory.log"),
        },
    )


def batch_create(request):
    permissions.require(request.user, "inventory.log")
    workshop = request.user.default_workshop()
    initial = {"collected_on": timezone.localdate()}
    if request.GET.get("donor"):
        initial["donor"] = request.GET["donor"]
    form = BatchForm(request.POST or None, initial=initial, user=request.user, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_create_service(workshop=workshop, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Batch %(ref)s opened.") % {"ref": batch.reference})
            return redirect("inventory:batch_intake", pk=batch.pk)
    return render(
        request,
        "inventory/form.html",
        {
            "form": form,
            "title": _("New collection batch"),
            "back": reverse("inventory:batch_list"),
        },
    )


def _batch_for(request, pk) -> CollectionBatch:
    return get_object_or_404(
        CollectionBatch.objects.visible_to(request.user).select_related("donor", "workshop"),
        pk=pk,
    )


def batch_edit(request, pk):
    batch = _batch_for(request, pk)
    permissions.require(request.user, "inventory.work_on", batch)
    form = BatchEditForm(request.POST or None, instance=batch)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Batch %(ref)s updated.") % {"ref": batch.reference})
        return redirect(batch)
    return render(
        request,
        "inventory/form.html",
        {
            "form": form,
            "title": _("Batch %(ref)s") % {"ref": batch.reference},
            "back": batch.get_absolute_url(),
        },
    )


def _intake_sticky(form: IntakeForm) -> dict:
    return {name: form.data.get(name, "") for name in IntakeForm.STICKY_FIELDS}


def batch_intake(request, pk):
    """Scan-first: serial + Enter logs a device; the rest is kept for the next scan."""
    batch = _batch_for(request, pk)
    permissions.require(request.user, "inventory.work_on", batch)
    session_key = f"intake-{batch.pk}"
    created = None
    duplicate = None
    if request.method == "POST":
        form = IntakeForm(request.POST, batch=batch, user=request.user)
        if form.is_valid():
            specs = DeviceSpecs.from_cleaned(form.cleaned_data)
            try:
                created = device_receive(
                    batch=batch,
                    specs=specs,
                    user=request.user,
                    location=form.cleaned_data.get("location"),
                )
            except DuplicateSerialError as exc:
                duplicate = exc.existing
                form.add_error("serial_number", exc)
            except ValidationError as exc:
                form.add_error(None, exc)
        request.session[session_key] = _intake_sticky(form)
        if created is not None:
            form = IntakeForm(initial=request.session[session_key], batch=batch, user=request.user)
            if not request.htmx:
                messages.success(request, _("%(tag)s logged.") % {"tag": created.asset_tag})
                return redirect("inventory:batch_intake", pk=batch.pk)
    else:
        form = IntakeForm(
            initial=request.session.get(session_key, {}), batch=batch, user=request.user
        )
    recent = (
        Device.objects.filter(batch=batch)
        .select_related("location")
        .with_row_drives()
        .order_by("-id")[:15]
    )
    duplicate_visible = (
        duplicate is not None
        and Device.objects.visible_to(request.user).filter(pk=duplicate.pk).exists()
    )
    context = {
        "batch": batch,
        "form": form,
        "recent": recent,
        "created": created,
        "duplicate": duplicate if duplicate_visible else None,
        "logged_count": Device.objects.filter(batch=batch).count(),
        "print_on_intake": request.COOKIES.get(printing.PRINT_ON_INTAKE_COOKIE) == "1",
        "printer": printing.printer_of(request),
    }
    template = (
        "inventory/includes/intake_feedback.html" if request.htmx else "inventory/intake.html"
    )
    # htmx swaps only 2xx answers, so a refused scan is a 200 showing the error.
    return render(request, template, context)


def batch_labels(request, pk):
    batch = _batch_for(request, pk)
    devices = list(Device.objects.visible_to(request.user).filter(batch=batch).order_by("id"))
    if not devices:
        messages.warning(request, _("This batch has no device yet."))
        return redirect(batch)
    return labels_response(request, devices=devices, name=f"etiquettes-{batch.reference}")


# Spreadsheet import


def batch_import(request, pk):
    batch = _batch_for(request, pk)
    permissions.require(request.user, "inventory.work_on", batch)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = importing.import_job_create(
            batch=batch, user=request.user, uploaded_file=form.cleaned_data["file"]
        )
        return redirect("inventory:import_job", pk=job.pk)
    return render(
        request,
        "inventory/import_upload.html",
        {
            "batch": batch,
            "form": form,
            "fields": spreadsheet.FIELD_LABELS,
        },
    )


def import_template(request, fmt):
    if fmt == "csv":
        response = HttpResponse(spreadsheet.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            spreadsheet.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="modele-import-appareils.{fmt}"'
    return response


def import_job(request, pk):
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("batch"), pk=pk
    )
    template = (
        "inventory/includes/import_status.html" if request.htmx else "inventory/import_job.html"
    )
    return render(request, template, {"job": job, "report": job.report or {}})


@require_POST
def import_job_confirm(request, pk):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, "inventory.work_on", job)
    if request.POST.get("action") == "cancel":
        importing.import_job_cancel(job=job)
        messages.info(request, _("Import cancelled: nothing was written."))
        return redirect(job.batch)
    try:
        importing.import_job_confirm(job=job, user=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("inventory:import_job", pk=job.pk)


# Devices


SEARCH_PROBE = 500
SEARCH_COUNT_CAP = 200


def device_list(request):
    filterset, devices = devices_filtered(request.user, request.GET)
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        if capped_count(devices, settings.FILIERE_SYNC_EXPORT_MAX_ROWS)[1]:
            # Too long for the request: built as a report job, by the reports app (named by
            # its URL only: inventory never imports reports).
            query = request.GET.copy()
            query.pop("after", None)
            query.pop("before", None)
            return redirect(f"{reverse('inventory:device_export_request')}?{query.urlencode()}")
        with reading_replica():
            data = devices_export(devices, fmt)
        content_type = {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[fmt]
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="appareils.{fmt}"'
        return response
    sort = sort_for(request, DEVICE_SORTS, DEVICE_DEFAULT_SORT)
    # The default order is the keyset on the primary key alone (the workshop index).
    keyset = None if sort.is_default else sort.keyset
    page = keyset_page(
        devices, after=request.GET.get("after"), before=request.GET.get("before"), keyset=keyset
    )
    # Counting a million rows on every page costs more than the page: capped count when
    # filtered (or on small tables), the planner's estimate for a whole large table.
    # The table's estimate is the answer only for someone who sees the whole table.
    whole_table = request.user.is_coordinator and not filterset.is_bound
    estimate = estimated_count(Device) if whole_table else None
    if estimate is not None and estimate > COUNT_CAP:
        page.count, page.count_label = estimate, "estimate"
    else:
        # A word most devices share would have the count read a thousand matches by a
        # sequential scan: a search is counted to a lower cap ("more than 200 devices").
        cap = SEARCH_COUNT_CAP if request.GET.get("q", "").strip() else COUNT_CAP
        page.count, more = capped_count(devices, cap)
        page.count_label = "more" if more else "exact"
    return render(
        request,
        "inventory/device_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": sort.page_query,
            "sort": sort,
            "can_print_labels": permissions.can(request.user, "inventory.log"),
        },
    )


def scan(request):
    """Whatever a scanner types — asset tag, the label's QR (device URL), serial — opens the
    device at once; anything else is a search of the device list."""
    scan = read_scan(request.GET.get("q", ""))
    if scan is None:
        return redirect("inventory:device_list")
    if scan.kind == "location":
        location = Location.objects.visible_to(request.user).filter(pk=int(scan.value)).first()
        if location is not None:
            return redirect(location)
        if Location.objects.filter(pk=int(scan.value)).exists():
            messages.warning(request, _("This location is not in your workshop."))
        else:
            messages.warning(request, _("No location matches “%(q)s”.") % {"q": scan.value})
        return redirect("inventory:location_list")
    visible = Device.objects.visible_to(request.user)
    if scan.kind in ("tag", "pk"):
        lookup = {"asset_tag": scan.value} if scan.kind == "tag" else {"pk": int(scan.value)}
        device = visible.filter(**lookup).first()
        if device is not None:
            return redirect(device)
        if Device.objects.filter(**lookup).exists():
            # The system's own label, from elsewhere: say so, without naming the device.
            messages.warning(request, _("This device is not in your workshop."))
        else:
            messages.warning(request, _("No device matches “%(q)s”.") % {"q": scan.value})
        return redirect("inventory:device_list")
    q = scan.value
    matches = list(visible.filter(serial_number=q.upper())[:2])
    if len(matches) == 1:
        return redirect(matches[0])
    # Not .exists(): under LIMIT 1 PostgreSQL bets on finding a match early and scans the
    # workshop's devices (118 ms at 1,000,000); a limit above its estimate keeps the trigram
    # indexes (BitmapOr).
    if not visible.search(q).order_by().values_list("pk", flat=True)[:SEARCH_PROBE]:
        messages.warning(request, _("No device matches “%(q)s”.") % {"q": q})
    return redirect(f"{reverse('inventory:device_list')}?{urlencode({'q': q})}")


def device_label(request, pk):
    device = get_object_or_404(Device.objects.visible_to(request.user), pk=pk)
    return labels_response(request, devices=[device], name=f"etiquette-{device.asset_tag}")


@require_POST
def device_move_view(request, pk):
    device = get_object_or_404(Device.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, "inventory.work_on", device)
    form = MoveForm(request.POST, user=request.user, device=device)
    if form.is_valid():
        try:
            moved = device_move(
                device=device,
                to_location=form.cleaned_data["location"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if moved:
                messages.success(request, _("Device moved."))
    else:
        messages.error(request, _("Choose a location of this workshop."))
    return redirect(device)


def device_edit(request, pk):
    device = get_object_or_404(Device.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, "inventory.work_on", device)
    if request.method == "POST":
        form = DeviceEditForm(request.POST)
        if form.is_valid():
            specs = DeviceSpecs.from_cleaned(form.cleaned_data)
            try:
                device_update_specs(
                    device=device,
                    specs=specs,
                    user=request.user,
                    replace_drives=bool(form.data.get("storage", "").strip()),
                )
            except DuplicateSerialError as exc:
                form.add_error("serial_number", exc)
            except DrivesLockedError as exc:
                form.add_error("storage", exc)
            else:
                messages.success(request, _("Device updated."))
                return redirect(device)
    else:
        form = DeviceEditForm(initial=DeviceEditForm.initial_for(device))
    return render(
        request,
        "inventory/form.html",
        {
            "form": form,
            "title": _("Edit %(tag)s") % {"tag": device.asset_tag},
            "back": device.get_absolute_url(),
        },
    )


@require_POST
def hardware_pending_decide(request, pk):
    """A technician confirms a held hardware report (it is applied) or rejects it."""
    pending = get_object_or_404(
        PendingHardwareReport.objects.visible_to(request.user).select_related("device"), pk=pk
    )
    permissions.require(request.user, "inventory.work_on", pending.device)
    decision = request.POST.get("decision")
    if decision not in ("confirm", "reject"):
        return HttpResponseBadRequest(_("Choose to confirm or to reject the report."))
    try:
        if decision == "confirm":
            pending_report_confirm(pending=pending, user=request.user)
        else:
            pending_report_reject(pending=pending, user=request.user)
    except HardwareReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Hardware report applied.")
            if decision == "confirm"
            else _("Hardware report rejected."),
        )
    return redirect(pending.device)


LOCATION_SORTS = {
    "workshop": ("workshop__name", "zone", "shelf"),
    "zone": ("zone", "shelf"),
    "shelf": "shelf",
    "devices": "device_count",
}


def location_list(request):
    sort = sort_for(request, LOCATION_SORTS, "workshop")
    locations = sort.apply(
        Location.objects.visible_to(request.user)
        .select_related("workshop")
        .annotate(device_count=related_count(Device, "location"))
    )
    workshop = request.user.default_workshop()
    form = LocationForm(request.POST or None) if workshop else None
    if request.method == "POST":
        permissions.require(request.user, "inventory.log")
        if form.is_valid():
            try:
                location = location_create(workshop=workshop, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Location %(name)s created.") % {"name": location})
                return redirect("inventory:location_list")
    return render(
        request,
        "inventory/location_list.html",
        {
            "locations": locations,
            "sort": sort,
            "form": form,
        },
    )
