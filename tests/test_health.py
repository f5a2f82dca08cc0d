"""GET /healthz: 200 {"status": "ok"} when the database answers, 503 naming the database when it does not, no
login, no redirect; a task queue nobody takes from is reported, without taking the site out of rotation."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fleet.workers.models import WorkerHeartbeat

from .outage import database_down


def task_due(ago):
    """A task row ready since `ago`, that no worker has taken."""
    return DBTaskResult.objects.create(
        status="READY",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="vehicles.tasks.nothing",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now() - ago,
    )


def test_it_answers_ok_without_login_when_the_database_answers(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_it_answers_any_host_over_plain_http_even_with_the_production_redirects(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["fleet.example"]
    response = Client(HTTP_HOST="10.0.0.7:8001").get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_answers_503_naming_the_database_when_the_database_does_not_answer(db, client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["database"]}
    assert response["Retry-After"] == "30"
    # and it is back as soon as the database is
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_task_due_for_minutes_that_no_worker_took_is_reported_as_degraded(db, client, settings):
    settings.HEALTH_WORKER_STALE_SECONDS = 300
    waiting = task_due(timedelta(minutes=7))
    response = client.get("/healthz")
    assert response.status_code == 200  # a load balancer keeps the web in rotation
    assert response.json() == {
        "status": "degraded",
        "failing": ["worker"],
        "worker": f"no task worker has been seen for {settings.WORKER_LOST_AFTER_SECONDS} s; a task has waited 7 min",
    }
    # A worker beating but busy (its heartbeat is fresh): the queue is still reported, without "no worker".
    WorkerHeartbeat.objects.create(
        worker_id="busy-1", host="here", pid=1, started_at=timezone.now(), last_seen_at=timezone.now()
    )
    assert client.get("/healthz").json()["worker"] == "a task has waited 7 min for a worker"

    waiting.status = "RUNNING"
    waiting.save()
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_task_due_recently_is_not_a_problem(db, client):
    task_due(timedelta(seconds=20))
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("method", ["post", "put"])
def test_other_methods_are_not_the_health_check(db, client, method):
    assert getattr(client, method)("/healthz").status_code in (404, 405)
