from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts import permissions
from core.pagination import capped_counts, list_page
from core.sorting import sort_for
from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType
from inventory.filters import DEVICE_DEFAULT_SORT, DEVICE_SORTS
from inventory.forms import MoveForm
from inventory.hardware_ingest import difference_rows
from inventory.models import CollectionBatch, Device, ImportJob

from . import bulk_steps, lifecycle, services
from .checklists import checks_for
from .filters import QueueFilter
from .forms import (
    DiagnosisForm,
    DriveChangeForm,
    ErasureForm,
    HarvestForm,
    NwipeUploadForm,
    OsInstallForm,
    QualityCheckForm,
    RepairForm,
    ScrapForm,
)
from .models import BulkStepJob
from .nwipe import NwipeLogError
from .selectors import (
    QUEUE_DEFAULT_SORT,
    QUEUE_GROUPS,
    QUEUE_SORTS,
    batch_progress,
    device_lead_times,
    device_timeline,
    next_actions,
    queue_groups,
    with_entered_at,
)

QUEUE_LIMIT = 25  # per step: the oldest first; filters narrow the rest


def _device_for_work(request, pk) -> Device:
    device = get_object_or_404(Device.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, "inventory.work_on", device)
    return device


# What a queue row shows (inventory.templatetags.device_rows.queue_rows): building the other
# forty columns of each of 100 devices was a tenth of the page.
QUEUE_ROW_FIELDS = (
    "asset_tag",
    "device_type",
    "manufacturer",
    "model",
    "status",
    "status_since",
    "batch",
    "batch__reference",
    "location",
    "location__zone",
    "location__shelf",
)


def queue(request):
    base = (
        Device.objects.visible_to(request.user)
        .select_related("batch", "location")
        .only(*QUEUE_ROW_FIELDS)
    )
    filterset = QueueFilter(request.GET or None, queryset=base, user=request.user)
    devices = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    sort = sort_for(request, QUEUE_SORTS, QUEUE_DEFAULT_SORT)
    # "-waiting" (the default) is the longest wait first: the order the merge of groups keeps.
    by_wait = sort.key == "waiting" and sort.descending
    # ?step=: that step alone, paged, so that every device waiting is reachable.
    step = request.GET.get("step")
    statuses = dict(QUEUE_GROUPS).get(step)
    page = None
    if statuses:
        rows = with_entered_at(devices.filter(status__in=statuses)).order_by(*sort.order_by)
        page = list_page(request, rows)
        groups = [{"step": S(step), "statuses": statuses, "devices": page.object_list}]
    else:
        groups = queue_groups(devices, sort.order_by, limit=QUEUE_LIMIT, by_wait=by_wait)
    # Counted up to COUNT_CAP per status: a count over the whole scope cost more than the
    # rest of the page for the coordinator at a million devices.
    counts = capped_counts(devices, "status", [s for g in groups for s in g["statuses"]])
    for group in groups:
        group["count"] = sum(counts[s][0] for s in group["statuses"])
        group["more"] = any(counts[s][1] for s in group["statuses"])
    every_step = QueryDict(sort.page_query, mutable=True)  # the filters and order, no step
    every_step.pop("step", None)
    return render(
        request,
        "reconditioning/queue.html",
        {
            "filter": filterset,
            "groups": groups,
            "limit": QUEUE_LIMIT,
            "sort": sort,
            "page": page,
            "query": sort.page_query,
            "every_step": every_step.urlencode(),
        },
    )


STEP_FORMS = {
    "diagnostic": (DiagnosisForm, gettext_lazy("Diagnosis")),
    "effacement": (ErasureForm, gettext_lazy("Data erasure")),
    "reparation": (RepairForm, gettext_lazy("Repair")),
    "systeme": (OsInstallForm, gettext_lazy("System installation")),
    "controle": (QualityCheckForm, gettext_lazy("Quality check and grade")),
    "rebut": (ScrapForm, gettext_lazy("Scrap and recycle")),
    "disques": (DriveChangeForm, gettext_lazy("Change a drive")),
}


