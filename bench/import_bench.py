"""Upload benchmark: a 100,000-row CSV imported end to end against a raw bulk insert of the same rows.

    DEBUG=1 .venv/bin/python -m bench.import_bench                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_upload .venv/bin/python -m bench.import_bench
    add --million to also import 1,000,000 rows through the worker (db_worker --batch) and print its peak memory

Figures printed (all measured in the same run, on the same database):
- lean: 100k rows in one transaction (SQLite executemany; PostgreSQL COPY) into a *lean* table — the vehicles
  table's columns with only the unique live (workspace, vin) index and a (workspace, status) index: the physical
  limit of the work, the baseline;
- raw: the same rows into the vehicles table itself, with all its indexes (the earlier baseline, still printed);
- import: the same 100k rows as a CSV file through `jobs.import_file` (parse, validate, makes, dedupe,
  vehicles, history, counts, report), as a ratio to lean (goal ≤ 4×) and to raw;
- re-import: the same file again (all duplicates, 100k problem rows), as a ratio to the first import (goal ≤ 1×);
- million: 1,000,000 rows imported by the task worker in its own process, with its peak memory (goal < 250 MB).
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database():
    """Point Django at a bench database (never the dev one) and migrate it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="fleet-bench-upload-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ["DATABASE_URL"] = url
    elif "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("Use a bench database (its name must contain 'bench'), e.g. .../fleet_bench_upload")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleet.settings")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="fleet-bench-media-"))
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    return url


def write_csv(path, rows, seed=1):
    """A realistic file: several makes (some activated), odometers in km and mi, a make column now and then."""
    from vehicles.demo import make_vin

    wmis = ["WBA", "1FA", "5YJ", "YV1", "ZFF", "WVW", "JT2", "9ZZ"]
    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        f.write("vin,odometer,odometer_unit,make\n")
        for serial in range(rows):
            wmi = wmis[serial % len(wmis)]
            odometer = rng.randrange(0, 400_000) if serial % 3 else ""
            unit = "mi" if serial % 5 == 0 else "km"
            make = "BMW" if wmi == "WBA" and serial % 7 == 0 else ""
            f.write(f"{make_vin(wmi, serial, seed=seed)},{odometer},{unit},{make}\n")


def workspace(slug):
    from fleet.models import Make, MakeActivation, Workspace

    ws = Workspace.objects.create(slug=slug, name=slug)
    for name in ("BMW", "Ford", "Tesla"):
        make = Make.objects.get_or_create(name=name)[0]
        MakeActivation.objects.create(workspace=ws, make=make, state=MakeActivation.State.ACTIVE)
    return ws


LEAN = "bench_lean_vehicle"


def lean_table():
    """The vehicles table's columns with only the two indexes an import physically needs."""
    from django.db import connection

    from vehicles.models import Vehicle

    with connection.schema_editor() as editor:
        columns = []
        for field in Vehicle._meta.concrete_fields:
            definition, _ = editor.column_sql(Vehicle, field)
            columns.append(f"{editor.quote_name(field.column)} {definition}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {LEAN}")
        cursor.execute(f"CREATE TABLE {LEAN} ({', '.join(columns)})")
        cursor.execute(f"CREATE UNIQUE INDEX {LEAN}_live ON {LEAN} (workspace_id, vin) WHERE deleted_at IS NULL")
        cursor.execute(f"CREATE INDEX {LEAN}_status ON {LEAN} (workspace_id, status)")
    return LEAN


def raw_insert(ws, path, table=None):
    """The file's rows as vehicle rows, in one transaction, the database's fastest way."""
    from django.db import connection, transaction
    from django.utils import timezone

    from vehicles.models import Vehicle

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with open(path) as f:
        next(f)
        rows = []
        for line in f:
            vin, odometer, unit, _make = line.rstrip("\n").split(",")
            rows.append((ws.pk, vin, int(odometer) if odometer else None, unit, "pending", "", 1, now, now, ""))
    columns = "workspace_id, vin, odometer, odometer_unit, status, error_reason, approval_round, created_at, "
    columns += "status_changed_at, previous_status"
    # Every other column (none today) with its model default, as the import writes them.
    names = {"workspace_id", "vin", "odometer", "odometer_unit", "status", "error_reason", "approval_round"}
    names |= {"created_at", "status_changed_at", "previous_status", "id"}
    others = [f for f in Vehicle._meta.concrete_fields if f.column not in names and not f.null]
    if others:
        columns += ", " + ", ".join(f.column for f in others)
        defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        rows = [row + defaults for row in rows]
    table = table or Vehicle._meta.db_table
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        else:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return time.perf_counter() - start


