"""Load test of the production stack: locust (20 users, 60 s) on loopback against nginx → gunicorn → PostgreSQL.

    .venv/bin/pip install -e ".[test,bench]"
    .venv/bin/python bench/load_bench.py                # 20 users, spawn 5/s, 60 s; database fleet_h2 (recreated)
    .venv/bin/python bench/load_bench.py --users 5 --seconds 10      # a short smoke run

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fleet_h2) names the database; it is dropped and
created again. The stack is the documented one (deploy/): nginx from deploy/nginx.conf.template with TLS (a
throw-away self-signed certificate, as DEBUG off makes cookies Secure), gunicorn with deploy/gunicorn.conf.py
(its default worker count), two `manage.py db_worker` processes. Data: `seed_demo` (DEBUG=1, only for the
seeding) plus 1,000 Enabled BMW VINs in demo-fleet with one reading each, and one API client per API user.

Half of the users are the manager in a browser (log in, then the VIN table, a vehicle page, the upload page);
half are API clients (a token from /api/oauth/token/, then the vehicle list, Get Vehicle Status, and writes:
disable and enable of a few random VINs through the bulk endpoints, so the checks below mean something).
At the end: requests, throughput and p95 per endpoint, the number of 5xx, then the consistency checks, each a
number that must be 0:
  (a) live vehicles whose status differs from their latest history row's to_status,
  (b) kept counts (vehicles_vehiclecount) that differ from a GROUP BY of live vehicles,
  (c) doubled history rows (same vehicle, event, from, to, at).
Exit status 1 if any 5xx or any check is not 0.
"""

import locust  # noqa: F401,I001 - first: it monkey-patches the standard library (ssl, sockets) for gevent

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORKSPACE = "demo-fleet"
BULK_VINS = 1000

SEED = """
import json
import django
django.setup()
from django.utils import timezone
from fleet.models import ApiClient, Make, Workspace
from vehicles.status import machine
from vehicles.choices import Party
from vehicles.demo import DEMO_WMIS, make_vin
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Reading, Vehicle
from vehicles.status.machine import By
seed = By.system("load_bench")
workspace = Workspace.objects.get(slug="%(workspace)s")
results = add_vehicles(workspace, [Entry(vin=make_vin(DEMO_WMIS["BMW"], 100000 + n)) for n in range(%(n)d)], seed)
qs = Vehicle.objects.filter(pk__in=[r.vehicle_id for r in results])
machine.approve(qs, Party.PLATFORM, seed)
machine.approve(qs, Party.PROVIDER, seed)
vins = sorted(qs.filter(status="enabled").values_list("vin", flat=True))
assert len(vins) == %(n)d, len(vins)
now = timezone.now()
Reading.objects.bulk_create([Reading(vin=v, recorded_at=now, odometer_km=1000.0, fuel_level=50.0) for v in vins])
clients = []
for i in range(%(clients)d):
    client, secret = ApiClient.issue(workspace, f"load {i}")
    clients.append([client.client_id, secret])
print(json.dumps({"vins": vins, "clients": clients}))
"""

CHECKS = {
    "(a) live vehicles whose status != latest history to_status": """
        SELECT count(*) FROM vehicles_vehicle v
        JOIN LATERAL (SELECT h.to_status FROM vehicles_statuschange h WHERE h.vehicle_id = v.id
                      ORDER BY h.at DESC, h.id DESC LIMIT 1) last ON true
        WHERE v.deleted_at IS NULL AND v.status <> last.to_status""",
    "(b) kept counts != GROUP BY of live vehicles": """
        SELECT count(*) FROM (
            SELECT workspace_id, COALESCE(make_id, 0) AS make_key, status, count(*) AS n
            FROM vehicles_vehicle WHERE deleted_at IS NULL GROUP BY 1, 2, 3) real
        FULL JOIN (SELECT workspace_id, make_key, status, count AS n FROM vehicles_vehiclecount WHERE count <> 0) kept
            USING (workspace_id, make_key, status)
        WHERE real.n IS DISTINCT FROM kept.n""",
    "(c) doubled history rows (vehicle, event, from, to, at)": """
        SELECT COALESCE(sum(n - 1), 0) FROM (
            SELECT count(*) AS n FROM vehicles_statuschange
            GROUP BY vehicle_id, event, from_status, to_status, at HAVING count(*) > 1) d""",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(url):
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    ).stdout