def _record(step: str, form, device, user) -> None:
    data = form.cleaned_data
    if step == "disques":
        services.drive_change_record(
            device=device,
            user=user,
            reason=data["reason"],
            add=form.drives_added(),
            remove=list(data["remove"]),
            expected_status=data["expected_status"],
        )
        return
    common = {
        "device": device,
        "user": user,
        "notes": data.get("notes", ""),
        "expected_status": data["expected_status"],
    }
    if step == "diagnostic":
        services.diagnosis_record(
            **common,
            results=form.results(),
            battery_health_pct=data.get("battery_health_pct"),
            imei=data.get("imei", ""),
            lock_status=data.get("lock_status", ""),
        )
    elif step == "effacement":
        services.erasure_record(
            **common,
            drive=data["drive"],
            sanitization=data["sanitization"],
            nist_level=data["nist_level"],
            technique=data["technique"],
            tool=data["tool"],
            tool_version=data["tool_version"],
            passes=data["passes"],
            verification=data["verification"],
            started_at=data["started_at"],
            ended_at=data["ended_at"],
            result=data["result"],
        )
    elif step == "reparation":
        services.repair_record(
            **common,
            description=data["description"],
            minutes_spent=data["minutes_spent"],
            parts=form.parts(),
        )
    elif step == "systeme":
        services.os_install_record(
            **common, system=data["system"], override_reason=data["override_reason"]
        )
    elif step == "controle":
        services.quality_check_record(
            **common,
            results=form.results(),
            grade=data["grade"],
            accept_faults=data.get("accept_faults", False),
        )
    elif step == "rebut":
        services.scrap_record(
            **common,
            reason=data["reason"],
            channel=data["channel"],
            destination=data["destination"],
            weight_kg=data["weight_kg"],
        )


