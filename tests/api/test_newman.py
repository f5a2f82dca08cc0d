"""newman runs the generated Postman collection against a live server and passes."""

import json
import subprocess
from pathlib import Path

import pytest
import requests

from events.models import Webhook
from fleet.models import ApiClient
from tests.eligibility_support import eligible_vin
from vehicles.choices import Status
from vehicles.models import StatusReport, Vehicle

NEWMAN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "newman"

pytestmark = pytest.mark.slow


def test_newman_runs_the_postman_collection_and_its_effects_hold(
    live_server, workspace, make_vehicle, fast_hashing, tmp_path, webhook_settings
):
    assert NEWMAN.exists(), "newman is not installed: run npm install"
    client, secret = ApiClient.issue(workspace, "Postman")
    enabled = {version: make_vehicle("enabled") for version in ("v1", "v2")}
    # Volvo is not activated in the workspace: it uploads as Incomplete, which may be removed. The collection
    # checks it is eligible: not one the simulated provider refuses (by its last character).
    vin = eligible_vin("YV1")
    collection = tmp_path / "collection.json"
    collection.write_text(requests.get(f"{live_server.url}/api/postman.json").text)
    report = tmp_path / "report.json"
    run = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(collection),
            "--env-var",
            f"baseUrl={live_server.url}",
            "--env-var",
            f"client_id={client.client_id}",
            "--env-var",
            f"client_secret={secret}",
            "--env-var",
            f"vin={vin}",
            "--env-var",
            f"enabled_vin_v1={enabled['v1'].vin}",
            "--env-var",
            f"enabled_vin_v2={enabled['v2'].vin}",
            "--env-var",
            "webhook_url=http://127.0.0.1:9/fleet-hooks",  # never called: no worker runs here
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--timeout-request",
            "20000",
            "--color",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    run_report = json.loads(report.read_text())["run"]
    stats = run_report["stats"]
    assert stats["assertions"]["failed"] == 0
    executions = run_report["executions"]
    codes = [(e["item"]["name"], e["response"]["code"]) for e in executions]
    # token, 11 operations per version, the v2 feed and its read-back, 4 read-backs per version (pm.sendRequest),
    # the 8 webhook operations with their 3 read-backs, the v2 export, the v2 eligibility check with its read-back
    # and v2's edit of a vehicle's details (PATCH)
    assert len(codes) == 24 + 9 + 8 + 3 + 1 + 2 + 1
    assert codes[0] == ("Get token", 200)
    assert all(code != 401 for _, code in codes)  # every other request used the stored token
    passed = {a["assertion"] for e in executions for a in e.get("assertions", []) if not a.get("error")}
    for effect in (
        "the uploaded VIN exists afterwards",
        "the disabled VIN reads Disabled afterwards",
        "the re-enabled VIN reads Pending afterwards",
        "the removed VIN is gone afterwards",
        "the latest reading of an Enabled VIN",
        "the readings between from and to",
        "the stored report is answered",
        "the change log, oldest first",
        "the CSV of every filtered vehicle, the workspace's VINs in it",
        "each VIN is answered, in the order sent",
        "checking added nothing",
        "the feed holds the changes this run made: the VIN's removal",
        "the created webhook exists afterwards, without its secret",
        "the changed description reads back",
        "a test event is queued",
        "the replay queues the webhook's own creation and change events",
        "the delivery log, newest first",
        "the deleted webhook is gone afterwards",
    ):
        assert effect in passed, effect
    # What newman did, read from the database: the uploaded VIN was removed again (in v2, after its re-adding in
    # v2's upload), both Enabled VINs went through Disabled back to Pending, and two reports were asked for.
    assert not Vehicle.objects.filter(workspace=workspace, vin=vin).exists()
    removed = Vehicle.all_objects.get(workspace=workspace, vin=vin)  # re-added in v2 on the same row
    assert removed.history.filter(to_status="deleted").count() == 2
    for vehicle in enabled.values():
        vehicle.refresh_from_db()
        assert vehicle.status == Status.PENDING
        assert list(vehicle.history.values_list("to_status", flat=True)[:2]) == [Status.PENDING, Status.DISABLED]
    assert StatusReport.objects.filter(workspace=workspace).count() == 2
    # The webhook was created, changed and deleted, each with its event; its test event was recorded.
    webhook_events = workspace.events.filter(type__startswith="webhook.").order_by("id")
    assert list(webhook_events.values_list("type", flat=True)) == [
        "webhook.created",
        "webhook.updated",
        "webhook.test",
        "webhook.deleted",
    ]
    assert not Webhook.objects.filter(workspace=workspace).exists()
