"""The v2 vehicle answers say what each VIN waits for (`waiting_for`, `next_step`, `stuck`, `pending_since`,
`usual_pending_seconds`) and the v2 list filters `stuck=1`; v1 stays as it was."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import listed_and_one
from tests.factories import activate, add_vehicle, new_vin
from tests.states import backdate
from vehicles.choices import Party, Status
from vehicles.status import machine, waiting
from vehicles.status.machine import By

V1, V2 = "/api/v1/vehicle-management/vehicles/", "/api/v2/vehicle-management/vehicles/"
SYSTEM = By.system("test")
HOUR = dt.timedelta(hours=1)
WAITING_FIELDS = {"waiting_for", "next_step", "stuck", "pending_since", "usual_pending_seconds"}


def pending_since(workspace, ago):
    return backdate(add_vehicle(workspace, new_vin("WBA")), ago)


@pytest.mark.parametrize(
    "status, expected",
    [
        (Status.ENABLED, None),
        (Status.PENDING, "both_approvals"),
        (Status.INCOMPLETE, "make_activation"),
        (Status.DISABLED, "manager"),
        (Status.ERROR, "manager"),
    ],
)
def test_each_vehicle_says_what_it_waits_for(api, make_vehicle, status, expected):
    vehicle = make_vehicle(status)
    for answer in listed_and_one(api, V2, vehicle.vin):
        assert answer["waiting_for"] == expected
        assert answer["stuck"] is False
        assert (answer["next_step"] is None) == (expected is None)
        if status != Status.PENDING:
            assert answer["pending_since"] is None and answer["usual_pending_seconds"] is None


def test_a_half_approved_vehicle_waits_for_the_other_party(api, make_vehicle):
    platform = machine.approve_one(make_vehicle(Status.PENDING), Party.PLATFORM, SYSTEM)
    provider = machine.approve_one(make_vehicle(Status.PENDING), Party.PROVIDER, SYSTEM)
    answers = {v["vin"]: v["waiting_for"] for v in api.get(V2).json()["vehicles"]}
    assert answers == {platform.vin: "provider_approval", provider.vin: "platform_approval"}


def test_a_pending_vehicle_says_since_when_how_long_usually_and_if_stuck(api, workspace, bmw_active):
    for _ in range(5):
        vehicle = pending_since(workspace, 2 * HOUR)
        machine.approve_one(vehicle, Party.PLATFORM, SYSTEM)
        machine.approve_one(vehicle, Party.PROVIDER, SYSTEM)
    waiting.refresh_medians()
    fresh, stuck = pending_since(workspace, HOUR), pending_since(workspace, 7 * HOUR)
    answers = {v["vin"]: v for v in api.get(V2).json()["vehicles"]}
    assert answers[fresh.vin]["stuck"] is False and answers[stuck.vin]["stuck"] is True
    assert abs(answers[fresh.vin]["usual_pending_seconds"] - 7200) <= 5
    since = dt.datetime.fromisoformat(answers[stuck.vin]["pending_since"])
    assert since == stuck.status_changed_at
    assert "support" in answers[stuck.vin]["next_step"]


def test_the_v2_list_filters_stuck_vehicles(api, rival_api, workspace, other_workspace, bmw_active):
    stuck = pending_since(workspace, 50 * HOUR)
    pending_since(workspace, HOUR)
    activate(other_workspace, "BMW")
    pending_since(other_workspace, 50 * HOUR)
    assert [v["vin"] for v in api.get(V2, {"stuck": "1"}).json()["vehicles"]] == [stuck.vin]
    assert len(api.get(V2, {"stuck": "0"}).json()["vehicles"]) == 2
    assert len(rival_api.get(V2, {"stuck": "1"}).json()["vehicles"]) == 1  # its own only
    bad = api.get(V2, {"stuck": "maybe"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_parameter"


def test_v1_is_unchanged(api, workspace, bmw_active):
    vehicle = pending_since(workspace, 50 * HOUR)
    listed = api.get(V1).json()["vehicles"][0]
    assert WAITING_FIELDS.isdisjoint(listed)
    assert WAITING_FIELDS.isdisjoint(api.get(f"{V1}{vehicle.vin}/").json())
    assert len(api.get(V1, {"stuck": "1"}).json()["vehicles"]) == 1  # ignored, as any unknown parameter


def test_the_list_costs_the_same_queries_whatever_the_number_of_vehicles(api, workspace, bmw_active):
    pending_since(workspace, HOUR)
    with CaptureQueriesContext(connection) as few:
        api.get(V2)
    for hours in range(2, 30):
        pending_since(workspace, hours * 3 * HOUR)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(V2).json()["vehicles"]) == 29
    assert data_queries(many) == data_queries(few)


def data_queries(captured):
    """The queries of the data, without the rate limiter's (the database cache, whose writes vary by window)."""
    sqls = [str(q.get("sql")) for q in captured.captured_queries]
    return len([sql for sql in sqls if "fleet_cache" not in sql and "SAVEPOINT" not in sql and sql != "None"])


def test_the_schema_documents_the_fields_in_v2_only(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    v2 = components["VehicleV2"]["properties"]
    assert WAITING_FIELDS <= set(v2)
    assert v2["waiting_for"].get("enum") or v2["waiting_for"].get("oneOf") or v2["waiting_for"].get("anyOf")
    assert WAITING_FIELDS.isdisjoint(components["VehicleV1"]["properties"])
