"""`manage.py migrate` alone prepares everything a server needs: the database cache table included."""

import os
import sqlite3
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_migrate_alone_on_an_empty_database_creates_the_cache_table(tmp_path, manage_py):
    database = tmp_path / "fresh.sqlite3"
    env = {"PATH": os.environ["PATH"], "DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}
    result = manage_py("migrate", "--noinput", "-v", "0", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    tables = {row[0] for row in sqlite3.connect(database).execute("SELECT name FROM sqlite_master")}
    assert "fleet_cache" in tables
    assert "django_session" in tables


@pytest.mark.django_db(transaction=True)
def test_the_cache_migration_creates_a_missing_table_and_leaves_an_existing_one(settings):
    with connection.schema_editor() as editor:
        editor.execute(editor.sql_delete_table % {"table": editor.quote_name("fleet_cache")})
    assert "fleet_cache" not in connection.introspection.table_names()
    # Back to fleet 0002 unapplies what depends on fleet 0003 too (later vehicles migrations): all forward again.
    call_command("migrate", "fleet", "0002", verbosity=0)
    call_command("migrate", verbosity=0)
    assert "fleet_cache" in connection.introspection.table_names()
    cache.set("it-works", 1)
    assert cache.get("it-works") == 1
    call_command("migrate", "fleet", "0002", verbosity=0)
    call_command("migrate", verbosity=0)  # idempotent: the table is there, nothing fails
    assert cache.get("it-works") == 1


def test_no_setup_step_runs_createcachetable_any_more():
    assert "createcachetable" not in (ROOT / "Makefile").read_text()
    assert "createcachetable" not in (ROOT / "deploy" / "systemd" / "fleet-web.service").read_text()
