"""gate.status_data (the one-query gate + latest reading behind Get Vehicle Status) decides exactly as
vehicle_for_data + current_reading do."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fleet.models import Workspace
from tests import chain_support
from tests.states import LONG_AGO
from vehicles.choices import Status
from vehicles.models import Reading
from vehicles.readings import gate
from vehicles.readings.status_query import fetch_one

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.django_db


def reading_values(reading):
    return {name: getattr(reading, name) for name in gate.READING_COLUMNS}


def test_an_enabled_vin_gives_the_vehicle_and_its_latest_reading_in_one_query(
    make_vehicle, workspace, django_assert_num_queries
):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    now = timezone.now()
    Reading.objects.create(vin=vehicle.vin, recorded_at=now - timedelta(hours=3), odometer_km=1)
    latest = Reading.objects.create(
        vin=vehicle.vin,
        recorded_at=now,
        odometer_km=2.5,
        latitude=48.1,
        fuel_level=55.0,
        ignition=True,
        speed_kmh=0,
        provider="bmw",
    )

    with django_assert_num_queries(1):
        readable, reading = gate.status_data(workspace, vehicle.vin.lower())

    assert readable == vehicle and readable.vin == vehicle.vin and readable.status == Status.ENABLED
    assert reading_values(reading) == reading_values(
        gate.current_reading(gate.vehicle_for_data(workspace, vehicle.vin))
    )
    assert reading.ignition is True and reading.recorded_at == now
    assert reading == latest and reading.provider == "bmw" and reading.fetched_at == latest.fetched_at


def test_the_answer_is_the_same_when_asked_again_and_after_a_rolled_back_transaction(make_vehicle, workspace):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=7)
    first = gate.status_data(workspace, vehicle.vin)[1].odometer_km
    try:
        with transaction.atomic():
            assert gate.status_data(workspace, vehicle.vin)[1].odometer_km == first
            raise RuntimeError("roll back")
    except RuntimeError:
        pass

    for _ in range(8):  # on PostgreSQL, a prepared statement from the sixth run at the latest
        assert gate.status_data(workspace, vehicle.vin)[1].odometer_km == first == 7


def test_an_enabled_vin_without_readings_asks_the_provider(make_vehicle, workspace, simulated):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)

    readable, reading = gate.status_data(workspace, vehicle.vin)

    assert reading.provider == "simulated" and gate.reading_is_fresh(reading)
    assert readable.make.name == vehicle.make.name


def test_a_stale_reading_is_refreshed_and_an_unreachable_provider_gives_the_stored_one(
    make_vehicle, workspace, simulated, settings
):
    settings.READING_MAX_AGE_SECONDS = 60
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now() - timedelta(hours=2), odometer_km=5)
    simulated["OUTAGE"] = True

    assert gate.status_data(workspace, vehicle.vin, timeout=1)[1].odometer_km == 5

    simulated["OUTAGE"] = False
    assert gate.status_data(workspace, vehicle.vin)[1].odometer_km > 2000, "the provider's, not the stale 5 km"


@pytest.mark.parametrize(
    "status, code",
    # Disabled has its own code; every other status but Enabled is "not enabled".
    [(Status.DISABLED, "vehicle_disabled")]
    + [(status, "vehicle_not_enabled") for status in (Status.PENDING, Status.INCOMPLETE, Status.ERROR)],
)
def test_a_vin_that_is_not_enabled_is_refused_with_the_same_code_and_message(make_vehicle, workspace, status, code):
    vehicle = make_vehicle(status)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=1)

    with pytest.raises(gate.DataNotAvailable) as refused:
        gate.status_data(workspace, vehicle.vin)
    with pytest.raises(gate.DataNotAvailable) as refused_too:
        gate.vehicle_for_data(workspace, vehicle.vin)

    assert refused.value.code == refused_too.value.code == code
    assert str(refused.value) == str(refused_too.value)


def test_deleted_unknown_and_other_workspaces_vins_are_not_found(make_vehicle, workspace, other_workspace):
    deleted = make_vehicle("deleted")
    elsewhere = make_vehicle(Status.ENABLED, ago=LONG_AGO, target_workspace=other_workspace)
    for vin in (deleted.vin, elsewhere.vin, "WBA3A5C51CF256651"):
        Reading.objects.create(vin=vin, recorded_at=timezone.now(), odometer_km=1)
        with pytest.raises(gate.VehicleNotFound):
            gate.status_data(workspace, vin)


@pytest.mark.django_db(transaction=True)
def test_a_lost_database_connection_is_replaced_before_the_answer(make_vehicle, workspace):
    """On PostgreSQL the status query is the reused connection's health check: a connection the server has
    closed is replaced and the query answered (on SQLite a closed connection is simply reopened)."""
    from django.db import close_old_connections, connection

    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=3)
    assert gate.status_data(workspace, vehicle.vin)[1].odometer_km == 3
    close_old_connections()  # as at the start of a request: the reused connection is to be checked
    if connection.vendor == "postgresql":
        import psycopg

        pid = connection.connection.info.backend_pid
        settings_dict = connection.settings_dict
        with psycopg.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            host=settings_dict["HOST"],
            port=settings_dict["PORT"],
            password=settings_dict["PASSWORD"] or None,
            autocommit=True,
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        connection.close()

    assert gate.status_data(workspace, vehicle.vin)[1].odometer_km == 3


def test_a_revocation_seen_while_fetching_disables_the_vehicle_and_refuses_as_disabled(
    make_vehicle, workspace, simulated
):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    simulated["REVOKE_VINS"].append(vehicle.vin)

    with pytest.raises(gate.DataNotAvailable) as refused:
        gate.status_data(workspace, vehicle.vin)

    assert refused.value.code == "vehicle_disabled"
    vehicle.refresh_from_db()
    assert vehicle.status == Status.DISABLED


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "text/html", "application/json; indent=4", "*/*;q=0.8"]
)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
def test_the_api_negotiation_answers_as_drf_would(accept, query):
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from vehicles.api.views import JsonNegotiation

    django_request = APIRequestFactory().get(f"/api/v2/x{query}", **({"HTTP_ACCEPT": accept} if accept else {}))
    if accept is None:
        django_request.META.pop("HTTP_ACCEPT", None)

    def answer(negotiation):
        try:
            renderer, media_type = negotiation().select_renderer(Request(django_request), [JSONRenderer()])
        except Exception as refused:  # noqa: BLE001 (406 or 404, compared by type)
            return type(refused).__name__
        return type(renderer).__name__, media_type

    assert answer(JsonNegotiation) == answer(DefaultContentNegotiation)


@pytest.mark.parametrize("status", [Status.ENABLED, Status.DISABLED, Status.PENDING, "deleted", None])
def test_a_row_read_with_another_query_decides_as_the_gate_own_query(make_vehicle, workspace, other_workspace, status):
    """gate.with_status_data (the API's token look-up reads the gate's values too) gives status_data the same
    answer as its own query: for every status, a VIN of no vehicle here, and another workspace's VIN."""
    vin = make_vehicle(status, ago=LONG_AGO).vin if status else "WBA3A5C5XDF354621"
    Reading.objects.create(vin=vin, recorded_at=timezone.now(), odometer_km=9, fuel_level=12.5)
    sql = gate.with_status_data(connection.vendor, "w.id", f"{Workspace._meta.db_table} w", "w.id = %s", "w.id")

    def answer(target, row=None):
        try:
            vehicle, latest = gate.status_data(target, vin, row=row)
        except (gate.VehicleNotFound, gate.DataNotAvailable) as refusal:
            return type(refusal).__name__, str(refusal)
        return vehicle.pk, vehicle.status, reading_values(latest)

    for target in (workspace, other_workspace):
        row = fetch_one(sql, [vin, Status.ENABLED, target.pk])
        assert row[0] == target.pk
        assert answer(target, row=row[-gate.STATUS_DATA_COLUMNS :]) == answer(target)
    assert answer(other_workspace)[0] == "VehicleNotFound"
