"""The data access gate: may this workspace read this VIN's status data?

Only while the VIN is Enabled in that workspace. Disabled: refused, saying so. Deleted or never uploaded: not
found. Readings are stored per VIN and never thrown away, so an Enabled-again VIN gives its old data back.
Every surface that shows readings (vehicle page, API, reports) asks here first.
"""

import datetime as dt
import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fleet.models import Make
from vehicles.choices import Status
from vehicles.models import Reading, StatusChange, Vehicle
from vehicles.providers import ProviderUnavailable, VehicleRevoked
from vehicles.readings.fetch import refresh_readings
from vehicles.readings.status_query import fetch_one
from vehicles.vins import normalise_vin

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


def _readable(vin, vehicle):
    """THE rule: the vehicle (or None when there is no live one with this VIN here) if its data may be read."""
    if vehicle is None:
        raise VehicleNotFound(vin)
    if vehicle.status != Status.ENABLED:
        raise DataNotAvailable(vehicle)
    return vehicle


def vehicle_for_data(workspace, vin):
    """The workspace's live vehicle with this VIN, if its data may be read; raises otherwise."""
    vin = normalise_vin(vin)
    found = Vehicle.objects.filter(workspace=workspace, vin=vin).select_related("make").order_by()[:1]
    return _readable(vin, next(iter(found), None))


# The fields of a reading that the API and the vehicle page show.
READING_COLUMNS = (
    "recorded_at",
    "odometer_km",
    "latitude",
    "longitude",
    "fuel_level",
    "battery_level",
    "ignition",
    "speed_kmh",
)
# status_data() loads every field of the reading, in the model's order (Model.from_db then builds it positionally).
_READING_FIELDS = [f.attname for f in Reading._meta.concrete_fields]
_READING_INSTANTS = [i for i, f in enumerate(Reading._meta.concrete_fields) if f.get_internal_type() == "DateTimeField"]
_READING_BOOLEANS = [i for i, f in enumerate(Reading._meta.concrete_fields) if f.get_internal_type() == "BooleanField"]
# The vehicle's fields that status_data() loads, in the models' field order (as Model.from_db expects them).
_VEHICLE_FIELDS = [
    f.attname for f in Vehicle._meta.concrete_fields if f.name in {"id", "workspace", "vin", "make", "status"}
]


@functools.cache
def _status_parts(vendor):
    """(columns, joins) of the status query: the vehicle `v`, its make's name and — only when it is Enabled — its
    newest stored reading of the current consent period (recorded since it became Enabled: its
    `status_changed_at`), by the `reading_vin_at` index. `joins` has one parameter, Status.ENABLED.

    Written as SQL (table and column names from the models) and built once per database vendor, because it runs
    on every Get Vehicle Status request and the ORM's compilation of the equivalent querysets costs several times
    more than running them; run by status_query.fetch_one (planned once per connection on PostgreSQL).
    """
    q = connection.ops.quote_name
    vehicle, reading, make = Vehicle._meta, Reading._meta, Make._meta

    def column(meta, name):
        return q(meta.get_field(name).column)

    columns = (
        "".join(f"v.{q(vehicle.get_field(name).column)}, " for name in _VEHICLE_FIELDS)
        + f"m.{column(make, 'name')}, "
        + ", ".join(f"r.{q(reading.get_field(name).column)}" for name in _READING_FIELDS)
    )
    joins = (
        f" LEFT JOIN {q(make.db_table)} m ON m.{column(make, 'id')} = v.{column(vehicle, 'make')}"
        f" LEFT JOIN {q(reading.db_table)} r ON v.{column(vehicle, 'status')} = %s"
        f" AND r.{column(reading, 'id')} = ("
        f"SELECT n.{column(reading, 'id')} FROM {q(reading.db_table)} n WHERE n.{column(reading, 'vin')} = "
        f"v.{column(vehicle, 'vin')} AND n.{column(reading, 'recorded_at')} >= v.{column(vehicle, 'status_changed_at')}"
        f" ORDER BY n.{column(reading, 'recorded_at')} DESC LIMIT 1)"
    )
    return columns, joins


