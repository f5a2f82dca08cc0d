"""The task worker (`manage.py db_worker`, fleet.workers) against real failures, as separate processes.

- A worker killed with SIGKILL in the middle of a 60,000-row import: the import page says "stalled", a second
  worker finds the lost task by its dead heartbeat, runs it again, and the import ends exactly (60,000 vehicles);
  no task stays RUNNING.
- The database stopped and started under a running worker, on a PRIVATE PostgreSQL cluster this test starts
  (initdb / pg_ctl on a temporary directory and a free port — never the shared server): the worker stays alive
  while the database is down, and does a task enqueued after it is back, without a restart.

PostgreSQL only: the workers are separate processes and must see the test database (SQLite's is in memory).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.deploy.processes import collect_static, free_port, production_env, url_of_test_database
from tests.factories import new_vin
from vehicles.importing import jobs as import_jobs
from vehicles.models import ImportJob, Vehicle
from vehicles.tasks import imports

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
TASKS_TABLE = DBTaskResult._meta.db_table

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the workers run as separate processes and need the test database: the SQLite one is in memory "
        "(runs on PostgreSQL)",
    ),
]


def worker_env(database_url, media_root, **extra):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_LOST_AFTER_SECONDS": "3",
        "WORKER_DB_RETRY_SECONDS": "1",
        "WORKER_DB_RETRY_MAX_SECONDS": "2",
        **extra,
    }


def start_worker(env, worker_id, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2",
         "--queue-name", "*", "--worker-id", worker_id],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


# --- A worker killed in the middle of an import


ROWS = 60_000


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_replaced_and_the_import_ends_exactly(
    client, workspace, manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_STALL_SECONDS = 2
    # Ferrari is not activated in the workspace: every VIN lands Incomplete, no approval chain starts.
    text = "vin,odometer\n" + "".join(f"{new_vin('ZFF')},{i}\n" for i in range(ROWS))
    job = ImportJob.objects.create(
        workspace=workspace, created_by=manager, source=ImportJob.Source.CSV, filename="big.csv", total_rows=ROWS
    )
    job.file.save(f"{job.pk}.csv", ContentFile(text.encode()), save=True)
    imports.enqueue(job)
    env = worker_env(url_of_test_database(), settings.MEDIA_ROOT)
    log = open(tmp_path / "workers.log", "w+")  # noqa: SIM115
    first = start_worker(env, "doomed-1", log)
    second = None
    try:
        # Mid-import: at least one batch of rows read and checked, the job not completed.
        wait_for(lambda: import_jobs.read_progress(job)[0] >= 10_000, 120, "the first batch of the import")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        job.refresh_from_db()
        assert job.state == ImportJob.State.RUNNING
        assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
        assert not Vehicle.objects.filter(workspace=workspace).exists()  # its transaction never committed

        client.force_login(manager)
        page = reverse("vehicles:import", args=[workspace.slug, job.pk])
        time.sleep(settings.IMPORT_STALL_SECONDS + 0.5)
        fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
        assert 'data-state="stalled"' in fragment and "Run this import again" in fragment

        second = start_worker(env, "survivor-1", log)

        def completed():
            job.refresh_from_db()
            return job.state == ImportJob.State.COMPLETED

        wait_for(completed, 180, "the import run again by the second worker")
    finally:
        first.kill()
        if second is not None:
            stop(second)
        log.seek(0)
        output = log.read()
        log.close()
    assert Vehicle.objects.filter(workspace=workspace).count() == ROWS
    assert job.counts["outcomes"]["added"] == ROWS and job.processed_rows == ROWS
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.SUCCESSFUL, output
    assert task.worker_ids == ["doomed-1", "survivor-1"]
    assert not DBTaskResult.objects.running().exists()
    assert "lost" in output and "enqueued again" in output
    fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "Rows by outcome" in fragment and "stopped answering" not in fragment


# --- The database stopped and started under a running worker (a private cluster)


def _as_postgres():
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivateCluster:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/fleet"

    def _run(self, *args):
        subprocess.run([*_as_postgres(), *args], check=True, capture_output=True, timeout=120)

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "fleet")

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self):
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def query(self, sql, *params):
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=fleet", autocommit=True) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture
def cluster():
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL server binaries in {PG_BIN} (Debian package postgresql-15)")
    directory = tempfile.mkdtemp(prefix="fleet-pg-")
    os.chmod(directory, 0o755)
    private = PrivateCluster(directory)
    try:
        private.init()
        yield private
    finally:
        try:
            private.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(directory, ignore_errors=True)


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=300
    ).stdout


def enqueue_a_task(env):
    code = "from vehicles.tasks.reports import forget_expired_reports; print(forget_expired_reports.enqueue().id)"
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


def status_of(cluster, task_id):
    rows = cluster.query(f"SELECT status FROM {TASKS_TABLE} WHERE id = %s", task_id)
    return rows[0][0] if rows else None


def get(url, **headers):
    """(status, headers, body) of a GET, whatever the status."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, {}, ""  # not listening (yet)


