"""Bring a vehicle to any status through the status machine (never by writing the status directly)."""

import datetime as dt

from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import DELETED, Event, Party, Status
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import StatusChange, Vehicle
from vehicles.status import machine
from vehicles.status.machine import By

# How far back `vehicle_in(…, ago=LONG_AGO)` moves a vehicle's history: readings tests record a week of readings
# and need the VIN to have been Enabled (in its consent period, SPEC.md's gate) while they were recorded.
LONG_AGO = dt.timedelta(days=30)


def backdate(vehicle, ago):
    """Move a vehicle's whole status history `ago` into the past, as if it had been uploaded (and approved,
    disabled …) then."""

    StatusChange.objects.filter(vehicle_id=vehicle.pk).update(at=F("at") - ago)
    Vehicle.all_objects.filter(pk=vehicle.pk).update(
        status_changed_at=F("status_changed_at") - ago, created_at=F("created_at") - ago
    )
    vehicle.refresh_from_db()
    return vehicle


def status_of(vehicle):
    """The vehicle's status as the database has it now, DELETED for a deleted one."""
    vehicle = Vehicle.all_objects.get(pk=vehicle.pk)
    return DELETED if vehicle.is_deleted else vehicle.status


def vehicle_in(workspace, status, vin=None, ago=None, **entry):
    """`entry`: the upload's other fields (odometer, name, license_plate, labels …)."""
    vehicle = _vehicle_in(workspace, status, vin, **entry)
    return backdate(vehicle, ago) if ago else vehicle


def _vehicle_in(workspace, status, vin=None, **entry):
    system = By.system("test")
    if status == Status.INCOMPLETE:
        return add_vehicle(workspace, vin or new_vin("ZFF"), **entry)  # Ferrari, never activated in tests
    if status == Status.ERROR and vin is None:
        return add_vehicle(workspace, new_vin("9ZZ"), **entry)  # no maker: Error
    activate(workspace, "BMW")
    vehicle = add_vehicle(workspace, vin or new_vin("WBA"), **entry)
    if status == Status.PENDING:
        return vehicle
    if status == Status.ERROR:
        return machine.refuse_one(vehicle, Party.PROVIDER, By.provider("test"), "not recognised")
    machine.approve_one(vehicle, Party.PLATFORM, system)
    machine.approve_one(vehicle, Party.PROVIDER, system)
    if status == Status.ENABLED:
        return vehicle
    machine.fire(vehicle, Event.DISABLE, system)
    if status == Status.DISABLED:
        return vehicle
    if status == DELETED:
        return machine.fire(vehicle, Event.DELETE, system)
    raise ValueError(status)


def enabled_in_bulk(workspace, n):
    """`n` new BMW VINs of `workspace`, uploaded and approved by both parties in bulk (one call of the machine per
    step, as the worker does); returns them as a queryset."""
    system = By.system("test")
    activate(workspace, "BMW")
    results = add_vehicles(workspace, [Entry(vin=new_vin()) for _ in range(n)], system)
    vehicles = Vehicle.objects.filter(pk__in=[r.vehicle_id for r in results])
    machine.approve(vehicles, Party.PLATFORM, system)
    machine.approve(vehicles, Party.PROVIDER, system)
    return vehicles


def disabled_counting_queries(vehicles):
    """Disable `vehicles` (a queryset) in one call of the machine; returns the queries it ran (captured)."""
    with CaptureQueriesContext(connection) as queries:
        machine.apply(Event.DISABLE, vehicles, By.system("test"))
    return queries
