"""The donor-spreadsheet importer, shared by the staff screens, the Celery job and the
`import_devices` command: read, map headers, validate every row with the same form as the
intake screen, find duplicates in the file and in the database, then write all or nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from core import jobs

from .bulk import is_postgres
from .enums import DeviceSource, ImportStatus
from .forms import device_specs_clean
from .models import CollectionBatch, Device, ImportJob
from .services import (
    DeviceSpecs,
    canonical_manufacturer,
    devices_receive_many,
    normalise_serial,
)
from .spreadsheet import FIELD_LABELS, SpreadsheetError, read_sheet

Progress = Callable[[int, int], None]
PREVIEW_ROWS = 1000
PROGRESS_EVERY = 500


@dataclass
class RowError:
    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportAnalysis:
    """What a file would do: valid rows, every error (line, column, message), warnings."""

    specs: list[DeviceSpecs] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    total_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.specs)

    def as_report(self) -> dict:
        return {
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
            "preview": self.preview,
            "columns": self.columns,
        }


class ImportRefused(Exception):
    def __init__(self, analysis: ImportAnalysis):
        self.analysis = analysis
        super().__init__(_("The file has errors: nothing was imported."))


def _column_label(columns: dict[str, str], name: str) -> str:
    return columns.get(name) or str(FIELD_LABELS.get(name, name))


def analyse_file(
    content: bytes,
    filename: str,
    *,
    workshop_id: int | None = None,
    progress: Progress | None = None,
) -> ImportAnalysis:
    analysis = ImportAnalysis()
    try:
        sheet = read_sheet(content, filename)
    except SpreadsheetError as exc:
        analysis.errors.append(RowError(None, "", str(exc)))
        return analysis
    analysis.columns = dict(sheet.columns)
    analysis.total_rows = len(sheet.rows)
    if sheet.unknown_columns:
        analysis.warnings.append(
            _("Columns ignored (not recognised): %(cols)s.")
            % {"cols": ", ".join(sheet.unknown_columns)}
        )
    # Formulas that cannot be read are errors of their cell, like a value that does not parse:
    # the file is refused as a whole, never imported with the cell emptied.
    problems: dict[int, list[RowError]] = {}
    for problem in sheet.problems:
        problems.setdefault(problem.line, []).append(
            RowError(problem.line, _column_label(sheet.columns, problem.field), problem.message)
        )
    if not sheet.rows and not problems:
        analysis.errors.append(RowError(None, "", _("The file has a header but no device rows.")))
        return analysis

    seen: dict[tuple[str, str], int] = {}
    keyed: list[tuple[int, tuple[str, str]]] = []
    language = get_language()
    for index, row in enumerate(sheet.rows, start=1):
        errors_before = len(analysis.errors)
        # Duplicates are judged on the raw cells, so a row with another error still says so.
        serial = normalise_serial(row.values.get("serial_number", ""))
        key = (canonical_manufacturer(row.values.get("manufacturer", "")).lower(), serial)
        duplicate_of = seen.get(key) if serial else None
        if duplicate_of is not None:
            analysis.errors.append(
                RowError(
                    row.line,
                    _column_label(sheet.columns, "serial_number"),
                    _("Serial number %(serial)s appears twice in the file (line %(first)s).")
                    % {"serial": serial, "first": duplicate_of},
                )
            )
        elif serial:
            seen[key] = row.line
            keyed.append((row.line, key))
        cleaned, field_errors = device_specs_clean(row.values, language)
        cell_errors = problems.pop(row.line, [])
        analysis.errors.extend(cell_errors)
        if not field_errors and not cell_errors and duplicate_of is None:
            specs = DeviceSpecs.from_cleaned(cleaned)
            analysis.specs.append(specs)
            analysis.lines.append(row.line)
        else:
            formula_columns = {e.column for e in cell_errors}  # "not a number" would repeat it
            for name, messages in field_errors.items():
                column = _column_label(sheet.columns, name)
                if column in formula_columns:
                    continue
                for message in messages:
                    analysis.errors.append(RowError(row.line, column, message))
        row_errors = [e.message for e in analysis.errors[errors_before:]]
        # Every row of a normal file is previewed; past the cap, rows with errors still are.
        if len(analysis.preview) < PREVIEW_ROWS or row_errors:
            analysis.preview.append({"line": row.line, "values": row.values, "errors": row_errors})
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, analysis.total_rows)

    for line, cell_errors in problems.items():  # rows whose every mapped cell is a formula
        analysis.errors.extend(cell_errors)
        analysis.preview.append(
            {"line": line, "values": {}, "errors": [e.message for e in cell_errors]}
        )
        analysis.preview.sort(key=lambda entry: entry["line"])
    _check_database_duplicates(analysis, keyed, sheet.columns, workshop_id)
    analysis.errors.sort(key=lambda e: e.line or 0)
    if progress:
        progress(analysis.total_rows, analysis.total_rows)
    return analysis


def _known_serials(serials: list[str], chunk: int):
    """(lower manufacturer, serial, asset tag, workshop) of the devices with these serials.
    PostgreSQL takes them as one array parameter (an IN list of 5,000 placeholders cost more
    to build than to run); other databases in chunks."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT lower(manufacturer), serial_number, asset_tag, workshop_id"
                " FROM inventory_device WHERE serial_number = ANY(%s)",
                [serials],
            )
            yield from cursor.fetchall()
        return
    for start in range(0, len(serials), chunk):
        yield from (
            Device.objects.filter(serial_number__in=serials[start : start + chunk])
            .annotate(m=Lower("manufacturer"))
            .values_list("m", "serial_number", "asset_tag", "workshop_id")
        )


