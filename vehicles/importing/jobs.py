"""Import jobs: one CSV upload (web or command) from its file to its report, in the foreground or the worker.

The import itself is one transaction (see `imports.ImportRun`), and the job's own "completed" is written in
that same transaction: a crash or a killed worker leaves the job "running" with nothing added, and running it
again (`retry`) ends exactly as one clean run would. While the transaction is open its progress cannot be read
from the database by anyone else (on SQLite not even written), so the worker also writes it to a small file
beside the uploaded one (`MEDIA_ROOT/imports/progress/<job id>`) after each batch of rows — its age is the job's
heartbeat: older than IMPORT_STALL_SECONDS (30 s), the job is "stalled". The task worker's own heartbeat
(fleet.workers.lease) is what brings the task back: `import_vins_file` is in WORKER_RETRY_TASKS.
"""

import os
import re
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from events import log
from events.models import EventType
from vehicles import bulk
from vehicles.choices import Status
from vehicles.importing.csvfile import check_file, check_size, count_rows, read_entries
from vehicles.importing.engine import ImportRefused, ImportRun, Outcome
from vehicles.models import ImportJob, ImportProblem
from vehicles.status.machine import By

State = ImportJob.State


class AlreadyCompleted(Exception):
    pass


def progress_path(job_id):
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / str(job_id)


def write_progress(job_id, processed):
    path = progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(str(processed))
    os.replace(temporary, path)


def read_progress(job):
    """Rows handled so far and the heartbeat's age in seconds (None when there is none)."""
    path = progress_path(job.pk)
    try:
        processed = int(path.read_text() or 0)
        age = timezone.now().timestamp() - path.stat().st_mtime
    except (OSError, ValueError):
        return job.processed_rows, None
    return max(processed, job.processed_rows), age


def forget_progress(job_id):
    progress_path(job_id).unlink(missing_ok=True)


def is_stalled(job):
    """A running job with no progress for IMPORT_STALL_SECONDS: its worker was probably stopped. It may be retried
    at once; a live worker also takes it up again by itself once its worker is taken for lost (fleet.workers)."""
    if job.state != State.RUNNING:
        return False
    _, age = read_progress(job)
    if age is None:
        age = (timezone.now() - (job.started_at or job.created_at)).total_seconds()
    return age > settings.IMPORT_STALL_SECONDS


def can_retry(job):
    return job.state == State.FAILED or is_stalled(job)


def by_for(job):
    if job.source == ImportJob.Source.COMMAND:
        return By.system("import_vins")
    if job.created_by is not None:
        return By.manager(job.created_by)
    return By.system("import")


def import_file(job, binary, by, *, on_progress=None):
    """Import an open binary CSV file for the job, in one transaction; returns the summary.

    Raises ImportRefused (nothing added) or AlreadyCompleted (another run finished this job first).
    """
    delimiter = check_file(binary)

    def header(cells):
        job.columns = cells
        ImportJob.objects.filter(pk=job.pk).update(columns=cells)

    return import_entries(job, read_entries(binary, delimiter, on_header=header), by, on_progress=on_progress)


def import_entries(job, entries, by, *, on_progress=None):
    """Import entries (a file's rows, or the eligible rows of a checked file) for the job, in one transaction, with
    its problem rows and its report; returns the summary. Raises AlreadyCompleted as import_file does."""
    run = ImportRun(job.workspace, by)
    job_id = ImportProblem._meta.get_field("job").target_field.get_db_prep_value(job.pk, connection)

    row_field = ImportProblem._meta.get_field("row")
    no_cells = row_field.get_db_prep_save([], connection)

    def problems(rows):
        bulk.insert_rows(
            ImportProblem,
            ["job_id", "line", "vin", "outcome", "status", "reason", "row"],
            [
                (job_id, *row[:5], row_field.get_db_prep_save(row[5], connection) if row[5] else no_cells)
                for row in rows
            ],
        )

    def before_commit(summary):
        done = (
            ImportJob.objects.filter(pk=job.pk)
            .exclude(state=State.COMPLETED)
            .update(
                state=State.COMPLETED,
                counts=summary,
                processed_rows=run.processed,
                total_rows=run.processed,
                finished_at=timezone.now(),
                error="",
            )
        )
        if not done:
            raise AlreadyCompleted
        record_finished(job, State.COMPLETED, by, summary=summary)

    run.on_problems = problems
    run.on_progress = on_progress
    run.before_commit = before_commit
    summary = run.run(entries)
    job.refresh_from_db()
    return summary


def start(job, total_rows=None):
    """Mark the job running — never a job another run finished meanwhile (a lost task run again, a retry)."""
    ImportJob.objects.filter(pk=job.pk).exclude(state__in=[State.COMPLETED, State.REFUSED]).update(
        state=State.RUNNING, started_at=timezone.now(), total_rows=total_rows, error=""
    )
    job.refresh_from_db()


def record_finished(job, state, by, summary=None, error=""):
    """The `import.finished` event, in the transaction that finishes the job."""
    data = {"import": str(job.pk), "state": str(state), "source": job.source, "filename": job.filename}
    if summary is not None:
        data["outcomes"] = dict(summary["outcomes"])
        data["statuses"] = dict(summary["statuses"])
    if error:
        data["error"] = error
    log.record(job.workspace_id, EventType.IMPORT_FINISHED, data, actor=str(by.actor), actor_name=by.name)


