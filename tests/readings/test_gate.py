"""The data access gate: a workspace reads a VIN's status data only while that VIN is Enabled there."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import chain_support
from tests.factories import add_vehicle
from tests.states import LONG_AGO
from vehicles.choices import Event, Party, Status
from vehicles.models import Reading, StatusChange
from vehicles.readings import gate
from vehicles.status import machine
from vehicles.status.machine import By

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.django_db


def store_readings(vin, hours):
    now = timezone.now().replace(microsecond=0)
    Reading.objects.bulk_create(
        [Reading(vin=vin, recorded_at=now - timedelta(hours=h), odometer_km=10_000 - h) for h in range(hours)]
    )


def test_an_enabled_vin_gives_its_latest_reading_and_history(make_vehicle, workspace):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    store_readings(vehicle.vin, 3)

    readable = gate.vehicle_for_data(workspace, vehicle.vin.lower())

    assert readable == vehicle
    assert gate.readings(readable).count() == 3
    assert gate.latest_reading(readable).odometer_km == 10_000


def test_a_disabled_vin_is_refused_current_and_history(make_vehicle, workspace):
    vehicle = make_vehicle(Status.DISABLED, ago=LONG_AGO)
    store_readings(vehicle.vin, 3)

    with pytest.raises(gate.DataNotAvailable) as refused:
        gate.vehicle_for_data(workspace, vehicle.vin)

    assert refused.value.code == "vehicle_disabled"
    assert "disabled" in str(refused.value)
    assert Reading.objects.filter(vin=vehicle.vin).count() == 3, "the readings are kept"


@pytest.mark.parametrize("status", [Status.PENDING, Status.INCOMPLETE, Status.ERROR])
def test_a_vin_that_is_not_yet_enabled_gives_no_data(make_vehicle, workspace, status):
    vehicle = make_vehicle(status)

    with pytest.raises(gate.DataNotAvailable) as refused:
        gate.vehicle_for_data(workspace, vehicle.vin)

    assert refused.value.code == "vehicle_not_enabled"


def test_a_deleted_vin_is_not_found(make_vehicle, workspace):
    vehicle = make_vehicle("deleted")
    store_readings(vehicle.vin, 2)

    with pytest.raises(gate.VehicleNotFound):
        gate.vehicle_for_data(workspace, vehicle.vin)


def test_a_vin_never_uploaded_is_not_found(workspace):
    with pytest.raises(gate.VehicleNotFound):
        gate.vehicle_for_data(workspace, "WBA3A5C51CF256651")


def test_a_reuploaded_and_reapproved_vin_gives_back_the_readings_of_its_earlier_consent_period(make_vehicle, workspace):
    now = timezone.now()
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)  # Enabled 30 days ago
    machine.fire(vehicle, Event.DISABLE, By.system("test"))
    machine.fire(vehicle, Event.DELETE, By.system("test"))
    StatusChange.objects.filter(vehicle=vehicle, at__gt=now - timedelta(hours=1)).update(at=now - timedelta(days=10))
    during = Reading.objects.create(vin=vehicle.vin, recorded_at=now - timedelta(days=20), odometer_km=1)
    Reading.objects.create(vin=vehicle.vin, recorded_at=now - timedelta(days=5), odometer_km=2)  # while deleted

    again = add_vehicle(workspace, vin=vehicle.vin)
    assert again.status == Status.PENDING, "earlier approvals do not count"
    with pytest.raises(gate.DataNotAvailable):
        gate.vehicle_for_data(workspace, vehicle.vin)
    machine.approve_one(again, Party.PLATFORM, By.system("test"))
    machine.approve_one(again, Party.PROVIDER, By.provider("test"))

    readable = gate.vehicle_for_data(workspace, vehicle.vin)
    assert list(gate.readings(readable)) == [during]  # the earlier period's, never the deleted days'
    assert gate.latest_reading(readable) == during


def test_a_fleet_that_uploads_a_vin_later_never_reads_what_was_recorded_before_its_consent(
    make_vehicle, workspace, other_workspace
):
    first = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    store_readings(first.vin, 24)  # recorded while only the first fleet had the vehicle
    later = make_vehicle(Status.ENABLED, target_workspace=other_workspace, vin=first.vin)
    mine = Reading.objects.create(vin=first.vin, recorded_at=timezone.now() + timedelta(seconds=1), odometer_km=9)

    assert gate.readings(gate.vehicle_for_data(workspace, first.vin)).count() == 25
    assert list(gate.readings(gate.vehicle_for_data(other_workspace, later.vin))) == [mine]
    reports = dict((vin, reading) for vin, reading, _ in gate.latest_readings(other_workspace, [first.vin]))
    assert reports[first.vin] == mine


def test_a_vin_enabled_in_one_workspace_and_disabled_in_another_gives_data_only_in_the_first(
    make_vehicle, workspace, other_workspace
):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    make_vehicle(Status.DISABLED, ago=LONG_AGO, target_workspace=other_workspace, vin=vehicle.vin)
    store_readings(vehicle.vin, 2)

    assert gate.readings(gate.vehicle_for_data(workspace, vehicle.vin)).count() == 2
    with pytest.raises(gate.DataNotAvailable):
        gate.vehicle_for_data(other_workspace, vehicle.vin)


def test_a_fresh_reading_is_answered_without_asking_the_provider(make_vehicle, workspace, simulated):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    store_readings(vehicle.vin, 1)
    simulated["OUTAGE"] = True  # asking it would fail

    reading = gate.current_reading(vehicle)

    assert reading.odometer_km == 10_000
    assert Reading.objects.filter(vin=vehicle.vin).count() == 1


def test_a_stale_reading_is_refreshed_from_the_provider(make_vehicle, workspace, simulated, settings):
    settings.READING_MAX_AGE_SECONDS = 60
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now() - timedelta(hours=2), odometer_km=5)

    reading = gate.current_reading(vehicle)

    assert gate.reading_is_fresh(reading)
    assert reading.provider == "simulated"
    assert reading.odometer_km > 2000, "the simulated odometer, not the stale 5 km"


def test_when_the_provider_fails_the_stored_reading_is_answered(make_vehicle, workspace, simulated, settings):
    settings.READING_MAX_AGE_SECONDS = 60
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    stale = Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now() - timedelta(hours=2), odometer_km=5)
    simulated["OUTAGE"] = True

    assert gate.current_reading(vehicle, timeout=1) == stale


def test_a_provider_slower_than_the_timeout_is_not_waited_for(make_vehicle, workspace, settings):
    settings.VEHICLE_PROVIDERS = {"default": "tests.readings.test_gate.SlowProvider"}
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)

    started = timezone.now()
    assert gate.current_reading(vehicle, timeout=0.2) is None
    assert (timezone.now() - started).total_seconds() < 1.5


class SlowProvider:
    name = "slow"

    def fetch_status(self, vin, since=None):
        import time

        time.sleep(2)
        return []
