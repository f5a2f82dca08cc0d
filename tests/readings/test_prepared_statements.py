"""Get Vehicle Status's query is prepared on PostgreSQL by Django's documented options (`server_side_binding`,
`prepare_threshold` in fleet/settings.py), never by driving the database wrapper's private attributes; a setting
turns preparation off for PgBouncer users (docs/bench-api.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from vehicles.readings import gate

ROOT = Path(__file__).resolve().parent.parent.parent

PRINT_OPTIONS = "import json; from fleet import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"


def options_with(**env):
    """The default database's OPTIONS as fleet/settings.py builds them for a PostgreSQL DATABASE_URL (no
    connection is made)."""
    environment = {
        "PATH": os.environ["PATH"],
        "DEBUG": "1",
        "DATABASE_URL": "postgres://fleet@db.example:5432/fleet",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_postgresql_binds_on_the_server_and_prepares_a_statement_after_five_runs():
    options = options_with()
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    assert "pool" not in options  # persistent connections with health checks (CONN_MAX_AGE), not a pool


def test_preparation_can_be_turned_off_for_pgbouncer_and_the_threshold_changed():
    assert options_with(DB_PREPARED_STATEMENTS="0")["prepare_threshold"] is None
    assert options_with(DB_PREPARE_THRESHOLD="2")["prepare_threshold"] == 2


@pytest.mark.django_db
def test_the_status_query_runs_as_a_plain_query_and_is_prepared_on_postgresql(make_vehicle, workspace):
    vehicle = make_vehicle("disabled")
    for _ in range(6):  # more than the threshold
        with pytest.raises(gate.DataNotAvailable):
            gate.status_data(workspace, vehicle.vin)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any(vehicle._meta.db_table in sql and "LEFT JOIN" in sql for sql in prepared), prepared
    else:  # SQLite: sqlite3's own statement cache; nothing to prepare by hand, the same query answers
        assert connection.vendor == "sqlite"
    assert not hasattr(connection, "hot_queries_cursor")  # no cursor of our own kept on Django's wrapper