def start_server(database_url, port, log):
    server_env = production_env(database_url, port)
    collect_static(server_env)
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--chdir",
            str(ROOT),
            "fleet.wsgi",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_the_worker_and_the_server_survive_the_database_stopping_and_work_when_it_is_back(cluster, tmp_path):
    """SPEC.md's Operations: while the database is down, pages are a plain 503 page, /api/ a JSON 503
    `unavailable` with Retry-After and /healthz a 503 naming the database; the worker stays alive; when it is
    back, both serve again without a restart."""
    env = worker_env(cluster.url, tmp_path / "media", LOG_LEVEL="WARNING")
    manage(env, "migrate", "--noinput")
    log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115
    server_log = open(tmp_path / "server.log", "w+")  # noqa: SIM115
    worker = start_worker(env, "steadfast-1", log)
    port = free_port()
    server = start_server(cluster.url, port, server_log)
    base = f"http://127.0.0.1:{port}"
    # A well-formed session key under the production cookie name: it is looked up in the database.
    page = {"Cookie": "__Host-sessionid=abcdefghijklmnopqrstuvwxyz012345"}
    try:
        wait_for(lambda: get(f"{base}/healthz")[0] == 200 if server.poll() is None else True, 60, "the server")
        assert server.poll() is None, "gunicorn did not start"
        before = enqueue_a_task(env)
        wait_for(lambda: status_of(cluster, before) == "SUCCESSFUL", 60, "a task done before the outage")

        cluster.stop()
        time.sleep(8)  # several polls and reconnection attempts against a database that is not there
        assert worker.poll() is None, "the worker exited while the database was down"
        status, headers, body = get(f"{base}/healthz")
        assert status == 503 and "database" in body, body
        status, headers, body = get(f"{base}/api/v2/events/", Authorization="Bearer not-checked-while-down")
        assert status == 503 and json.loads(body)["code"] == "unavailable" and int(headers["Retry-After"]) > 0
        status, headers, body = get(f"{base}/workspaces/", **page)
        assert status == 503 and headers["Retry-After"] and "Traceback" not in body, body[:500]
        assert server.poll() is None, "the server died while the database was down"

        cluster.start()
        wait_for(lambda: get(f"{base}/healthz")[0] == 200, 30, "the server answering again without a restart")
        assert get(f"{base}/api/v2/events/", Authorization="Bearer unknown")[0] == 401  # the database answered
        assert get(f"{base}/workspaces/", **page)[0] in (200, 302)
        after = enqueue_a_task(env)
        wait_for(lambda: status_of(cluster, after) == "SUCCESSFUL", 60, "a task enqueued after the database is back")
        assert worker.poll() is None
        [(seen_ago,)] = cluster.query(
            "SELECT extract(epoch FROM now() - last_seen_at) FROM workers_workerheartbeat WHERE worker_id = %s",
            "steadfast-1",
        )
        assert seen_ago < 5  # its heartbeat came back too
        assert not cluster.query(f"SELECT id FROM {TASKS_TABLE} WHERE status = 'RUNNING'")
    finally:
        stop(worker)
        stop(server)
        server_log.close()
        log.seek(0)
        output = log.read()
        log.close()
    assert "database unavailable" in output and "available again" in output, output
    assert worker.returncode == 0
