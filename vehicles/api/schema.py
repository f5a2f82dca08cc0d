"""How drf-spectacular describes the API: every version in one schema, each operation named and tagged with its
version, the authentication (OAuth2 client credentials, sent as a bearer token) and the finishing hook."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from rest_framework.settings import api_settings


class VersionedSchemaGenerator(SchemaGenerator):
    """One schema for every version (SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"]). drf-spectacular describes the
    views of one version a run (each view's `request.version`, from DRF's NamespaceVersioning); here the endpoints
    are described once per version of REST_FRAMEWORK["ALLOWED_VERSIONS"], in that order, into one registry of
    components, so that the enum names and the hooks see the whole API at once."""

    def parse(self, input_request, public):
        asked = self.api_version
        paths = {}
        try:
            for version in api_settings.ALLOWED_VERSIONS:
                self.api_version = version
                paths.update(super().parse(input_request, public))
        finally:
            self.api_version = asked
        return paths


class VersionedAutoSchema(AutoSchema):
    """Each operation with its version: operationId `v1_list_vehicles` and tag `v1 vehicle management` for an
    `@extend_schema(operation_id="list_vehicles", tags=["vehicle management"])` (vehicles.api.views.ApiView)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation:
            version = self.view.request.version
            operation["operationId"] = f"{version}_{operation['operationId']}"
            operation["tags"] = [f"{version} {tag}" for tag in operation.get("tags", [])]
        return operation


class WorkspaceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vehicles.api.auth.WorkspaceTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Client credentials of one workspace, created on the workspace's API access page.",
            "flows": {"clientCredentials": {"tokenUrl": "/api/oauth/token/", "scopes": {}}},
        }


# --- Finishing the generated schema (a drf-spectacular postprocessing hook) ---

ERROR_REF = {"$ref": "#/components/schemas/Error"}
HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": 'The scheme to use: `Bearer realm="api"`.',
            "schema": {"type": "string"},
        }
    },
    "202": {
        "Location": {"description": "The report's own URL (`reports/{id}`).", "schema": {"type": "string"}},
    },
    "429": {
        "Retry-After": {
            "description": "Seconds until the rate-limit window ends.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def _token_operation():
    def error(description):
        return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}

    too_many = error("10 failed attempts within 15 minutes for this client id or from this address")
    too_many["headers"] = HEADERS["429"]
    return {
        "post": {
            "operationId": "get_token",
            "summary": "Get an access token (client credentials)",
            "description": (
                "OAuth2 client-credentials grant. Send `grant_type=client_credentials` with `client_id` and "
                "`client_secret` as form fields (or the id and secret as HTTP Basic credentials). The token "
                "lives `expires_in` seconds; send it as `Authorization: Bearer <access_token>`. A client keeps "
                "at most 5 live tokens: each new one revokes the oldest. After 10 failed attempts within 15 "
                "minutes for one client id or from one address, attempts are refused with 429 until the window "
                "ends."
            ),
            "tags": ["authentication"],
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"$ref": "#/components/schemas/TokenRequest"},
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "A bearer token",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}},
                },
                "400": error("Malformed request or unsupported grant type (`error` as in RFC 6749, and `code`)"),
                "401": error("Wrong client id or secret, or revoked credentials (`invalid_client`)"),
                "405": error("Method not allowed"),
                "413": error("Body too large"),
                "429": too_many,
            },
        }
    }


TOKEN_COMPONENTS = {
    "TokenRequest": {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "client_id": {"type": "string"},
            "client_secret": {"type": "string"},
        },
    },
    "Token": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the token lives."},
            "scope": {"type": "string"},
        },
    },
}


def finish_schema(result, generator, request, public):
    """Servers (this host), the token endpoint (django-oauth-toolkit's view, not DRF's, so not generated), and
    the headers that go with 401 (WWW-Authenticate), 202 (Location) and 429 (Retry-After)."""
    base = request.build_absolute_uri("/").rstrip("/") if request is not None else "http://127.0.0.1:8000"
    result["servers"] = [{"url": base, "description": "This server"}]
    result["paths"] = {"/api/oauth/token/": _token_operation(), **result["paths"]}
    result["components"].setdefault("schemas", {}).update(TOKEN_COMPONENTS)
    for operations in result["paths"].values():
        for operation in operations.values():
            for status_code, response in operation.get("responses", {}).items():
                if status_code in HEADERS:
                    response.setdefault("headers", HEADERS[status_code])
                if not response.get("description"):
                    response["description"] = "The answer" if status_code.startswith("2") else "Error"
    return result
