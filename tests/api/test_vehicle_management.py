"""vehicle-management/vehicles: list, one vehicle, upload, remove, enable, disable — in v1 and v2."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import api_as, listed_and_one
from tests.factories import activate, new_vin
from vehicles.choices import Actor, Status
from vehicles.models import StatusChange, Vehicle

V1, V2 = "/api/v1/vehicle-management/vehicles/", "/api/v2/vehicle-management/vehicles/"
BOTH = pytest.mark.parametrize("base", [V1, V2], ids=["v1", "v2"])


def post(http, url, body):
    return http.post(url, body, format="json")


# --- list ---


@BOTH
def test_it_lists_the_workspaces_vehicles_newest_change_first(api, make_vehicle, base):
    older = make_vehicle("pending")
    newer = make_vehicle("enabled")
    response = api.get(base)
    assert response.status_code == 200
    body = response.json()
    assert [v["vin"] for v in body["vehicles"]] == [newer.vin, older.vin]
    assert body["next"] is None


def test_v2_speaks_the_new_statuses(api, make_vehicle):
    for status in Status.values:
        make_vehicle(status)
    vehicles = api.get(V2).json()["vehicles"]
    assert sorted(v["status"] for v in vehicles) == sorted(Status.values)
    assert all("detailed_status" not in v for v in vehicles)


@pytest.mark.parametrize(
    "status, spoken",
    [
        ("enabled", "Consented"),
        ("pending", "Pending"),
        ("incomplete", "Pending"),
        ("disabled", "Revoked"),
        ("error", "Revoked"),
    ],
)
def test_v1_maps_each_status_to_an_old_one_and_keeps_the_detail(api, make_vehicle, status, spoken):
    vehicle = make_vehicle(status)
    for body in listed_and_one(api, V1, vehicle.vin):
        assert body["status"] == spoken
        assert body["detailed_status"] == status
        if status == "error":
            assert body["error_reason"] == vehicle.error_reason != ""
        else:
            assert body["error_reason"] is None


def test_another_workspaces_vehicles_are_never_listed(api, make_vehicle, other_workspace):
    mine = make_vehicle("pending")
    make_vehicle("pending", target_workspace=other_workspace)
    assert [v["vin"] for v in api.get(V2).json()["vehicles"]] == [mine.vin]


def test_it_filters_by_status_make_and_vin_prefix(api, make_vehicle):
    enabled = make_vehicle("enabled")
    make_vehicle("pending")
    ferrari = make_vehicle("incomplete")
    assert [v["vin"] for v in api.get(V2, {"status": "enabled"}).json()["vehicles"]] == [enabled.vin]
    assert [v["vin"] for v in api.get(V2, {"make": "ferrari"}).json()["vehicles"]] == [ferrari.vin]
    assert [v["vin"] for v in api.get(V2, {"vin": ferrari.vin[:5].lower()}).json()["vehicles"]] == [ferrari.vin]


def test_v1_filters_by_its_own_status_words(api, make_vehicle):
    pending = make_vehicle("pending")
    incomplete = make_vehicle("incomplete")
    make_vehicle("enabled")
    vins = {v["vin"] for v in api.get(V1, {"status": "Pending"}).json()["vehicles"]}
    assert vins == {pending.vin, incomplete.vin}


def test_it_filters_by_updated_since(api, make_vehicle):
    old = make_vehicle("pending")
    Vehicle.objects.filter(pk=old.pk).update(status_changed_at="2020-01-01T00:00:00Z")
    new = make_vehicle("pending")
    response = api.get(V2, {"updated_since": "2021-01-01T00:00:00Z"})
    assert [v["vin"] for v in response.json()["vehicles"]] == [new.vin]


@pytest.mark.parametrize("params", [{"status": "Consented"}, {"status": "nope"}, {"updated_since": "yesterday"}])
def test_a_bad_filter_value_is_a_400_naming_it(api, params):
    response = api.get(V2, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert next(iter(params)) in response.json()["message"]


def test_it_pages_with_a_cursor(api, make_vehicle):
    vins = [make_vehicle("pending").vin for _ in range(5)][::-1]
    first = api.get(V2, {"limit": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    seen = [v["vin"] for page in (first, second, third) for v in page["vehicles"]]
    assert seen == vins
    assert third["next"] is None


# --- one vehicle ---


@BOTH
def test_one_vehicle_comes_with_its_history(api, make_vehicle, base):
    vehicle = make_vehicle("disabled")
    body = api.get(f"{base}{vehicle.vin.lower()}/").json()
    assert body["vin"] == vehicle.vin
    assert len(body["history"]) == vehicle.history.count() == 3  # upload, approval, disable
    newest = body["history"][0]
    if base == V1:
        assert (newest["from_status"], newest["to_status"]) == ("Consented", "Revoked")
        assert (newest["detailed_from_status"], newest["detailed_to_status"]) == ("enabled", "disabled")
    else:
        assert (newest["from_status"], newest["to_status"]) == ("enabled", "disabled")
    assert body["history"][-1]["from_status"] is None  # the upload


@BOTH
def test_an_unknown_a_foreign_and_a_deleted_vin_all_answer_404(api, make_vehicle, other_workspace, base):
    foreign = make_vehicle("enabled", target_workspace=other_workspace)
    deleted = make_vehicle("deleted")
    for vin in (new_vin(), foreign.vin, deleted.vin, "NOT-A-VIN"):
        response = api.get(f"{base}{vin}/")
        assert response.status_code == 404
        assert response.json()["code"] == "vehicle_not_found"


# --- upload ---


@BOTH
def test_an_upload_answers_per_vin_in_the_order_given(api, workspace, make_vehicle, base):
    activate(workspace, "BMW")
    present = make_vehicle("enabled")
    fresh, ferrari = new_vin(), new_vin("ZFF")
    body = {
        "vins": [
            {"vin": fresh.lower(), "odometer": 1200, "odometer_unit": "mi"},
            {"vin": "WBA-BAD"},
            {"vin": present.vin},
            {"vin": ferrari, "odometer": "lots"},
            {"vin": ferrari},
            {"vin": fresh},
        ]
    }
    response = post(api, base, body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["summary"] == {"succeeded": 2, "failed": 4}
    results = answer["results"]
    assert [r["vin"] for r in results] == [fresh, "WBA-BAD", present.vin, ferrari, ferrari, fresh]
    assert [r["ok"] for r in results] == [True, False, False, False, True, False]
    assert [r.get("error", {}).get("code") for r in results] == [
        None,
        "invalid_vin",
        "duplicate",
        "invalid_odometer",
        None,
        "repeated",
    ]
    if base == V1:
        assert [r["status"] for r in results[:5:2]] == ["Pending", "Consented", "Pending"]
        assert results[4]["detailed_status"] == "incomplete"
    else:
        assert [r["status"] for r in results[:5:2]] == ["pending", "enabled", "incomplete"]
    added = Vehicle.objects.get(workspace__slug="acme", vin=fresh)
    assert (added.odometer, added.odometer_unit) == (1200, "mi")
    assert added.history.get().actor == Actor.API


def test_a_deleted_vin_uploaded_again_is_re_added_as_pending(api, make_vehicle):
    deleted = make_vehicle("deleted")
    [result] = post(api, V2, {"vins": [{"vin": deleted.vin}]}).json()["results"]
    assert (result["ok"], result["status"], result["outcome"]) == (True, "pending", "re-added")


def test_an_upload_of_10000_vins_is_accepted_and_10001_refused_whole(api, workspace):
    response = post(api, V2, {"vins": [{"vin": new_vin()} for _ in range(10_001)]})
    assert response.status_code == 400
    assert Vehicle.objects.filter(workspace=workspace).count() == 0
    response = post(api, V2, {"vins": [{"vin": new_vin()} for _ in range(10_000)]})
    assert response.status_code == 200
    assert response.json()["summary"] == {"succeeded": 10_000, "failed": 0}


MALFORMED = {
    "not a JSON object": [],
    "no vins": {"vin": "WBA3A5C5XDF354621"},
    "vins not a list": {"vins": "WBA3A5C5XDF354621"},
    "empty list": {"vins": []},
    "entry without vin": {"vins": [{"odometer": 3}]},
    "entry not an object": {"vins": ["WBA3A5C5XDF354621"]},
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_upload_is_a_400_for_the_whole_call(api, workspace, body):
    response = post(api, V2, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert Vehicle.objects.filter(workspace=workspace).count() == 0


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(V2, "{vins: nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


def test_a_body_that_is_not_declared_json_is_a_415(api):
    response = api.post(V2, "vin=WBA3A5C5XDF354621", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_body_above_the_limit_is_a_413(api, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = post(api, V2, {"vins": [{"vin": new_vin()} for _ in range(10)]})
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


# --- remove, enable, disable ---


@BOTH
def test_disable_answers_per_vin_and_changes_only_what_the_machine_allows(api, make_vehicle, other_workspace, base):
    enabled, pending = make_vehicle("enabled"), make_vehicle("pending")
    foreign = make_vehicle("enabled", target_workspace=other_workspace)
    unknown = new_vin()
    response = post(api, f"{base}disable", {"vins": [enabled.vin, pending.vin, foreign.vin, unknown, "bad"]})
    assert response.status_code == 200
    body = response.json()
    assert body["summary"] == {"succeeded": 1, "failed": 4}
    ok, refused, foreign_result, unknown_result, invalid = body["results"]
    assert ok["ok"] and ok["status"] == ("Revoked" if base == V1 else "disabled")
    assert refused["error"]["code"] == "transition_not_allowed"
    assert "Pending" in refused["error"]["message"] and "disabled" in refused["error"]["message"]
    assert refused["status"] == ("Pending" if base == V1 else "pending")
    assert foreign_result["error"]["code"] == unknown_result["error"]["code"] == "vehicle_not_found"
    assert foreign_result["status"] is None
    assert invalid["error"]["code"] == "invalid_vin"
    pending.refresh_from_db()
    foreign.refresh_from_db()
    assert (pending.status, foreign.status) == (Status.PENDING, Status.ENABLED)
    enabled.refresh_from_db()
    assert enabled.status == Status.DISABLED
    assert enabled.history.first().actor == Actor.API


@BOTH
def test_enable_sends_disabled_and_error_vins_back_to_pending(api, make_vehicle, base):
    disabled, enabled = make_vehicle("disabled"), make_vehicle("enabled")
    results = post(api, f"{base}enable", {"vins": [disabled.vin, enabled.vin]}).json()["results"]
    assert [r["ok"] for r in results] == [True, False]
    assert results[0]["status"] == ("Pending" if base == V1 else "pending")
    enabled.refresh_from_db()
    assert enabled.status == Status.ENABLED


@BOTH
def test_remove_deletes_what_may_be_deleted(api, make_vehicle, base):
    disabled, pending = make_vehicle("disabled"), make_vehicle("pending")
    body = post(api, f"{base}remove", {"vins": [disabled.vin, pending.vin, disabled.vin]}).json()
    assert body["summary"] == {"succeeded": 1, "failed": 2}
    assert body["results"][0] == {"vin": disabled.vin, "ok": True, "status": None} | (
        {"detailed_status": None} if base == V1 else {}
    )
    assert body["results"][2]["error"]["code"] == "repeated"
    assert not Vehicle.objects.filter(pk=disabled.pk).exists()
    assert Vehicle.all_objects.get(pk=disabled.pk).is_deleted
    assert StatusChange.objects.filter(vehicle=disabled, to_status="deleted").count() == 1
    assert api.get(f"{base}{disabled.vin}/").status_code == 404


@pytest.mark.parametrize("action", ["remove", "enable", "disable"])
@pytest.mark.parametrize("body", [{}, {"vins": []}, {"vins": "x"}, {"vins": [["nested"]]}, [1, 2]])
def test_a_malformed_bulk_call_is_a_400(api, action, body):
    response = post(api, f"{V2}{action}", body)
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message"}


def test_a_bulk_call_of_more_than_10000_vins_is_refused(api):
    response = post(api, f"{V2}disable", {"vins": [new_vin() for _ in range(10_001)]})
    assert response.status_code == 400


WRONG_METHODS = [
    ("put", V2),
    ("delete", V2),
    ("get", f"{V2}remove"),
    ("get", f"{V1}enable"),
    ("put", f"{V2}disable"),
    ("post", f"{V2}WBA3A5C5XDF354621/"),
]


@pytest.mark.parametrize("method, url", WRONG_METHODS)
def test_a_wrong_method_is_a_405_in_json(api, method, url):
    response = getattr(api, method)(url, {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "Allow" in response


def test_a_token_of_workspace_b_cannot_change_workspace_as_vehicles(rival_api, make_vehicle):
    mine = make_vehicle("enabled")
    response = post(rival_api, f"{V2}disable", {"vins": [mine.vin]})
    assert response.json()["results"][0]["error"]["code"] == "vehicle_not_found"
    mine.refresh_from_db()
    assert mine.status == Status.ENABLED


def test_expired_token_changes_nothing(credentials, make_vehicle):
    enabled = make_vehicle("enabled")
    response = post(api_as(credentials[0], expires_in=-5), f"{V2}disable", {"vins": [enabled.vin]})
    assert response.status_code == 401
    enabled.refresh_from_db()
    assert enabled.status == Status.ENABLED


def test_anonymous_calls_change_nothing(make_vehicle):
    enabled = make_vehicle("enabled")
    assert post(APIClient(), f"{V2}disable", {"vins": [enabled.vin]}).status_code == 401
    enabled.refresh_from_db()
    assert enabled.status == Status.ENABLED


def test_updated_since_with_any_offset_is_compared_in_utc(api, make_vehicle):
    vehicle = make_vehicle("pending")
    response = api.get(V2, {"updated_since": "0268-04-05T04:52:58-18:01"})
    assert response.status_code == 200
    assert [v["vin"] for v in response.json()["vehicles"]] == [vehicle.vin]


def test_a_nul_character_in_a_filter_is_a_400(api):
    response = api.get(V2, {"make": "BM\x00W"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
