"""A Postman v2.1 collection generated from the OpenAPI schema (so from the same routes), run as a scenario.

Its first request ("Get token") asks for a client-credentials token and stores it in the collection variable
`access_token`, which every other request sends as its bearer token. Then, per version, one request per
operation in the order a client would use them, each with a test script that checks what the request *did*,
reading the vehicle back with `pm.sendRequest` where it changed something:

  list → (v2) check the eligibility of `{{vin}}` and of an invalid VIN (answered in order; `{{vin}}` still absent)
  → upload `{{vin}}` (it exists afterwards) → get it → status and history of `{{enabled_vin_vN}}` (200s)
  → disable it (it reads Disabled) → enable it (it reads Pending) → remove `{{vin}}` (it answers 404)
  → ask for a report (202 + Location; its id stored) → read it → download (409 until built, or the CSV)
  → (v2) the events feed, oldest first, which holds the removal of `{{vin}}` (read after `{{events_after}}`)
  → (v2) a webhook to `{{webhook_url}}`: create (its id stored in `webhook_id`, read back), list, get, change
  (read back), a test event, a replay since 2000 (its own events queued), the deliveries, delete (read back 404).

Variables: baseUrl, client_id, client_secret, vin (a VIN of a make not activated, so that it uploads as
Incomplete and can be removed; uploaded in v1, re-added in v2), enabled_vin_v1 and enabled_vin_v2 (two Enabled
VINs of the workspace), report_id (stored by the report request). URLs are the schema's paths exactly, trailing
slash included.
"""

import json
import re
import string

from vehicles.api.schema import VersionedSchemaGenerator
from vehicles.api.serializers import EXAMPLE_VIN

SCHEMA_VERSION = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
ZERO_UUID = "00000000-0000-0000-0000-000000000000"

TOKEN_TEST = """pm.test("a token is issued", function () {
    pm.response.to.have.status(200);
});
pm.collectionVariables.set("access_token", pm.response.json().access_token);"""

COMMON_TEST = """const version = "{version}";
const words = {words};
function readBack(vin, check) {{
    pm.sendRequest({{
        url: pm.variables.replaceIn("{{{{baseUrl}}}}/api/" + version + "/vehicle-management/vehicles/" + vin + "/"),
        method: "GET",
        header: {{Authorization: "Bearer " + pm.collectionVariables.get("access_token"), Accept: "application/json"}}
    }}, function (err, res) {{ check(res); }});
}}
function readWebhook(check) {{
    pm.sendRequest({{
        url: pm.collectionVariables.get("baseUrl") + "/api/v2/webhooks/"
            + pm.collectionVariables.get("webhook_id") + "/",
        header: {{Authorization: "Bearer " + pm.collectionVariables.get("access_token"), Accept: "application/json"}}
    }}, function (err, res) {{ check(res); }});
}}
pm.test("no server error", function () {{
    pm.expect(pm.response.code).to.be.below(500);
}});
if (pm.response.code >= 400) {{
    pm.test("errors are JSON with a code and a message", function () {{
        const body = pm.response.json();
        pm.expect(body).to.have.property("code");
        pm.expect(body).to.have.property("message");
    }});
}}"""

# A bulk call's test: its one VIN answered ok, then that VIN read back and checked.
BULK_TEST = string.Template("""pm.test("the VIN is $done", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.json().results[0].ok).to.eql(true);
});
readBack($vin, function (res) {
    pm.test("$afterwards", function () {
$checks
    });
});""")
ENABLED_VIN = 'pm.variables.get("enabled_vin_" + version)'


def _bulk_test(done, vin, afterwards, *checks):
    return BULK_TEST.substitute(
        done=done, vin=vin, afterwards=afterwards, checks="\n".join(f"        {check}" for check in checks)
    )