def run_import(ws, path):
    from vehicles.importing import jobs
    from vehicles.models import ImportJob

    job = ImportJob.objects.create(workspace=ws, source=ImportJob.Source.COMMAND, filename=path.name)
    start = time.perf_counter()
    with open(path, "rb") as binary:
        jobs.start(job, None)
        summary = jobs.import_file(job, binary, jobs.by_for(job))
    return time.perf_counter() - start, summary


def million(path):
    """1,000,000 rows through the worker: enqueue the job's task, run `db_worker --batch` in a child process."""
    from django.core.files import File

    from vehicles.models import ImportJob, Vehicle
    from vehicles.tasks import imports

    ws = workspace("bench-million")
    job = ImportJob(workspace=ws, source=ImportJob.Source.CSV, filename=path.name)
    with open(path, "rb") as f:
        job.file.save(path.name, File(f), save=True)
    from django_tasks_db.models import DBTaskResult

    # The approval chain's tasks started by the 100k imports are not part of this figure.
    DBTaskResult.objects.all().delete()
    imports.enqueue(job)  # on_commit runs at once: we are in autocommit
    start = time.perf_counter()
    subprocess.run(
        # Only the import's task: the approval chain it starts afterwards is not part of the figure.
        [sys.executable, "manage.py", "db_worker", "--batch", "--max-tasks", "1", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        # The worker as in production: DEBUG off (no query log kept in memory).
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40)},
        check=True,
    )
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED, (job.state, job.error)
    return elapsed, peak_kb / 1024, job, Vehicle.objects.filter(workspace=ws).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also import 1,000,000 rows through the worker")
    parser.add_argument("--only-million", action="store_true", help="skip the 100k figures")
    args = parser.parse_args()

    url = setup_database()
    from django.db import connection

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    folder = Path(tempfile.mkdtemp(prefix="fleet-bench-csv-"))
    path = folder / f"vins-{args.rows}.csv"
    write_csv(path, args.rows)
    print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")

    if args.only_million:
        args.million = True
    else:
        hundred_k(path, args.rows, connection)
    if args.million:
        big = folder / "vins-1000000.csv"
        write_csv(big, 1_000_000, seed=2)
        elapsed, peak_mb, job, n = million(big)
        print(
            f"1,000,000 rows in the worker: {elapsed:.1f} s, state {job.state}, {n:,} vehicles, "
            f"peak memory (worker ru_maxrss) {peak_mb:.0f} MB (goal < 250 MB)"
        )


def hundred_k(path, rows, connection):
    lean = raw_insert(workspace("bench-lean"), path, table=lean_table())
    raw = raw_insert(workspace("bench-raw"), path)
    ws = workspace("bench-import")
    first, summary = run_import(ws, path)
    again, summary_again = run_import(ws, path)
    assert summary["outcomes"]["added"] == rows, summary
    assert summary_again["outcomes"]["duplicate"] == rows, summary_again
    how = "executemany" if connection.vendor == "sqlite" else "COPY"
    print(f"lean insert ({how}, 2 indexes): {lean:.2f} s")
    print(f"raw insert ({how}, the vehicles table with all its indexes): {raw:.2f} s = {raw / lean:.2f}x lean")
    print(f"import:    {first:.2f} s = {first / lean:.2f}x lean (goal <= 4x), {first / raw:.2f}x raw")
    print(f"re-import: {again:.2f} s = {again / first:.2f}x first import (goal <= 1x)")
    print(f"statuses: {summary['statuses']}")


if __name__ == "__main__":
    main()
