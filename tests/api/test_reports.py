"""reports/vehicles-status and reports/{id}: asked at once, built by the worker, downloadable, expiring."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests import chain_support
from tests.chain_support import run_worker
from tests.factories import new_vin
from tests.states import LONG_AGO
from vehicles.models import Reading, StatusReport
from vehicles.tasks.reports import build_status_report, forget_expired_reports

BOTH = pytest.mark.parametrize("version", ["v1", "v2"])
simulated = chain_support.simulated  # the fixture


def ask(api, vins, version="v2"):
    return api.post(f"/api/{version}/reports/vehicles-status", {"vins": vins}, format="json")


@BOTH
def test_asking_for_a_report_answers_its_id_at_once_and_queues_the_work(
    api, make_vehicle, django_capture_on_commit_callbacks, version
):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(api, [vehicle.vin.lower()], version)
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "pending" and body["download"] is None and body["vins"] == 1
    assert response["Location"] == f"/api/{version}/reports/{body['id']}"
    report = StatusReport.objects.get(pk=body["id"])
    assert report.vins == [vehicle.vin]
    assert abs(report.expires_at - report.created_at - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    queued = DBTaskResult.objects.get(task_path="vehicles.tasks.reports.build_status_report")
    assert queued.args_kwargs["args"] == [body["id"]]
    assert StatusReport.objects.get(pk=body["id"]).state == "pending"  # nothing runs without the worker


def test_the_worker_builds_a_csv_of_the_readings_the_gate_allows(api, make_vehicle, other_workspace):
    enabled, disabled = make_vehicle("enabled", ago=LONG_AGO), make_vehicle("disabled", ago=LONG_AGO)
    foreign = make_vehicle("enabled", ago=LONG_AGO, target_workspace=other_workspace)
    for vin in (enabled.vin, disabled.vin, foreign.vin):
        Reading.objects.create(vin=vin, recorded_at=timezone.now(), odometer_km=4242.0, fuel_level=50)
    unknown = new_vin()
    report_id = ask(api, [enabled.vin, disabled.vin, foreign.vin, unknown]).json()["id"]

    build_status_report.call(report_id)

    body = api.get(f"/api/v2/reports/{report_id}").json()
    assert body["state"] == "completed"
    assert body["download"].endswith(f"/api/v2/reports/{report_id}/download")
    download = api.get(body["download"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [r["vin"] for r in rows] == [enabled.vin, disabled.vin, foreign.vin, unknown]
    assert (rows[0]["available"], rows[0]["odometer_km"]) == ("yes", "4242.0")
    assert rows[1]["available"] == "no" and "disabled" in rows[1]["reason"]
    assert rows[2]["available"] == "no" and "not in this workspace" in rows[2]["reason"]
    assert rows[2]["odometer_km"] == ""  # the other workspace's data never leaks
    assert rows[3]["reason"] == f"VIN {unknown} is not in this workspace"


def test_a_report_not_built_yet_cannot_be_downloaded(api, make_vehicle):
    report_id = ask(api, [make_vehicle("enabled", ago=LONG_AGO).vin]).json()["id"]
    response = api.get(f"/api/v2/reports/{report_id}/download")
    assert response.status_code == 409
    assert response.json()["code"] == "report_not_ready"


def test_a_report_expires_after_30_days(api, make_vehicle):
    report_id = ask(api, [make_vehicle("enabled", ago=LONG_AGO).vin]).json()["id"]
    build_status_report.call(report_id)
    StatusReport.objects.filter(pk=report_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    body = api.get(f"/api/v1/reports/{report_id}").json()
    assert (body["state"], body["download"]) == ("expired", None)
    response = api.get(f"/api/v1/reports/{report_id}/download")
    assert response.status_code == 410
    assert response.json()["code"] == "report_expired"
    assert forget_expired_reports.call() == 1
    assert StatusReport.objects.get(pk=report_id).csv == ""


def test_a_report_is_built_once_even_if_queued_twice(api, make_vehicle):
    report_id = ask(api, [make_vehicle("enabled", ago=LONG_AGO).vin]).json()["id"]
    build_status_report.call(report_id)
    first = StatusReport.objects.get(pk=report_id).completed_at
    build_status_report.call(report_id)
    assert StatusReport.objects.get(pk=report_id).completed_at == first


def test_another_workspaces_report_and_an_unknown_one_answer_404(api, rival_api, make_vehicle):
    report_id = ask(api, [make_vehicle("enabled", ago=LONG_AGO).vin]).json()["id"]
    for path in (f"/api/v2/reports/{report_id}", f"/api/v2/reports/{report_id}/download"):
        response = rival_api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "report_not_found"
    assert api.get("/api/v2/reports/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize("body", [{}, {"vins": []}, {"vins": "WBA"}, {"vins": [1.5, {"a": 1}]}])
def test_a_malformed_report_request_is_a_400_and_creates_nothing(api, body):
    response = api.post("/api/v2/reports/vehicles-status", body, format="json")
    assert response.status_code == 400
    assert not StatusReport.objects.exists()


def test_a_report_of_more_than_10000_vins_is_refused(api):
    assert ask(api, [new_vin() for _ in range(10_001)]).status_code == 400


def test_report_paths_answer_wrong_methods_with_405(api, make_vehicle):
    report_id = ask(api, [make_vehicle("enabled", ago=LONG_AGO).vin]).json()["id"]
    assert api.get("/api/v2/reports/vehicles-status").status_code == 405
    assert api.delete(f"/api/v2/reports/{report_id}").status_code == 405
    assert api.post(f"/api/v2/reports/{report_id}/download").json()["code"] == "method_not_allowed"


@pytest.mark.django_db(transaction=True)
def test_the_real_task_worker_builds_a_requested_report(api, make_vehicle, simulated):
    vehicle = make_vehicle("enabled", ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=7.0)
    report_id = ask(api, [vehicle.vin]).json()["id"]
    assert StatusReport.objects.get(pk=report_id).state == "pending"
    run_worker()
    body = api.get(f"/api/v2/reports/{report_id}").json()
    assert body["state"] == "completed"
    assert api.get(body["download"]).content.decode().splitlines()[1].startswith(f"{vehicle.vin},yes,")


def test_a_report_reads_its_vins_in_a_constant_number_of_queries_per_thousand(
    workspace, make_vehicle, django_assert_max_num_queries
):
    from vehicles.tasks.reports import status_csv

    enabled = [make_vehicle("enabled", ago=LONG_AGO) for _ in range(3)]
    for vehicle in enabled[:2]:
        Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=10)
    disabled = make_vehicle("disabled", ago=LONG_AGO)
    vins = [v.vin for v in enabled] + [disabled.vin] + [new_vin() for _ in range(500)]
    with django_assert_max_num_queries(3):
        content = status_csv(workspace, vins)
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["vin"] for r in rows] == vins
    assert [r["available"] for r in rows[:4]] == ["yes", "yes", "no", "no"]
    assert rows[2]["reason"] == "No reading yet" and "disabled" in rows[3]["reason"]
    assert all("not in this workspace" in r["reason"] for r in rows[4:])
