"""Approval-chain benchmark: make activation and the worker's chain, against baselines measured in the same run.

    DEBUG=1 .venv/bin/python -m bench.chain_bench                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_chain .venv/bin/python -m bench.chain_bench

Figures printed:
- activation: queries and seconds to activate a make with 10,000 and 100,000 Incomplete VINs (Incomplete → Pending
  and the chain's task enqueued), as a ratio to activating one with 100 (goal: the same number of queries);
- chain: seconds for the real worker (`db_worker --batch`) to take 10,000 Pending VINs to Enabled (automatic
  platform approval, the simulated provider with no delay, first reading fetched), as a ratio to recording the
  same two approvals for the same number of VINs with direct status-machine calls (the floor: no provider, no
  tasks).
"""

import os
import signal
import sys
import time

from bench.common import setup_database

N_SMALL, N_BIG, N_HUGE, N_CHAIN = 100, 10_000, 100_000, 10_000


def incomplete(slug, count, seed):
    from fleet.models import Workspace
    from vehicles.demo import make_vin
    from vehicles.importing.engine import Entry, add_vehicles
    from vehicles.status.machine import By

    workspace = Workspace.objects.create(slug=slug, name=slug)
    entries = [Entry(vin=make_vin("ZFF", n, seed=seed)) for n in range(count)]
    for start in range(0, count, 20_000):
        add_vehicles(workspace, entries[start : start + 20_000], By.system("bench"))
    return workspace


def activate(workspace):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fleet.models import Make
    from vehicles.status.machine import By, activate_make

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        moved = activate_make(workspace, Make.objects.named("Ferrari"), By.system("bench"))
        seconds = time.perf_counter() - started
    return len(moved), len(queries), seconds


def run_worker():
    from django.core.management import call_command

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def main():
    url = setup_database()
    from django.conf import settings

    settings.SIMULATED_PROVIDER = {
        "DECISION_DELAY_SECONDS": 0,
        "REFUSE_LAST_CHARACTERS": "",
        "HISTORY_HOURS": 0,  # the first fetch brings the current reading only
    }
    settings.PROVIDER_RETRY_BACKOFF_SECONDS = 0
    from fleet.models import Make
    from vehicles.choices import Party, Status
    from vehicles.models import Reading, Vehicle
    from vehicles.status.machine import By, activate_make, approve

    print(f"database: {url.split('://')[0]}; machine: {os.cpu_count()} cores")
    results = {}
    for label, count, seed in (("small", N_SMALL, 1), ("big", N_BIG, 2), ("huge", N_HUGE, 3)):
        workspace = incomplete(f"bench-{label}", count, seed)
        results[label] = activate(workspace)
        moved, queries, seconds = results[label]
        print(f"activation of {moved:>7,} Incomplete VINs: {queries} queries, {seconds:.3f} s")
    base_queries = results["small"][1]
    for label in ("big", "huge"):
        moved, queries, seconds = results[label]
        print(
            f"  {moved:,} vs {N_SMALL}: queries ratio {queries / base_queries:.2f}× "
            f"(time per VIN {seconds / moved / (results['small'][2] / N_SMALL):.2f}× the 100-VIN run's)"
        )

    # Baseline: the two approvals recorded directly by the status machine, no provider, no worker.
    floor = incomplete("bench-floor", N_CHAIN, 4)
    ferrari = Make.objects.named("Ferrari")
    activate_make(floor, ferrari, By.system("bench"))
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the chain is measured below, not for the baseline
    started = time.perf_counter()
    pending = Vehicle.objects.filter(workspace=floor)
    approve(pending, Party.PLATFORM, By.system("bench"))
    approve(pending, Party.PROVIDER, By.system("bench"))
    direct = time.perf_counter() - started
    assert Vehicle.objects.filter(workspace=floor, status=Status.ENABLED).count() == N_CHAIN

    chained = incomplete("bench-chain", N_CHAIN, 5)
    chained.auto_platform_approval = True
    chained.save()
    activate_make(chained, ferrari, By.system("bench"))
    started = time.perf_counter()
    run_worker()
    worker = time.perf_counter() - started
    enabled = Vehicle.objects.filter(workspace=chained, status=Status.ENABLED).count()
    readings = Reading.objects.filter(vin__in=Vehicle.objects.filter(workspace=chained).values("vin")).count()
    assert enabled == N_CHAIN, enabled
    print(f"direct approvals of {N_CHAIN:,} Pending VINs (baseline): {direct:.2f} s")
    print(
        f"worker chain for {N_CHAIN:,} VINs (provider, automatic platform approval, {readings:,} first readings): "
        f"{worker:.2f} s = {worker / direct:.1f}× the baseline; {N_CHAIN / worker:,.0f} VINs/s"
    )


if __name__ == "__main__":
    sys.exit(main())
