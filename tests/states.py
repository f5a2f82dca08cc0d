"""Bring a vehicle to any status through the status machine (never by writing the status directly)."""

from vehicles.choices import DELETED, Party, Status
from vehicles.transitions import By

from .factories import activate, add_vehicle, new_vin


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
        return vehicle.refuse(Party.PROVIDER, By.provider("test"), "not recognised")
    vehicle.approve(Party.PLATFORM, system)
    vehicle.approve(Party.PROVIDER, system)
    if status == Status.ENABLED:
        return vehicle
    vehicle.disable(system)
    if status == Status.DISABLED:
        return vehicle
    if status == DELETED:
        return vehicle.delete_vin(system)
    raise ValueError(status)
