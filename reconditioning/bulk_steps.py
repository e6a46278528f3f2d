"""The bulk page's step, as one service for the request and for the background job: read the
posted data into the step's forms, then record the evidence (or install the system, or apply
the transition) for every selected device — all or nothing (reconditioning.bulk).

Beyond settings.FILIERE_BULK_SYNC_MAX devices the step runs as a BulkStepJob: first every
device is checked in chunks, each in a transaction rolled back (the progress the page shows),
then all are recorded in one transaction. A fault found while checking writes nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from core import jobs
from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType
from inventory.models import CollectionBatch, Device

from . import bulk, lifecycle, services
from .enums import BulkJobStatus
from .forms import BulkDiagnosisForm, BulkErasureForm, BulkQualityCheckForm, BulkStepForm
from .models import BulkStepJob

CHECK_CHUNK = 100


@dataclass
class BulkForms:
    step: str
    device_type: str
    devices: QuerySet
    form: BulkStepForm
    evidence: object | None
    data: QueryDict | None

    def is_valid(self) -> bool:
        return self.form.is_valid() and (self.evidence is None or self.evidence.is_valid())

    @property
    def chosen(self) -> list[Device]:
        return list(self.form.cleaned_data["devices"])


def batch_devices_in_progress(batch: CollectionBatch, user: User) -> QuerySet:
    return (
        Device.objects.visible_to(user)
        .filter(batch=batch)
        .exclude(status__in=[S.SCRAPPED, S.ALLOCATED])
        .order_by("id")
    )


def bulk_forms(*, batch, user, data: QueryDict | None, query=None) -> BulkForms:
    """The step's forms over the batch's devices in progress; `data` is None when showing."""
    params = data if data is not None else (query or QueryDict())
    devices = batch_devices_in_progress(batch, user)
    step = params.get("step") or (query.get("step") if query is not None else "") or ""
    device_type = params.get("type") or (query.get("type") if query is not None else "")
    if device_type not in DeviceType.values:
        counts = devices.values("device_type").annotate(n=Count("id")).order_by("-n", "device_type")
        device_type = counts[0]["device_type"] if counts else DeviceType.LAPTOP
    if step == S.DIAGNOSED:
        devices = devices.filter(device_type=device_type)
    form = BulkStepForm(data, queryset=devices, initial={"step": step})
    evidence = None
    if step == S.DIAGNOSED:
        evidence = BulkDiagnosisForm(data, device_type=device_type)
    elif step == S.ERASED:
        evidence = BulkErasureForm(data)
    elif step == S.READY:
        evidence = BulkQualityCheckForm(data)
    return BulkForms(step, device_type, devices, form, evidence, data)


def bulk_apply(forms: BulkForms, devices: list[Device], user: User) -> int:
    """Record the step for `devices` (validated forms); raises BulkTransitionError listing
    the devices at fault, or ValidationError, and then writes nothing."""
    step, evidence, data = forms.step, forms.evidence, forms.data
    changed = _changed_since_shown(devices, data)
    if changed:
        raise lifecycle.BulkTransitionError(changed)
    if step == S.DIAGNOSED:
        faults = {d.pk: data.getlist(f"faults_{d.pk}") for d in devices}
        bulk.diagnosis_bulk(
            devices=devices,
            user=user,
            results=evidence.results(),
            faults=faults,
            notes=evidence.cleaned_data["notes"],
        )
    elif step == S.ERASED:
        bulk.erasure_bulk(devices=devices, user=user, **evidence.session())
    elif step == S.READY:
        bulk.quality_check_bulk(
            devices=devices,
            user=user,
            results=evidence.results(),
            grade=evidence.cleaned_data["grade"],
            notes=evidence.cleaned_data["notes"],
            accept_faults=evidence.cleaned_data["accept_faults"],
        )
    elif forms.form.cleaned_data["step"] == "os":
        services.os_install_bulk(
            devices=devices, system=forms.form.cleaned_data["system"], user=user
        )
    else:
        lifecycle.devices_transition(
            devices=devices, to_status=forms.form.cleaned_data["step"], user=user
        )
    return len(devices)


def _changed_since_shown(devices: list[Device], data) -> list:
    """The devices whose status differs from the one the page showed (its `seen_<id>`): the
    form was sent again (a double click, the back button) or someone else moved them. They
    are refused, so that no step's evidence is recorded twice."""
    changed = []
    for device in devices:
        seen = data.get(f"seen_{device.pk}") if data is not None else None
        if seen is not None and seen != device.status:
            message = _("Changed since this page was shown: now “%(status)s”.") % {
                "status": device.get_status_display()
            }
            changed.append(lifecycle.BulkFault(device, message))
    return changed


