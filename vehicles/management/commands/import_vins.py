import os
import time

from django.core.management.base import BaseCommand, CommandError

from vehicles.importing import jobs
from vehicles.importing.csvfile import check_size, count_rows
from vehicles.importing.engine import ImportRefused, Outcome
from vehicles.management.commands._helpers import workspace_by_slug
from vehicles.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import a CSV file of VINs into a workspace, in the foreground whatever its size, with the same rules and "
        "per-row report as the upload page. Exits non-zero when the file as a whole is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("workspace_slug")
        parser.add_argument("file", help="CSV file: header row with a vin column (odometer, odometer_unit, make)")
        parser.add_argument("--problems", type=int, default=20, help="problem rows to print (default 20; -1: all)")

    def handle(self, workspace_slug, file, problems, **options):
        workspace = workspace_by_slug(workspace_slug)
        try:
            binary = open(file, "rb")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.COMMAND, filename=file[-255:])
        started = time.monotonic()
        last = [0.0]

        def progress(processed):
            now = time.monotonic()
            if now - last[0] >= 1 or processed == total:
                last[0] = now
                share = f" ({100 * processed // total}%)" if total else ""
                self.stderr.write(f"  {processed:,} of about {total:,} rows read and checked{share}")

        with binary:
            try:
                check_size(os.fstat(binary.fileno()).st_size)
                total = count_rows(binary)
                jobs.start(job, total)
                self.stdout.write(f"Importing {file} into {workspace.slug} (about {total:,} rows)…")
                summary = jobs.import_file(job, binary, jobs.by_for(job), on_progress=progress)
            except ImportRefused as refused:
                jobs.refuse(job, str(refused))
                raise CommandError(f"The file was refused, nothing was added: {refused}") from None
            except Exception as error:
                jobs.fail(job, f"The import stopped: {error}. Nothing was added.")
                raise
        self.stdout.write(f"Imported {job.processed_rows:,} rows in {time.monotonic() - started:.1f} s.")
        for line in jobs.summary_lines(summary):
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
