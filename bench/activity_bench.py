"""Activity log and export benchmark: the activity page at millions of events, the VIN table's CSV export of a
million vehicles (time and peak memory).

    DEBUG=1 .venv/bin/python -m bench.activity_bench                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_activity \
        .venv/bin/python -m bench.activity_bench

Figures printed (measured in the same run, on the same database; times are the best of 5):
- activity: the page (view, query and template, through Django's test client) over --events events (default
  5,000,000) in one workspace: the first page, and pages filtered by type, by actor and by VIN; goal < 100 ms.
  Baseline: the leanest read of the same lines, one indexed `SELECT … ORDER BY seq DESC LIMIT 50` in raw SQL.
- export: `vehicles/export.csv` of --vehicles vehicles (default 1,000,000) streamed and read to the end, its time
  and the peak memory of the process that served it (a child process: ru_maxrss); goal < 150 MB. Baseline: a
  raw cursor reading the same columns and writing the same CSV lines.
"""

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time

from bench.common import ROOT, best, open_database, parser

EVENT_MIX = [  # (type, share of the events)
    ("vehicle.status_changed", 0.85),
    ("import.finished", 0.05),
    ("report.finished", 0.05),
    ("make_activation.requested", 0.05),
]
ACTORS = [("user", "mia"), ("provider", "simulated"), ("operator", "opal"), ("api", "ERP"), ("system", "system")]