def _end(job, state, message):
    with transaction.atomic():
        ended = (
            ImportJob.objects.filter(pk=job.pk)
            .exclude(state=State.COMPLETED)
            .update(state=state, error=message, finished_at=timezone.now())
        )
        if ended:
            record_finished(job, state, by_for(job), error=message)
    job.refresh_from_db()


def refuse(job, message):
    _end(job, State.REFUSED, message)


def fail(job, message):
    _end(job, State.FAILED, message)


def stopped_message(error):
    """The one text of an import that stopped on an unexpected error (web, command and worker alike)."""
    return f"The import stopped: {error.__class__.__name__}: {error}. Nothing was added; it may be retried."


def run(job, binary, by, *, size=None, total_rows=None, on_start=None, on_progress=None):
    """The one lifecycle of an import job whose file is open here (the upload view, the command, the worker):
    size and format checked, rows counted, the job running, the rows imported in one transaction — or the job
    refused (with the reason) or failed (with `stopped_message`, then the error is raised again). Returns the job.
    `on_start(total_rows)` is called once the job runs; a job another run finished meanwhile is left as it is."""

    def prepare():
        check_size(size)
        check_file(binary)
        return count_rows(binary) if total_rows is None else total_rows

    return _live(job, prepare, lambda: import_file(job, binary, by, on_progress=on_progress), on_start)


def run_entries(job, entries, by):
    """The same lifecycle for rows already read and checked (the eligible rows of an eligibility check)."""
    return _live(job, lambda: len(entries), lambda: import_entries(job, entries, by))


def _live(job, prepare, do_import, on_start=None):
    try:
        start(job, prepare())
        if job.state != State.RUNNING:
            return job  # finished by another run while this one counted the rows
        if on_start:
            on_start(job.total_rows)
        do_import()
    except ImportRefused as refused:
        refuse(job, str(refused))
    except AlreadyCompleted:
        job.refresh_from_db()
    except Exception as error:
        fail(job, stopped_message(error))
        raise
    return job


def run_job(job_id, *, on_progress=None):
    """Run a stored job from its saved file (the worker's task). Running a finished job again does nothing."""
    job = ImportJob.objects.select_related("workspace", "created_by").get(pk=job_id)
    if job.state in (State.COMPLETED, State.REFUSED):
        return job
    if not job.file:
        fail(job, "The uploaded file is no longer there; upload it again.")
        return job

    def progress(processed):
        write_progress(job.pk, processed)
        if on_progress:
            on_progress(processed, job.total_rows)

    try:
        with _open_stored(job.file) as binary:
            write_progress(job.pk, 0)
            run(job, binary, by_for(job), size=job.file.size, on_progress=progress)
    finally:
        forget_progress(job.pk)
    job.refresh_from_db()
    if job.state in (State.COMPLETED, State.REFUSED):
        discard_file(job)
    return job


def _open_stored(file):
    """The stored upload as a plain binary file (fast line iteration) where the storage has paths."""
    try:
        return open(file.path, "rb")  # noqa: SIM115
    except NotImplementedError:
        return file.open("rb")


def discard_file(job):
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def mark_queued(job):
    """The stored job waits for the worker (vehicles.tasks.imports.enqueue hands it over)."""
    ImportJob.objects.filter(pk=job.pk).update(state=State.QUEUED, error="", started_at=None, finished_at=None)


def problem_counts(job):
    return {name: job.counts.get("outcomes", {}).get(name, 0) for name in Outcome.PROBLEMS}


def problem_csv_name(job):
    """The problem CSV's file name: the uploaded file's name and the import's date (`fleet-2026-12-03-problems.csv`)."""
    stem = Path(job.filename or job.source).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "import"
    return f"{stem[:80]}-{timezone.localdate(job.created_at):%Y-%m-%d}-problems.csv"


def problem_csv(job):
    """(header, rows) of the rows to fix and upload again: every row that was not added, with all the columns of
    the uploaded file as given, plus `line` first and `reason` last. Rows that were added (warnings: Error,
    Incomplete) are in the workspace already — uploading them again would only report duplicates — so they are
    listed on the report's page, not here."""
    columns = list(job.columns) or ["vin"]
    header = ["line", *columns, "reason"]
    width = len(columns)

    def rows():
        for problem in job.problems.filter(status="").order_by("line", "id").iterator(chunk_size=5000):
            cells = list(problem.row) or [problem.vin]
            cells = (cells + [""] * width)[:width]  # cells beyond the header were ignored by the import
            yield [problem.line, *cells, problem.reason]

    return header, rows()


def summary_lines(summary):
    """The report's counts as text lines (the command prints what the page shows)."""
    outcomes, statuses = summary.get("outcomes", {}), summary.get("statuses", {})
    lines = [f"{Outcome.LABELS[name]}: {outcomes.get(name, 0):,}" for name in Outcome.ALL]
    by_status = ", ".join(f"{label} {statuses.get(value, 0):,}" for value, label in Status.choices)
    lines.insert(2, f"Added and re-added by status: {by_status}")
    return lines
