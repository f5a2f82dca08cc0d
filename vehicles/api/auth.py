"""Who is calling: OAuth2 client credentials (django-oauth-toolkit) that belong to one workspace.

The token endpoint issues tokens for the client-credentials grant only, and never to revoked credentials.
A request's bearer token is looked up in one query (token → application → ApiClient → workspace); the
request then acts as that workspace's API client (`request.user` is the `ApiClient`).
"""

import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from fleet.models import ApiClient
from vehicles.transitions import By


class ClientCredentialsOnlyValidator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type == "client_credentials" and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    def authenticate_client(self, request, *args, **kwargs):
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        api_client = ApiClient.objects.filter(application=request.client).only("revoked_at").first()
        return api_client is not None and api_client.revoked_at is None


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


class WorkspaceTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>` of an ApiClient that is not revoked."""

    def authenticate(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None  # → 401 not_authenticated
        token = token.strip()
        if not token:
            raise InvalidToken("The Authorization header has no token after Bearer.")
        checksum = hashlib.sha256(token.encode()).hexdigest()
        access_token = (
            get_access_token_model()
            .objects.select_related("application__api_client__workspace")
            .filter(token_checksum=checksum)
            .first()
        )
        if access_token is None:
            raise InvalidToken("The access token is unknown or was revoked.")
        if access_token.is_expired():
            raise exceptions.AuthenticationFailed("The access token has expired: ask for a new one.", "token_expired")
        api_client = getattr(access_token.application, "api_client", None) if access_token.application else None
        if api_client is None or api_client.revoked_at is not None:
            raise InvalidToken("These API credentials were revoked.")
        return api_client, access_token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IsApiClient(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, ApiClient)


def workspace_of(request):
    return request.user.workspace


def by(request):
    """The status history's "who" for changes made through the API."""
    return By.api(request.user.name)
