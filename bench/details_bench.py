"""Details and labels benchmark: the VIN table's search (`q`) and `label` filter with 1,000,000 vehicles.

    DEBUG=1 .venv/bin/python bench/details_bench.py --db sqlite      # bench/out/fleet_bench_details.sqlite3
    DEBUG=1 .venv/bin/python bench/details_bench.py --db postgres    # database fleet_bench_details

One workspace of 1,000,000 vehicles, each with a license plate (80 %), a name (60 %) and 0–3 labels (about
1.3 million label rows): `depot-1` … `depot-5` about 20 % of the vehicles each, `ev` 10 %, `route-00` … `route-99`
0.5 % each, `audit-0` … `audit-9` 0.01 % each (100 vehicles). A second workspace of 1,000 vehicles gives the
baseline, its first page — the same baseline bench/table_bench.py uses. The rows are written once with raw
executemany (SQLite) or COPY (PostgreSQL); later runs reuse them (--rebuild starts again). Each page is rendered
by the real view (RequestFactory, the whole page), the scenarios take turns round after round, the figure is
the median; the ratio is each page's median over the baseline's, measured in the same run.
"""

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, table_bench  # noqa: E402

BIG, SMALL = 1_000_000, 1_000
LIMIT_MS = 50.0
WORDS = ["Courier", "Van", "Truck", "Pool", "Service", "Shuttle", "Tender", "Loader", "Sprinter", "Transit"]


def plate(serial):
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return f"{letters[serial % 23]}{letters[serial // 23 % 23]}-{serial % 1000:03d}-{serial // 1000 % 1000:03d}"


def vehicle_label_names(rng):
    names = []
    if rng.random() < 0.9:
        names.append(f"depot-{rng.randrange(1, 6)}")
    if rng.random() < 0.1:
        names.append("ev")
    if rng.random() < 0.5:
        names.append(f"route-{rng.randrange(100):02d}")
    if rng.random() < 0.001:
        names.append(f"audit-{rng.randrange(10)}")
    return names


def load(workspace, n, make_ids, seed):
    """Vehicles (table_bench's rows) with names and plates, then their labels."""
    from django.db import connection, transaction

    from vehicles.details import search_key
    from vehicles.models import Label

    rng = random.Random(f"{seed}-details")
    started = time.perf_counter()
    columns = table_bench.COLUMNS + ", name, name_key, license_plate"
    table = "vehicles_vehicle"

    def rows():
        for serial, row in enumerate(table_bench.rows(workspace.pk, n, make_ids, seed)):
            name = f"{WORDS[serial % 10]} {serial}" if rng.random() < 0.6 else ""
            yield (*row, name, search_key(name), plate(serial) if rng.random() < 0.8 else "")

    with transaction.atomic(), connection.cursor() as cursor:
        common.write_rows(cursor, table, columns, rows())
        vocabulary = [f"depot-{i}" for i in range(1, 6)] + ["ev"]
        vocabulary += [f"route-{i:02d}" for i in range(100)] + [f"audit-{i}" for i in range(10)]
        labels = Label.objects.resolve(workspace.pk, vocabulary)
        cursor.execute("SELECT id FROM vehicles_vehicle WHERE workspace_id = %s ORDER BY id", [workspace.pk])
        ids = [row[0] for row in cursor.fetchall()]
        pairs = ((pk, labels[name].pk) for pk in ids for name in vehicle_label_names(rng))
        count = common.write_rows(cursor, "vehicles_vehiclelabel", "vehicle_id, label_id", pairs)
    print(
        f"  loaded {n:,} vehicles and {count:,} labels into {workspace.slug} in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def analyze():
    common.analyze(["vehicles_vehicle", "vehicles_vehiclelabel"], ["vehicles_label", "vehicles_vehiclecount"])


def build(rebuild):
    from vehicles.status.counts import recount

    user = common.prepare()
    for slug, n in (("bench-big", BIG), ("bench-small", SMALL)):
        workspace = common.managed_workspace(slug, user)
        if rebuild or workspace.vehicles.count() != n:
            print(f"building {slug}: {n:,} vehicles", flush=True)
            workspace.vehicles.model.all_objects.filter(workspace=workspace).delete()
            workspace.labels.all().delete()
            load(workspace, n, common.make_ids(table_bench.MAKES), seed=slug)
            recount(workspace)
            analyze()
    return user


def main():
    parser = common.table_parser(__doc__, runs=20)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    common.configure(args.db, "details")
    from django.db import connection

    user = build(args.rebuild)
    if args.build_only:
        return 0
    page, view = table_bench.table_pages(user)

    scenarios = [
        ("first page, 1,000 vehicles (baseline)", page("bench-small"), False),
        ("first page, 1M vehicles", page("bench-big"), True),
        ("q: VIN prefix, 1 match (5YJ00000000123)", page("bench-big", q="5yj00000000123"), True),
        ("q: VIN prefix, 200 (WBA00000000001)", page("bench-big", q="WBA00000000001"), True),
        ("q: VIN prefix, 200,000 (wba)", page("bench-big", q="wba"), True),
        (f"q: plate, 1 ({plate(123456).lower()})", page("bench-big", q=plate(123456).lower()), True),
        (f"q: plate prefix, ~80 ({plate(123456)[:6]})", page("bench-big", q=plate(123456)[:6]), True),
        ("q: plate prefix, ~1,500 (AB-)", page("bench-big", q="AB-"), True),
        ("q: name prefix, few (courier 12345)", page("bench-big", q="courier 12345"), True),
        ("q: name prefix, many (van)", page("bench-big", q="van"), True),
        ("q: no match (zzz)", page("bench-big", q="zzz"), True),
        ("label: common (depot-1, ~18 %)", page("bench-big", label="depot-1"), True),
        ("label: medium (route-07, ~0.5 %)", page("bench-big", label="route-07"), True),
        ("label: rare (audit-3, ~100 vehicles)", page("bench-big", label="audit-3"), True),
        ("label: two (depot-2 AND ev)", page("bench-big", label=["depot-2", "ev"]), True),
        ("label + q (route-07, AB-)", page("bench-big", label="route-07", q="AB-"), True),
        ("label: unknown (nosuch)", page("bench-big", label="nosuch"), True),
    ]
    print(f"measuring on {connection.vendor}: {args.runs} rounds; load {os.getloadavg()[0]:.1f}", flush=True)
    figures = table_bench.timed(view, scenarios, args.runs)
    baseline = figures[scenarios[0][0]][0]
    failures = []
    for label, _, required in scenarios:
        median, p90, cpu = figures[label]
        print(
            f"  {label:<45} median {median:6.1f} ms  p90 {p90:6.1f} ms  = {median / baseline:5.2f}x baseline"
            f"  (CPU here {cpu:5.1f} ms)",
            flush=True,
        )
        if required and median >= LIMIT_MS:
            failures.append(label)
    print("RESULT:", "OK" if not failures else f"MISSED {failures}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
