"""REST API benchmark: Get Vehicle Status under gunicorn against a bare Django JSON view, and a 10,000-VIN upload.

    .venv/bin/python bench/api_bench.py --db sqlite      # bench/out/fleet_bench_api.sqlite3 (recreated)
    .venv/bin/python bench/api_bench.py --db postgres    # database fleet_bench_api (recreated)

gunicorn (2 sync workers) serves the project on 127.0.0.1 with this module as its settings and URLconf: the
project's own settings and URLs plus one bare view (`/bench/bare-status`, a JsonResponse of a fixed reading,
through the same middleware) that exists only when FLEET_API_BENCH_SERVER=1. A load generator in a second
process (threads, a bounded number of requests) measures requests per second on the bare view and on
`GET /api/v2/vehicles/{vin}/status` (a real token, the data gate, the latest reading, the throttle counters in
the database cache) in alternating rounds; the figure is the ratio of the medians (goal >= 0.6, issue 9). For context it
also prints the latency of each with one client sending one request at a time.
Then a 10,000-VIN upload (`POST /api/v2/vehicle-management/vehicles/`) is sent three times (fresh VINs each
time) and timed end to end (goal < 2 s).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_FLAG = "FLEET_API_BENCH_SERVER"

if os.environ.get(SERVER_FLAG) == "1" and __name__ != "__main__":
    # Imported by gunicorn (and by the set-up below) as the settings module and the URLconf.
    sys.path.insert(0, str(ROOT))
    from fleet.settings import *  # noqa: F403

    ROOT_URLCONF = "api_bench"

    def bare_status(request):
        from django.http import JsonResponse

        return JsonResponse(
            {
                "vin": "WBA3A5C5XDF354621",
                "reading": {
                    "recorded_at": "2026-01-01T00:00:00Z",
                    "odometer_km": 12345.6,
                    "latitude": 48.1,
                    "longitude": 11.5,
                    "fuel_level": 55.0,
                    "battery_level": None,
                    "ignition": False,
                    "speed_kmh": 0.0,
                },
            }
        )

    def __getattr__(name):
        """`urlpatterns`, built when Django first asks (after set-up, as this module is also the settings)."""
        if name != "urlpatterns":
            raise AttributeError(name)
        from django.urls import include, path

        patterns = [path("bench/bare-status", bare_status), path("", include("fleet.urls"))]
        globals()["urlpatterns"] = patterns
        return patterns


import argparse  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

OUT = ROOT / "bench" / "out"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
UPLOAD_VINS = 10_000


def server_env(database_url):
    env = dict(os.environ)
    env.update(
        {
            SERVER_FLAG: "1",
            "DJANGO_SETTINGS_MODULE": "api_bench",
            "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "api-bench-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
            # The seeded reading stays fresh: no provider call during the run (it would measure the provider).
            "READING_MAX_AGE_SECONDS": str(365 * 24 * 3600),
            # Throttling stays on (its cache reads and writes are part of the cost) with room for the run.
            "API_STATUS_RATE": "100000000/hour",
            "API_RATE": "100000000/hour",
        }
    )
    return env


def database_url(db):
    if db == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "fleet_bench_api.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fleet_bench_api")
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return url


def set_up(env):
    """Migrate, then a workspace with one Enabled VIN, a fresh reading, credentials and a token (JSON out)."""
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run([PYTHON, str(ROOT / "manage.py"), *command], env=env, check=True, cwd=ROOT)
    script = """
import datetime as dt, json, secrets
import django
django.setup()
from django.utils import timezone
from oauth2_provider.models import AccessToken
from fleet.models import ApiClient, Workspace
from vehicles.status import machine
from vehicles.choices import Party
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Reading, Vehicle
from vehicles.status.machine import By, activate_make
from fleet.models import Make
workspace = Workspace.objects.create(name="Bench", slug="bench")
[result] = add_vehicles(workspace, [Entry(vin="WBA3A5C5XDF354621")], By.system("bench"))
vehicle = Vehicle.objects.get(pk=result.vehicle_id)
activate_make(workspace, vehicle.make, By.system("bench"))
machine.approve_one(vehicle, Party.PLATFORM, By.system("bench"))
machine.approve_one(vehicle, Party.PROVIDER, By.system("bench"))
assert vehicle.status == "enabled", vehicle.status
Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=12345.6, fuel_level=55.0)
client, _ = ApiClient.issue(workspace, "bench")
token = secrets.token_urlsafe(30)
AccessToken.objects.create(application=client.application, token=token,
    expires=timezone.now() + dt.timedelta(hours=2), scope="vehicles")