def fill_events(ws, n):
    """n sequenced events straight into the table (COPY / executemany), 100,000 per transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from events.models import Event
    from vehicles import bulk

    fields = [f for f in Event._meta.concrete_fields]
    columns = [f.column for f in fields]
    start = timezone.now().timestamp() - n  # one event a second, ending now
    change = ["WBA3A5C5XDF354621", "enabled", "disabled", "Revoked", "", "2026-12-03T08:00:00.000000Z"]
    status_data = json.dumps({"event": "disable", "changes": [change] * 3})
    other_data = json.dumps({"report": "x", "state": "completed", "vins": 3, "import": "y", "make": "BMW"})
    kinds = [kind for kind, share in EVENT_MIX for _ in range(int(share * 100))]
    batch = 100_000
    for low in range(0, n, batch):
        rows = []
        for i in range(low, min(n, low + batch)):
            kind = kinds[i % len(kinds)]
            actor, name = ACTORS[i % len(ACTORS)]
            at = connection.ops.adapt_datetimefield_value(dt.datetime.fromtimestamp(start + i, tz=dt.UTC))
            data = status_data if kind == "vehicle.status_changed" else other_data
            values = {
                "id": i + 1,
                "workspace_id": ws.pk,
                "seq": i + 1,
                "type": kind,
                "actor": actor,
                "actor_name": name,
                "data": data,
                "count": 3,
                "created_at": at,
            }
            rows.append(tuple(values[f.attname] for f in fields))
        with transaction.atomic():
            bulk.insert(Event._meta.db_table, columns, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Event._meta.db_table}', 'id'), %s)", [n])
            cursor.execute(f"ANALYZE {Event._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
    from events.models import EventSequence

    EventSequence.objects.update_or_create(pk=1, defaults={"last": n})


def activity(args):
    from django.db import connection
    from django.test import Client

    from bench.import_bench import workspace
    from events.models import Event
    from fleet.models import Membership, Role
    from tests.factories import UserFactory

    ws = workspace("bench-activity")
    user = UserFactory(username="bench-viewer")
    Membership.objects.create(workspace=ws, user=user, role=Role.VIEWER)
    start = time.perf_counter()
    fill_events(ws, args.events)
    print(f"{args.events:,} events written in {time.perf_counter() - start:.0f} s")
    # One VIN with a history: the `vin` filter's path (history → its events).
    from vehicles.importing.engine import Entry, add_vehicles
    from vehicles.status.machine import By

    [result] = add_vehicles(ws, [Entry(vin="WBA3A5C5XDF354621")], By.system("bench"))

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    url = f"/workspaces/{ws.slug}/activity/"
    table = Event._meta.db_table

    def lean():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, seq, type, actor, actor_name, created_at, count FROM {table} "
                "WHERE workspace_id = %s AND seq IS NOT NULL ORDER BY seq DESC LIMIT 51",
                [ws.pk],
            )
            cursor.fetchall()

    def get(params):
        def run():
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code

        return run

    baseline = best(lean)
    print(f"lean read of the first 50 lines (raw SQL): {baseline * 1000:.1f} ms")
    for label, params in [
        ("first page", {}),
        ("type=report.finished", {"type": "report.finished"}),
        ("actor=operator", {"actor": "operator"}),
        ("vin=WBA3A5C5XDF354621", {"vin": "WBA3A5C5XDF354621"}),
        ("an old page (before the middle)", {"before": args.events // 2}),
    ]:
        get(params)()  # warm
        t = best(get(params))
        print(f"activity, {label}: {t * 1000:.1f} ms = {t / baseline:.1f}x lean (goal < 100 ms)")


def peak_mb():
    """This process's peak resident memory (VmHWM: ru_maxrss would count the parent's, kept across fork/exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_child(slug, username):
    """In a child process: serve the export and read it to the end; print time, bytes and peak memory."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    start = time.perf_counter()
    response = client.get(f"/workspaces/{slug}/vehicles/export.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed, "bytes": size, "lines": lines, "peak_mb": peak_mb()}))


def export_lean_child(workspace_id):
    import csv

    import django

    django.setup()
    from django.db import connection

    class Null:
        def write(self, value):
            return len(value)

    writer = csv.writer(Null())
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.vin, m.name, v.model_year, v.odometer, v.odometer_unit, v.status, v.status_changed_at, "
            "v.error_reason FROM vehicles_vehicle v LEFT JOIN fleet_make m ON m.id = v.make_id "
            "WHERE v.workspace_id = %s AND v.deleted_at IS NULL ORDER BY v.status_changed_at DESC, v.id DESC",
            [workspace_id],
        )
        while rows := cursor.fetchmany(2000):
            for row in rows:
                writer.writerow(row)
    elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed, "peak_mb": peak_mb()}))


def export(args):
    import tempfile
    from pathlib import Path

    from bench.import_bench import raw_insert, workspace, write_csv
    from fleet.models import Membership, Role
    from tests.factories import UserFactory

    ws = workspace("bench-export")
    user = UserFactory(username="bench-exporter")
    Membership.objects.create(workspace=ws, user=user, role=Role.VIEWER)
    path = Path(tempfile.mkdtemp(prefix="fleet-bench-export-")) / "vins.csv"
    write_csv(path, args.vehicles)
    raw_insert(ws, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def child(code):
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    served = child(f"from bench.activity_bench import export_child; export_child({ws.slug!r}, {user.username!r})")
    lean = child(f"from bench.activity_bench import export_lean_child; export_lean_child({ws.pk})")
    assert served["lines"] == args.vehicles + 1, served
    print(
        f"export of {args.vehicles:,} vehicles: {served['elapsed']:.1f} s ({served['bytes'] / 1e6:.0f} MB), "
        f"{served['elapsed'] / lean['elapsed']:.2f}x a raw cursor writing the same CSV ({lean['elapsed']:.1f} s); "
        f"peak memory {served['peak_mb']:.0f} MB (goal < 150 MB; the raw cursor's process: {lean['peak_mb']:.0f} MB)"
    )


def live(args):
    """The live table's request with 50 rows on screen: no change (204), and 10 changed rows among them."""
    from django.db import connection
    from django.test import Client

    from bench.import_bench import workspace
    from events.models import Event
    from fleet.models import Membership, Role
    from tests.factories import UserFactory
    from vehicles.choices import Party
    from vehicles.importing.engine import Entry, add_vehicles
    from vehicles.models import Vehicle
    from vehicles.status import machine
    from vehicles.status.machine import By
    from vehicles.views.table import live_cursor

    ws = workspace("bench-live")
    user = UserFactory(username="bench-live")
    Membership.objects.create(workspace=ws, user=user, role=Role.MANAGER)
    from vehicles.demo import make_vin

    add_vehicles(ws, [Entry(vin=make_vin("WBA", i, seed=9)) for i in range(10_000)], By.system("bench"))
    rows = list(
        Vehicle.objects.filter(workspace=ws).order_by("-status_changed_at", "-id").values_list("pk", flat=True)[:50]
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    url = f"/workspaces/{ws.slug}/vehicles/live/"
    params = {"live_after": live_cursor(ws), "live_rows": ",".join(map(str, rows))}
    table = Event._meta.db_table

    def lean():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE workspace_id = %s AND seq > %s LIMIT 1", [ws.pk, params["live_after"]]
            )
            cursor.fetchall()

    def ask(expected):
        def run():
            response = client.get(url, params)
            assert response.status_code == expected, response.status_code

        return run

    baseline = best(lean, 20)
    quiet = best(ask(204), 20)
    print(
        f"live request, 50 rows on screen, no change: {quiet * 1000:.2f} ms = {quiet / baseline:.0f}x the lean "
        f"check ({baseline * 1000:.3f} ms) (goal < 5 ms)"
    )
    changed = Vehicle.objects.filter(pk__in=rows[:10])
    machine.approve(changed, Party.PLATFORM, By.operator())
    machine.approve(changed, Party.PROVIDER, By.provider("bench"))
    busy = best(ask(200), 20)
    print(f"live request, 50 rows on screen, 10 of them changed: {busy * 1000:.2f} ms")


def main():
    arguments = parser(__doc__, events=5_000_000, vehicles=1_000_000)
    arguments.add_argument("--only", choices=["activity", "export", "live"])
    args = arguments.parse_args()
    open_database()
    if args.only in (None, "activity"):
        activity(args)
    if args.only in (None, "live"):
        live(args)
    if args.only in (None, "export"):
        export(args)


if __name__ == "__main__":
    main()
