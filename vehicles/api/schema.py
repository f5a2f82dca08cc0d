"""How drf-spectacular describes the API's authentication: OAuth2 client credentials, sent as a bearer token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class WorkspaceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vehicles.api.auth.WorkspaceTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Client credentials of one workspace, created on the workspace's API access page.",
            "flows": {"clientCredentials": {"tokenUrl": "/api/oauth/token/", "scopes": {}}},
        }
