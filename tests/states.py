"""Bring a vehicle to any status through the status machine (never by writing the status directly)."""

from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import DELETED, Event, Party, Status
from vehicles.status import machine
from vehicles.status.machine import By


def vehicle_in(workspace, status, vin=None):
    system = By.system("test")
    if status == Status.INCOMPLETE:
        return add_vehicle(workspace, vin or new_vin("ZFF"))  # Ferrari, never activated in tests
    if status == Status.ERROR and vin is None:
        return add_vehicle(workspace, new_vin("9ZZ"))  # no maker: Error
    activate(workspace, "BMW")
    vehicle = add_vehicle(workspace, vin or new_vin("WBA"))
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