# operationId without its version prefix → (path variable, body, test script). `{v}` is the version.
SCENARIO = {
    "list_vehicles": (
        None,
        None,
        """pm.test("the list answers vehicles and next", function () {
    pm.response.to.have.status(200);
    const body = pm.response.json();
    pm.expect(body.vehicles).to.be.an("array");
    pm.expect(body).to.have.property("next");
    const vins = body.vehicles.map(function (v) { return v.vin; });
    pm.expect(vins).to.include(pm.variables.get("enabled_vin_" + version));
});""",
    ),
    "check_eligibility": (
        None,
        {"vins": ["{{vin}}", "NOT-A-VIN"]},
        """pm.test("each VIN is answered, in the order sent", function () {
    pm.response.to.have.status(200);
    const body = pm.response.json();
    pm.expect(body.summary.eligible + body.summary.ineligible).to.eql(2);
    pm.expect(body.results[0].vin).to.eql(pm.variables.get("vin"));
    pm.expect(body.results[0].eligible).to.eql(true);
    pm.expect(body.results[1].eligible).to.eql(false);
    pm.expect(body.results[1]).to.have.property("reason");
});
readBack(pm.variables.get("vin"), function (res) {
    pm.test("checking added nothing", function () {
        pm.expect(res.code).to.eql(404);
    });
});""",
    ),
    "upload_vehicles": (
        None,
        {"vins": [{"vin": "{{vin}}"}]},
        """pm.test("the VIN is added", function () {
    pm.response.to.have.status(200);
    const result = pm.response.json().results[0];
    pm.expect(result.ok).to.eql(true);
    pm.expect(["added", "re-added"]).to.include(result.outcome);
});
readBack(pm.variables.get("vin"), function (res) {
    pm.test("the uploaded VIN exists afterwards", function () {
        pm.expect(res.code).to.eql(200);
        pm.expect(res.json().vin).to.eql(pm.variables.get("vin"));
    });
});""",
    ),
    "get_vehicle": (
        "vin",
        None,
        """pm.test("the vehicle is answered with its history", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.json().vin).to.eql(pm.variables.get("vin"));
    pm.expect(pm.response.json().history).to.be.an("array").that.is.not.empty;
});""",
    ),
    "edit_vehicle": (
        "vin",
        {"name": "Postman {v}", "license_plate": "PM-1", "labels": ["postman"]},
        """pm.test("the details are edited and the status is kept", function () {
    pm.response.to.have.status(200);
    const body = pm.response.json();
    pm.expect(body.vin).to.eql(pm.variables.get("vin"));
    pm.expect(body.labels).to.eql(["postman"]);
    pm.expect(body.license_plate).to.eql("PM-1");
});""",
    ),
    "get_vehicle_status": (
        "enabled_vin_{v}",
        None,
        """pm.test("the latest reading of an Enabled VIN", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.json().vin).to.eql(pm.variables.get("enabled_vin_" + version));
    pm.expect(pm.response.json()).to.have.property("reading");
});""",
    ),
    "get_vehicle_history": (
        "enabled_vin_{v}",
        None,
        """pm.test("the readings between from and to", function () {
    pm.response.to.have.status(200);
    const body = pm.response.json();
    pm.expect(body).to.have.all.keys("vin", "from", "to", "readings");
    pm.expect(body.readings).to.be.an("array");
});""",
    ),
    "disable_vehicles": (
        None,
        {"vins": ["{{enabled_vin_{v}}}"]},
        _bulk_test(
            "disabled",
            ENABLED_VIN,
            "the disabled VIN reads Disabled afterwards",
            "pm.expect(res.json().status).to.eql(words.disabled);",
        ),
    ),
    "enable_vehicles": (
        None,
        {"vins": ["{{enabled_vin_{v}}}"]},
        _bulk_test(
            "enabled again (consent requested)",
            ENABLED_VIN,
            "the re-enabled VIN reads Pending afterwards",
            "pm.expect(res.json().status).to.eql(words.pending);",
        ),
    ),
    "remove_vehicles": (
        None,
        {"vins": ["{{vin}}"]},
        _bulk_test(
            "removed",
            'pm.variables.get("vin")',
            "the removed VIN is gone afterwards",
            "pm.expect(res.code).to.eql(404);",
            'pm.expect(res.json().code).to.eql("vehicle_not_found");',
        ),
    ),
    "create_status_report": (
        None,
        {"vins": ["{{enabled_vin_{v}}}", "{{vin}}"]},
        """pm.test("the report is accepted with its Location", function () {
    pm.response.to.have.status(202);
    pm.expect(pm.response.headers.get("Location")).to.include(pm.response.json().id);
});
if (pm.response.code === 202) {
    pm.collectionVariables.set("report_id", pm.response.json().id);
}""",
    ),
    "get_report": (
        None,
        None,
        """pm.test("the stored report is answered", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get("report_id"));
    pm.expect(pm.response.json().vins).to.eql(2);
});""",
    ),
    "download_report": (
        None,
        None,
        """pm.test("the CSV once built, 409 before", function () {
    pm.expect([200, 409]).to.include(pm.response.code);
});""",
    ),
    "export_vehicles": (
        None,
        None,
        """pm.test("the CSV of every filtered vehicle, the workspace's VINs in it", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.headers.get("Content-Type")).to.include("text/csv");
    const text = pm.response.text();
    pm.expect(text.split("\\n")[0]).to.include("vin,make,model_year");
    pm.expect(text).to.include(pm.variables.get("enabled_vin_v2"));
});""",
    ),
    "list_events": (
        None,
        None,
        """pm.test("the change log, oldest first", function () {
    pm.response.to.have.status(200);
    const body = pm.response.json();
    pm.expect(body).to.have.all.keys("events", "next");
    const seqs = body.events.map(function (e) { return parseInt(e.id.slice(4), 10); });
    pm.expect(seqs).to.eql(seqs.slice().sort(function (a, b) { return a - b; }));
});
pm.sendRequest({
    url: pm.collectionVariables.get("baseUrl") + "/api/v2/events/?type=vehicle.status_changed&after="
        + (pm.collectionVariables.get("events_after") || "evt_0"),
    header: {Authorization: "Bearer " + pm.collectionVariables.get("access_token")},
}, function (err, res) {
    pm.test("the feed holds the changes this run made: the VIN's removal", function () {
        pm.expect(err).to.eql(null);
        let removed = false;
        res.json().events.forEach(function (e) {
            e.data.changes.forEach(function (c) {
                if (c.vin === pm.variables.get("vin") && c.to_status === "deleted") { removed = true; }
            });
        });
        pm.expect(removed).to.eql(true);
    });
});""",
    ),
    "create_webhook": (
        None,
        {"url": "{{webhook_url}}", "events": ["webhook.created", "webhook.updated"], "description": "Postman"},
        """pm.test("the webhook is created with its secret", function () {
    pm.response.to.have.status(201);
    const body = pm.response.json();
    pm.expect(body.secret).to.match(/^whsec_/);
    pm.expect(body.enabled).to.eql(true);
});
if (pm.response.code === 201) {
    pm.collectionVariables.set("webhook_id", pm.response.json().id);
}
readWebhook(function (res) {
    pm.test("the created webhook exists afterwards, without its secret", function () {
        pm.expect(res.code).to.eql(200);
        pm.expect(res.json().url).to.eql(pm.variables.get("webhook_url"));
        pm.expect(res.json()).to.not.have.property("secret");
    });
});""",
    ),
    "list_webhooks": (
        None,
        None,
        """pm.test("the list holds the new webhook", function () {
    pm.response.to.have.status(200);
    const ids = pm.response.json().webhooks.map(function (w) { return w.id; });
    pm.expect(ids).to.include(pm.collectionVariables.get("webhook_id"));
});""",
    ),
    "get_webhook": (
        None,
        None,
        """pm.test("the webhook is answered", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get("webhook_id"));
    pm.expect(pm.response.json().events).to.eql(["webhook.created", "webhook.updated"]);
});""",
    ),
    "update_webhook": (
        None,
        {"description": "Postman, renamed"},
        """pm.test("the webhook is changed", function () {
    pm.response.to.have.status(200);
    pm.expect(pm.response.json().description).to.eql("Postman, renamed");
});
readWebhook(function (res) {
    pm.test("the changed description reads back", function () {
        pm.expect(res.json().description).to.eql("Postman, renamed");
    });
});""",
    ),
    "test_webhook": (
        None,
        None,
        """pm.test("a test event is queued", function () {
    pm.response.to.have.status(202);
    pm.expect(pm.response.json().queued).to.eql(1);
});""",
    ),
    "replay_webhook": (
        None,
        {"since": "2000-01-01T00:00:00Z"},
        """pm.test("the replay queues the webhook's own creation and change events", function () {
    pm.response.to.have.status(202);
    pm.expect(pm.response.json().queued).to.be.at.least(2);
});""",
    ),
    "list_webhook_deliveries": (
        None,
        None,
        """pm.test("the delivery log, newest first", function () {
    pm.response.to.have.status(200);
    const body = pm.response.json();
    pm.expect(body).to.have.all.keys("deliveries", "next");
    pm.expect(body.deliveries).to.be.an("array");
});""",
    ),
    "delete_webhook": (
        None,
        None,
        """pm.test("the webhook is deleted", function () {
    pm.response.to.have.status(204);
});
readWebhook(function (res) {
    pm.test("the deleted webhook is gone afterwards", function () {
        pm.expect(res.code).to.eql(404);
        pm.expect(res.json().code).to.eql("webhook_not_found");
    });
});""",
    ),
}
ORDER = list(SCENARIO)
WORDS = {
    "v1": {"disabled": "Revoked", "pending": "Pending"},
    "v2": {"disabled": "disabled", "pending": "pending"},
}


