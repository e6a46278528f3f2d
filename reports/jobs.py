"""Reports built by Celery: a job row the screen polls (status, progress), the file when done.

Tasks are thin (reports.tasks); this module holds the logic, once for every kind of report;
publishing, retries after a broker outage and the sweep are core.jobs'."""

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.models import FundingProgramme
from core import jobs
from core.db import on_primary, reading_replica
from inventory.filters import devices_filtered
from inventory.models import CollectionBatch, Donor
from inventory.resources import devices_export
from reports.periods import Period
from reports.stock import stock_report_build, stock_report_pdf, stock_report_xlsx

from . import certificates, donor
from .funder import (
    FunderFilters,
    funder_report_build,
    funder_report_csv,
    funder_report_pdf,
    funder_report_xlsx,
)
from .models import ReportJob

# kind -> builder(job, progress) -> (content, filename), filled by @builder below.
BUILDERS: dict[str, Callable] = {}
# kind -> allowed(job) -> bool: whether the requester may still have the file (asked again
# at download time); kinds not listed have no object of their own to lose access to.
STILL_ALLOWED: dict[str, Callable] = {}
# Kinds whose reads may come from the read replica (core.db): the aggregate reports and the
# device export. Documents of proof about given devices (certificates, the donor's "what
# became of", the reuse statement) read the primary: they must hold the step recorded a
# second ago, which a replica may not have yet.
FROM_REPLICA: set[str] = set()
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class JobRefused(Exception):
    """The requester may not have this document (any more): the job fails with this
    message, shown on its page; nothing is built, kept or retried."""


def builder(kind: str, *, still_allowed: Callable | None = None, replica: bool = False):
    def register(func):
        BUILDERS[kind] = func
        if still_allowed:
            STILL_ALLOWED[kind] = still_allowed
        if replica:
            FROM_REPLICA.add(kind)
        return func

    return register


def report_job_still_allowed(job: ReportJob) -> bool:
    check = STILL_ALLOWED.get(job.kind)
    return check is None or check(job)


def report_job_create(
    *, kind: str, fmt: str, user: User | None, params: dict | None = None
) -> ReportJob:
    if fmt not in CONTENT_TYPES:
        raise ValueError(fmt)
    job = ReportJob.objects.create(kind=kind, fmt=fmt, params=params or {}, requested_by=user)
    # Broker down: the job stays queued and says so (core.jobs), the request succeeds.
    jobs.publish_on_commit(job)
    return job


# The same document asked again within this time while its job is still queued or running
# (a second click on the link) follows that job instead of building it twice.
FOLLOW_WITHIN = timedelta(minutes=15)


def report_job_follow_or_create(
    *, kind: str, fmt: str, user: User, params: dict
) -> tuple[ReportJob, bool]:
    """(job, created): the requester's unfinished job for the same document, or a new one."""
    unfinished = ReportJob.objects.filter(
        kind=kind,
        fmt=fmt,
        requested_by=user,
        status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING],
        created_at__gte=timezone.now() - FOLLOW_WITHIN,
    )
    for job in unfinished:
        if job.params == params:
            return job, False
    return report_job_create(kind=kind, fmt=fmt, user=user, params=params), True


def _progress(job_id: int, pct: int) -> None:
    # Bookkeeping: the report's own reads stay on the replica after it.
    with on_primary():
        ReportJob.objects.filter(pk=job_id).update(progress=pct)


