"""The PostgreSQL backend's health check (fleet/db/postgresql/base.py) asks the server only when the connection has
something to say: a quiet idle connection is reused without a round trip; a dropped one, one with something to
read and one left in a transaction are asked (`SELECT 1`), as Django does."""

import select

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own check")


def new_wrapper():
    """A connection of the project's backend of its own (autocommit, outside the test's transaction)."""
    own = connections[DEFAULT_DB_ALIAS].__class__(connections[DEFAULT_DB_ALIAS].settings_dict, DEFAULT_DB_ALIAS)
    own.ensure_connection()
    return own


@pytest.fixture
def wrapper(db):
    own = new_wrapper()
    yield own
    own.close()


@pytest.fixture
def asked(monkeypatch):
    """The times Django's own check (`SELECT 1`) ran."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counting(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counting)
    return calls


def test_the_project_uses_its_backend_with_health_checks_on():
    assert settings.DATABASES["default"]["ENGINE"] == "fleet.db.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert connection.vendor == "postgresql"


def test_a_quiet_idle_connection_is_usable_without_asking_the_server(wrapper, asked):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert wrapper.is_usable() is True
    assert asked == []


def test_a_connection_the_server_dropped_is_not_usable(wrapper, asked):
    pid = wrapper.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    assert wrapper.is_usable() is False
    assert asked == [wrapper]  # the socket had the server's last words: Django's check ran, and failed


def test_a_connection_with_something_to_read_is_asked(wrapper, asked):
    with wrapper.cursor() as cursor:
        cursor.execute("LISTEN fleet_health_check")
    other = new_wrapper()
    try:
        with other.cursor() as cursor:
            cursor.execute("NOTIFY fleet_health_check, 'hello'")
    finally:
        other.close()
    assert select.select([wrapper.connection.pgconn.socket], [], [], 5)[0], "the notification arrived"
    assert wrapper.is_usable() is True
    assert asked == [wrapper]  # something to read: Django's check ran (and the connection is fine)


def test_a_connection_left_in_a_transaction_is_asked(wrapper, asked):
    wrapper.set_autocommit(False)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert wrapper.is_usable() is True
    assert asked == [wrapper]
    wrapper.rollback()
    wrapper.set_autocommit(True)
