"""Every error under /api/ is JSON `{"code": …, "message": …}`: DRF's exceptions, Django's 404 and 500 pages,
the OAuth2 token endpoint's answers and bodies that are too large."""

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from fleet.outage import is_database_error, unavailable_response
from vehicles.api.parsers import too_large

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Codes for DRF's exceptions, where DRF's own code is not what a client would look for.
CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "malformed_body",
    exceptions.ValidationError: "invalid_request",
}

DEFAULT_MESSAGES = {
    400: "The request is malformed.",
    401: "Authentication is required: send Authorization: Bearer <access token>.",
    403: "You may not do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    429: "Too many requests.",
    500: "Something went wrong on our side; it has been logged.",
}
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


# Every `code` an error answer of the API can carry (the schema's Error.code enum; a test walks the code for more).
ERROR_CODES = [
    "bad_request",
    "malformed_body",
    "invalid_request",
    "invalid_parameter",
    "invalid_details",
    "not_authenticated",
    "invalid_token",
    "token_expired",
    "forbidden",
    "vehicle_disabled",
    "vehicle_not_enabled",
    "not_found",
    "vehicle_not_found",
    "report_not_found",
    "webhook_not_found",
    "method_not_allowed",
    "not_acceptable",
    "report_not_ready",
    "webhook_disabled",
    "report_expired",
    "body_too_large",
    "unsupported_media_type",
    "rate_limited",
    "server_error",
    "unavailable",
    "error",
    # the token endpoint's RFC 6749 errors, as `code` too
    "invalid_client",
    "invalid_grant",
    "invalid_scope",
    "unauthorized_client",
    "unsupported_grant_type",
]


class ApiError(exceptions.APIException):
    """An error with its own code: ApiError(404, "vehicle_not_found", "VIN … is not in this workspace")."""

    def __init__(self, status_code, code, message, details=None):
        self.status_code = status_code
        self.details = details
        super().__init__(message, code)


def _message(detail):
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_message(value)}" for key, value in detail.items())
    return str(detail)


def error_body(code, message, details=None):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def exception_handler(exc, context):
    """DRF's handler (headers such as Retry-After and WWW-Authenticate), then our body shape; 500 for the rest."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, RequestDataTooBig):
        exc = too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    response = drf_exception_handler(exc, context)
    if response is None and is_database_error(exc):
        logger.warning("Database unavailable in the API: %s", exc)
        return unavailable_response(context["request"])
    if response is None:
        logger.exception("Unhandled error in the API", exc_info=exc)
        return JsonResponse(error_body("server_error", DEFAULT_MESSAGES[500]), status=500)
    if isinstance(exc, ApiError):
        response.data = error_body(exc.get_codes(), str(exc.detail), exc.details)
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid_request", _message(exc.detail), exc.detail)
        return response
    code = next((c for cls, c in CODES.items() if type(exc) is cls), None) or exc.get_codes()
    if not isinstance(code, str):
        code = STATUS_CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.AuthenticationFailed) and exc.get_codes() == "token_expired":
        code = "token_expired"
    message = _message(exc.detail)
    if isinstance(exc, exceptions.Throttled):
        message = f"Too many requests for this client: try again in {exc.wait:.0f} seconds." if exc.wait else message
    response.data = error_body(code, message)
    return response


class JsonErrorsForApiMiddleware:
    """Outside DRF's views (an unknown /api/ path, a crash in middleware, the token endpoint), an error under
    /api/ is still JSON with a code and a message, never an HTML page or a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return self._oauth_shape(response)
        status_code = response.status_code
        message = DEFAULT_MESSAGES.get(status_code, "The request failed.")
        if status_code == 404:
            message = f"No API endpoint at {request.path}."
        new = JsonResponse(
            error_body(STATUS_CODES.get(status_code, "server_error" if status_code >= 500 else "error"), message),
            status=status_code,
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                new[header] = response[header]
        return new

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, Http404):
            return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)
        if is_database_error(exception):
            return unavailable_response(request)
        if isinstance(exception, RequestDataTooBig):  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE (= API_MAX_BODY_BYTES)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            message = f"The request body is too large: at most {limit:,} bytes are accepted."
            return JsonResponse(error_body("body_too_large", message), status=413)
        logger.exception("Unhandled error under /api/", exc_info=exception)
        return JsonResponse(error_body("server_error", DEFAULT_MESSAGES[500]), status=500)

    @staticmethod
    def _oauth_shape(response):
        """The token endpoint answers RFC 6749 errors (`error`, `error_description`); add code and message."""
        try:
            body = json.loads(response.content or b"{}")
        except ValueError:
            return response
        if isinstance(body, dict) and "error" in body and "code" not in body:
            body["code"] = body["error"]
            body["message"] = body.get("error_description") or {
                "invalid_client": "The client id or secret is wrong, or the credentials were revoked.",
                "unsupported_grant_type": "Only grant_type=client_credentials is supported.",
                "invalid_request": "The token request is malformed.",
                "unauthorized_client": "These credentials may not use this grant type.",
            }.get(body["error"], "The token request was refused.")
            response.content = json.dumps(body).encode()
            response["Content-Length"] = str(len(response.content))
        return response
