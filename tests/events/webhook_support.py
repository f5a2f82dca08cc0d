"""Helpers of the webhook tests: a workspace change, the real worker, the receiver's requests."""

from django.core.management import call_command
from django.db import transaction

from events import log
from events.models import EventType


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def change(workspace, n=1, type=EventType.API_CLIENT_CREATED):
    """n events of `type` in one committed transaction."""
    with transaction.atomic():
        return [
            log.record(
                workspace.pk, type, {"client_id": f"c{i}", "name": f"Client {i}"}, actor="user", actor_name="mia"
            )
            for i in range(n)
        ]


def received(httpserver):
    return [request for request, _ in httpserver.log]
