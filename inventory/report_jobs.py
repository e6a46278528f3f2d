"""Reports built by Celery: a job row the screen polls (status, progress), the file when done.

Tasks are thin (inventory.tasks); this module holds the logic, once for every kind of report."""

from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import job_dispatch
from .models import ReportJob

# kind -> builder(job, progress) -> (content, filename); registered by the apps that own them.
BUILDERS: dict[str, Callable] = {}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def builder(kind: str):
    def register(func):
        BUILDERS[kind] = func
        return func

    return register


def report_job_create(
    *, kind: str, fmt: str, user: User | None, params: dict | None = None
) -> ReportJob:
    if fmt not in CONTENT_TYPES:
        raise ValueError(fmt)
    job = ReportJob.objects.create(kind=kind, fmt=fmt, params=params or {}, requested_by=user)
    # Broker down: the job stays queued and says so (job_dispatch), the request succeeds.
    job_dispatch.publish_on_commit(job)
    return job


def _progress(job_id: int, pct: int) -> None:
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
    claimed = ReportJob.objects.filter(pk=job_id, status__in=claimable).update(
        status=ReportJob.Status.RUNNING, progress=5
    )
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if not claimed:
        return job
    running = ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING)
    try:
        job_dispatch.test_pause()
        content, filename = BUILDERS[job.kind](job, lambda pct: _progress(job.pk, pct))
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


@builder("stock")
def build_stock(job: ReportJob, progress) -> tuple[bytes, str]:
    from .reports import stock_report_build, stock_report_pdf, stock_report_xlsx

    report = stock_report_build(
        user=job.requested_by, workshop_ids=job.params.get("workshops") or None
    )
    progress(50)
    stamp = timezone.localdate().isoformat()
    if job.fmt == "xlsx":
        return stock_report_xlsx(report), f"rapport-stock-{stamp}.xlsx"
    return stock_report_pdf(report), f"rapport-stock-{stamp}.pdf"
