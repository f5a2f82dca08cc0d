import os
import time

from django.core.management.base import CommandError

from vehicles.importing import jobs
from vehicles.importing.engine import Outcome
from vehicles.management.commands._helpers import WorkspaceCommand
from vehicles.models import ImportJob


class Command(WorkspaceCommand):
    help = (
        "Import a CSV file of VINs into a workspace, in the foreground whatever its size, with the same rules and "
        "per-row report as the upload page. Exits non-zero when the file as a whole is refused."
    )

    def add_workspace_arguments(self, parser):
        parser.add_argument("file", help="CSV file: header row with a vin column (odometer, odometer_unit, make)")
        parser.add_argument("--problems", type=int, default=20, help="problem rows to print (default 20; -1: all)")

    def handle_workspace(self, workspace, file, problems, **options):
        try:
            binary = open(file, "rb")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.COMMAND, filename=file[-255:])
        started = time.monotonic()
        last = [0.0]
        total = [0]

        def progress(processed):
            now = time.monotonic()
            if now - last[0] >= 1 or processed == total[0]:
                last[0] = now
                share = f" ({100 * processed // total[0]}%)" if total[0] else ""
                self.stderr.write(f"  {processed:,} of about {total[0]:,} rows read and checked{share}")

        def announce(rows):
            total[0] = rows
            self.stdout.write(f"Importing {file} into {workspace.slug} (about {rows:,} rows)…")

        with binary:
            jobs.run(
                job,
                binary,
                jobs.by_for(job),
                size=os.fstat(binary.fileno()).st_size,
                on_start=announce,
                on_progress=progress,
            )
        if job.state == ImportJob.State.REFUSED:
            raise CommandError(f"The file was refused, nothing was added: {job.error}")
        self.stdout.write(f"Imported {job.processed_rows:,} rows in {time.monotonic() - started:.1f} s.")
        for line in jobs.summary_lines(job.counts):
            self.stdout.write(f"  {line}")
        shown = job.problems.all() if problems < 0 else job.problems.all()[:problems]
        count = job.problems.count()
        if count:
            self.stdout.write(f"Problem rows ({count:,}):")
            for problem in shown:
                label = Outcome.label(problem.outcome, problem.status)  # the report's words
                self.stdout.write(f"  line {problem.line}: {problem.vin!r}: {label}: {problem.reason}")
            if problems >= 0 and count > problems:
                self.stdout.write(f"  … and {count - problems:,} more (see the import's page, or --problems -1)")
        self.stdout.write(self.style.SUCCESS(f"Import {job.pk} completed."))
