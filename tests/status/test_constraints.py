"""Uniqueness of a live VIN in a workspace holds in the database itself, also after delete and re-upload."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import add_vehicle, new_vin
from vehicles.choices import DELETED, Event, Status
from vehicles.importing.engine import Entry, Outcome, add_vehicles
from vehicles.models import Reading, StatusChange, Vehicle
from vehicles.status import machine
from vehicles.status.machine import By

SYSTEM = By.system("test")


def raw_vehicle(workspace, vin):
    now = timezone.now()
    return Vehicle.all_objects.create(
        workspace=workspace, vin=vin, status=Status.PENDING, created_at=now, status_changed_at=now
    )


def test_the_database_refuses_a_second_live_row_for_a_vin(workspace):
    vin = new_vin()
    raw_vehicle(workspace, vin)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_vehicle(workspace, vin)


def test_the_same_vin_may_sit_in_several_workspaces(workspace, other_workspace):
    vin = new_vin()
    raw_vehicle(workspace, vin)
    raw_vehicle(other_workspace, vin)
    assert Vehicle.objects.filter(vin=vin).count() == 2


def test_a_deleted_row_does_not_block_a_live_one(workspace):
    vin = new_vin()
    first = raw_vehicle(workspace, vin)
    Vehicle.all_objects.filter(pk=first.pk).update(deleted_at=timezone.now())
    raw_vehicle(workspace, vin)  # allowed by the partial constraint
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_vehicle(workspace, vin)


def test_the_database_refuses_an_unknown_status(workspace):
    with pytest.raises(IntegrityError), transaction.atomic():
        now = timezone.now()
        Vehicle.all_objects.create(
            workspace=workspace, vin=new_vin(), status="bogus", created_at=now, status_changed_at=now
        )


def test_a_vin_already_present_is_reported_as_a_duplicate_and_nothing_changes(workspace, make_vehicle):
    vehicle = make_vehicle("enabled")
    before = Vehicle.all_objects.filter(pk=vehicle.pk).values().get()
    [result] = add_vehicles(workspace, [Entry(vin=vehicle.vin)], SYSTEM)
    assert result.outcome == Outcome.DUPLICATE
    assert Vehicle.all_objects.filter(pk=vehicle.pk).values().get() == before
    assert Vehicle.all_objects.filter(workspace=workspace, vin=vehicle.vin).count() == 1


def test_a_deleted_vin_comes_back_pending_with_its_history_and_data(workspace, make_vehicle):
    vehicle = make_vehicle("enabled")
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=1234)
    history_before = StatusChange.objects.filter(vehicle=vehicle).count()
    machine.fire(vehicle, Event.DELETE, SYSTEM)
    assert not Vehicle.objects.filter(pk=vehicle.pk).exists()

    [result] = add_vehicles(workspace, [Entry(vin=vehicle.vin)], SYSTEM)

    assert result.outcome == Outcome.READDED and result.vehicle_id == vehicle.pk
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING  # earlier approvals do not count
    assert vehicle.platform_approved_at is None and vehicle.provider_approved_at is None
    history = list(StatusChange.objects.filter(vehicle=vehicle).order_by("id"))
    assert len(history) == history_before + 2
    assert (history[-1].from_status, history[-1].to_status) == (DELETED, Status.PENDING)
    assert Reading.objects.filter(vin=vehicle.vin).count() == 1
    assert Vehicle.all_objects.filter(workspace=workspace, vin=vehicle.vin).count() == 1


def test_a_deleted_vin_of_an_inactive_make_comes_back_incomplete(workspace, make_vehicle):
    vehicle = make_vehicle("incomplete")
    machine.fire(vehicle, Event.DELETE, SYSTEM)
    [result] = add_vehicles(workspace, [Entry(vin=vehicle.vin)], SYSTEM)
    assert (result.outcome, result.status) == (Outcome.READDED, Status.INCOMPLETE)


def test_counts_follow_every_change(workspace, make_vehicle):
    from vehicles.status.counts import recount, status_counts

    for status in ("enabled", "disabled", "pending", "incomplete", "error", DELETED):
        make_vehicle(status)
    add_vehicle(workspace)
    kept = status_counts(workspace)
    recount(workspace)
    assert status_counts(workspace) == kept
    assert kept == {"enabled": 1, "disabled": 1, "pending": 2, "incomplete": 1, "error": 1}