def wait_for(url_check, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if url_check():
            return
        time.sleep(0.3)
    raise SystemExit("the stack did not come up")


def start_stack(env, tmp):
    """gunicorn, two db_workers and nginx (TLS on a free loopback port); returns (base URL, processes)."""
    sys.path.insert(0, str(ROOT / "deploy"))
    from render_nginx import render

    app_port, proxy_port = free_port(), free_port()
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{app_port}", "GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning"}
    log = open(tmp / "servers.log", "wb")  # noqa: SIM115 - open for the processes' lifetime
    processes = [
        subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--chdir", str(ROOT), "fleet.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    ]
    for i in range(2):
        processes.append(
            subprocess.Popen(
                [PYTHON, "manage.py", "db_worker", "--no-reload", "--worker-id", f"load-{i}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    prefix = tmp / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(
        render(
            listen=f"127.0.0.1:{proxy_port}",
            upstream=f"127.0.0.1:{app_port}",
            static_root=ROOT / "staticfiles",
            prefix=prefix,
            foreground=True,
            tls_cert=cert,
            tls_key=key,
        )
    )
    processes.append(
        subprocess.Popen([NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)], stdout=log)
    )
    base = f"https://127.0.0.1:{proxy_port}"

    def up():
        import requests
        import urllib3

        urllib3.disable_warnings()
        try:
            return requests.get(f"{base}/accounts/login/", verify=False, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for(up)
    return base, processes


def run_locust(base, data, users, spawn_rate, seconds):
    import gevent
    from locust import HttpUser, between, events, task
    from locust.env import Environment

    vins, clients = data["vins"], list(data["clients"])
    statuses = {}

    @events.request.add_listener
    def count_status(response=None, **kwargs):
        code = getattr(response, "status_code", 0) or 0
        statuses[code] = statuses.get(code, 0) + 1

    class Manager(HttpUser):
        wait_time = between(0.2, 1.0)
        host = base

        def on_start(self):
            self.client.verify = False
            page = self.client.get("/accounts/login/", name="login page")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            answer = self.client.post(
                "/accounts/login/",
                data={"username": "manager", "password": "manager", "csrfmiddlewaretoken": token},
                headers={"Referer": f"{base}/accounts/login/"},
                name="log in",
                allow_redirects=False,
            )
            assert answer.status_code == 302, f"login refused: {answer.status_code}"

        @task(4)
        def vin_table(self):
            self.client.get(
                f"/workspaces/{WORKSPACE}/vehicles/?page={random.randint(1, 10)}",
                name="VIN table",
                allow_redirects=False,
            )

        @task(3)
        def vehicle_page(self):
            self.client.get(
                f"/workspaces/{WORKSPACE}/vehicles/{random.choice(vins)}/", name="vehicle page", allow_redirects=False
            )

        @task(1)
        def upload_page(self):
            self.client.get(f"/workspaces/{WORKSPACE}/upload/", name="upload page", allow_redirects=False)

    class ApiClient(HttpUser):
        wait_time = between(0.2, 1.0)
        host = base

        def on_start(self):
            self.client.verify = False
            client_id, secret = clients.pop()
            answer = self.client.post(
                "/api/oauth/token/",
                data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
                name="API token",
            )
            self.client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

        @task(3)
        def vehicle_list(self):
            self.client.get("/api/v2/vehicle-management/vehicles/", name="API vehicle list")

        @task(4)
        def vehicle_status(self):
            # A VIN another user just disabled answers 403 (the data gate): a correct answer, counted apart.
            with self.client.get(
                f"/api/v2/vehicles/{random.choice(vins)}/status", name="API Get Vehicle Status", catch_response=True
            ) as answer:
                if answer.status_code in (200, 403):
                    answer.success()

        @task(1)
        def disable(self):
            body = {"vins": random.sample(vins, 5)}
            self.client.post("/api/v2/vehicle-management/vehicles/disable", json=body, name="API disable (5 VINs)")

        @task(1)
        def enable(self):
            body = {"vins": random.sample(vins, 5)}
            self.client.post("/api/v2/vehicle-management/vehicles/enable", json=body, name="API enable (5 VINs)")

    environment = Environment(user_classes=[Manager, ApiClient], events=events)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return environment.stats, statuses


def report(stats, statuses, seconds):
    print(f"\n{'endpoint':32} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'failures':>9}")
    for (name, _method), entry in sorted(stats.entries.items()):
        print(
            f"{name:32} {entry.num_requests:9d} {entry.num_requests / seconds:7.1f} "
            f"{entry.get_response_time_percentile(0.5):7.0f} {entry.get_response_time_percentile(0.95):7.0f} "
            f"{entry.num_failures:9d}"
        )
    total = stats.total
    print(
        f"{'all':32} {total.num_requests:9d} {total.num_requests / seconds:7.1f} "
        f"{total.get_response_time_percentile(0.5):7.0f} {total.get_response_time_percentile(0.95):7.0f} "
        f"{total.num_failures:9d}"
    )
    fivexx = sum(n for code, n in statuses.items() if code >= 500)
    print(f"status codes: {dict(sorted(statuses.items()))}")
    print(f"5xx: {fivexx}")
    return fivexx


def consistency(url):
    import psycopg

    bad = 0
    with psycopg.connect(url) as conn:
        for label, sql in CHECKS.items():
            n = conn.execute(sql).fetchone()[0]
            print(f"{label}: {n}")
            bad += n
        changes = conn.execute("SELECT count(*) FROM vehicles_statuschange").fetchone()[0]
        print(f"history rows after the run: {changes}")
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fleet_h2")
    recreate_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "fleet.settings",
        "SECRET_KEY": "load-bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUST_PROXY_HEADERS": "1",  # behind the rendered nginx, as in production
        "LOG_LEVEL": "WARNING",
        # Every seeded VIN has a reading: Get Vehicle Status measures the gate, not the simulated provider.
        "READING_MAX_AGE_SECONDS": str(365 * 24 * 3600),
    }
    seed_env = {**env, "DEBUG": "1"}
    manage(seed_env, "migrate", "--noinput", "-v", "0")
    manage(seed_env, "createcachetable")
    manage(seed_env, "seed_demo")
    api_users = args.users - args.users // 2
    out = subprocess.run(
        [PYTHON, "-c", SEED % {"workspace": WORKSPACE, "n": BULK_VINS, "clients": api_users}],
        cwd=ROOT,
        env=seed_env,
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"seeding failed:\n{out.stderr}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    env["DEBUG"] = "0"
    manage(env, "collectstatic", "--noinput", "-v", "0")

    with tempfile.TemporaryDirectory(prefix="fleet-load-") as tmp:
        base, processes = start_stack(env, Path(tmp))
        try:
            print(f"locust: {args.users} users (spawn {args.spawn_rate}/s) for {args.seconds} s against {base}")
            started = time.monotonic()
            stats, statuses = run_locust(base, data, args.users, args.spawn_rate, args.seconds)
            elapsed = time.monotonic() - started
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
        fivexx = report(stats, statuses, elapsed)
        bad = consistency(url)
        if fivexx or bad:
            print("servers' log:", (Path(tmp) / "servers.log").read_text()[-3000:])
    sys.exit(1 if fivexx or bad else 0)


if __name__ == "__main__":
    main()
