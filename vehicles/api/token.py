"""The token endpoint (`POST /api/oauth/token/`): django-oauth-toolkit's TokenView, throttled and tidy.

- After API_TOKEN_MAX_FAILURES (10) failed attempts within API_TOKEN_FAILURE_WINDOW_SECONDS (15 minutes) for one
  client id or from one address, every attempt for it (even with the right secret) answers 429 with Retry-After
  in the API's JSON error shape, until that window ends. Refused before the secret is hashed, so a guesser also
  stops costing CPU.
- Tokens do not pile up: the database keeps only a token's checksum, so a valid token cannot be handed out again;
  instead each new token revokes the client's expired ones and all but its API_TOKENS_PER_CLIENT newest (several
  workers of one client may each hold one).
"""

import base64
import binascii
import json
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.views import TokenView

from vehicles.api import throttling
from vehicles.api.errors import error_body

FAILED = {"invalid_client", "invalid_grant", "unauthorized_client"}


def client_address(request):
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and address in settings.API_TRUSTED_PROXIES:
        return forwarded.split(",")[-1].strip()
    return address


def client_id_of(request):
    """The client id of a token request: HTTP Basic credentials, else the form field."""
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.partition(":")[0])
    return request.POST.get("client_id", "")


def refused(seconds):
    seconds = max(1, int(seconds + 0.999))
    message = f"Too many failed token requests for this client or address: try again in {seconds} seconds."
    response = JsonResponse(error_body("rate_limited", message), status=429)
    response["Retry-After"] = str(seconds)
    return response


def prune_tokens(client_id):
    """Revoke the client's expired tokens and all but its newest API_TOKENS_PER_CLIENT."""
    tokens = get_access_token_model().objects.filter(application__client_id=client_id)
    tokens.filter(expires__lte=timezone.now()).delete()
    keep = list(tokens.order_by("-created", "-id").values_list("id", flat=True)[: settings.API_TOKENS_PER_CLIENT])
    tokens.exclude(id__in=keep).delete()


class ThrottledTokenView(TokenView):
    def post(self, request, *args, **kwargs):
        try:
            request.POST  # noqa: B018 (parse the body now: a malformed one is the client's mistake, not a 500)
        except MultiPartParserError as error:
            body = {"error": "invalid_request", "error_description": f"The request body cannot be read: {error}"}
            return JsonResponse(body, status=400)
        client_id, address = client_id_of(request), client_address(request)
        wait = throttling.token_attempts_refused(client_id, address)
        if wait is not None:
            return refused(wait)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            if get_application_model().objects.filter(client_id=client_id).exists():
                prune_tokens(client_id)
        elif response.status_code in (400, 401) and _error_of(response) in FAILED:
            throttling.record_failed_token_attempt(client_id, address)
        return response


def _error_of(response):
    try:
        return json.loads(response.content or b"{}").get("error")
    except (ValueError, AttributeError):
        return None
