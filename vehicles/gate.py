"""The data access gate: may this workspace read this VIN's status data?

Only while the VIN is Enabled in that workspace. Disabled: refused, saying so. Deleted or never uploaded: not
found. Readings are stored per VIN and never thrown away, so an Enabled-again VIN gives its old data back.
Every surface that shows readings (vehicle page, API, reports) asks here first.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .choices import Status
from .models import Reading, Vehicle
from .vins import normalise_vin

logger = logging.getLogger(__name__)


class VehicleNotFound(Exception):
    code = "vehicle_not_found"

    def __init__(self, vin):
        super().__init__(f"VIN {vin} is not in this workspace")


class DataNotAvailable(Exception):
    """The vehicle exists here but its data may not be read in its status."""

    def __init__(self, vehicle):
        self.vehicle = vehicle
        self.code = "vehicle_disabled" if vehicle.status == Status.DISABLED else "vehicle_not_enabled"
        if vehicle.status == Status.DISABLED:
            message = f"VIN {vehicle.vin} is disabled: its current and historical data cannot be read"
        else:
            message = (
                f"VIN {vehicle.vin} is {vehicle.get_status_display()}: its data can be read only once it is Enabled"
            )
        super().__init__(message)


def vehicle_for_data(workspace, vin):
    """The workspace's live vehicle with this VIN, if its data may be read; raises otherwise."""
    vin = normalise_vin(vin)
    vehicle = Vehicle.objects.filter(workspace=workspace, vin=vin).select_related("make").first()
    if vehicle is None:
        raise VehicleNotFound(vin)
    if vehicle.status != Status.ENABLED:
        raise DataNotAvailable(vehicle)
    return vehicle


def readings(vehicle, start=None, end=None):
    """The stored readings of a vehicle that passed the gate, newest first, optionally between two instants."""
    qs = Reading.objects.filter(vin=vehicle.vin)
    if start is not None:
        qs = qs.filter(recorded_at__gte=start)
    if end is not None:
        qs = qs.filter(recorded_at__lte=end)
    return qs.order_by("-recorded_at")


def latest_reading(vehicle):
    """The newest stored reading of a vehicle that passed the gate, or None."""
    return readings(vehicle).first()


def reading_is_fresh(reading, now=None):
    """Whether a stored reading is recent enough (READING_MAX_AGE_SECONDS) to answer without asking the provider."""
    max_age = timedelta(seconds=getattr(settings, "READING_MAX_AGE_SECONDS", 300))
    return reading is not None and reading.recorded_at >= (now or timezone.now()) - max_age


def current_reading(vehicle, timeout=None):
    """The newest reading of a vehicle that passed the gate, fetched from its provider first when the newest
    stored one is older than READING_MAX_AGE_SECONDS.

    The provider gets at most `timeout` seconds (READING_FETCH_TIMEOUT_SECONDS by default); when it fails or is
    too slow, the newest stored reading is returned (or None). When the provider says it has revoked the vehicle,
    the vehicle is Disabled (by the provider) and DataNotAvailable is raised, as for any Disabled vehicle.
    """
    from .chain import refresh_readings
    from .providers import ProviderUnavailable, VehicleRevoked

    latest = latest_reading(vehicle)
    if reading_is_fresh(latest):
        return latest
    if timeout is None:
        timeout = getattr(settings, "READING_FETCH_TIMEOUT_SECONDS", 5)
    try:
        refresh_readings(vehicle.vin, vehicle.make.name if vehicle.make_id else None, timeout=timeout)
    except VehicleRevoked:
        vehicle.refresh_from_db()
        raise DataNotAvailable(vehicle) from None
    except ProviderUnavailable as error:
        logger.warning("Fresh data for VIN %s not fetched: %s", vehicle.vin, error)
        return latest
    return latest_reading(vehicle)
