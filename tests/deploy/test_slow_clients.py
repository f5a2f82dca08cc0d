"""Slow clients against the documented production stack: nginx (deploy/nginx.conf.template, rendered by
deploy/render_nginx.py) in front of gunicorn (deploy/gunicorn.conf.py, 2 sync workers), on the test database.

Two slowloris connections (the request line, then one header byte a second, never finishing) hold both sync
workers when they reach gunicorn directly — a normal request is then not answered within 1 s (the negative,
which shows the measurement can fail). Through nginx they hold only nginx connections, and the same request is
answered in < 1 s. PostgreSQL only: the servers are separate processes and must see the test database (the
SQLite test database is in memory).
"""

import http.client
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy.processes import collect_static, free_port, production_env, url_of_test_database

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PAGE = "/accounts/login/"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="gunicorn and nginx run as separate processes and need the test database: the SQLite one is in "
        "memory (runs on PostgreSQL)",
    ),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (Debian package nginx)"),
]

sys.path.insert(0, str(ROOT / "deploy"))
from render_nginx import render  # noqa: E402


def get(port, path=PAGE, timeout=1.0):
    """(status, seconds) of one GET, or (None, seconds) if no answer came within `timeout`."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except (TimeoutError, OSError):
        return None, time.monotonic() - started
    finally:
        conn.close()


def wait_until_up(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        status, _ = get(port, timeout=2)
        if status == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"no 200 on port {port} within {seconds} s")


class Slowloris:
    """`count` connections that send a request line, then one header byte a second (at most `seconds`)."""

    def __init__(self, port, count=2, seconds=30):
        self.port, self.count, self.seconds = port, count, seconds
        self.stop = threading.Event()
        self.sockets, self.threads = [], []

    def __enter__(self):
        for _ in range(self.count):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            s.sendall(b"GET " + PAGE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(s)
            thread = threading.Thread(target=self.drip, args=(s,), daemon=True)
            thread.start()
            self.threads.append(thread)
        time.sleep(1.5)  # both are accepted and have sent their next byte: the workers (or nginx) hold them
        return self

    def drip(self, s):
        for _ in range(self.seconds):  # bounded: one byte a second for at most `seconds`
            if self.stop.wait(1):
                return
            try:
                s.sendall(b"a")
            except OSError:
                return  # the server gave up on us (nginx's client_header_timeout)

    def __exit__(self, *exc):
        self.stop.set()
        for s in self.sockets:
            s.close()
        for thread in self.threads:
            thread.join(5)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn (2 sync workers, deploy/gunicorn.conf.py) and nginx (rendered config, foreground) on loopback."""
    tmp = tmp_path_factory.mktemp("stack")
    with django_db_blocker.unblock():
        database_url = url_of_test_database()
    app_port, proxy_port = free_port(), free_port()
    env = production_env(database_url, app_port)
    collect_static(env)
    logs = tmp / "gunicorn.log"
    with open(logs, "wb") as log:
        gunicorn = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--chdir", str(ROOT), "fleet.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    prefix = tmp / "nginx"
    conf = prefix / "nginx.conf"
    prefix.mkdir()
    conf.write_text(
        render(
            listen=f"127.0.0.1:{proxy_port}",
            upstream=f"127.0.0.1:{app_port}",
            static_root=ROOT / "staticfiles",
            prefix=prefix,
            foreground=True,
        )
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(app_port, gunicorn)
        wait_until_up(proxy_port, nginx)
        for _ in range(6):  # warm both workers (first request of each: URL resolving, template loading)
            get(app_port, timeout=5)
        yield {"app": app_port, "proxy": proxy_port, "prefix": prefix}
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
        for process in (nginx, gunicorn):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def test_normal_request_answered_through_nginx_while_two_slow_clients_hang(stack):
    with Slowloris(stack["proxy"], count=2):
        timings = [get(stack["proxy"], timeout=5) for _ in range(3)]
    for status, seconds in timings:
        assert status == 200
        assert seconds < 1.0, timings
    # nginx serves the collected static files itself.
    status, _ = get(stack["proxy"], "/static/fleet/app.css", timeout=5)
    assert status == 200


def test_without_the_proxy_two_slow_clients_hold_both_sync_workers(stack):
    """The negative: the same two slow clients straight at gunicorn; the normal request is not answered in 1 s."""
    with Slowloris(stack["app"], count=2):
        status, seconds = get(stack["app"], timeout=1.0)
        assert status is None, f"answered {status} in {seconds:.2f} s although both workers were held"
    # Once the slow clients are gone the workers serve again.
    deadline = time.monotonic() + 10
    while (status := get(stack["app"], timeout=2)[0]) != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status == 200


def test_nginx_drops_a_client_that_never_finishes_its_headers(stack):
    """client_header_timeout (10 s): a slowloris connection through nginx is closed, not held forever."""
    s = socket.create_connection(("127.0.0.1", stack["proxy"]), timeout=2)
    try:
        s.sendall(b"GET " + PAGE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        closed = False
        for _ in range(20):  # bounded: at most ~20 s
            time.sleep(1)
            try:
                s.sendall(b"a")
                s.settimeout(0.01)
                if s.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        elapsed = time.monotonic() - started
    finally:
        s.close()
    assert closed and 8 < elapsed < 16, (closed, elapsed)
