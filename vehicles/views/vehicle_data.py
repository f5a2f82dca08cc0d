"""What the vehicle page shows of a vehicle's status data: the data gate's answer, the latest reading (fetched
from the provider when stale), and the week of readings the chart draws. Asked by the view, never by a template."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from vehicles.choices import Status
from vehicles.readings import gate

CHART_DAYS = 7
CHART_POINTS = 400

NOTICES = {
    Status.DISABLED: "This vehicle is disabled: neither its current nor its historical data can be read. "
    "Enable it to ask for approval again.",
    Status.PENDING: "This vehicle is waiting for the platform's and the provider's approval: its data can be read "
    "once both have approved it.",
    Status.INCOMPLETE: "This vehicle's make is not activated for this workspace: its data can be read once the make "
    "is activated and the vehicle is approved.",
    Status.ERROR: "This vehicle is in Error, so its data cannot be read. Enable it to run the approval again.",
}


def vehicle_data(vehicle, workspace):
    """What the vehicle page may show of this vehicle's status data, decided by the data gate."""
    try:
        allowed = gate.vehicle_for_data(workspace, vehicle.vin)
    except gate.VehicleNotFound:
        return {"available": False, "notice": "This vehicle is not in this workspace: it has no data here."}
    except gate.DataNotAvailable as refused:
        return {"available": False, "notice": NOTICES.get(refused.vehicle.status, str(refused)), "code": refused.code}
    try:
        reading = gate.current_reading(allowed, timeout=settings.READING_FETCH_TIMEOUT_SECONDS)
    except gate.DataNotAvailable as refused:  # the provider revoked it just now
        return {"available": False, "notice": NOTICES[Status.DISABLED], "code": refused.code}
    since = timezone.now() - timedelta(days=CHART_DAYS)
    history = list(gate.readings(allowed, start=since)[:CHART_POINTS])[::-1]  # oldest first
    return {
        "available": True,
        "reading": reading,
        "history": history,
        "fresh": gate.reading_is_fresh(reading),
        "electric": reading is not None and reading.battery_level is not None,
    }
