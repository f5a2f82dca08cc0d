"""vehicles/{vin}/status and /history: the data gate decides, in both versions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import new_vin
from tests.states import LONG_AGO
from vehicles.models import Reading

BOTH = pytest.mark.parametrize("version", ["v1", "v2"])


def reading(vin, minutes_ago, **values):
    return Reading.objects.create(
        vin=vin, recorded_at=timezone.now() - dt.timedelta(minutes=minutes_ago), odometer_km=100.0, **values
    )


@BOTH
def test_status_gives_the_latest_fresh_reading_of_an_enabled_vin(api, make_vehicle, version):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    reading(vehicle.vin, 60 * 24, fuel_level=10)
    latest = reading(vehicle.vin, 1, fuel_level=55.5, ignition=True)
    response = api.get(f"/api/{version}/vehicles/{vehicle.vin}/status")
    assert response.status_code == 200
    body = response.json()
    assert body["vin"] == vehicle.vin
    assert body["reading"]["fuel_level"] == 55.5
    assert body["reading"]["ignition"] is True
    assert body["reading"]["recorded_at"].startswith(latest.recorded_at.strftime("%Y-%m-%dT%H:%M"))


def test_status_fetches_from_the_provider_when_no_reading_is_fresh(api, make_vehicle):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    reading(vehicle.vin, 60 * 24)
    body = api.get(f"/api/v2/vehicles/{vehicle.vin}/status").json()
    recorded = dt.datetime.fromisoformat(body["reading"]["recorded_at"])
    assert timezone.now() - recorded < dt.timedelta(minutes=10)


@BOTH
@pytest.mark.parametrize("path", ["status", "history"])
def test_a_disabled_vin_answers_403_vehicle_disabled(api, make_vehicle, version, path):
    vehicle = make_vehicle("disabled", ago=LONG_AGO)
    reading(vehicle.vin, 1)
    response = api.get(f"/api/{version}/vehicles/{vehicle.vin}/{path}")
    assert response.status_code == 403
    assert response.json()["code"] == "vehicle_disabled"
    assert "disabled" in response.json()["message"]


@pytest.mark.parametrize("status", ["pending", "incomplete", "error"])
def test_a_vin_that_is_not_enabled_yet_answers_403(api, make_vehicle, status):
    vehicle = make_vehicle(status)
    response = api.get(f"/api/v2/vehicles/{vehicle.vin}/status")
    assert response.status_code == 403
    assert response.json()["code"] == "vehicle_not_enabled"


@BOTH
@pytest.mark.parametrize("path", ["status", "history"])
def test_unknown_foreign_and_deleted_vins_answer_404(api, make_vehicle, other_workspace, version, path):
    foreign = make_vehicle("enabled", ago=LONG_AGO, target_workspace=other_workspace)
    deleted = make_vehicle("deleted")
    for vin in (new_vin(), foreign.vin, deleted.vin):
        reading(vin, 1)
        response = api.get(f"/api/{version}/vehicles/{vin}/{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "vehicle_not_found"


@BOTH
def test_history_defaults_to_the_last_seven_days_newest_first(api, make_vehicle, version):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    reading(vehicle.vin, 60 * 24 * 8)
    two_days = reading(vehicle.vin, 60 * 24 * 2)
    one_hour = reading(vehicle.vin, 60)
    body = api.get(f"/api/{version}/vehicles/{vehicle.vin}/history").json()
    times = [r["recorded_at"][:16] for r in body["readings"]]
    assert times == [one_hour.recorded_at.isoformat()[:16], two_days.recorded_at.isoformat()[:16]]


def test_history_between_from_and_to(api, make_vehicle):
    vehicle = make_vehicle("enabled", ago=dt.timedelta(days=400))  # Enabled before March
    for day in (1, 2, 3):
        Reading.objects.create(vin=vehicle.vin, recorded_at=dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC))
    response = api.get(
        f"/api/v2/vehicles/{vehicle.vin}/history", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    )
    assert [r["recorded_at"] for r in response.json()["readings"]] == ["2026-03-02T12:00:00Z"]


@pytest.mark.parametrize(
    "params", [{"from": "last week"}, {"to": "2026-13-01"}, {"from": "2026-03-02", "to": "2026-03-01"}]
)
def test_history_with_bad_bounds_is_a_400(api, make_vehicle, params):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    response = api.get(f"/api/v2/vehicles/{vehicle.vin}/history", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_history_checks_the_gate_before_the_parameters(api, make_vehicle):
    vehicle = make_vehicle("disabled", ago=LONG_AGO)
    response = api.get(f"/api/v2/vehicles/{vehicle.vin}/history", {"from": "nonsense"})
    assert response.status_code == 403


def test_data_of_an_enabled_vin_of_another_workspace_is_never_read(rival_api, make_vehicle):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    reading(vehicle.vin, 1)
    assert rival_api.get(f"/api/v2/vehicles/{vehicle.vin}/status").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_data_paths_answer_other_methods_with_405(api, make_vehicle, method):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    for path in ("status", "history"):
        response = getattr(api, method)(f"/api/v2/vehicles/{vehicle.vin}/{path}")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("query", ["to=0001-01-01", "to=0001-01-03T00:00:00Z"])
def test_history_ending_too_early_for_the_default_window_is_a_400(api, make_vehicle, query):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    response = api.get(f"/api/v2/vehicles/{vehicle.vin}/history?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


@BOTH
def test_status_reads_the_token_the_gate_and_the_reading_in_one_query(api, make_vehicle, version):
    """The token's look-up also reads the gate's answer for the URL's VIN (api/auth.py, gate.with_status_data):
    one round trip to the database for a fresh reading, whatever the VIN's case in the URL."""
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    latest = reading(vehicle.vin, 1, fuel_level=42.0)
    for vin in (vehicle.vin, vehicle.vin.lower()):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/{version}/vehicles/{vin}/status")
        assert response.status_code == 200
        assert response.json()["vin"] == vehicle.vin
        assert response.json()["reading"]["fuel_level"] == 42.0
        assert response.json()["reading"]["recorded_at"].startswith(latest.recorded_at.strftime("%Y-%m-%dT%H:%M"))
        asked = [q["sql"] for q in queries.captured_queries if "cache" not in q["sql"]]
        assert len(asked) == 1, asked
        assert "oauth2_provider_accesstoken" in asked[0] and "vehicles_vehicle" in asked[0]


@pytest.mark.parametrize("vin", ["NOT-A-VIN", "WBA3A5C5XDF35462%00", "%00", "WBA3A5C5XDF354621" * 30])
def test_status_of_a_vin_in_the_url_that_is_no_vin_reads_only_the_token(api, vin):
    """The token's look-up reads a vehicle only for a valid VIN: anything else (a NUL byte, which PostgreSQL refuses
    in text) never reaches the query, and is not found."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v2/vehicles/{vin}/status")
    assert response.status_code == 404
    assert response.json()["code"] == "vehicle_not_found"
    assert not any("vehicles_vehicle" in q["sql"] for q in queries.captured_queries)