def report_job_run(*, job_id: int, final: bool = True, redelivered: bool = False) -> ReportJob:
    """Build the file, once. The job is claimed by its state: queued, or running when the
    broker hands the task out again because its worker died (redelivered); a duplicated task
    finds it running or done and leaves it. A transient database error on a try that is not
    the last leaves the job queued for the retry; any other error, or the last try, marks it
    failed with the reason shown."""
    claimable = [ReportJob.Status.QUEUED]
    if redelivered:
        claimable.append(ReportJob.Status.RUNNING)
    # Bookkeeping: the claim does not keep the build from reading the replica.
    with on_primary():
        claimed = ReportJob.objects.filter(pk=job_id, status__in=claimable).update(
            status=ReportJob.Status.RUNNING, progress=5
        )
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if not claimed:
        return job
    running = ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING)
    try:
        jobs.test_pause()
        with reading_replica() if job.kind in FROM_REPLICA else nullcontext():
            content, filename = BUILDERS[job.kind](job, lambda pct: _progress(job.pk, pct))
    except JobRefused as refusal:
        running.update(
            status=ReportJob.Status.FAILED, finished_at=timezone.now(), message=str(refusal)
        )
        job.refresh_from_db()
        return job
    except OperationalError:
        if not final:
            running.update(status=ReportJob.Status.QUEUED)
            raise
        running.update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The report could not be built; try again later."),
        )
        raise
    except Exception:
        running.update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The report could not be built; try again later."),
        )
        raise
    job.file.save(filename, ContentFile(content), save=False)
    # Only a job still running becomes done (the sweep may have given up on it meanwhile).
    running.update(
        file=job.file.name, status=ReportJob.Status.DONE, progress=100, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@builder("stock", replica=True)
def build_stock(job: ReportJob, progress) -> tuple[bytes, str]:
    report = stock_report_build(
        user=job.requested_by, workshop_ids=job.params.get("workshops") or None
    )
    progress(50)
    stamp = timezone.localdate().isoformat()
    if job.fmt == "xlsx":
        return stock_report_xlsx(report), f"rapport-stock-{stamp}.xlsx"
    return stock_report_pdf(report), f"rapport-stock-{stamp}.pdf"


def filters_from_params(params: dict) -> FunderFilters:
    programme = None
    if params.get("programme"):
        programme = FundingProgramme.objects.filter(pk=params["programme"]).first()
    territory = params.get("territory", "")
    if params.get("period"):
        return FunderFilters.for_period(Period.parse(params["period"]), programme, territory)
    # Jobs queued before whole periods: funder_report_build still refuses a free range to a funder.
    return FunderFilters(
        date_from=date.fromisoformat(params["from"]),
        date_to=date.fromisoformat(params["to"]),
        programme=programme,
        territory=territory,
    )


@builder("funder", replica=True)
def build_funder(job: ReportJob, progress) -> tuple[bytes, str]:
    try:
        filters = filters_from_params(job.params)
        report = funder_report_build(user=job.requested_by, filters=filters)
    except (KeyError, ValueError) as refusal:
        raise JobRefused(str(refusal)) from None
    progress(50)
    period = filters.period
    stamp = period.key if period else f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
    render = {"pdf": funder_report_pdf, "csv": funder_report_csv, "xlsx": funder_report_xlsx}
    return render[job.fmt](report), f"rapport-financeur-{stamp}.{job.fmt}"


# Documents and exports too long for the request (settings.FILIERE_SYNC_*): rebuilt as the
# requester sees them when the job runs, their access asked again then and at download.


def _requester(job: ReportJob) -> User | None:
    user = job.requested_by
    return user if user is not None and user.is_active else None


def _visible_batch(job: ReportJob) -> CollectionBatch | None:
    user = _requester(job)
    if user is None:
        return None
    return (
        CollectionBatch.objects.visible_to(user)
        .select_related("donor", "workshop")
        .filter(pk=job.params.get("batch"))
        .first()
    )


def _visible_donor(job: ReportJob) -> Donor | None:
    user = _requester(job)
    if user is None:
        return None
    return Donor.objects.visible_to(user).filter(pk=job.params.get("donor")).first()


def _batch_or_refuse(job: ReportJob) -> CollectionBatch:
    batch = _visible_batch(job)
    if batch is None:
        raise JobRefused(
            _("You no longer have access to this batch, so the document was not produced.")
        )
    return batch


@builder("certificate", still_allowed=lambda job: _visible_batch(job) is not None)
def build_certificate(job: ReportJob, progress) -> tuple[bytes, str]:
    batch = _batch_or_refuse(job)
    pdf = certificates.batch_certificate_pdf(batch, user=job.requested_by, progress=progress)
    return pdf, f"certificat-effacement-{batch.reference}.pdf"


@builder("donor", still_allowed=lambda job: _visible_batch(job) is not None)
def build_donor_batch(job: ReportJob, progress) -> tuple[bytes, str]:
    batch = _batch_or_refuse(job)
    return donor.donor_batch_report_pdf(batch, progress=progress), f"devenir-{batch.reference}.pdf"


@builder("reuse_statement", still_allowed=lambda job: _visible_donor(job) is not None)
def build_reuse_statement(job: ReportJob, progress) -> tuple[bytes, str]:
    the_donor = _visible_donor(job)
    if the_donor is None:
        raise JobRefused(
            _("You no longer have access to this donor, so the statement was not produced.")
        )
    year = job.params["year"]
    batches = donor.donor_year_batches(job.requested_by, the_donor, year)
    pdf = donor.donor_year_report_pdf(the_donor, year, batches, progress=progress)
    return pdf, f"reemploi-{year}-{the_donor.pk}.pdf"


@builder("devices", replica=True)
def build_devices(job: ReportJob, progress) -> tuple[bytes, str]:
    """The device list's export under the filters the list had, with the rows the requester
    sees now: a device they lost access to meanwhile is not in it."""
    user = _requester(job)
    if user is None:
        raise JobRefused(_("Your account is no longer active, so the export was not produced."))
    filterset, devices = devices_filtered(user, job.params.get("filters"))
    if filterset.is_bound and not filterset.is_valid():
        raise JobRefused(
            _(
                "The filters of this export no longer apply (a location you no longer see?), "
                "so it was not produced: export again from the device list."
            )
        )
    if not devices.exists():
        raise JobRefused(_("You no longer see any device of this export, so it was not produced."))
    stamp = timezone.localdate().isoformat()
    return devices_export(devices, job.fmt, progress=progress), f"appareils-{stamp}.{job.fmt}"


def last_month() -> tuple[date, date]:
    first_this = timezone.localdate().replace(day=1)
    last_prev = first_this.fromordinal(first_this.toordinal() - 1)
    return last_prev.replace(day=1), last_prev


# The sweep (core.jobs) and these jobs.


def report_jobs_delayed(message: str):
    return ReportJob.objects.filter(status=ReportJob.Status.QUEUED, message=message)


def report_jobs_sweep(
    *, now: datetime, stuck_after: timedelta, republish_after: timedelta, delayed_message: str
) -> jobs.SweepResult:
    """Jobs unfinished past stuck_after fail with the reason; queued ones waiting past
    republish_after are given back to be published again."""
    reason = _(
        "The report stopped before it was finished (the background worker was "
        "interrupted); nothing was kept. Request it again."
    )
    failed = (
        ReportJob.objects.filter(
            status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING],
            created_at__lt=now - stuck_after,
        )
        .exclude(message=delayed_message)
        .update(status=ReportJob.Status.FAILED, finished_at=now, message=reason)
    )
    waiting = ReportJob.objects.filter(
        status=ReportJob.Status.QUEUED, created_at__lt=now - republish_after
    ).exclude(message=delayed_message)
    return jobs.SweepResult(failed=failed, waiting=list(waiting))
