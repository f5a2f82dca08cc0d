"""Check an API answer against the OpenAPI schema the server publishes (`/api/schema/`).

drf-spectacular writes OpenAPI 3.0 (`nullable: true`); that is turned into JSON Schema (`anyOf` with null) and
validated with jsonschema (no undeclared field allowed), every `$ref` resolved inside the same document.
"""

import functools
import re

import jsonschema
from django.test import Client


@functools.cache
def published_schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _json_schema(node):
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node and "allOf" not in node:
        node["additionalProperties"] = False  # an answer carries no field the schema does not declare
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _operation(schema, method, path):
    for template, operations in schema["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the schema")


def assert_matches_schema(response, method, path):
    """The answer's status is documented for this operation and its JSON body matches the declared schema."""
    schema = published_schema()
    path = path.split("?")[0]
    template, operation = _operation(schema, method, path)
    declared = operation["responses"].get(str(response.status_code))
    assert declared, f"{method} {template} answered {response.status_code}, which the schema does not document"
    content_type = response["Content-Type"].split(";")[0]
    media = declared.get("content", {}).get(content_type)
    assert media is not None, f"{method} {template} {response.status_code}: {content_type} not declared"
    if content_type != "application/json":
        return
    body_schema = {**_json_schema(media["schema"]), "components": _json_schema(schema["components"])}
    jsonschema.validate(response.json(), body_schema, cls=jsonschema.Draft202012Validator)
