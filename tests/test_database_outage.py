"""While the database does not answer, pages are a plain 503 page and /api/ a JSON 503 `unavailable`, both with
Retry-After and no stack trace; the first request after the database is back is served, without a restart."""

import io
import sys
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.test import Client, RequestFactory
from django.urls import reverse

from fleet import outage

from .outage import database_down


@pytest.fixture
def as_manager(manager):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    return client


def test_a_page_is_a_plain_503_page_while_the_database_is_down(as_manager, workspace):
    with database_down():
        response = as_manager.get(reverse("vehicles:list", args=[workspace.slug]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Service unavailable" in text
    assert "Traceback" not in text and "OperationalError" not in text
    # The database is back: the same client is served again.
    assert as_manager.get(reverse("vehicles:list", args=[workspace.slug])).status_code == 200


def test_a_form_post_is_a_503_too(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    url = reverse("vehicles:action", args=[vehicle.workspace.slug, vehicle.vin, "disable"])
    with database_down():
        response = as_manager.post(url, {"seen_status": "enabled"})
    assert response.status_code == 503
    vehicle.refresh_from_db()
    assert vehicle.status == "enabled"


def test_a_database_error_outside_the_views_is_a_503_not_a_500(rf):
    """handler500: an error raised in middleware (the session saved after the view) reaches it."""
    for path, content_type in (("/workspaces/", "text/html"), ("/api/v2/x", "application/json")):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            response = outage.server_error(rf.get(path))
        assert response.status_code == 503
        assert response["Content-Type"].startswith(content_type)
        assert response["Retry-After"]
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        assert outage.server_error(RequestFactory().get("/")).status_code == 500


def test_connections_are_health_checked_so_a_broken_one_is_replaced():
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def wsgi_get(path):
    """A request through Django's WSGI handler as gunicorn makes it (request_started/finished signals included,
    which the test client leaves out)."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
    setup_testing_defaults(environ)
    status = []
    body = b"".join(WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server that can drop a connection")
@pytest.mark.parametrize("health_checks", [True, False])
def test_a_connection_the_server_dropped_between_requests(db, health_checks):
    """PostgreSQL kills the process's persistent connection (a restart, a failover, an idle timeout). With
    health checks the next request reconnects at once; without them it would fail once (503) and then recover."""
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = {**original.settings_dict, "CONN_HEALTH_CHECKS": health_checks, "CONN_MAX_AGE": 60}
    wrapper = original.__class__(settings_dict, DEFAULT_DB_ALIAS)
    setattr(connections._connections, DEFAULT_DB_ALIAS, wrapper)
    try:
        assert wsgi_get("/healthz") == (200, b'{"status": "ok"}')
        assert wrapper.connection is not None  # kept between requests (CONN_MAX_AGE)
        pid = wrapper.connection.info.backend_pid
        with original.cursor() as cursor:
            # Waits (up to 5 s) until the server process has gone: the drop happened between the two requests.
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        first = wsgi_get("/healthz")
        if health_checks:
            assert first == (200, b'{"status": "ok"}')
        else:
            assert first[0] == 503
        assert wsgi_get("/healthz") == (200, b'{"status": "ok"}')
        assert wrapper.connection.info.backend_pid != pid
    finally:
        wrapper.close()
        setattr(connections._connections, DEFAULT_DB_ALIAS, original)