def device_step(request, pk, step):
    """One form per kind of evidence; recording it moves the device when the step is done."""
    if step not in STEP_FORMS:
        raise Http404
    device = _device_for_work(request, pk)
    form_class, title = STEP_FORMS[step]
    form = form_class(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        try:
            _record(step, form, device, request.user)
        except lifecycle.ConcurrentChangeError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(device)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            device.refresh_from_db()
            messages.success(
                request,
                _("%(step)s recorded. The device is now “%(status)s”.")
                % {"step": title, "status": device.get_status_display()},
            )
            return redirect(device)
    return render(
        request,
        "reconditioning/step_form.html",
        {
            "device": device,
            "form": form,
            "title": title,
            "step": step,
        },
    )


@require_POST
def device_transition_view(request, pk):
    device = _device_for_work(request, pk)
    to_status = request.POST.get("to_status", "")
    if to_status not in S.values:
        raise PermissionDenied
    try:
        lifecycle.device_transition(
            device=device,
            to_status=to_status,
            user=request.user,
            expected_status=request.POST.get("expected_status") or None,
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The device is now “%(status)s”.") % {"status": S(to_status).label}
        )
    return redirect(device)


@require_POST
def device_harvest(request, pk):
    """A part taken from a scrapped device goes into the workshop's spare-parts stock."""
    device = _device_for_work(request, pk)
    form = HarvestForm(request.POST, device=device)
    if form.is_valid():
        try:
            services.part_harvest(device=device, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Part added to the stock."))
    else:
        messages.error(request, _("Choose a part and a quantity."))
    return redirect(device)


def device_nwipe(request, pk):
    device = _device_for_work(request, pk)
    return _nwipe_upload(request, [device], device, device.get_absolute_url())


def batch_nwipe(request, pk):
    batch = get_object_or_404(CollectionBatch.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, "inventory.work_on", batch)
    devices = list(Device.objects.visible_to(request.user).filter(batch=batch))
    return _nwipe_upload(request, devices, batch, batch.get_absolute_url())


def _nwipe_upload(request, devices, target, back):
    form = NwipeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            records = services.nwipe_log_import(
                devices=devices, user=request.user, content=form.cleaned_data["log"].read()
            )
        except (ValidationError, NwipeLogError) as exc:
            form.add_error("log", exc.messages if hasattr(exc, "messages") else str(exc))
        else:
            passed = sum(r.result == "passed" for r in records)
            messages.success(
                request,
                ngettext(
                    "%(n)s erasure record imported, %(ok)s passed.",
                    "%(n)s erasure records imported, %(ok)s passed.",
                    len(records),
                )
                % {"n": len(records), "ok": passed},
            )
            return redirect(back)
    return render(
        request,
        "reconditioning/nwipe_upload.html",
        {
            "form": form,
            "target": target,
            "back": back,
        },
    )


def _with_posted_faults(devices, post) -> list:
    """The devices, each with the faults ticked for it in the form sent (shown again after a
    refusal, so that 40 rows of faults are not to be ticked again)."""
    rows = list(devices)
    for device in rows:
        device.posted_faults = set(post.getlist(f"faults_{device.pk}"))
    return rows


def batch_steps(request, pk):
    """Bulk: select devices of a batch and record one step's evidence for all (diagnosis
    checklist, erasure session, quality check), install one system, or apply a transition —
    to all of them or, if one refuses, to none. Past FILIERE_BULK_SYNC_MAX devices, as a job."""
    batch = get_object_or_404(CollectionBatch.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, "inventory.work_on", batch)
    # "Show this step's form" posts the step chosen without recording anything.
    recording = request.method == "POST" and "show" not in request.POST
    forms = bulk_steps.bulk_forms(
        batch=batch,
        user=request.user,
        data=request.POST if recording else None,
        query=request.POST if request.method == "POST" else request.GET,
    )
    faults = []
    if recording and forms.is_valid():
        if bulk_steps.runs_as_job(forms):
            job = bulk_steps.bulk_job_create(batch=batch, user=request.user, data=request.POST)
            return redirect("reconditioning:bulk_job", pk=job.pk)
        chosen = forms.chosen
        try:
            bulk_steps.bulk_apply(forms, chosen, request.user)
        except lifecycle.BulkTransitionError as exc:
            faults = exc.faults
            messages.error(request, " ".join(exc.messages))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                ngettext("%(n)s device updated.", "%(n)s devices updated.", len(chosen))
                % {"n": len(chosen)},
            )
            step = forms.step
            return redirect(f"{reverse('reconditioning:batch_steps', args=[batch.pk])}?step={step}")
    return render(
        request,
        "reconditioning/batch_steps.html",
        {
            "batch": batch,
            "form": forms.form,
            "step": forms.step,
            "evidence": forms.evidence,
            "device_type": forms.device_type,
            "device_types": DeviceType.choices,
            "checks": checks_for(forms.device_type),
            "devices": _with_posted_faults(forms.devices.select_related("location"), request.POST),
            "fault_groups": bulk_steps.fault_groups(
                (f.device.pk, f.device.asset_tag, f.message) for f in faults
            ),
            "selected": set(request.POST.getlist("devices")),
        },
    )


def bulk_job(request, pk):
    """The progress of a bulk step run as a job (polled by htmx while it runs)."""
    job = get_object_or_404(
        BulkStepJob.objects.visible_to(request.user).select_related("batch"), pk=pk
    )
    template = (
        "reconditioning/includes/bulk_job_status.html"
        if request.htmx
        else "reconditioning/bulk_job.html"
    )
    context = {
        "job": job,
        "faults": job.faults,
        "fault_groups": bulk_steps.fault_groups(job.faults),
    }
    return render(request, template, context)


# The batch and device pages (inventory's URLs): they show this app's evidence and next steps.


def batch_detail(request, pk):
    batch = get_object_or_404(
        CollectionBatch.objects.visible_to(request.user).select_related("donor", "workshop"),
        pk=pk,
    )
    sort = sort_for(request, DEVICE_SORTS, DEVICE_DEFAULT_SORT)
    devices = sort.apply(
        Device.objects.visible_to(request.user)
        .filter(batch=batch)
        .select_related("location")
        .with_row_drives()
    )
    page = Paginator(devices, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "sort": sort,
            "query": sort.page_query,
            "device_count": page.paginator.count,
            "imports": ImportJob.objects.visible_to(request.user).filter(batch=batch)[:5],
            "can_edit": permissions.can(request.user, "inventory.work_on", batch),
            "progress": batch_progress(batch),
        },
    )


def device_detail(request, pk):
    device = get_object_or_404(
        Device.objects.visible_to(request.user).select_related(
            "batch__donor", "location", "workshop", "created_by"
        ),
        pk=pk,
    )
    can_edit = permissions.can(request.user, "inventory.work_on", device)
    return render(
        request,
        "inventory/device_detail.html",
        {
            "device": device,
            "drives": device.drives.all(),
            "timeline": device_timeline(device),
            "lead_times": device_lead_times(device),
            "actions": next_actions(device) if can_edit else [],
            "harvest_form": _harvest_form(device)
            if can_edit and device.status == "scrapped"
            else None,
            "movements": device.movements.select_related(
                "from_location", "to_location", "moved_by"
            ),
            "reports": device.hardware_reports.only("id", "received_at", "warnings"),
            "pending_reports": [
                (p, difference_rows(p.differences))
                for p in device.pending_reports.pending().select_related("submitted_by")
            ]
            if can_edit
            else [],
            "move_form": MoveForm(user=request.user, device=device) if can_edit else None,
            "can_edit": can_edit,
        },
    )


def _harvest_form(device):
    form = HarvestForm(device=device)
    return form if form.fields["part"].queryset.exists() else None
