"""The operators' commands: what they print, and a clear non-zero exit on bad input."""

import secrets

import pytest
from django.core.management import CommandError, call_command

from fleet.models import Membership, Workspace
from vehicles.choices import Status
from vehicles.models import Vehicle


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("seed_demo")
    assert not Workspace.objects.exists()


def test_seed_demo_is_idempotent_and_fills_every_status(db, settings):
    settings.DEBUG = True
    out, _ = run("seed_demo")
    assert "Demo data created" in out
    counts = {s: Vehicle.objects.filter(workspace__slug="demo-fleet", status=s).count() for s in Status.values}
    assert all(counts.values()), counts
    total = Vehicle.all_objects.count()
    out, _ = run("seed_demo")
    assert "nothing to do" in out
    assert Vehicle.all_objects.count() == total
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"manager": "manager", "viewer": "viewer", "other": "manager"}


def test_activate_make_moves_incomplete_vins_and_says_how_many(workspace, make_vehicle):
    vehicle = make_vehicle("incomplete")
    out, _ = run("activate_make", workspace.slug, "ferrari")
    assert "Ferrari is activated for acme: 1 Incomplete VIN(s) moved to Pending." in out
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING


@pytest.mark.parametrize(
    "args, words",
    [(("nope", "BMW"), "No workspace with slug 'nope'"), (("acme", "Trabant"), "No make named 'Trabant'")],
)
def test_activate_make_refuses_unknown_names(workspace, args, words):
    with pytest.raises(CommandError, match=words):
        run("activate_make", *args)


def test_approve_by_both_parties_enables(workspace, make_vehicle):
    vehicle = make_vehicle("pending")
    out, _ = run("approve", workspace.slug, vehicle.vin.lower(), "--by", "platform")
    assert "1 VIN(s) approved by the platform; 0 now Enabled." in out
    out, _ = run("approve", workspace.slug, vehicle.vin, "--by", "provider")
    assert "1 now Enabled" in out
    vehicle.refresh_from_db()
    assert vehicle.status == Status.ENABLED


def test_approve_with_refuse_records_the_reason(workspace, make_vehicle):
    vehicle = make_vehicle("pending")
    run("approve", workspace.slug, vehicle.vin, "--by", "provider", "--refuse", "unknown VIN")
    vehicle.refresh_from_db()
    assert vehicle.status == Status.ERROR and "unknown VIN" in vehicle.error_reason


def test_approve_reports_refused_and_unknown_vins_and_fails(workspace, make_vehicle):
    enabled = make_vehicle("enabled")
    with pytest.raises(CommandError, match="2 VIN"):
        run("approve", workspace.slug, enabled.vin, "WBA00000000000001", "--by", "platform")


def test_approve_refuses_an_invalid_vin(workspace):
    with pytest.raises(CommandError, match="16 or 17 characters"):
        run("approve", workspace.slug, "SHORT", "--by", "platform")


def test_check_deploy_reports_nothing_in_a_production_environment(tmp_path, manage_py):
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "fleet.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
    }
    result = manage_py("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path, manage_py):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = manage_py("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_sqlite_connections_use_wal(tmp_path, manage_py):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}"}
    code = "from django.db import connection\nprint(connection.cursor().execute('PRAGMA journal_mode').fetchone()[0])"
    result = manage_py("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "wal", result.stderr