def _script(source):
    return {"listen": "test", "script": {"type": "text/javascript", "exec": source.splitlines()}}


def path_segments(raw_path):
    """The URL's path as Postman's array, keeping a trailing slash (a final empty segment): without it Postman
    sends `…/vehicles`, not `…/vehicles/`."""
    segments = raw_path.strip("/").split("/")
    return [*segments, ""] if raw_path.endswith("/") else segments


def _url(path, operation, path_variable, version):
    def variable(match):
        name = path_variable.format(v=version) if path_variable and match.group(1) == "vin" else match.group(1)
        return "{{" + name + "}}"

    raw_path = re.sub(r"\{(\w+)\}", variable, path)
    query = [
        {"key": p["name"], "value": "", "description": p.get("description", ""), "disabled": True}
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    ]
    url = {"raw": "{{baseUrl}}" + raw_path, "host": ["{{baseUrl}}"], "path": path_segments(raw_path)}
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
                "path": path_segments("/api/oauth/token/"),
            },
            "description": "OAuth2 client credentials; stores the token in the collection variable access_token.",
        },
    }


def _request(path, method, operation, version):
    name = operation["operationId"].removeprefix(f"{version}_")
    path_variable, body, test = SCENARIO[name]
    common = COMMON_TEST.format(version=version, words=json.dumps(WORDS[version]))
    request = {
        "method": method.upper(),
        "header": [{"key": "Accept", "value": "application/json"}],
        "url": _url(path, operation, path_variable, version),
        "description": operation.get("description") or operation.get("summary", ""),
    }
    if body is not None:
        raw = json.dumps(body, indent=2).replace("{v}", version)
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}
    return ORDER.index(name), {
        "name": operation.get("summary") or f"{method.upper()} {path}",
        "event": [_script(common + "\n" + test)],
        "request": request,
    }


def collection_from_schema(schema, base_url="http://127.0.0.1:8000"):
    folders = {}
    for path, operations in schema["paths"].items():
        version = path.split("/")[2]
        if version not in WORDS:
            continue  # the token endpoint: the first request
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                folders.setdefault(version, []).append(_request(path, method, operation, version))
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
            {"key": "enabled_vin_v1", "value": ""},
            {"key": "enabled_vin_v2", "value": ""},
            {"key": "report_id", "value": ZERO_UUID},
            {"key": "events_after", "value": "evt_0"},
            {"key": "webhook_id", "value": ZERO_UUID},
            {"key": "webhook_url", "value": "https://hooks.example.com/fleet"},
        ],
        "item": [token_request()]
        + [
            {"name": version, "item": [item for _, item in sorted(items, key=lambda pair: pair[0])]}
            for version, items in folders.items()
        ],
    }


def build_collection(base_url="http://127.0.0.1:8000"):
    schema = VersionedSchemaGenerator().get_schema(request=None, public=True)
    return collection_from_schema(schema, base_url)
