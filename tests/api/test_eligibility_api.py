"""`POST /api/v2/vehicle-management/eligibility`: per VIN `eligible`, `make`, `reason`, in the order sent; the
bulk calls' body rules, auth and error shape; v2 only; nothing added or changed."""

from tests.eligibility_support import REFUSAL_REASON, UNKNOWN_WMI, eligible_vin, refused_vin, snapshot
from tests.factories import add_vehicle
from vehicles.status.machine import MAKE_NOT_FOUND

URL = "/api/v2/vehicle-management/eligibility"


def test_it_answers_every_vin_in_the_order_sent(api, workspace):
    ok, refused, unknown = eligible_vin(), refused_vin("YV1"), eligible_vin(UNKNOWN_WMI)
    answer = api.post(URL, {"vins": [unknown, ok, "abc", refused, ok.lower()]}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {
        "summary": {"eligible": 2, "ineligible": 3},
        "results": [
            {"vin": unknown, "eligible": False, "make": None, "reason": MAKE_NOT_FOUND},
            {"vin": ok, "eligible": True, "make": "BMW"},
            {"vin": "abc", "eligible": False, "make": None, "reason": "VIN must be 16 or 17 characters, not 3"},
            {"vin": refused, "eligible": False, "make": "Volvo Cars", "reason": REFUSAL_REASON},
            {"vin": ok, "eligible": True, "make": "BMW"},
        ],
    }


def test_checking_adds_nothing_and_changes_nothing(api, workspace):
    present = add_vehicle(workspace, eligible_vin())
    before = snapshot()
    answer = api.post(URL, {"vins": [present.vin, eligible_vin("ZFF"), refused_vin()]}, format="json")
    assert answer.status_code == 200 and [r["eligible"] for r in answer.json()["results"]] == [True, True, False]
    assert snapshot() == before


def test_a_malformed_body_is_a_400_for_the_whole_call(api, workspace):
    before = snapshot()
    for body in ({}, {"vins": []}, {"vins": "WBA3A5C5XDF354621"}, {"vins": [12]}, {"vin": ["WBA3A5C5XDF354621"]}):
        answer = api.post(URL, body, format="json")
        assert answer.status_code == 400, body
        assert answer.json()["code"] == "invalid_request" and answer.json()["message"]
    assert snapshot() == before


def test_more_than_ten_thousand_vins_is_a_400_that_says_so(api, workspace):
    answer = api.post(URL, {"vins": [eligible_vin()] * 10_001}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
    assert answer.json()["message"] == "vins: At most 10,000 VINs can be checked in one call: split the list."
    full = api.post(URL, {"vins": [eligible_vin()] * 10_000}, format="json")
    assert full.status_code == 200 and full.json()["summary"] == {"eligible": 10_000, "ineligible": 0}


def test_without_a_token_it_answers_401(client, workspace):
    answer = client.post(URL, {"vins": [eligible_vin()]}, content_type="application/json")
    assert answer.status_code == 401 and answer.json()["code"]


def test_it_is_v2_only(api, workspace):
    assert api.post(
        "/api/v1/vehicle-management/eligibility", {"vins": [eligible_vin()]}, format="json"
    ).status_code in (
        404,
        405,
    )
    assert api.post(URL + "/", {"vins": [eligible_vin()]}, format="json").status_code == 200


def test_the_schema_and_the_postman_collection_have_it(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v2/vehicle-management/eligibility"]["post"]
    assert operation["operationId"] == "v2_check_eligibility"
    assert "/api/v1/vehicle-management/eligibility" not in schema["paths"]
    collection = api.get("/api/postman.json").json()
    names = [item["request"]["url"]["raw"] for folder in collection["item"][1:] for item in folder["item"]]
    assert "{{baseUrl}}/api/v2/vehicle-management/eligibility" in names
