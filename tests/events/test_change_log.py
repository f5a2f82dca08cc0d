"""The change log (SPEC.md "Events"): an event with every change, in the same transaction, at most 100 VIN
changes per event, a constant number of statements for bulk changes, and `seq` in commit order."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events import feed, log
from events.models import Event, EventType
from fleet.models import ApiClient, Make
from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import DELETED, Party, Status
from vehicles.choices import Event as Change
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.status import machine
from vehicles.status.machine import By

SYSTEM = By.system("test")


def status_events(workspace):
    return list(Event.objects.filter(workspace=workspace, type=EventType.VEHICLE_STATUS_CHANGED).order_by("id"))


def changes(workspace):
    return [change for event in status_events(workspace) for change in event.public_data()["changes"]]


def enabled_fleet(workspace, n):
    activate(workspace, "BMW")
    add_vehicles(workspace, [Entry(vin=new_vin("WBA")) for _ in range(n)], SYSTEM)
    pending = Vehicle.objects.filter(workspace=workspace, status=Status.PENDING)
    machine.approve(pending, Party.PLATFORM, By.operator())
    machine.approve(pending, Party.PROVIDER, By.provider("simulated"))
    assert Vehicle.objects.filter(workspace=workspace, status=Status.ENABLED).count() == n


def test_every_change_of_one_vin_is_an_event_in_the_contract_s_shape(workspace, manager):
    activate(workspace, "BMW")
    vehicle = add_vehicle(workspace, new_vin("WBA"))
    machine.approve_one(vehicle, Party.PLATFORM, By.operator(manager))
    machine.approve_one(vehicle, Party.PROVIDER, By.provider("simulated"))
    machine.fire(vehicle, Change.DISABLE, By.manager(manager))
    machine.fire(vehicle, Change.DELETE, By.api("ERP"))
    add_vehicles(workspace, [Entry(vin=vehicle.vin)], By.manager(manager))

    steps = [
        (c["from_status"], c["to_status"], c["v1_status"], c["event"], c["actor"], c["actor_name"])
        for c in changes(workspace)
    ]
    assert steps == [
        (None, Status.PENDING, "Pending", "upload", "system", "test"),
        (Status.PENDING, Status.ENABLED, "Consented", "approve", "provider", "simulated"),
        (Status.ENABLED, Status.DISABLED, "Revoked", "disable", "user", "mia"),
        (Status.DISABLED, DELETED, "Deleted", "delete", "api", "ERP"),
        (DELETED, Status.PENDING, "Pending", "upload", "user", "mia"),
    ]
    assert {c["vin"] for c in changes(workspace)} == {vehicle.vin}
    history = list(vehicle.history.order_by("at", "id"))
    assert [c["at"] for c in changes(workspace)] == [h.at.isoformat().replace("+00:00", "Z") for h in history]


def test_a_refusal_says_who_refused_and_why(workspace):
    activate(workspace, "BMW")
    vehicle = add_vehicle(workspace, new_vin("WBA"))
    machine.refuse_one(vehicle, Party.PROVIDER, By.provider("BMW CarData"), "no contract")
    [last] = changes(workspace)[-1:]
    assert (last["to_status"], last["actor"], last["actor_name"]) == (Status.ERROR, "provider", "BMW CarData")
    assert last["reason"] == "Refused by the provider: no contract"


@pytest.mark.slow
def test_a_10000_vin_bulk_disable_is_100_events_in_a_constant_number_of_statements(workspace, other_workspace, manager):
    enabled_fleet(workspace, 10_000)
    enabled_fleet(other_workspace, 150)
    before = Event.objects.filter(workspace=workspace).count()

    with CaptureQueriesContext(connection) as small:
        machine.apply(Change.DISABLE, Vehicle.objects.filter(workspace=other_workspace), By.manager(manager))
    with CaptureQueriesContext(connection) as large:
        machine.apply(Change.DISABLE, Vehicle.objects.filter(workspace=workspace), By.manager(manager))

    new = list(Event.objects.filter(workspace=workspace).order_by("id"))[before:]
    assert [e.type for e in new] == [EventType.VEHICLE_STATUS_CHANGED] * 100
    assert all(e.count == 100 == len(e.public_data()["changes"]) for e in new)
    vins = [c["vin"] for e in new for c in e.public_data()["changes"]]
    assert len(vins) == len(set(vins)) == 10_000
    assert {c["to_status"] for e in new for c in e.public_data()["changes"]} == {Status.DISABLED}
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_change_that_fails_leaves_no_event(workspace, manager, monkeypatch):
    vehicle = add_vehicle(workspace, new_vin("WBA"))  # Incomplete: BMW is not activated
    before = Event.objects.count()

    def power_cut(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(machine, "adjust", power_cut)  # after the events and history are written
    with pytest.raises(RuntimeError):
        machine.fire(vehicle, Change.DELETE, By.manager(manager))
    assert Event.objects.count() == before
    assert Vehicle.objects.get(pk=vehicle.pk).status == Status.INCOMPLETE


def test_imports_reports_makes_and_credentials_are_events(workspace, manager):
    from vehicles.importing import jobs
    from vehicles.models import ImportJob

    job = ImportJob.objects.create(
        workspace=workspace, source=ImportJob.Source.CSV, filename="f.csv", created_by=manager
    )
    jobs.refuse(job, "The file is empty")
    client, _ = ApiClient.issue(workspace, "ERP", created_by=manager)
    client.revoke("operator", "opal")
    machine.activate_make(workspace, Make.objects.get_or_create(name="Ferrari")[0], By.operator())

    logged = {e.type: e for e in Event.objects.filter(workspace=workspace)}
    assert logged[EventType.IMPORT_FINISHED].data == {
        "import": str(job.pk),
        "state": "refused",
        "source": "csv",
        "filename": "f.csv",
        "error": "The file is empty",
    }
    assert logged[EventType.API_CLIENT_CREATED].data == {"client_id": client.client_id, "name": "ERP"}
    assert (logged[EventType.API_CLIENT_CREATED].actor, logged[EventType.API_CLIENT_CREATED].actor_name) == (
        "user",
        "mia",
    )
    assert (logged[EventType.API_CLIENT_REVOKED].actor, logged[EventType.API_CLIENT_REVOKED].actor_name) == (
        "operator",
        "opal",
    )
    assert logged[EventType.MAKE_ACTIVATION_COMPLETED].data["make"] == "Ferrari"
    client.revoke("operator", "opal")  # already revoked: nothing changes, no second event
    assert Event.objects.filter(type=EventType.API_CLIENT_REVOKED).count() == 1


def test_the_sequencer_numbers_committed_events_in_id_order_and_only_once(workspace):
    with transaction.atomic():
        first = log.record(workspace.pk, EventType.IMPORT_FINISHED, {"import": "a"})
        second = log.record(workspace.pk, EventType.IMPORT_FINISHED, {"import": "b"})
    assert log.sequence() == 2
    assert log.sequence() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.seq == first.seq + 1


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_with_a_lower_id_is_still_read_after_the_cursor(workspace):
    """PostgreSQL gives ids at insert and commits in any order: a reader at the cursor must not skip the event
    that took an earlier id but committed later."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer at a time: ids are given in commit order")
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                log.record(workspace.pk, EventType.IMPORT_FINISHED, {"import": "slow"})
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    with transaction.atomic():
        log.record(workspace.pk, EventType.IMPORT_FINISHED, {"import": "fast"})
    events, _ = feed.page(workspace.pk)
    assert [e.data["import"] for e in events] == ["fast"]
    cursor = feed.parse_event_id(events[-1].public_id)
    release.set()
    thread.join(10)

    later, _ = feed.page(workspace.pk, after=cursor)
    assert [e.data["import"] for e in later] == ["slow"]
    slow = Event.objects.get(data__import="slow")
    fast = Event.objects.get(data__import="fast")
    assert slow.pk < fast.pk and slow.seq > fast.seq