def _live_vehicle(workspace_id):
    """The condition on `v` of the live vehicle with a VIN (one parameter) in a workspace (`workspace_id`: SQL)."""
    q = connection.ops.quote_name
    vehicle = Vehicle._meta

    def column(name):
        return q(vehicle.get_field(name).column)

    return f"v.{column('workspace')} = {workspace_id} AND v.{column('vin')} = %s AND v.{column('deleted_at')} IS NULL"


@functools.cache
def _status_data_sql(vendor):
    """One query: the live vehicle with this VIN in the workspace, its make and its newest reading (_status_parts).
    Parameters: Status.ENABLED, the workspace's id, the VIN."""
    columns, joins = _status_parts(vendor)
    return f"SELECT {columns} FROM {q_table(Vehicle)} v{joins} WHERE {_live_vehicle('%s')}"


def with_status_data(vendor, columns, source, where, workspace_id):
    """A query of one row — `SELECT columns FROM source WHERE where`, whose `source` names a workspace's id as
    `workspace_id` (SQL), such as the API's token look-up — that also reads status_data's values at its end: the
    workspace's live vehicle with a VIN and its newest reading, left-joined. Parameters: the VIN,
    Status.ENABLED, then those of `where`. status_data(…, row=the row's last STATUS_DATA_COLUMNS values) then asks
    nothing more: a request's token and its vehicle in one round trip."""
    status_columns, joins = _status_parts(vendor)
    return (
        f"SELECT {columns}, {status_columns} FROM {source}"
        f" LEFT JOIN {q_table(Vehicle)} v ON {_live_vehicle(workspace_id)}{joins} WHERE {where}"
    )


def q_table(model):
    return connection.ops.quote_name(model._meta.db_table)


# How many values of a row status_data reads: the vehicle's, its make's name, the reading's.
STATUS_DATA_COLUMNS = len(_VEHICLE_FIELDS) + 1 + len(_READING_FIELDS)


def _instant(value):
    if isinstance(value, str):  # SQLite gives text for a column read through a join
        value = parse_datetime(value)
    return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


def status_data(workspace, vin, timeout=None, row=None):
    """The gate and the current reading together: `(vehicle, reading)` for the workspace's live vehicle with this
    VIN if its data may be read (raises VehicleNotFound or DataNotAvailable otherwise, as vehicle_for_data), with
    its newest reading as current_reading() gives it (from the provider first when the stored one is stale).

    One query when the stored reading is fresh; none when `row` is given: the STATUS_DATA_COLUMNS values that a
    query built by `with_status_data` read for this workspace and VIN (the API's token look-up). `vehicle` has only
    its id, VIN, status, workspace and make loaded (other fields load on access); `reading` is None when there is
    none.
    """
    vin = normalise_vin(vin)
    if row is None:
        row = fetch_one(_status_data_sql(connection.vendor), [Status.ENABLED, getattr(workspace, "pk", workspace), vin])
    elif row[0] is None:  # the left-joined vehicle: none
        row = None
    loaded = len(_VEHICLE_FIELDS)
    vehicle = _readable(vin, None if row is None else Vehicle.from_db(connection.alias, _VEHICLE_FIELDS, row[:loaded]))
    make_name, values = row[loaded], row[loaded + 1 :]
    latest = None
    if values[0] is not None:  # the reading's id: there is one (and the vehicle is Enabled)
        values = list(values)
        for i in _READING_INSTANTS:
            values[i] = _instant(values[i])
        for i in _READING_BOOLEANS:
            values[i] = None if values[i] is None else bool(values[i])
        latest = Reading.from_db(connection.alias, _READING_FIELDS, values)
    if reading_is_fresh(latest):
        return vehicle, latest
    if latest is None:  # none since it became Enabled: the newest of an earlier consent period, if any
        latest = latest_reading(vehicle)
    return vehicle, _fetched_reading(vehicle, make_name, latest, timeout)