def _check_database_duplicates(analysis, keyed, columns, workshop_id, chunk=5000) -> None:
    serials = sorted({key[1] for _i, key in keyed})
    known: dict[tuple[str, str], str] = {}
    elsewhere = _("another workshop")
    for manufacturer, serial, tag, owner in _known_serials(serials, chunk):
        # Another workshop's asset tag is not ours to show.
        known[(manufacturer, serial)] = tag if owner == workshop_id else elsewhere
    by_line = {entry["line"]: entry for entry in analysis.preview}
    for line, key in keyed:
        if key in known:
            message = (
                _("Serial number %(serial)s is already registered as %(tag)s.")
                % {"serial": key[1], "tag": known[key]}
                if known[key] != elsewhere
                else _("Serial number %(serial)s is already registered in another workshop.")
                % {"serial": key[1]}
            )
            if line in by_line:
                by_line[line]["errors"].append(message)
            analysis.errors.append(
                RowError(
                    line,
                    _column_label(columns, "serial_number"),
                    message,
                )
            )


def import_file(
    content: bytes,
    filename: str,
    *,
    batch: CollectionBatch,
    user: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportAnalysis:
    """Analyse then, unless dry_run, write every row or none. Raises ImportRefused on errors."""
    analysis = analyse_file(content, filename, workshop_id=batch.workshop_id, progress=progress)
    if analysis.errors or not analysis.specs:
        raise ImportRefused(analysis)
    if not dry_run:
        devices_receive_many(
            batch=batch, specs_list=analysis.specs, user=user, source=DeviceSource.SPREADSHEET
        )
    return analysis


# ImportJob: the screens' path, run by Celery tasks (eagerly without a broker).


def _job_progress(job_id: int) -> Progress:
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    return report


def import_job_create(*, batch: CollectionBatch, user: User, uploaded_file) -> ImportJob:
    job = ImportJob(
        workshop_id=batch.workshop_id,
        batch=batch,
        created_by=user,
        original_name=uploaded_file.name[:255],
        status=ImportStatus.ANALYSING,
    )
    job.file.save(uploaded_file.name, uploaded_file, save=False)
    job.save()
    jobs.publish_on_commit(job)  # broker down: stays analysing, says it is delayed
    return job


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as f:
        return f.read()


def import_job_analyse(*, job_id: int) -> None:
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportStatus.ANALYSING:
        return  # already done: a retried task must not redo it
    try:
        _analyse(job)
    except Exception:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=_("The file could not be analysed because of an unexpected error."),
        )
        raise