def fault_groups(faults) -> list[tuple[str, list[tuple[int, str]]]]:
    """(message, [(device id, asset tag), …]) from (id, tag, message) triples, in the order
    met: 40 devices refused for one reason are one line, not 40."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, tag, message in faults:
        groups.setdefault(str(message), []).append((pk, tag))
    return list(groups.items())


def runs_as_job(forms: BulkForms) -> bool:
    return len(forms.form.cleaned_data["devices"]) > settings.FILIERE_BULK_SYNC_MAX


# The job ---------------------------------------------------------------------------------


def bulk_job_create(*, batch: CollectionBatch, user: User, data: QueryDict) -> BulkStepJob:
    """The posted step kept as it was posted (the forms are read again by the job, with the
    same rules), without the CSRF token."""
    kept = {k: data.getlist(k) for k in data if k != "csrfmiddlewaretoken"}
    job = BulkStepJob.objects.create(
        workshop_id=batch.workshop_id,
        batch=batch,
        created_by=user,
        step=data.get("step", ""),
        data=kept,
        total=len(data.getlist("devices")),
    )
    jobs.publish_on_commit(job, user_id=user.pk)
    return job


class _CheckOnly(Exception):
    """Raised to roll a chunk's checking transaction back."""


def _check(forms, devices, user, progress: Callable[[int], None]) -> list:
    faults = []
    for start in range(0, len(devices), CHECK_CHUNK):
        chunk = devices[start : start + CHECK_CHUNK]
        try:
            with transaction.atomic():
                bulk_apply(forms, chunk, user)
                raise _CheckOnly
        except _CheckOnly:
            pass
        except lifecycle.BulkTransitionError as exc:
            faults += exc.faults
        progress(start + len(chunk))
    return faults


def bulk_job_run(*, job_id: int) -> None:
    """Run a queued job once: claimed by its state, so a task delivered twice does nothing."""
    claimed = BulkStepJob.objects.filter(pk=job_id, status=BulkJobStatus.QUEUED).update(
        status=BulkJobStatus.CHECKING, started_at=timezone.now(), message=""
    )
    if not claimed:
        return
    job = BulkStepJob.objects.select_related("batch", "created_by").get(pk=job_id)
    mine = BulkStepJob.objects.filter(pk=job.pk)
    data = QueryDict(mutable=True)
    for key, values in job.data.items():
        data.setlist(key, values)
    try:
        forms = bulk_forms(batch=job.batch, user=job.created_by, data=data)
        if not forms.is_valid():
            errors = [e for f in (forms.form, forms.evidence) if f for e in _errors(f)]
            mine.update(
                status=BulkJobStatus.FAILED,
                finished_at=timezone.now(),
                message=" ".join(errors) or _("The step's form is no longer valid."),
            )
            return
        devices = forms.chosen
        mine.update(total=len(devices))
        faults = _check(forms, devices, job.created_by, lambda n: mine.update(checked=n))
        if faults:
            mine.update(
                status=BulkJobStatus.FAILED,
                finished_at=timezone.now(),
                faults=[[f.device.pk, f.device.asset_tag, f.message] for f in faults],
                message=ngettext(
                    "Nothing was changed: %(n)s device cannot take this step.",
                    "Nothing was changed: %(n)s devices cannot take this step.",
                    len(faults),
                )
                % {"n": len(faults)},
            )
            return
        mine.update(status=BulkJobStatus.RECORDING)
        jobs.test_pause()
        with transaction.atomic():
            n = bulk_apply(forms, devices, job.created_by)
            mine.update(
                status=BulkJobStatus.DONE,
                finished_at=timezone.now(),
                message=ngettext("%(n)s device updated.", "%(n)s devices updated.", n) % {"n": n},
            )
    except lifecycle.BulkTransitionError as exc:  # changed between the check and the record
        mine.update(
            status=BulkJobStatus.FAILED,
            finished_at=timezone.now(),
            faults=[[f.device.pk, f.device.asset_tag, f.message] for f in exc.faults],
            message=" ".join(exc.messages),
        )
    except ValidationError as exc:
        mine.update(
            status=BulkJobStatus.FAILED, finished_at=timezone.now(), message=" ".join(exc.messages)
        )
    except Exception:
        mine.update(
            status=BulkJobStatus.FAILED,
            finished_at=timezone.now(),
            message=_("The step stopped on an unexpected error: nothing was changed."),
        )
        raise


def _errors(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


RUNNING = [BulkJobStatus.QUEUED, BulkJobStatus.CHECKING, BulkJobStatus.RECORDING]


def bulk_jobs_delayed(message: str):
    return BulkStepJob.objects.filter(status=BulkJobStatus.QUEUED, message=message)


def bulk_jobs_sweep(
    *, now: datetime, stuck_after: timedelta, republish_after: timedelta, delayed_message: str
) -> jobs.SweepResult:
    """Jobs unfinished past stuck_after fail with the reason (a worker killed while checking
    or recording wrote nothing: the recording is one transaction); queued ones waiting past
    republish_after are published again."""
    reason = _(
        "The step stopped before it was finished (the background worker was interrupted): "
        "nothing was changed. Apply it again."
    )
    failed = BulkStepJob.objects.filter(
        status__in=RUNNING, created_at__lt=now - stuck_after
    ).update(status=BulkJobStatus.FAILED, finished_at=now, message=reason)
    waiting = list(
        BulkStepJob.objects.filter(
            status=BulkJobStatus.QUEUED, created_at__lt=now - republish_after
        ).exclude(message=delayed_message)
    )
    return jobs.SweepResult(failed=failed, waiting=waiting)
