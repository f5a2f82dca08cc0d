"""Login throttling (django-axes): which address a request comes from, and the answer to a locked-out login."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def client_ip(request):
    """The client's address: REMOTE_ADDR, or — only when TRUST_PROXY_HEADERS says a proxy of ours is in front —
    the last X-Forwarded-For entry, the one that proxy wrote (nginx in deploy/ overwrites the header with the
    peer's address; a client-sent value is never trusted)."""
    if settings.TRUST_PROXY_HEADERS:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def lockout_message():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed logins for this username or from this address. Logging in is blocked for "
        f"{minutes} minutes; try again later."
    )


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, saying why, with 429 and Retry-After. The form is not
    validated (that would try the password once more)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", request.GET.get("next", "")),
        "locked_out": lockout_message(),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
