"""Where an import's time goes (issue 9): diagnostic figures behind docs/benchmarks.md "A leaner import write".

    DEBUG=1 .venv/bin/python -m bench.import_costs                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_hot .venv/bin/python -m bench.import_costs

Prints, from one run on a fresh bench database, this process's CPU time (on SQLite all the work; on PostgreSQL
the client's part only):
- a raw insert of 100k rows into the lean table, into the vehicles table, and into the vehicles table with the
  global `vin` index of before migration 0004 put back for the measurement (then dropped again);
- one 100k-row import split into the engine's steps (validation, existence look-ups, the vehicles insert, the
  history insert, the events, the counts, the statistics refresh) and the rest.
"""

import collections
import functools
import tempfile
import time
from pathlib import Path

from bench import common
from bench import import_bench as bench

STEPS = collections.Counter()


def timed(owner, name, label):
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            STEPS[label] += time.process_time() - start

    setattr(owner, name, wrapper)


def main():
    common.setup_database()
    from django.db import connection

    from vehicles.importing import engine
    from vehicles.status import machine

    timed(engine.ImportRun, "_check", "validation")
    timed(engine, "existing_vehicles", "existence look-ups")
    timed(machine.Uploads, "insert_vehicles", "vehicles insert")
    timed(machine.Uploads, "insert_history", "history insert")
    timed(machine, "record_changes", "events")
    timed(machine.Uploads, "finish", "counts")
    timed(engine, "analyze_vehicles", "statistics refresh")

    path = Path(tempfile.mkdtemp(prefix="fleet-bench-csv-")) / "vins.csv"
    bench.write_csv(path, 100_000)
    lean_table = bench.lean_table()
    print(f"database: {connection.vendor}; CPU seconds of this process")
    for i in range(2):
        bench.raw_insert(bench.workspace(f"costs-lean-{i}"), path, table=lean_table)
        lean = bench.CPU[lean_table]
        bench.raw_insert(bench.workspace(f"costs-raw-{i}"), path)
        raw = bench.CPU["vehicles_vehicle"]
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX bench_global_vin ON vehicles_vehicle (vin)")
        bench.raw_insert(bench.workspace(f"costs-vin-{i}"), path)
        with_vin = bench.CPU["vehicles_vehicle"]
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX bench_global_vin")
        print(
            f"raw insert of 100k rows: lean {lean:.2f}, vehicles {raw:.2f}, "
            f"vehicles with a global vin index {with_vin:.2f}"
        )
        STEPS.clear()
        _elapsed, _summary = bench.run_import(bench.workspace(f"costs-import-{i}"), path)
        total = bench.CPU["import"]
        steps = ", ".join(f"{label} {seconds:.2f}" for label, seconds in STEPS.items())
        print(f"import of 100k rows: {total:.2f} = {steps}, rest {total - sum(STEPS.values()):.2f}")


if __name__ == "__main__":
    main()
