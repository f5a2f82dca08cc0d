"""Who is calling: OAuth2 client credentials (django-oauth-toolkit) that belong to one workspace.

The token endpoint issues tokens for the client-credentials grant only, and never to revoked credentials.
A request's bearer token is looked up in one query (token → ApiClient → workspace); the request then acts as
that workspace's API client (`request.user` is the `ApiClient`).
"""

import datetime as dt
import functools
import hashlib

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from fleet.models import ApiClient, Workspace
from vehicles.choices import Status
from vehicles.readings import gate
from vehicles.readings.status_query import fetch_one
from vehicles.status.machine import By
from vehicles.vins import InvalidVin, validate_vin


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


@functools.cache
def _token_query(vendor, with_status_data=False):
    """One query from a token's checksum to its credentials and workspace (built once per database vendor).

    Written as SQL (table and column names from the models) because it runs on every API request, and the ORM's
    compilation of a four-table select_related costs more than the query itself. `with_status_data`: it also
    reads the data gate's answer for one VIN in that workspace (gate.with_status_data), so that Get Vehicle
    Status is one round trip to the database; its parameters are then the VIN, Status.ENABLED and the checksum.
    """
    q = connection.ops.quote_name
    token, client = get_access_token_model()._meta, ApiClient._meta
    workspace = Workspace._meta
    column = lambda meta, name: q(meta.get_field(name).column)  # noqa: E731
    columns = (
        f"t.{column(token, 'expires')}, c.{column(client, 'id')}, c.{column(client, 'name')}, "
        f"c.{column(client, 'revoked_at')}, w.{column(workspace, 'id')}, w.{column(workspace, 'slug')}, "
        f"w.{column(workspace, 'name')}"
    )
    source = (
        f"{q(token.db_table)} t "
        f"JOIN {q(client.db_table)} c ON c.{column(client, 'application')} = t.{column(token, 'application')} "
        f"JOIN {q(workspace.db_table)} w ON w.{column(workspace, 'id')} = c.{column(client, 'workspace')}"
    )
    where = f"t.{column(token, 'token_checksum')} = %s"
    if with_status_data:
        return gate.with_status_data(vendor, columns, source, where, f"w.{column(workspace, 'id')}")
    return f"SELECT {columns} FROM {source} WHERE {where}"


def _instant(value):
    if isinstance(value, str):  # SQLite without converters
        value = parse_datetime(value)
    return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


class WorkspaceTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>` of an ApiClient that is not revoked; request.user is the ApiClient
    (with its workspace), request.auth the token."""

    def authenticate(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None  # → 401 not_authenticated
        token = token.strip()
        if not token:
            raise InvalidToken("The Authorization header has no token after Bearer.")
        checksum = hashlib.sha256(token.encode()).hexdigest()
        vin = _status_data_vin(request)
        if vin is None:
            row = fetch_one(_token_query(connection.vendor), [checksum])
        else:
            row = fetch_one(_token_query(connection.vendor, True), [vin, Status.ENABLED, checksum])
            if row is not None:
                request.status_data_row = row[-gate.STATUS_DATA_COLUMNS :]
        if row is None:
            raise InvalidToken("The access token is unknown or was revoked.")
        expires, client_id, name, revoked_at, workspace_id, slug, workspace_name = row[:7]
        if _instant(expires) <= timezone.now():
            raise exceptions.AuthenticationFailed("The access token has expired: ask for a new one.", "token_expired")
        if revoked_at is not None:
            raise InvalidToken("These API credentials were revoked.")
        client = ApiClient(id=client_id, name=name, workspace_id=workspace_id, revoked_at=None)
        client.workspace = Workspace(id=workspace_id, slug=slug, name=workspace_name)
        return client, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def _status_data_vin(request):
    """The VIN whose status data the view will ask the gate for (a view's `status_data_vin`: the name of its URL
    argument), normalised as the gate does; None for every other view, and when the argument is no VIN."""
    context = getattr(request, "parser_context", None) or {}
    argument = getattr(context.get("view"), "status_data_vin", None)
    vin = context.get("kwargs", {}).get(argument) if argument else None
    try:  # what is no VIN is never stored (the view answers 404 without asking): nothing to read with the token
        return validate_vin(vin) if isinstance(vin, str) else None
    except InvalidVin:
        return None


def status_data_row(request):
    """The gate's values read with the token (`status_data_vin` views), or None."""
    return getattr(request, "status_data_row", None)


class IsApiClient(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, ApiClient)


def workspace_of(request):
    return request.user.workspace


def by(request):
    """The status history's "who" for changes made through the API."""
    return By.api(request.user.name)