print(json.dumps({"vin": vehicle.vin, "token": token}))
"""
    out = subprocess.run([PYTHON, "-c", script], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(env, port):
    server = subprocess.Popen(
        [
            GUNICORN,
            "fleet.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/bench/bare-status")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


@contextlib.contextmanager
def serving(database_url, port):
    """gunicorn serving the project on `port` from a database set up afresh (set_up): yields set_up's {vin, token};
    the server is stopped when the block ends."""
    env = server_env(database_url)
    data = set_up(env)
    server = start_server(env, port)
    try:
        yield data
    finally:
        server.terminate()
        server.wait(timeout=30)


def print_load(db, before):
    """The machine is shared: say how busy it was (the load average before the run, `before`, and now)."""
    print(
        f"[{db}] load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


# --- the load generator (runs in its own process: `api_bench.py --load ...`) ---


def load(port, path, token, total, concurrency, time_limit):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    counter = iter(range(total))
    lock = threading.Lock()
    statuses = {}
    deadline = time.monotonic() + time_limit

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done = sum(statuses.values())
    return {"requests": done, "seconds": elapsed, "rps": done / elapsed, "statuses": statuses}


def latency(port, path, token, count=300):
    """Median milliseconds of `count` requests sent one after the other (one client, no contention)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    times = []
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        assert response.status == 200, response.status
    return statistics.median(times) * 1000


def run_load(port, path, token, total, concurrency, time_limit):
    command = [PYTHON, __file__, "--load", str(port), path, token or "-", str(total), str(concurrency), str(time_limit)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def upload(port, token, round_number):
    vins = [
        {"vin": f"WBA{round_number:02d}{serial:012d}", "odometer": serial % 200000} for serial in range(UPLOAD_VINS)
    ]
    elapsed, answer = post_json(port, token, "/api/v2/vehicle-management/vehicles/", {"vins": vins})
    assert answer["summary"] == {"succeeded": UPLOAD_VINS, "failed": 0}, answer["summary"]
    return elapsed


def post_json(port, token, path, payload):
    """(seconds, answer) of one authenticated JSON POST, on a new connection; the answer must be a 200."""
    body = json.dumps(payload)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(
        "POST", path, body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    response = connection.getresponse()
    answer = json.loads(response.read())
    elapsed = time.perf_counter() - started
    assert response.status == 200, (response.status, answer)
    return elapsed, answer


def main():
    if sys.argv[1:2] == ["--load"]:
        port, path, token, total, concurrency, time_limit = sys.argv[2:8]
        result = load(int(port), path, None if token == "-" else token, int(total), int(concurrency), float(time_limit))
        print(json.dumps(result))
        return

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=3000, help="requests per round and view")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds, per round and view")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with serving(database_url(args.db), args.port) as data:
        status_path = f"/api/v2/vehicles/{data['vin']}/status"
        for path, token in (("/bench/bare-status", None), (status_path, data["token"])):  # warm up
            run_load(args.port, path, token, 200, args.concurrency, 30)
        bare, api = [], []
        for round_number in range(1, args.rounds + 1):
            b = run_load(args.port, "/bench/bare-status", None, args.requests, args.concurrency, args.time_limit)
            a = run_load(args.port, status_path, data["token"], args.requests, args.concurrency, args.time_limit)
            assert set(b["statuses"]) == {"200"} and set(a["statuses"]) == {"200"}, (b, a)
            bare.append(b["rps"])
            api.append(a["rps"])
            print(
                f"round {round_number}: bare view {b['rps']:.0f} req/s ({b['requests']} requests), "
                f"GET {status_path} {a['rps']:.0f} req/s ({a['requests']} requests)"
            )
        ratio = statistics.median(api) / statistics.median(bare)
        print(
            f"[{args.db}] Get Vehicle Status: {statistics.median(api):.0f} req/s vs bare Django JSON view "
            f"{statistics.median(bare):.0f} req/s (medians of {args.rounds} rounds, gunicorn 2 workers, "
            f"{args.concurrency} client threads) -> ratio {ratio:.2f} "
            f"(goal >= 0.6: {'met' if ratio >= 0.6 else 'NOT met'})"
        )
        bare_ms, api_ms = latency(args.port, "/bench/bare-status", None), latency(args.port, status_path, data["token"])
        print(
            f"[{args.db}] one client, one request at a time: bare view {bare_ms:.2f} ms, Get Vehicle Status "
            f"{api_ms:.2f} ms (median of 300) -> ratio {bare_ms / api_ms:.2f}"
        )
        times = [upload(args.port, data["token"], n) for n in range(1, 4)]
        print(
            f"[{args.db}] upload of {UPLOAD_VINS:,} VINs in one call: "
            + ", ".join(f"{t:.2f} s" for t in times)
            + f" -> median {statistics.median(times):.2f} s, max {max(times):.2f} s"
            + f" (goal < 2 s: {'met' if max(times) < 2 else 'NOT met'})"
        )
    print_load(args.db, load_before)  # a busy machine moves the rounds by up to 2x


if __name__ == "__main__":
    main()
