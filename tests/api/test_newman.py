"""newman runs the generated Postman collection against a live server and passes."""

import json
import subprocess
from pathlib import Path

import pytest
import requests

from fleet.models import ApiClient

NEWMAN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "newman"

pytestmark = pytest.mark.slow


def test_newman_runs_the_postman_collection_and_passes(live_server, workspace, fast_hashing, tmp_path):
    assert NEWMAN.exists(), "newman is not installed: run npm install"
    client, secret = ApiClient.issue(workspace, "Postman")
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
    stats = json.loads(report.read_text())["run"]["stats"]
    assert stats["requests"]["total"] == 23
    assert stats["assertions"]["failed"] == 0
    assert stats["assertions"]["total"] >= 23
    executions = json.loads(report.read_text())["run"]["executions"]
    codes = [(e["item"]["name"], e["response"]["code"]) for e in executions]
    assert codes[0] == ("Get token", 200)
    assert all(code != 401 for _, code in codes)  # every other request used the stored token
    by_name = {}
    for name, code in codes:
        by_name.setdefault(name, []).append(code)
    assert by_name["Upload VINs (up to 10,000), answered per VIN"] == [200, 200]
    assert by_name["Ask for a status report of up to 10,000 VINs (built in the background)"] == [202, 202]
    assert by_name["A report's state and, when completed, its CSV link"] == [200, 200]  # the stored report id