def consent_periods(vehicle):
    """[(start, end or None)]: the periods in which this vehicle was Enabled in its workspace, oldest first, from
    its status history (a handful of rows, by the `history_vehicle_at` index). The same vehicle row carries a
    VIN's whole life in one workspace, re-uploads included, so earlier periods count again (SPEC.md's gate)."""
    periods, start = [], None
    for to_status, at in (
        StatusChange.objects.filter(vehicle_id=vehicle.pk).order_by("at", "id").values_list("to_status", "at")
    ):
        if to_status == Status.ENABLED:
            start = start or at
        elif start is not None:
            periods.append((start, at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def within(periods):
    """A filter of readings recorded inside the periods (nothing when there are none)."""
    condition = Q(pk__in=[])
    for start, end in periods:
        condition |= Q(recorded_at__gte=start, recorded_at__lt=end) if end else Q(recorded_at__gte=start)
    return condition


def readings(vehicle, start=None, end=None):
    """The stored readings of a vehicle that passed the gate, recorded while it was Enabled in its workspace,
    newest first, optionally between two instants."""
    qs = Reading.objects.filter(vin=vehicle.vin).filter(within(consent_periods(vehicle)))
    if start is not None:
        qs = qs.filter(recorded_at__gte=start)
    if end is not None:
        qs = qs.filter(recorded_at__lte=end)
    return qs.order_by("-recorded_at")


def latest_reading(vehicle):
    """The newest stored reading of a vehicle that passed the gate, or None."""
    return readings(vehicle).first()


def latest_readings(workspace, vins, chunk=1000):
    """For many VINs at once (reports): yields (vin, newest stored reading or None, refusal or None) in the order
    given, the refusal being the gate's VehicleNotFound or DataNotAvailable. Three queries per `chunk` VINs."""
    vins = [normalise_vin(vin) for vin in vins]
    for start in range(0, len(vins), chunk):
        part = vins[start : start + chunk]
        # The newest reading of the current consent period (recorded since the VIN became Enabled here).
        newest = (
            Reading.objects.filter(vin=OuterRef("vin"), recorded_at__gte=OuterRef("status_changed_at"))
            .order_by("-recorded_at")
            .values("pk")[:1]
        )
        vehicles = {
            v.vin: v
            for v in Vehicle.objects.filter(workspace=workspace, vin__in=part)
            .order_by()
            .annotate(newest_reading=Subquery(newest))
        }
        allowed_ids = [v.newest_reading for v in vehicles.values() if v.status == Status.ENABLED and v.newest_reading]
        found = Reading.objects.in_bulk(allowed_ids)
        for vin in part:
            try:
                vehicle = _readable(vin, vehicles.get(vin))
            except (VehicleNotFound, DataNotAvailable) as refusal:
                yield vin, None, refusal
                continue
            yield vin, found.get(vehicle.newest_reading), None


def reading_is_fresh(reading, now=None):
    """Whether a stored reading is recent enough (READING_MAX_AGE_SECONDS) to answer without asking the provider."""
    max_age = timedelta(seconds=settings.READING_MAX_AGE_SECONDS)
    return reading is not None and reading.recorded_at >= (now or timezone.now()) - max_age


def current_reading(vehicle, timeout=None):
    """The newest reading of a vehicle that passed the gate, fetched from its provider first when the newest
    stored one is older than READING_MAX_AGE_SECONDS.

    The provider gets at most `timeout` seconds (READING_FETCH_TIMEOUT_SECONDS by default); when it fails or is
    too slow, the newest stored reading is returned (or None). When the provider says it has revoked the vehicle,
    the vehicle is Disabled (by the provider) and DataNotAvailable is raised, as for any Disabled vehicle.
    """
    latest = latest_reading(vehicle)
    if reading_is_fresh(latest):
        return latest
    return _fetched_reading(vehicle, vehicle.make.name if vehicle.make_id else None, latest, timeout)


def _fetched_reading(vehicle, make_name, latest, timeout):
    """current_reading() once the stored reading `latest` is known to be stale (or missing)."""
    if timeout is None:
        timeout = settings.READING_FETCH_TIMEOUT_SECONDS
    try:
        refresh_readings(vehicle.vin, make_name, timeout=timeout)
    except VehicleRevoked:
        vehicle.refresh_from_db()
        raise DataNotAvailable(vehicle) from None
    except ProviderUnavailable as error:
        logger.warning("Fresh data for VIN %s not fetched: %s", vehicle.vin, error)
        return latest
    return latest_reading(vehicle)
