"""Reports built by Celery: a job row the screen polls (status, progress), the file when done.

Tasks are thin (inventory.tasks); this module holds the logic, once for every kind of report."""

from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

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
    from .tasks import report_job_task

    transaction.on_commit(lambda: report_job_task.delay(job.pk))
    return job


def _progress(job_id: int, pct: int) -> None:
    ReportJob.objects.filter(pk=job_id).update(progress=pct)


def report_job_run(*, job_id: int, final: bool = True) -> ReportJob:
    """Build the file. A job already done (a retried or duplicated task) is left as it is.
    A transient database error on a try that is not the last leaves the job queued for the
    retry; any other error, or the last try, marks it failed."""
    claimed = ReportJob.objects.filter(
        pk=job_id, status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING]
    ).update(status=ReportJob.Status.RUNNING, progress=5)
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        content, filename = BUILDERS[job.kind](job, lambda pct: _progress(job.pk, pct))
    except OperationalError:
        if not final:
            ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.QUEUED)
            raise
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The report could not be built; try again later."),
        )
        raise
    except Exception:
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The report could not be built; try again later."),
        )
        raise
    job.file.save(filename, ContentFile(content), save=False)
    ReportJob.objects.filter(pk=job.pk).update(
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
