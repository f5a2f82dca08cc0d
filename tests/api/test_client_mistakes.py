"""Every client mistake is a JSON 4xx with its code, answered before anything is written."""

import json

import pytest
from django.test import override_settings

from tests.factories import new_vin
from vehicles.models import StatusReport, Vehicle

V2 = "/api/v2/vehicle-management/vehicles/"


def raw_post(api, url, body, content_type="application/json"):
    return api.generic("POST", url, body, content_type=content_type)


def assert_nothing_added(workspace):
    assert not Vehicle.all_objects.filter(workspace=workspace).exists()


# --- body size: one setting for Django and the API ---


def test_one_setting_drives_djangos_limit_and_ours(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.API_MAX_BODY_BYTES == 5 * 1024 * 1024


def padded(body, size):
    text = json.dumps(body)
    return text[:-1] + " " * (size - len(text.encode())) + text[-1]


def test_a_body_just_under_the_limit_is_accepted_and_adds_the_vin(api, workspace, bmw_active, settings):
    vin = new_vin()
    body = padded({"vins": [{"vin": vin}]}, settings.API_MAX_BODY_BYTES)
    assert len(body) == settings.API_MAX_BODY_BYTES
    response = raw_post(api, V2, body)
    assert response.status_code == 200, response.content[:200]
    assert Vehicle.objects.filter(workspace=workspace, vin=vin).exists()


def test_a_body_one_byte_over_the_limit_is_a_413_and_adds_nothing(api, workspace, settings):
    body = padded({"vins": [{"vin": new_vin()}]}, settings.API_MAX_BODY_BYTES + 1)
    response = raw_post(api, V2, body)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert_nothing_added(workspace)


def test_the_token_endpoint_answers_a_body_over_djangos_limit_with_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post("/api/oauth/token/", {"grant_type": "client_credentials", "client_id": "x" * 200})
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


# --- nesting ---


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_too_deep_is_a_400(api, workspace, depth):
    response = raw_post(api, V2, "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"
    assert "nested" in response.json()["message"]


def test_deep_nesting_inside_an_entry_is_a_400(api, workspace):
    deep = {"a": 1}
    for _ in range(40):
        deep = {"a": deep}
    response = raw_post(api, V2, json.dumps({"vins": [{"vin": new_vin(), "make": deep}]}))
    assert response.status_code == 400
    assert_nothing_added(workspace)


# --- characters that are not a VIN's ---

NOT_VINS = {
    "long s": "WBA3A5C5XDF35462ſ",
    "ff ligature": "WBA3A5C5XDF3546ﬀ",
    "dotless i": "WBA3A5C5XDF35462ı",
    "fullwidth": "ＷBA3A5C5XDF354621",
    "NUL": "WBA3A5C5XDF3546\x001",
    "lone surrogate": "WBA3A5C5XDF3546\ud8001",
}


@pytest.mark.parametrize("text", NOT_VINS.values(), ids=NOT_VINS.keys())
def test_a_vin_with_foreign_characters_is_invalid_per_vin_and_the_others_are_added(api, workspace, bmw_active, text):
    good_before, good_after = new_vin(), new_vin()
    body = json.dumps({"vins": [{"vin": good_before}, {"vin": text}, {"vin": good_after}]})
    response = raw_post(api, V2, body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"]["code"] == "invalid_vin"
    assert set(Vehicle.objects.filter(workspace=workspace).values_list("vin", flat=True)) == {good_before, good_after}


@pytest.mark.parametrize("text", NOT_VINS.values(), ids=NOT_VINS.keys())
def test_foreign_characters_never_reach_another_vin_in_bulk_calls(api, make_vehicle, text):
    target = make_vehicle("enabled")
    sneaky = target.vin[:-1] + text[-1] if text[-1] in "ſﬀı" else text
    response = raw_post(api, f"{V2}disable", json.dumps({"vins": [sneaky]}))
    assert response.status_code == 200
    assert response.json()["results"][0]["error"]["code"] == "invalid_vin"
    target.refresh_from_db()
    assert target.status == "enabled"


@pytest.mark.parametrize("text", NOT_VINS.values(), ids=NOT_VINS.keys())
def test_a_report_of_foreign_characters_is_stored_safely(api, text):
    response = raw_post(api, "/api/v2/reports/vehicles-status", json.dumps({"vins": [text]}))
    assert response.status_code == 202
    [stored] = StatusReport.objects.get().vins
    assert "\x00" not in stored and stored.isprintable()


def test_the_long_s_is_not_folded_into_an_s():
    from vehicles.vins import InvalidVin, normalise_vin, validate_vin

    assert normalise_vin(" wba3a5c5xdf354621 ") == "WBA3A5C5XDF354621"
    for text in ("WBA3A5C5XDF35462ſ", "WBA3A5C5XDF3546ﬀ"):
        with pytest.raises(InvalidVin):
            validate_vin(text)


# --- trailing slash ---


@override_settings(DEBUG=False)
def test_an_upload_without_the_trailing_slash_is_the_same_route(api, workspace, bmw_active):
    vin = new_vin()
    response = api.post(V2.rstrip("/"), {"vins": [{"vin": vin}]}, format="json")
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "added"
    assert Vehicle.objects.filter(workspace=workspace, vin=vin).exists()


@override_settings(DEBUG=True)
def test_with_debug_on_too(api, workspace, bmw_active):
    response = api.post(V2.rstrip("/"), {"vins": [{"vin": new_vin()}]}, format="json")
    assert response.status_code == 200


def test_an_action_with_a_trailing_slash_is_the_same_route(api, make_vehicle):
    vehicle = make_vehicle("enabled")
    response = api.post(f"{V2}disable/", {"vins": [vehicle.vin]}, format="json")
    assert response.status_code == 200
    vehicle.refresh_from_db()
    assert vehicle.status == "disabled"
    assert api.get(f"{V2}{vehicle.vin}").json()["vin"] == vehicle.vin
    assert api.get(f"/api/v2/vehicles/{vehicle.vin}/status/").json()["code"] == "vehicle_disabled"


def test_only_the_documented_form_is_in_the_schema():
    from .schema_check import published_schema

    published_schema.cache_clear()
    paths = published_schema()["paths"]
    assert "/api/v2/vehicle-management/vehicles/" in paths
    assert "/api/v2/vehicle-management/vehicles" not in paths
    assert "/api/v2/vehicle-management/vehicles/disable/" not in paths
