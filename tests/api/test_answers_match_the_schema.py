"""Every operation's answers, in both versions, match the schema the server publishes for them."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import new_vin
from tests.states import LONG_AGO
from vehicles.models import Reading, StatusReport

from .schema_check import assert_matches_schema

BOTH = pytest.mark.parametrize("version", ["v1", "v2"])


def call(api, method, path, body=None, **params):
    if method == "GET":
        response = api.get(path, params)
    else:
        response = api.post(path, body, format="json")
    assert_matches_schema(response, method, path)
    return response


@pytest.fixture(autouse=True)
def fresh_schema():
    from .schema_check import published_schema

    published_schema.cache_clear()


@BOTH
def test_history_answers_from_and_to_as_the_schema_says(api, make_vehicle, version):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now() - dt.timedelta(hours=1), odometer_km=5.0)
    response = call(api, "GET", f"/api/{version}/vehicles/{vehicle.vin}/history")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"vin", "from", "to", "readings"}
    assert len(body["readings"]) == 1
    start, end = dt.datetime.fromisoformat(body["from"]), dt.datetime.fromisoformat(body["to"])
    assert end - start == dt.timedelta(days=7)


@BOTH
def test_status_data_matches_with_and_without_a_reading(api, make_vehicle, version, settings):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=5.0, ignition=True)
    response = call(api, "GET", f"/api/{version}/vehicles/{vehicle.vin}/status")
    assert response.status_code == 200 and response.json()["reading"]["ignition"] is True
    assert call(api, "GET", f"/api/{version}/vehicles/{make_vehicle('disabled').vin}/status").status_code == 403
    assert call(api, "GET", f"/api/{version}/vehicles/{new_vin()}/status").status_code == 404


@BOTH
def test_vehicle_management_answers_match_in_every_status(api, make_vehicle, version, bmw_active):
    base = f"/api/{version}/vehicle-management/vehicles/"
    vehicles = {status: make_vehicle(status) for status in ("enabled", "pending", "incomplete", "disabled", "error")}
    listed = call(api, "GET", base, limit=2)
    assert listed.status_code == 200 and listed.json()["next"]
    for vehicle in vehicles.values():
        assert call(api, "GET", f"{base}{vehicle.vin}/").status_code == 200
    assert call(api, "GET", f"{base}{new_vin()}/").status_code == 404
    fresh = new_vin()
    upload = call(api, "POST", base, {"vins": [{"vin": fresh, "odometer": 10}, {"vin": "bad"}, {"vin": fresh}]})
    assert upload.status_code == 200
    assert [r["outcome"] for r in upload.json()["results"]] == ["added", "invalid", "repeated"]
    for action in ("disable", "enable", "remove"):
        answer = call(api, "POST", f"{base}{action}", {"vins": [fresh, vehicles["error"].vin, "bad", new_vin()]})
        assert answer.status_code == 200
    assert call(api, "POST", base, {"vins": []}).status_code == 400
    assert call(api, "GET", base, limit=0).status_code == 400


@BOTH
def test_report_answers_match(api, make_vehicle, version):
    created = call(
        api, "POST", f"/api/{version}/reports/vehicles-status", {"vins": [make_vehicle("enabled", ago=LONG_AGO).vin]}
    )
    assert created.status_code == 202
    report_id = created.json()["id"]
    assert call(api, "GET", f"/api/{version}/reports/{report_id}").status_code == 200
    assert call(api, "GET", f"/api/{version}/reports/{report_id}/download").status_code == 409
    StatusReport.objects.filter(pk=report_id).update(state="completed", csv="vin\n", completed_at=timezone.now())
    assert call(api, "GET", f"/api/{version}/reports/{report_id}").json()["download"]
    assert call(api, "GET", f"/api/{version}/reports/{report_id}/download").status_code == 200
