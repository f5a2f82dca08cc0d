"""What the import report's warnings cost (issue 15): the same 100,000-row file imported with and without the
warning rows (VINs added into Error or Incomplete, stored as problem rows), alternately, in one run.

    DEBUG=1 .venv/bin/python -m bench.import_warnings_bench          # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_upload \
        .venv/bin/python -m bench.import_warnings_bench

The file is bench.import_bench's (62,500 of its 100,000 rows end Incomplete or Error, so 62,500 warnings). Each
import goes into a fresh workspace; the best of n rounds of each is printed, and their ratio.
"""

import tempfile
import time
from pathlib import Path

from bench import common, import_bench


def main():
    args = common.parser(__doc__, rows=100_000, rounds=3).parse_args()
    url = common.setup_database()
    from vehicles.importing import engine

    path = Path(tempfile.mkdtemp(prefix="fleet-bench-warnings-")) / "fleet.csv"
    import_bench.write_csv(path, args.rows)
    print(f"database: {url.split(':', 1)[0]}; file: {args.rows:,} rows")
    kept = engine.WARNING_STATUSES
    times = {"with warnings": [], "without": []}
    warnings = 0
    for round_ in range(args.rounds):
        for label, statuses in (("with warnings", kept), ("without", ())):
            engine.WARNING_STATUSES = statuses
            ws = import_bench.workspace(f"bench-warnings-{round_}-{len(statuses)}")
            elapsed, summary = import_bench.run_import(ws, path)
            times[label].append(elapsed)
            if statuses:
                warnings = summary["statuses"]["error"] + summary["statuses"]["incomplete"]
    engine.WARNING_STATUSES = kept
    with_, without = min(times["with warnings"]), min(times["without"])
    print(f"warning rows written: {warnings:,}")
    print(f"import without warning rows: {without:.2f} s (best of {args.rounds})")
    print(f"import with warning rows:    {with_:.2f} s (best of {args.rounds}) = {with_ / without:.2f}x")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(run took {time.perf_counter() - start:.0f} s)")
