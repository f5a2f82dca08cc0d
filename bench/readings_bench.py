"""Readings within consent periods at 10,000,000 readings: what the gate's filtering costs Get Vehicle Status,
the history and a report.

    DEBUG=1 .venv/bin/python -m bench.readings_bench                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_readings \
        .venv/bin/python -m bench.readings_bench

--readings (default 10,000,000) readings of --vins VINs (default 10,000; spread evenly over the last 40 days), one
workspace whose VINs were Enabled 30 days ago, disabled 20 days ago and Enabled again 10 days ago (two consent
periods), and another workspace that Enabled the same VINs 2 days ago (so most readings are outside its period).
Figures (best of 20, same run, same database), each against the leanest read of the same rows without any gate
(raw SQL on the `(vin, recorded_at)` index, the physical limit):
- status: `gate.status_data` (the gate and the newest reading of the current period, one query) ÷ the raw
  newest reading of the VIN;
- history: `gate.readings(vehicle, 7 days)` (periods from the history, then the readings inside them) ÷ the raw
  7 days of readings of the VIN; and the same in the workspace that Enabled the VIN 2 days ago;
- report: `gate.latest_readings` of 1,000 VINs ÷ 1,000 raw newest readings in one query.
"""

import datetime as dt
import time

from bench.common import best, open_database, parser

RUNS = 20  # best of


def fill_readings(vins, per_vin):
    """per_vin readings of each VIN, evenly over the last 40 days up to now, straight into the table."""
    from django.db import connection, transaction
    from django.utils import timezone

    from vehicles.models import Reading

    table = Reading._meta.db_table
    now = timezone.now().replace(microsecond=0)
    step = dt.timedelta(days=40) / per_vin
    start = now - step * (per_vin - 1)
    with connection.cursor() as cursor:
        for low in range(0, len(vins), 500):
            part = vins[low : low + 500]
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    cursor.execute(
                        f"INSERT INTO {table} (vin, recorded_at, odometer_km, provider, fetched_at) "
                        "SELECT v, %s + n * %s, n, 'bench', %s "
                        "FROM unnest(%s::text[]) AS v, generate_series(0, %s) AS n",
                        [start, step, now, part, per_vin - 1],
                    )
                else:
                    rows = []
                    for vin in part:
                        for n in range(per_vin):
                            at = connection.ops.adapt_datetimefield_value(start + step * n)
                            rows.append((vin, at, n, "bench", at))
                    cursor.executemany(
                        f"INSERT INTO {table} (vin, recorded_at, odometer_km, provider, fetched_at) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        rows,
                    )
        cursor.execute(f"ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE")


def main():
    args = parser(__doc__, readings=10_000_000, vins=10_000).parse_args()
    open_database()
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from bench.import_bench import workspace
    from vehicles.choices import Event, Party
    from vehicles.demo import make_vin
    from vehicles.importing.engine import Entry, add_vehicles
    from vehicles.models import Reading, StatusChange, Vehicle
    from vehicles.readings import gate
    from vehicles.status import machine
    from vehicles.status.machine import By

    vins = [make_vin("WBA", i, seed=11) for i in range(args.vins)]
    per_vin = args.readings // args.vins
    start = time.perf_counter()
    fill_readings(vins, per_vin)
    print(f"{per_vin * len(vins):,} readings of {len(vins):,} VINs written in {time.perf_counter() - start:.0f} s")

    now = timezone.now()

    def enabled(ws, vins):
        add_vehicles(ws, [Entry(vin=v) for v in vins], By.system("bench"))
        pending = Vehicle.objects.filter(workspace=ws, status="pending")
        machine.approve(pending, Party.PLATFORM, By.operator())
        machine.approve(pending, Party.PROVIDER, By.provider("bench"))
        return Vehicle.objects.filter(workspace=ws)

    def shift(queryset, since, days):
        """Move the history rows written since `since` back by `days`."""
        StatusChange.objects.filter(vehicle__in=queryset, at__gte=since).update(at=F("at") - dt.timedelta(days=days))

    sample = vins[:1000]
    first = workspace("bench-readings-a")
    t0 = timezone.now()
    vehicles = enabled(first, sample)
    shift(vehicles, t0, 30)
    t1 = timezone.now()
    machine.apply(Event.DISABLE, vehicles, By.system("bench"))
    shift(vehicles, t1, 20)
    t2 = timezone.now()
    machine.apply(Event.ENABLE, vehicles, By.system("bench"))
    pending = Vehicle.objects.filter(workspace=first, status="pending")
    machine.approve(pending, Party.PLATFORM, By.operator())
    machine.approve(pending, Party.PROVIDER, By.provider("bench"))
    shift(vehicles, t2, 10)
    Vehicle.objects.filter(workspace=first).update(status_changed_at=now - dt.timedelta(days=10))
    later = workspace("bench-readings-b")
    t3 = timezone.now()
    late = enabled(later, sample)
    shift(late, t3, 2)
    Vehicle.objects.filter(workspace=later).update(status_changed_at=now - dt.timedelta(days=2))

    vin = sample[0]
    table = Reading._meta.db_table

    def raw(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    week = now - dt.timedelta(days=7)
    raw_newest = best(
        lambda: raw(f"SELECT * FROM {table} WHERE vin = %s ORDER BY recorded_at DESC LIMIT 1", [vin]), RUNS
    )
    status = best(lambda: gate.status_data(first, vin), RUNS)
    print(
        f"status (gate + newest reading of the current period): {status * 1000:.2f} ms = "
        f"{status / raw_newest:.1f}x the raw newest reading ({raw_newest * 1000:.2f} ms)"
    )
    raw_week = best(
        lambda: raw(
            f"SELECT * FROM {table} WHERE vin = %s AND recorded_at >= %s ORDER BY recorded_at DESC", [vin, week]
        ),
        RUNS,
    )

    def week_of_history(ws):
        """(best time, readings) of the VIN's last 7 days through the gate, in workspace `ws`."""
        vehicle = gate.vehicle_for_data(ws, vin)

        def read():
            return list(gate.readings(vehicle, start=week))

        return best(read, RUNS), len(read())

    history, n_history = week_of_history(first)
    print(
        f"history, 7 days ({n_history:,} readings inside the periods): {history * 1000:.2f} ms = "
        f"{history / raw_week:.2f}x the raw 7 days ({raw_week * 1000:.2f} ms)"
    )
    late_history, n_late = week_of_history(later)
    print(
        f"history, 7 days, in the workspace Enabled 2 days ago ({n_late:,} readings): {late_history * 1000:.2f} ms "
        f"= {late_history / raw_week:.2f}x the raw 7 days"
    )
    marks = ", ".join(["%s"] * len(sample))
    raw_report = best(
        lambda: raw(
            f"SELECT r.* FROM {table} r WHERE r.id IN (SELECT (SELECT n.id FROM {table} n WHERE n.vin = v.vin "
            f"ORDER BY n.recorded_at DESC LIMIT 1) FROM (SELECT vin FROM {Vehicle._meta.db_table} "
            f"WHERE vin IN ({marks})) v)",
            sample,
        ),
        5,
    )
    report = best(lambda: list(gate.latest_readings(first, sample)), 5)
    print(
        f"report of 1,000 VINs: {report * 1000:.1f} ms = {report / raw_report:.2f}x 1,000 raw newest readings "
        f"({raw_report * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
