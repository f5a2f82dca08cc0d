"""Change-log benchmark: what writing the events costs the import and a bulk disable.

    DEBUG=1 .venv/bin/python -m bench.events_bench                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_events .venv/bin/python -m bench.events_bench

Figures printed (all measured in the same run, on the same database, each the best of --repeat runs, with and
without the change log alternating so that neither gets a warmer cache):
- import: 100,000 rows as a CSV file through `jobs.import_file` with its 1,000 `vehicle.status_changed` events,
  as a ratio to the same import with the change log switched off (`machine.record_changes` writing nothing);
  goal <= 1.15x;
- bulk disable: 10,000 Enabled VINs disabled in one `machine.apply` with its 100 events, as a ratio to the same
  disable without them.
"""

import contextlib
import tempfile
import time
from pathlib import Path

from bench import common
from bench.import_bench import run_import, workspace, write_csv


@contextlib.contextmanager
def change_log(on):
    from vehicles.status import machine

    real = machine.record_changes
    if not on:
        machine.record_changes = lambda event, by, changes, at=None: [None] * len(changes)
    try:
        yield
    finally:
        machine.record_changes = real


def bmw_csv(path, rows):
    """VINs of one activated make: all of them become Pending, then Enabled."""
    from vehicles.demo import make_vin

    with open(path, "w") as f:
        f.write("vin\n" + "".join(f"{make_vin('WBA', serial, seed=3)}\n" for serial in range(rows)))


def timed_import(slug, path, on):
    ws = workspace(slug)
    with change_log(on):
        elapsed, summary = run_import(ws, path)
    return elapsed, summary


def timed_disable(slug, path, on):
    from vehicles.choices import Event, Party
    from vehicles.models import Vehicle
    from vehicles.status import machine
    from vehicles.status.machine import By

    ws = workspace(slug)
    run_import(ws, path)
    pending = Vehicle.objects.filter(workspace=ws, status="pending")
    machine.approve(pending, Party.PLATFORM, By.operator())
    machine.approve(pending, Party.PROVIDER, By.provider("bench"))
    enabled = Vehicle.objects.filter(workspace=ws, status="enabled")
    n = enabled.count()
    with change_log(on):
        start = time.perf_counter()
        changed = machine.apply(Event.DISABLE, enabled, By.system("bench"))
        elapsed = time.perf_counter() - start
    assert len(changed) == n
    return elapsed, n


def main():
    args = common.parser(__doc__, rows=100_000, disable_rows=10_000, repeat=3).parse_args()

    common.open_database()
    from events.models import Event

    folder = Path(tempfile.mkdtemp(prefix="fleet-bench-events-"))
    path = folder / f"vins-{args.rows}.csv"
    write_csv(path, args.rows)

    with_log, without = [], []
    for i in range(args.repeat):
        events_before = Event.objects.count()
        t, summary = timed_import(f"bench-on-{i}", path, True)
        with_log.append(t)
        events = Event.objects.count() - events_before
        t, _ = timed_import(f"bench-off-{i}", path, False)
        without.append(t)
    added = summary["outcomes"]["added"]
    print(
        f"import of {args.rows:,} rows ({added:,} added, {events:,} events): "
        f"with the change log {min(with_log):.2f} s, without {min(without):.2f} s = "
        f"{min(with_log) / min(without):.3f}x (goal <= 1.15x)"
    )

    small = folder / f"bmw-{args.disable_rows}.csv"
    bmw_csv(small, args.disable_rows)
    on, off = [], []
    for i in range(args.repeat):
        t, n = timed_disable(f"bench-dis-on-{i}", small, True)
        on.append(t)
        t, _ = timed_disable(f"bench-dis-off-{i}", small, False)
        off.append(t)
    print(
        f"bulk disable of {n:,} Enabled VINs: with the change log {min(on) * 1000:.0f} ms, without "
        f"{min(off) * 1000:.0f} ms = {min(on) / min(off):.3f}x"
    )


if __name__ == "__main__":
    main()
