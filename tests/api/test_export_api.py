"""`GET /api/v2/vehicle-management/vehicles/export.csv`: every vehicle the list's filters select, streamed as
CSV with SPEC.md's columns and formula-safe cells; bad filters are a JSON 400; nothing of another workspace."""

import csv
import io

from tests.factories import activate, add_vehicle, new_vin
from vehicles.models import Vehicle
from vehicles.views.export import COLUMNS

URL = "/api/v2/vehicle-management/vehicles/export.csv"


def rows_of(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_every_vehicle_the_filters_select(api, workspace, other_workspace):
    activate(workspace, "BMW")
    bmw = [add_vehicle(workspace, new_vin("WBA")) for _ in range(120)]
    add_vehicle(workspace, new_vin("ZFF"))
    theirs = add_vehicle(other_workspace, new_vin("WBA"))

    response = api.get(URL, {"make": "bmw"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert rows[0] == COLUMNS
    assert sorted(r[0] for r in rows[1:]) == sorted(v.vin for v in bmw)
    assert theirs.vin not in {r[0] for r in rows}
    assert len(rows_of(api.get(URL))) == 1 + 121
    assert len(rows_of(api.get(URL, {"status": "incomplete"}))) == 1 + 1


def test_formula_cells_are_text_and_a_bad_filter_is_a_json_400(api, workspace):
    add_vehicle(workspace, new_vin("9ZZ"))  # no make: Error
    Vehicle.objects.filter(workspace=workspace).update(error_reason="@SUM(A1)")
    assert rows_of(api.get(URL))[1][7] == "'@SUM(A1)"
    bad = api.get(URL, {"status": "bogus"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_parameter"


def test_an_empty_status_is_a_400_in_the_list_and_the_export(api, workspace):
    for url in (URL, "/api/v2/vehicle-management/vehicles/"):
        answer = api.get(url, {"status": ""})
        assert answer.status_code == 400 and answer.json()["message"].startswith("status must be one of")
