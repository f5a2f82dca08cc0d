"""The published schema passes Redocly CLI's recommended rules (config: redocly.yaml) with no error and no warning,
and tells the truth about what the issue asked for: servers, the token endpoint, headers, the error-code enum."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from vehicles.api.errors import ERROR_CODES
from vehicles.vins import VIN_PATTERN

from .schema_check import published_schema

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


@pytest.fixture
def schema(db):
    published_schema.cache_clear()
    return published_schema()


def lint(tool, schema, tmp_path, *options, env=None):
    """Run a linter's `lint` on the schema (written to a file) from the project's root; returns its output, once it
    has exited with 0."""
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    run = subprocess.run(
        [str(tool), "lint", str(path), *options], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    return output


@pytest.mark.slow
def test_redocly_lint_with_the_recommended_rules_finds_nothing(schema, tmp_path):
    assert REDOCLY.exists(), "Redocly CLI is not installed: run npm install"
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    output = lint(REDOCLY, schema, tmp_path, "--config", str(ROOT / "redocly.yaml"), "--format", "stylish", env=env)
    assert "error" not in output.replace("errors", "").lower() or "Woohoo" in output, output[-5000:]
    assert "warning" not in output.lower().replace("deprecation warning", ""), output[-5000:]


def test_the_schema_declares_servers_tags_and_the_token_endpoint(schema):
    assert schema["servers"][0]["url"] == "http://testserver"
    declared_tags = {tag["name"] for tag in schema["tags"]}
    token = schema["paths"]["/api/oauth/token/"]["post"]
    assert token["security"] == [] and "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert set(token["responses"]) >= {"200", "400", "401", "413", "429"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method} {path}"
            assert set(operation["tags"]) <= declared_tags


def test_the_headers_go_with_their_answers(schema):
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            assert "Retry-After" in responses["429"]["headers"]
            if "401" in responses and operation["security"]:
                assert "WWW-Authenticate" in responses["401"]["headers"]
            if "202" in responses:
                assert "Location" in responses["202"]["headers"]


def test_error_codes_are_an_enum_and_status_codes_are_documented_where_they_happen(schema):
    components = schema["components"]["schemas"]
    assert components["ErrorCodeEnum"]["enum"] == ERROR_CODES
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "429" in codes
            if path != "/api/oauth/token/":
                assert {"401", "406"} <= codes
            if method == "post":
                assert "413" in codes
                if path != "/api/oauth/token/":
                    assert "415" in codes


def test_no_any_no_request_request_names_an_anchored_vin_and_bounded_limit(schema):
    text = json.dumps(schema)
    assert "RequestRequest" not in text
    components = schema["components"]["schemas"]
    assert components["UploadEntryRequest"]["properties"]["odometer"]["oneOf"]
    assert components["Error"]["properties"]["details"]["type"] == "object"
    [vin] = [p for p in schema["paths"]["/api/v2/vehicles/{vin}/status"]["get"]["parameters"] if p["name"] == "vin"]
    assert vin["schema"]["pattern"] == VIN_PATTERN and VIN_PATTERN.startswith("^") and VIN_PATTERN.endswith("$")
    [limit] = [
        p for p in schema["paths"]["/api/v2/vehicle-management/vehicles/"]["get"]["parameters"] if p["name"] == "limit"
    ]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1000)


SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"


@pytest.mark.slow
def test_spectral_lint_with_the_oas_ruleset_finds_nothing(schema, tmp_path):
    assert SPECTRAL.exists(), "Spectral CLI is not installed: run npm install"
    output = lint(SPECTRAL, schema, tmp_path, "--ruleset", str(ROOT / ".spectral.yaml"), "--fail-severity", "hint")
    assert "No results with a severity of 'hint' or higher found!" in output, output[-5000:]
