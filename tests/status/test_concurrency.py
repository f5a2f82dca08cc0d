"""Conflicting events fired at the same VINs from several threads (separate connections) at once."""

import threading
from collections import Counter

import pytest
from django.db import connection

from tests.factories import activate, new_vin
from vehicles.choices import DELETED, Event, Party, Status
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import StatusChange, Vehicle
from vehicles.status import machine
from vehicles.status.counts import recount, status_counts
from vehicles.status.machine import By, TransitionNotAllowed

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real concurrent connections: the SQLite test database is in memory (runs on PostgreSQL)",
    ),
]

SYSTEM = By.system("test")


def enabled_vehicles(workspace, n):
    activate(workspace, "BMW")
    results = add_vehicles(workspace, [Entry(vin=new_vin()) for _ in range(n)], SYSTEM)
    qs = Vehicle.objects.filter(pk__in=[r.vehicle_id for r in results])
    machine.approve(qs, Party.PLATFORM, SYSTEM)
    machine.approve(qs, Party.PROVIDER, SYSTEM)
    return list(qs)


def race(*jobs):
    """Run the jobs in threads started together; returns (results, unexpected errors)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except TransitionNotAllowed as refused:
            results[i] = refused
        except Exception as error:  # noqa: BLE001 - any other error is a failure of the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, errors


def assert_history_agrees(vehicle_ids):
    """Replaying each vehicle's history from its upload ends in its final state, and the history ordered by its
    times (as every page and answer shows it) is the order in which the changes were made."""
    for vehicle in Vehicle.all_objects.filter(pk__in=vehicle_ids):
        rows = list(StatusChange.objects.filter(vehicle=vehicle).order_by("id"))
        by_time = list(StatusChange.objects.filter(vehicle=vehicle).order_by("at", "id"))
        assert [r.pk for r in by_time] == [r.pk for r in rows], (vehicle.vin, by_time)
        for earlier, later in zip(rows, rows[1:], strict=False):
            assert later.from_status == earlier.to_status, (vehicle.vin, earlier, later)
        final = DELETED if vehicle.deleted_at else vehicle.status
        assert rows[-1].to_status == final


def test_two_enables_of_the_same_vin_succeed_once(workspace):
    vehicles = enabled_vehicles(workspace, 30)
    machine.apply(Event.DISABLE, Vehicle.objects.filter(pk__in=[v.pk for v in vehicles]), SYSTEM)
    for vehicle in vehicles:
        results, errors = race(
            lambda v=vehicle: machine.fire(v, Event.ENABLE, SYSTEM),
            lambda v=vehicle: machine.fire(v, Event.ENABLE, SYSTEM),
        )
        assert errors == []
        assert sum(not isinstance(r, TransitionNotAllowed) for r in results) == 1
        assert StatusChange.objects.filter(vehicle=vehicle, event=Event.ENABLE).count() == 1
    assert set(Vehicle.objects.filter(workspace=workspace).values_list("status", flat=True)) == {Status.PENDING}
    assert_history_agrees([v.pk for v in vehicles])


def test_disable_racing_delete_never_loses_or_doubles_a_change(workspace):
    vehicles = enabled_vehicles(workspace, 30)
    for vehicle in vehicles:
        results, errors = race(
            lambda v=vehicle: machine.fire(Vehicle.all_objects.get(pk=v.pk), Event.DISABLE, SYSTEM),
            lambda v=vehicle: machine.fire(Vehicle.all_objects.get(pk=v.pk), Event.DELETE, SYSTEM),
        )
        assert errors == []
        disabled_ok, deleted_ok = (not isinstance(r, TransitionNotAllowed) for r in results)
        assert deleted_ok  # delete is allowed from Enabled and from Disabled: it always wins in the end
        events = Counter(StatusChange.objects.filter(vehicle=vehicle).values_list("event", flat=True))
        assert events[Event.DISABLE] == int(disabled_ok) and events[Event.DELETE] == 1
    assert not Vehicle.objects.filter(workspace=workspace).exists()
    assert_history_agrees([v.pk for v in vehicles])


def test_bulk_disables_racing_each_other_change_each_vin_once(workspace):
    vehicles = enabled_vehicles(workspace, 300)
    ids = [v.pk for v in vehicles]
    qs = lambda: Vehicle.objects.filter(pk__in=ids)  # noqa: E731
    results, errors = race(
        lambda: machine.apply(Event.DISABLE, qs(), SYSTEM),
        lambda: machine.apply(Event.DISABLE, qs(), SYSTEM),
        lambda: machine.apply(Event.DELETE, qs(), SYSTEM),
    )
    assert errors == []
    disabled = results[0] + results[1]
    assert sorted(disabled) == sorted(set(disabled))  # no VIN disabled twice
    assert StatusChange.objects.filter(vehicle_id__in=ids, event=Event.DISABLE).count() == len(disabled)
    assert_history_agrees(ids)
    kept = status_counts(workspace)
    recount(workspace)
    assert status_counts(workspace) == kept


def test_both_parties_approving_at_once_enable_each_vin_exactly_once(workspace):
    activate(workspace, "BMW")
    results = add_vehicles(workspace, [Entry(vin=new_vin()) for _ in range(20)], SYSTEM)
    for result in results:
        qs = lambda pk=result.vehicle_id: Vehicle.objects.filter(pk=pk)  # noqa: E731
        outcomes, errors = race(
            lambda q=qs: machine.approve(q(), Party.PLATFORM, By.operator()),
            lambda q=qs: machine.approve(q(), Party.PROVIDER, By.provider()),
        )
        assert errors == []
        assert sum(len(enabled) for _, enabled in outcomes) == 1
        assert StatusChange.objects.filter(vehicle_id=result.vehicle_id, event=Event.APPROVE).count() == 1
    assert set(Vehicle.objects.filter(workspace=workspace).values_list("status", flat=True)) == {Status.ENABLED}


def test_two_enables_of_an_error_vin_without_a_make_are_both_refused_and_record_nothing(workspace):
    results = add_vehicles(workspace, [Entry(vin=new_vin("9ZZ")) for _ in range(30)], SYSTEM)  # no maker: Error
    for result in results:
        vehicle = Vehicle.objects.get(pk=result.vehicle_id)
        outcomes, errors = race(
            lambda v=vehicle: machine.fire(v, Event.ENABLE, SYSTEM),
            lambda v=vehicle: machine.fire(v, Event.ENABLE, SYSTEM),
        )
        assert errors == []
        assert all(isinstance(r, TransitionNotAllowed) for r in outcomes)
        assert list(StatusChange.objects.filter(vehicle=vehicle).values_list("event", flat=True)) == [Event.UPLOAD]
    assert_history_agrees([r.vehicle_id for r in results])
