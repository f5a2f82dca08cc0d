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
    codes = [e["response"]["code"] for e in json.loads(report.read_text())["run"]["executions"]]
    assert codes[0] == 200  # the token
    assert codes.count(401) == 0  # every other request used it
