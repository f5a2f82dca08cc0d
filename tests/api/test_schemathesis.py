"""Schemathesis against the live schema: no server error and no answer that breaks the schema, for every
operation of both versions, with valid and with invalid data (bounded: a few examples per operation)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fleet.models import ApiClient
from tests.api.conftest import token_for
from vehicles.choices import Status

pytestmark = pytest.mark.slow

EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 6, schemathesis.GenerationMode.NEGATIVE: 4}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_schemathesis_finds_no_server_error_and_no_schema_breaking_answer(
    live_server, workspace, make_vehicle, fast_hashing
):
    # Positive cases use the seeded VINs (every status, Enabled first) as path parameters, so Get Vehicle Status and
    # history are reached with 200s, not only with 404s for random VINs.
    seeded = [make_vehicle(status).vin for status in sorted(Status.values, key=lambda s: s != Status.ENABLED)]
    reached = []
    token = token_for(ApiClient.issue(workspace, "Schemathesis")[0])
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_dict(
        requests.get(f"{live_server.url}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    )
    session = requests.Session()
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert (
        len(operations) == 35
    )  # the token endpoint, 11 operations per version, the v2 feed, export, eligibility, edit (PATCH), 8 webhook ones

    for operation in operations:
        for mode, count in EXAMPLES.items():
            positive, label = mode == schemathesis.GenerationMode.POSITIVE, operation.label

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=count,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case):
                if positive and case.path_parameters and "vin" in case.path_parameters:  # noqa: B023 (run() runs in this loop)
                    case.path_parameters["vin"] = seeded[len(reached) % len(seeded)]
                response = case.call_and_validate(
                    base_url=live_server.url, session=session, headers=headers, checks=CHECKS
                )
                reached.append((label, response.status_code))  # noqa: B023

            try:
                run()
            except Unsatisfiable:
                assert not positive, label  # an operation without parameters or body has nothing to make invalid
    assert time.monotonic() - started < 90
    for label in ("GET /api/v1/vehicles/{vin}/status", "GET /api/v2/vehicles/{vin}/history"):
        assert (label, 200) in reached, sorted(set(reached))


def test_schemathesis_cli_with_every_check_and_every_phase(
    live_server, workspace, make_vehicle, fast_hashing, tmp_path
):
    """The schemathesis command line as an integrator runs it: `--checks all` (negative data rejected, auth
    enforced, ignored auth, use after free, ensure resource availability …), every phase including the stateful
    one that follows the schema's links, both versions, against a live server seeded with every status."""
    for status in Status.values:
        make_vehicle(status)
    token = token_for(ApiClient.issue(workspace, "Schemathesis CLI")[0])
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "10",
            "--generation-deterministic",
            "--header",
            f"Authorization: Bearer {token}",
            "--request-timeout",
            "20",
            "--report",
            "junit",
            "--report-junit-path",
            str(junit),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # its own cache directory stays out of the checkout
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout or "passed" in result.stdout, result.stdout[-3000:]
