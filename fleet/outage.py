"""Answers for when a part of the service is down: `GET /healthz`, and a 503 instead of a 500 when the database
does not answer (a plain page, or under /api/ the API's JSON error shape with `code` `unavailable`).

Recovery needs nothing here: Django opens connections per request and, with `CONN_HEALTH_CHECKS`, drops a
persistent connection that broke between requests, so the first request after the database is back succeeds.
"""

import logging
import sys
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views import defaults
from django_tasks_db.models import DBTaskResult

from fleet.workers.lease import live_worker_ids

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
HEALTH_PATH = "/healthz"


def is_database_error(exc):
    return isinstance(exc, DATABASE_ERRORS)


def unavailable_response(request):
    """503 with Retry-After: JSON under /api/ (the API's error shape), a plain page elsewhere. The page is
    rendered without the request's context processors: they would ask the database for the user again."""
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "unavailable", "message": "The service is briefly unavailable; try again shortly."},
            status=503,
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database error raised by a view (or while rendering its template) becomes a 503. Errors raised in other
    middleware (the session saved after the view) reach `server_error` below, which does the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_error(exception):
            return None
        logger.warning("Database unavailable on %s: %s", request.path, exception)
        return unavailable_response(request)


def server_error(request, template_name="500.html"):
    """handler500: a database error that escaped the views is a 503 too; anything else is Django's 500 page."""
    if is_database_error(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)


# --- GET /healthz ---


def _database_answers(alias):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:  # any failure of the database is the answer, never a 500
        logger.warning("Health check: database %r does not answer", alias, exc_info=True)
        return False


def _cache_answers():
    try:
        cache.get("healthz")
        return True
    except Exception:
        logger.warning("Health check: the cache does not answer", exc_info=True)
        return False


def _worker_problem():
    """A cheap signal that no task worker is taking tasks: a task has been due for longer than
    HEALTH_WORKER_STALE_SECONDS. (The periodic data fetch makes a task due every
    READING_POLL_INTERVAL_SECONDS, so a dead worker is seen within that plus the stale delay even when idle.)
    Workers all busy with long tasks while others wait are reported too, which is worth knowing as well; when no
    worker's heartbeat has been seen either, the answer says so."""
    stale = timezone.now() - timedelta(seconds=settings.HEALTH_WORKER_STALE_SECONDS)
    try:
        waiting = DBTaskResult.objects.filter(status="READY", run_after__lte=stale).order_by("run_after").first()
    except Exception:
        logger.warning("Health check: the task queue cannot be read", exc_info=True)
        return "the task queue cannot be read"
    if waiting is None:
        return None
    minutes = int((timezone.now() - waiting.run_after).total_seconds() // 60)
    if not live_worker_ids():  # the workers' heartbeats (fleet/workers): none has been seen lately
        return (
            f"no task worker has been seen for {settings.WORKER_LOST_AFTER_SECONDS} s; a task has waited {minutes} min"
        )
    return f"a task has waited {minutes} min for a worker"


def healthz(request):
    """200 {"status": "ok"} when the database answers; 503 {"status": "unavailable", "failing": ["database"]}
    when it does not. The cache and the task workers do not take the site out of a load balancer's rotation:
    when they fail the answer is still 200 but says {"status": "degraded", "failing": [...], ...}."""
    if not _database_answers(DEFAULT_DB_ALIAS):
        response = JsonResponse({"status": "unavailable", "failing": ["database"]}, status=503)
        response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    else:
        body = {"status": "ok"}
        failing = []
        if not _cache_answers():
            failing.append("cache")
        worker = _worker_problem()
        if worker:
            failing.append("worker")
            body["worker"] = worker
        if failing:
            body.update(status="degraded", failing=failing)
        response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """First in MIDDLEWARE: /healthz is answered before the host check, the HTTPS redirect, sessions and
    authentication, so a probe on the loopback (any Host, plain HTTP) gets the real answer, never a redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
