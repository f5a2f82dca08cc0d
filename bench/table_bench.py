"""VIN table benchmark: server time of table pages with 1,000,000 vehicles in one workspace.

    DEBUG=1 .venv/bin/python bench/table_bench.py --db sqlite      # bench/out/fleet_bench_table.sqlite3
    DEBUG=1 .venv/bin/python bench/table_bench.py --db postgres    # database fleet_bench_table

The rows are written once with raw executemany (SQLite) or COPY (PostgreSQL) into a database of their own,
the kept counts are rebuilt (`vehicles.status.counts.recount`) and statistics gathered (ANALYZE); later runs reuse
them (--rebuild starts again). Each page is rendered by the real view (RequestFactory, the whole page) and
timed; the figure is the median. The pages take turns, round after round. The baseline is the first page of
a workspace of 1,000 vehicles in the same database, measured in the same run.
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

BIG, SMALL = 1_000_000, 1_000
LIMIT_MS = 100.0
RATIO_LIMIT = 1.5
STATUSES = [("enabled", 60), ("pending", 15), ("incomplete", 5), ("disabled", 10), ("error", 10)]
MAKES = {"BMW": "WBA", "Ford": "1FA", "Tesla": "5YJ", "Volvo Cars": "YV1", "Ferrari": "ZFF"}


def rows(workspace_id, n, make_ids, seed):
    rng = random.Random(seed)
    now = datetime.now(UTC)
    weights = [w for _, w in STATUSES]
    names = [s for s, _ in STATUSES]
    makes = list(make_ids.items())
    for serial in range(n):
        name, make_id = makes[serial % len(makes)]
        vin = f"{MAKES[name]}{serial:014d}"
        status = rng.choices(names, weights)[0]
        changed = now - timedelta(seconds=rng.randrange(365 * 24 * 3600))
        yield (
            workspace_id,
            vin,
            make_id,
            rng.choice([None, *range(2012, 2026)]),
            rng.randrange(0, 300_000),
            "km",
            status,
            "Refused by the provider: not recognised" if status == "error" else "",
            None,
            None,
            1,
            changed,
            changed,
            None,
            "",
        )


COLUMNS = (
    "workspace_id, vin, make_id, model_year, odometer, odometer_unit, status, error_reason, platform_approved_at,"
    " provider_approved_at, approval_round, created_at, status_changed_at, deleted_at, previous_status"
)


def load(workspace, n, make_ids, seed):
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        common.write_rows(cursor, "vehicles_vehicle", COLUMNS, rows(workspace.pk, n, make_ids, seed))
    print(f"  loaded {n:,} vehicles into {workspace.slug} in {time.perf_counter() - started:.1f} s", flush=True)


def analyze():
    common.analyze(["vehicles_vehicle"], ["vehicles_vehiclecount"])


def build(rebuild):
    from django.db import connection

    from vehicles.status.counts import recount

    user = common.prepare()
    workspaces = {}
    for slug, n in (("bench-big", BIG), ("bench-small", SMALL)):
        workspace = common.managed_workspace(slug, user)
        have = workspace.vehicles.count()
        if rebuild or have != n:
            print(f"building {slug}: {n:,} vehicles ({connection.vendor})", flush=True)
            workspace.vehicles.model.all_objects.filter(workspace=workspace).delete()
            load(workspace, n, common.make_ids(MAKES), seed=slug)
            recount(workspace)
            analyze()
        workspaces[slug] = workspace
    return user, workspaces


def timed(view, scenarios, runs):
    """{label: (median ms, p90 ms, median CPU ms of this process)}, after 3 warm-up requests each.

    The scenarios take turns (one request each per round), so that the load of a shared machine weighs on all
    of them alike, the baseline included.
    """
    for _, request_for, _ in scenarios:
        for _ in range(3):
            view(request_for())
    times = {label: [] for label, _, _ in scenarios}
    cpu = {label: [] for label, _, _ in scenarios}
    for _ in range(runs):
        for label, request_for, _ in scenarios:
            request = request_for()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = view(request)
            times[label].append((time.perf_counter() - started) * 1000)
            cpu[label].append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.status_code
    return {
        label: (
            statistics.median(times[label]),
            sorted(times[label])[int(runs * 0.9) - 1],
            statistics.median(cpu[label]),
        )
        for label in times
    }


def table_pages(user):
    """(page, view): `page(slug, **params)` makes a function building a request of the VIN table for `user`,
    `view(request)` answers it (the view itself, without the middleware: what `timed` measures)."""
    from django.test import RequestFactory
    from django.urls import reverse
    from django_htmx.middleware import HtmxDetails

    from vehicles.views.table import vehicle_list

    factory = RequestFactory()

    def page(slug, **params):
        def make():
            request = factory.get(reverse("vehicles:list", args=[slug]), params)
            request.user = user
            request.htmx = HtmxDetails(request)
            request.resolver_kwargs = {"slug": slug}
            return request

        return make

    def view(request):
        return vehicle_list(request, **request.resolver_kwargs)

    return page, view


def measure(user, workspaces, runs):
    page, view = table_pages(user)

    scenarios = [
        ("first page, 1,000 vehicles (baseline)", page("bench-small"), True),
        ("first page, 1M vehicles", page("bench-big"), True),
        ("status-filtered page (Disabled), 1M", page("bench-big", status="disabled"), True),
        ("VIN-sorted page, 1M", page("bench-big", sort="vin"), True),
        ("page 1,000, 1M", page("bench-big", page=1000), True),
        ("for reference: VIN sorted descending, page 1,000, 1M", page("bench-big", sort="-vin", page=1000), False),
        ("for reference: make filter (Tesla), 1M", page("bench-big", make="tesla"), False),
        ("for reference: VIN prefix search, 1M", page("bench-big", vin="5YJ0000000012"), False),
        ("for reference: last page, 1M", page("bench-big", page=20000), False),
    ]
    results = []
    figures = timed(view, scenarios, runs)
    for label, _, required in scenarios:
        median, p90, cpu = figures[label]
        results.append((label, median, p90, required))
        print(f"  {label:<55} median {median:7.1f} ms   p90 {p90:7.1f} ms   (CPU here {cpu:5.1f} ms)", flush=True)
    return results


def main():
    args = common.table_parser(__doc__, runs=30).parse_args()
    common.configure(args.db, "table")
    from django.db import connection

    user, workspaces = build(args.rebuild)
    load = os.getloadavg()[0]
    print(
        f"measuring on {connection.vendor}: {args.runs} rounds, each page once a round, after 3 warm-up runs;"
        f" load {load:.1f}",
        flush=True,
    )
    results = measure(user, workspaces, args.runs)

    baseline = results[0][1]
    first_big = results[1][1]
    ratio = first_big / baseline
    failures = [label for label, median, _, required in results[1:] if required and median >= LIMIT_MS]
    print(
        f"first page 1M / first page 1,000 = {first_big:.1f} / {baseline:.1f} ms = {ratio:.2f}x (limit {RATIO_LIMIT}x)"
    )
    if ratio > RATIO_LIMIT:
        failures.append("ratio")
    print("RESULT:", "OK" if not failures else f"MISSED {failures}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
