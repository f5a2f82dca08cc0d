"""Response headers and session lifetime that apply to every page (settings: PERMISSIONS_POLICY,
SESSION_IDLE_TIMEOUT; the Content-Security-Policy is django-csp's)."""

import time

from django.conf import settings

TOUCHED = "_fleet_touched"


def _is_authenticated(request):
    """request.user is Django's session user or, set by DRF after the view authenticated a bearer token, the
    ApiClient (DRF leaves None for an unauthenticated API request)."""
    user = getattr(request, "user", None)
    return user is not None and bool(getattr(user, "is_authenticated", True))


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `Cache-Control: no-store` on what an authenticated user is served
    (unless the view said otherwise), so that a shared or back-buttoned browser keeps no copy of fleet data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Cache-Control" not in response and _is_authenticated(request):
            response["Cache-Control"] = "no-store"
        return response


def touch_session_on_login(sender, request, user, **kwargs):
    """A new session counts as just used (saved with the login anyway): no second write on the next request."""
    if request is not None and hasattr(request, "session"):
        request.session[TOUCHED] = int(time.time())


class SessionIdleTimeoutMiddleware:
    """A session expires SESSION_IDLE_TIMEOUT (SESSION_COOKIE_AGE) after it was last saved; saving it again at
    most every SESSION_TOUCH_INTERVAL seconds while it is used makes that an idle timeout, for one small write a
    minute instead of one per request (SESSION_SAVE_EVERY_REQUEST)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and _is_authenticated(request):
            now = int(time.time())
            if now - session.get(TOUCHED, 0) >= settings.SESSION_TOUCH_INTERVAL:
                session[TOUCHED] = now  # modified: saved, cookie and expiry pushed SESSION_IDLE_TIMEOUT ahead
        return self.get_response(request)