def _analyse(job: ImportJob) -> None:
    analysis = analyse_file(
        _read(job),
        job.original_name,
        workshop_id=job.workshop_id,
        progress=_job_progress(job.pk),
    )
    # Only a job still analysing: a duplicated task must not undo a confirmation.
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.ANALYSING).update(
        status=ImportStatus.PREVIEW if analysis.ok else ImportStatus.FAILED,
        total_rows=analysis.total_rows,
        processed_rows=analysis.total_rows,
        error_count=len(analysis.errors),
        report=analysis.as_report(),
        message="" if analysis.ok else _("The file has errors: nothing was imported."),
        finished_at=None if analysis.ok else timezone.now(),
    )


def import_job_confirm(*, job: ImportJob, user: User) -> ImportJob:
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
        status=ImportStatus.IMPORTING, processed_rows=0
    )
    if not updated:
        raise ValueError(_("This import is not waiting for confirmation."))
    job.refresh_from_db()
    # When the import started and who confirmed it: for the sweep of stuck jobs and for a
    # publication retried after the broker was down (core.jobs).
    ImportJob.objects.filter(pk=job.pk).update(
        report={**job.report, "confirmed_at": timezone.now().isoformat(), "confirmed_by": user.pk}
    )
    jobs.publish_on_commit(job, user_id=user.pk)
    job.refresh_from_db()
    return job


def import_job_cancel(*, job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now()
    )


def import_job_run(*, job_id: int, user_id: int | None) -> None:
    """Import a confirmed job, once: the devices and the job's "done" are written in one
    transaction holding the job's row lock, so a task run twice (worker killed and the task
    redelivered, or published again by the sweep) waits, then finds the job done; a worker
    killed midway leaves nothing written and the job importing, for the redelivered task."""
    job = ImportJob.objects.select_related("batch").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return
    user = User.objects.filter(pk=user_id).first()
    importing = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING)
    try:
        # Re-analysed: the database may have changed since the preview.
        analysis = import_file(
            _read(job),
            job.original_name,
            batch=job.batch,
            user=user,
            dry_run=True,
            progress=_job_progress(job.pk),
        )
        jobs.test_pause()
        with transaction.atomic():
            if not importing.select_for_update().exists():
                return  # done (or given up) by another run meanwhile
            devices_receive_many(
                batch=job.batch,
                specs_list=analysis.specs,
                user=user,
                source=DeviceSource.SPREADSHEET,
            )
            n = len(analysis.specs)
            importing.update(
                status=ImportStatus.DONE,
                created_count=n,
                processed_rows=analysis.total_rows,
                finished_at=timezone.now(),
                message=ngettext("%(n)s device imported.", "%(n)s devices imported.", n) % {"n": n},
            )
    except ImportRefused as refused:
        importing.update(
            status=ImportStatus.FAILED,
            error_count=len(refused.analysis.errors),
            report=refused.analysis.as_report(),
            message=str(refused),
            finished_at=timezone.now(),
        )
        return
    except Exception:
        # Never leave the page polling a job that died: say so, then let Celery log it.
        importing.update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=_(
                "The import stopped on an unexpected error: nothing was imported. "
                "Try again or contact the coordination."
            ),
        )
        raise


IMPORT_WAITING = [ImportStatus.ANALYSING, ImportStatus.IMPORTING]


def _import_started(job: ImportJob) -> datetime:
    # An import waits for its confirmation (any time after the upload); it starts then.
    confirmed = (job.report or {}).get("confirmed_at")
    return datetime.fromisoformat(confirmed) if confirmed else job.created_at


def import_jobs_delayed(message: str):
    return ImportJob.objects.filter(status__in=IMPORT_WAITING, message=message)


def import_jobs_sweep(
    *, now: datetime, stuck_after: timedelta, republish_after: timedelta, delayed_message: str
) -> jobs.SweepResult:
    """Imports unfinished past stuck_after (counted from their confirmation) fail with the
    reason; those waiting past republish_after are given back to be published again."""
    reason = _(
        "The import stopped before it was finished (the background worker was "
        "interrupted): nothing was imported. Start it again."
    )
    failed = 0
    waiting = []
    for job in ImportJob.objects.filter(status__in=IMPORT_WAITING).exclude(message=delayed_message):
        started = _import_started(job)
        if started < now - stuck_after:
            failed += ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                status=ImportStatus.FAILED, finished_at=now, message=reason
            )
        elif started < now - republish_after:
            waiting.append(job)
    return jobs.SweepResult(failed=failed, waiting=waiting)
