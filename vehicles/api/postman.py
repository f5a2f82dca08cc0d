"""A Postman v2.1 collection generated from the same routes as the OpenAPI schema.

Its first request ("Get token") asks for a client-credentials token and stores it in the collection variable
`access_token`, which every other request sends as its bearer token. Variables: baseUrl, client_id,
client_secret, vin (used in paths and bodies), report_id (stored by the report request).
"""

import copy
import json
import re

from drf_spectacular.generators import SchemaGenerator

from vehicles.api.serializers import EXAMPLE_VIN

SCHEMA_VERSION = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
ZERO_UUID = "00000000-0000-0000-0000-000000000000"

TOKEN_TEST = """pm.test("a token is issued", function () {
    pm.response.to.have.status(200);
});
pm.collectionVariables.set("access_token", pm.response.json().access_token);"""

ANSWER_TEST = """pm.test("no server error", function () {
    pm.expect(pm.response.code).to.be.below(500);
});
if (pm.response.code >= 400) {
    pm.test("errors are JSON with a code and a message", function () {
        const body = pm.response.json();
        pm.expect(body).to.have.property("code");
        pm.expect(body).to.have.property("message");
    });
}"""

REPORT_TEST = """if (pm.response.code === 202) {
    pm.collectionVariables.set("report_id", pm.response.json().id);
}"""


def _script(source):
    return {"listen": "test", "script": {"type": "text/javascript", "exec": source.splitlines()}}


def _with_variables(value):
    """Example bodies with the example VIN replaced by {{vin}}."""
    return json.loads(json.dumps(value).replace(EXAMPLE_VIN, "{{vin}}"))


def _example_body(operation):
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if not content:
        return None
    examples = content.get("examples") or {}
    for example in examples.values():
        return _with_variables(copy.deepcopy(example["value"]))
    return None


def _url(path, operation):
    raw_path = re.sub(r"\{(\w+)\}", lambda m: "{{" + m.group(1) + "}}", path)
    query = [
        {"key": p["name"], "value": "", "description": p.get("description", ""), "disabled": True}
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    ]
    url = {"raw": "{{baseUrl}}" + raw_path, "host": ["{{baseUrl}}"], "path": [s for s in raw_path.split("/") if s]}
    if query:
        url["query"] = query
    return url


def token_request():
    return {
        "name": "Get token",
        "event": [_script(TOKEN_TEST)],
        "request": {
            "auth": {"type": "noauth"},
            "method": "POST",
            "header": [{"key": "Accept", "value": "application/json"}],
            "body": {
                "mode": "urlencoded",
                "urlencoded": [
                    {"key": "grant_type", "value": "client_credentials"},
                    {"key": "client_id", "value": "{{client_id}}"},
                    {"key": "client_secret", "value": "{{client_secret}}"},
                ],
            },
            "url": {
                "raw": "{{baseUrl}}/api/oauth/token/",
                "host": ["{{baseUrl}}"],
                "path": ["api", "oauth", "token", ""],
            },
            "description": "OAuth2 client credentials; stores the token in the collection variable access_token.",
        },
    }


def collection_from_schema(schema, base_url="http://127.0.0.1:8000"):
    folders = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            tests = [ANSWER_TEST] + ([REPORT_TEST] if path.endswith("/reports/vehicles-status") else [])
            request = {
                "method": method.upper(),
                "header": [{"key": "Accept", "value": "application/json"}],
                "url": _url(path, operation),
                "description": operation.get("description") or operation.get("summary", ""),
            }
            body = _example_body(operation)
            if body is not None:
                request["header"].append({"key": "Content-Type", "value": "application/json"})
                request["body"] = {
                    "mode": "raw",
                    "raw": json.dumps(body, indent=2),
                    "options": {"raw": {"language": "json"}},
                }
            tag = (operation.get("tags") or ["api"])[0]
            folders.setdefault(tag, []).append(
                {
                    "name": operation.get("summary") or f"{method.upper()} {path}",
                    "event": [_script("\n".join(tests))],
                    "request": request,
                }
            )
    info = schema.get("info", {})
    return {
        "info": {
            "name": info.get("title", "API"),
            "description": info.get("description", ""),
            "schema": SCHEMA_VERSION,
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{access_token}}", "type": "string"}]},
        "variable": [
            {"key": "baseUrl", "value": base_url.rstrip("/")},
            {"key": "client_id", "value": ""},
            {"key": "client_secret", "value": ""},
            {"key": "access_token", "value": ""},
            {"key": "vin", "value": EXAMPLE_VIN},
            {"key": "report_id", "value": ZERO_UUID},
        ],
        "item": [token_request()] + [{"name": name, "item": items} for name, items in folders.items()],
    }


def build_collection(base_url="http://127.0.0.1:8000"):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return collection_from_schema(schema, base_url)
