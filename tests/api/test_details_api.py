"""The API's vehicle details (v2 only): upload with details, the list's `q` and `label`, PATCH; v1 unchanged."""

import pytest

from events.models import Event, EventType
from tests.factories import add_vehicle, new_vin
from vehicles.models import Vehicle, VehicleLabel

V2 = "/api/v2/vehicle-management/vehicles/"
V1 = "/api/v1/vehicle-management/vehicles/"


def labels_of(vehicle):
    return sorted(VehicleLabel.objects.filter(vehicle_id=vehicle.pk).values_list("label__name", flat=True))


def test_a_v2_upload_takes_name_plate_and_labels(api):
    vin = new_vin()
    body = {"vins": [{"vin": vin, "name": "Courier 1", "license_plate": "b-fl 1", "labels": ["north", "EV", "ev"]}]}
    answer = api.post(V2, body, format="json").json()
    assert answer["summary"] == {"succeeded": 1, "failed": 0}
    vehicle = Vehicle.objects.get(vin=vin)
    assert (vehicle.name, vehicle.license_plate, labels_of(vehicle)) == ("Courier 1", "B-FL 1", ["EV", "north"])


@pytest.mark.parametrize(
    "details, message",
    [
        ({"name": "n" * 101}, "name must be at most 100 characters"),
        ({"license_plate": "P" * 21}, "license plate must be at most 20 characters"),
        ({"labels": ["ok", "no/slash"]}, "may contain only letters"),
        ({"labels": ["x" * 41]}, "at most 40 characters"),
        ({"labels": [f"l{i}" for i in range(21)]}, "at most 20 labels"),
        ({"labels": [""]}, "must not be empty"),
    ],
)
def test_invalid_details_fail_that_vin_only(api, details, message):
    good, bad = new_vin(), new_vin()
    answer = api.post(V2, {"vins": [{"vin": good}, {"vin": bad, **details}]}, format="json").json()
    assert answer["summary"] == {"succeeded": 1, "failed": 1}
    result = answer["results"][1]
    assert result["outcome"] == "invalid" and result["error"]["code"] == "invalid_details"
    assert message in result["error"]["message"]
    assert not Vehicle.all_objects.filter(vin=bad).exists()


def test_labels_that_are_not_a_list_are_a_malformed_body(api):
    response = api.post(V2, {"vins": [{"vin": new_vin(), "labels": "a|b"}]}, format="json")
    assert response.status_code == 400 and not Vehicle.objects.exists()


def test_v1_ignores_the_new_fields_as_any_unknown_field(api):
    vin = new_vin()
    answer = api.post(V1, {"vins": [{"vin": vin, "name": "x" * 500, "labels": ["bad/label"]}]}, format="json")
    assert answer.json()["summary"] == {"succeeded": 1, "failed": 0}
    vehicle = Vehicle.objects.get(vin=vin)
    assert vehicle.name == "" and labels_of(vehicle) == []


@pytest.fixture
def fleet(workspace, other_workspace):
    return {
        "courier": add_vehicle(workspace, name="Courier North", license_plate="B-CN 1", labels=["Depot", "EV"]),
        "van": add_vehicle(workspace, name="Van", license_plate="M-V 2", labels=["depot"]),
        "plain": add_vehicle(workspace, wmi="YV1"),
        "rival": add_vehicle(other_workspace, name="Courier Rival", license_plate="B-CN 9", labels=["depot"]),
    }


def listed(api, base=V2, **params):
    response = api.get(base, params)
    assert response.status_code == 200, response.content
    return response.json()["vehicles"]


def test_the_v2_list_answers_the_details(api, fleet):
    [courier] = [v for v in listed(api) if v["vin"] == fleet["courier"].vin]
    assert (courier["name"], courier["license_plate"], courier["labels"]) == (
        "Courier North",
        "B-CN 1",
        ["Depot", "EV"],
    )


def test_the_v1_list_is_unchanged_and_ignores_q_and_label(api, fleet):
    vehicles = listed(api, V1, q="courier", label="ev")
    assert len(vehicles) == 3 and not {"name", "license_plate", "labels"} & set(vehicles[0])


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "courier"}, {"courier"}),
        ({"q": "b-cn"}, {"courier"}),
        ({"label": "DEPOT"}, {"courier", "van"}),
        ({"label": ["depot", "ev"]}, {"courier"}),
        ({"label": "nosuch"}, set()),
    ],
)
def test_the_v2_list_filters_by_q_and_label_within_the_workspace(api, fleet, params, expected):
    vins = {v["vin"] for v in listed(api, **params)}
    assert vins == {fleet[key].vin for key in expected}


def test_a_label_filter_of_more_than_40_characters_is_a_400(api, fleet):
    response = api.get(V2, {"label": "x" * 41})
    assert response.status_code == 400 and response.json()["code"] == "invalid_parameter"


def test_patch_edits_the_details_records_an_event_and_leaves_the_status(api, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old", labels=["keep", "drop"])
    history = vehicle.history.count()
    body = {"name": "New", "license_plate": "x 1", "labels": ["KEEP", "new"], "odometer": 5, "odometer_unit": "mi"}
    response = api.patch(f"{V2}{vehicle.vin}/", body, format="json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "enabled" and answer["labels"] == ["keep", "new"] and "history" in answer
    assert (answer["name"], answer["license_plate"], answer["odometer"], answer["odometer_unit"]) == (
        "New",
        "X 1",
        5,
        "mi",
    )
    vehicle.refresh_from_db()
    assert vehicle.status == "enabled" and vehicle.history.count() == history and vehicle.odometer == 5
    event = Event.objects.get(type=EventType.VEHICLE_UPDATED)
    assert event.data == {
        "vin": vehicle.vin,
        "changed": ["name", "license_plate", "labels", "odometer", "odometer_unit"],
    }
    assert event.actor == "api"


def test_patch_of_one_field_changes_only_it(api, make_vehicle):
    vehicle = make_vehicle("pending", name="Keep me", labels=["a"], odometer=10)
    assert api.patch(f"{V2}{vehicle.vin}/", {"labels": []}, format="json").status_code == 200
    vehicle.refresh_from_db()
    assert (vehicle.name, vehicle.odometer, labels_of(vehicle)) == ("Keep me", 10, [])
    assert Event.objects.get(type=EventType.VEHICLE_UPDATED).data["changed"] == ["labels"]


def test_patch_answers_400_with_a_code_and_message_per_field(api, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old")
    body = {"name": "n" * 101, "labels": ["a#"], "odometer": -1}
    response = api.patch(f"{V2}{vehicle.vin}/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid_details"
    assert {field: detail["code"] for field, detail in error["details"].items()} == {
        "name": "invalid_name",
        "labels": "invalid_labels",
        "odometer": "invalid_odometer",
    }
    assert "at most 100" in error["details"]["name"]["message"]
    vehicle.refresh_from_db()
    assert vehicle.name == "Old" and not Event.objects.filter(type=EventType.VEHICLE_UPDATED).exists()


def test_patch_of_another_workspaces_vin_is_404(api, other_workspace):
    rival = add_vehicle(other_workspace, name="Rival")
    response = api.patch(f"{V2}{rival.vin}/", {"name": "Mine"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "vehicle_not_found"
    rival.refresh_from_db()
    assert rival.name == "Rival"


def test_v1_has_no_patch(api, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old")
    assert api.patch(f"{V1}{vehicle.vin}/", {"name": "New"}, format="json").status_code == 405
    vehicle.refresh_from_db()
    assert vehicle.name == "Old"
