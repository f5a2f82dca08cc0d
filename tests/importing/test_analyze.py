"""After an import that wrote many vehicles, the planner's statistics of the vehicles table are refreshed (ANALYZE),
after the import's commit and never inside its transaction; a small import, or one that fails, does not."""

import pytest
from django.db import connection

from tests.factories import new_vin
from vehicles.importing import engine
from vehicles.importing.engine import Entry, ImportRun, add_vehicles
from vehicles.models import Vehicle
from vehicles.status.machine import By

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: the ANALYZE runs after one

SYSTEM = By.system("test")


@pytest.fixture
def statements():
    """[(sql, inside a transaction?)] of every statement the connection runs while the test records."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


@pytest.fixture
def threshold_of_three(settings):
    settings.IMPORT_ANALYZE_AFTER_ROWS = 3


def analyzes(statements):
    table = Vehicle._meta.db_table
    return [(sql, inside) for sql, inside in statements if sql.upper().startswith("ANALYZE") and table in sql]


def entries(n):
    return [Entry(vin=new_vin("WBA")) for _ in range(n)]


def test_an_import_of_many_vehicles_analyzes_the_vehicles_table_after_its_commit(
    workspace, threshold_of_three, statements
):
    add_vehicles(workspace, entries(3), SYSTEM)

    assert len(analyzes(statements)) == 1
    [(_, inside_transaction)] = analyzes(statements)
    assert not inside_transaction
    assert statements[-1][0].upper().startswith("ANALYZE")  # the import's own statements all came before
    assert any(inside for _, inside in statements[:-1])  # …inside the import's transaction
    assert Vehicle.objects.filter(workspace=workspace).count() == 3


def test_a_small_import_does_not_analyze(workspace, threshold_of_three, statements):
    add_vehicles(workspace, entries(2), SYSTEM)

    assert analyzes(statements) == []
    assert Vehicle.objects.filter(workspace=workspace).count() == 2


def test_duplicates_and_invalid_rows_do_not_count_towards_the_threshold(workspace, threshold_of_three, statements):
    present = [entry.vin for entry in entries(2)]
    add_vehicles(workspace, [Entry(vin=vin) for vin in present], SYSTEM)
    statements.clear()

    add_vehicles(workspace, [Entry(vin=vin) for vin in present] + [Entry(vin="NOT A VIN"), *entries(1)], SYSTEM)

    assert analyzes(statements) == []


def test_re_added_vehicles_count_towards_the_threshold(workspace, threshold_of_three, statements):
    vins = [entry.vin for entry in entries(3)]
    add_vehicles(workspace, [Entry(vin=vin) for vin in vins], SYSTEM)
    Vehicle.objects.filter(workspace=workspace).update(deleted_at="2026-01-01T00:00:00Z")
    statements.clear()

    results = add_vehicles(workspace, [Entry(vin=vin) for vin in vins], SYSTEM)

    assert {r.outcome for r in results} == {engine.Outcome.READDED}
    assert len(analyzes(statements)) == 1


def test_an_import_that_fails_does_not_analyze(workspace, threshold_of_three, statements):
    def fail(summary):
        raise RuntimeError("the job was completed by another run")

    with pytest.raises(RuntimeError):
        ImportRun(workspace, SYSTEM, before_commit=fail).run(entries(3))

    assert analyzes(statements) == []
    assert not Vehicle.objects.filter(workspace=workspace).exists()


def test_the_threshold_is_ten_thousand_vehicles_unless_a_setting_says_otherwise(settings):
    assert engine.analyze_after_rows() == 10_000  # the default in fleet/settings.py
    settings.IMPORT_ANALYZE_AFTER_ROWS = 50
    assert engine.analyze_after_rows() == 50
