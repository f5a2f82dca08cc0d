"""Webhook deliveries against a real receiver (pytest-httpserver) by the real worker (`db_worker --batch`)."""

import json
import socket
import threading
import time

import pytest
from django.db import connection
from standardwebhooks.webhooks import Webhook as Verifier
from werkzeug import Response

from events import webhooks
from events.models import DeliveryAttempt, EventType, Webhook, WebhookMessage
from events.tasks import dispatch
from tests.events.webhook_support import change, received, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def subscribe(workspace, httpserver, types=(EventType.API_CLIENT_CREATED,), path="/hook"):
    return webhooks.create(workspace.pk, httpserver.url_for(path), list(types), "test receiver", "user", "mia")


def test_a_delivery_is_signed_and_verifies(workspace, httpserver, webhook_settings):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    webhook, secret = subscribe(workspace, httpserver)
    (event,) = change(workspace)
    assert received(httpserver) == []  # nothing is sent before the worker runs
    run_worker()
    (request,) = received(httpserver)
    body = request.get_data(as_text=True)
    payload = Verifier(secret).verify(body, dict(request.headers))
    event.refresh_from_db()
    assert payload == {
        "id": event.public_id,
        "type": "api_client.created",
        "created_at": payload["created_at"],
        "workspace": "acme",
        "data": {"client_id": "c0", "name": "Client 0"},
    }
    assert request.headers["webhook-id"] == event.public_id
    assert request.headers["Content-Type"] == "application/json"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.status, attempt.error, attempt.attempt, attempt.response_excerpt) == (200, "", 1, "ok")
    assert WebhookMessage.objects.get().state == "delivered"


def test_only_subscribed_types_of_its_own_workspace_are_sent_in_order(
    workspace, other_workspace, httpserver, webhook_settings
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(workspace, httpserver)
    change(workspace, 3)
    change(workspace, 1, EventType.API_CLIENT_REVOKED)
    change(other_workspace, 2)
    run_worker()
    ids = [r.headers["webhook-id"] for r in received(httpserver)]
    assert len(ids) == 3
    assert ids == sorted(ids, key=lambda i: int(i[4:]))
    assert {json.loads(r.get_data())["type"] for r in received(httpserver)} == {"api_client.created"}


def test_a_500_is_retried_with_the_same_webhook_id(workspace, httpserver, webhook_settings):
    httpserver.expect_ordered_request("/hook").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    webhook, secret = subscribe(workspace, httpserver)
    change(workspace)
    run_worker()
    first, second = received(httpserver)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    Verifier(secret).verify(second.get_data(as_text=True), dict(second.headers))
    attempts = list(DeliveryAttempt.objects.order_by("attempt").values_list("attempt", "status", "error"))
    assert attempts == [(1, 500, "HTTP 500"), (2, 200, "")]
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 0


def test_a_timeout_is_retried_and_then_the_message_fails(workspace, httpserver, webhook_settings):
    webhook_settings.WEBHOOK_TIMEOUT_SECONDS = 1

    def slow(request):
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/hook").respond_with_handler(slow)
    webhook, _ = subscribe(workspace, httpserver)
    change(workspace)
    run_worker()
    time.sleep(1.6)  # the receiver logs a request once its handler returns, after the sender gave up
    requests = received(httpserver)
    assert len(requests) == 3  # the first attempt and the schedule's two retries
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    errors = list(DeliveryAttempt.objects.order_by("attempt").values_list("error", flat=True))
    assert len(errors) == 3 and all("timed out" in e for e in errors)
    assert WebhookMessage.objects.get().state == "failed"
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 1 and webhook.enabled


def test_a_redirect_is_a_failure_and_is_not_followed(workspace, httpserver, webhook_settings):
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = []
    httpserver.expect_request("/hook").respond_with_data("", status=302, headers={"Location": "/elsewhere"})
    subscribe(workspace, httpserver)
    change(workspace)
    run_worker()
    assert [r.path for r in received(httpserver)] == ["/hook"]
    assert "redirect" in DeliveryAttempt.objects.get().error


def test_the_endpoint_is_switched_off_after_the_configured_failures(workspace, httpserver, webhook_settings):
    webhook_settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = [0]
    httpserver.expect_request("/hook").respond_with_data("no", status=503)
    webhook, _ = subscribe(workspace, httpserver, types=EventType.values[:8])
    change(workspace, 3)
    run_worker()
    # Each message's first attempt, then the retries: two messages failed, the third is left pending.
    assert len(received(httpserver)) == DeliveryAttempt.objects.count() == 5
    states = list(WebhookMessage.objects.order_by("seq").values_list("state", flat=True))
    assert states == ["failed", "failed", "pending"]
    webhook.refresh_from_db()
    assert not webhook.enabled
    assert webhook.disabled_reason.startswith("Switched off after 2 events in a row failed")
    updated = workspace.events.filter(type=EventType.WEBHOOK_UPDATED).get()
    assert updated.data["enabled"] is False and updated.actor == "system"
    assert "secret" not in json.dumps(updated.data)
    webhooks.update(webhook, "user", "mia", enabled=True)
    webhook.refresh_from_db()
    assert webhook.enabled and webhook.consecutive_failures == 0 and webhook.disabled_reason == ""


def test_a_test_event_goes_to_its_endpoint_only(workspace, httpserver, webhook_settings):
    httpserver.expect_request("/one").respond_with_data("ok")
    httpserver.expect_request("/two").respond_with_data("ok")
    one, secret = subscribe(workspace, httpserver, path="/one")
    subscribe(workspace, httpserver, path="/two")
    webhooks.send_test(one, "user", "mia")
    run_worker()
    (request,) = received(httpserver)
    assert request.path == "/one"
    payload = Verifier(secret).verify(request.get_data(as_text=True), dict(request.headers))
    assert payload["type"] == "webhook.test" and payload["data"]["id"] == str(one.pk)


def test_replay_sends_again_exactly_the_subscribed_events_since_then(workspace, httpserver, webhook_settings):
    httpserver.expect_request("/hook").respond_with_data("ok")
    webhook, _ = subscribe(workspace, httpserver)
    change(workspace, 2)
    time.sleep(0.01)
    (later,) = change(workspace, 1)
    change(workspace, 1, EventType.API_CLIENT_REVOKED)
    run_worker()
    first_run = [r.headers["webhook-id"] for r in received(httpserver)]
    assert len(first_run) == 3
    later.refresh_from_db()
    assert webhooks.replay(webhook, later.created_at) == 1
    run_worker()
    replayed = [r.headers["webhook-id"] for r in received(httpserver)][3:]
    assert replayed == [later.public_id]
    assert WebhookMessage.objects.filter(replay=True).get().state == "delivered"


def test_secrets_are_not_stored_in_plain_text(workspace, httpserver, webhook_settings):
    from django.db import connection

    webhook, secret = subscribe(workspace, httpserver)
    assert secret.startswith("whsec_")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Webhook._meta.db_table}")
        rows = cursor.fetchall()
    assert secret not in repr(rows) and secret[6:] not in repr(rows)
    assert Webhook.objects.get().secret == secret


def test_a_public_host_whose_dns_answer_turns_private_is_refused_at_send(
    workspace, httpserver, webhook_settings, monkeypatch
):
    webhook_settings.DEBUG = False
    webhook_settings.WEBHOOK_ALLOW_LOOPBACK = False
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = []
    httpserver.expect_request("/hook").respond_with_data("ok")
    answers = {"hooks.example.net": "93.184.216.34"}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    webhook, _ = webhooks.create(workspace.pk, "https://hooks.example.net/hook", ["api_client.created"])
    for address, word in (("10.0.0.5", "private"), ("127.0.0.1", "loopback"), ("::ffff:127.0.0.1", "loopback")):
        answers["hooks.example.net"] = address
        change(workspace)
        run_worker()
        attempt = DeliveryAttempt.objects.order_by("-id").first()
        assert attempt.status is None and word in attempt.error, attempt.error
        assert address.removeprefix("::ffff:") in attempt.error
    assert received(httpserver) == []  # nothing reached the (loopback) receiver
    with pytest.raises(webhooks.InvalidWebhook, match="loopback"):
        webhooks.update(webhook, url=httpserver.url_for("/hook").replace("http:", "https:"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL's row locks")
def test_two_workers_deliver_each_attempt_exactly_once(workspace, httpserver, webhook_settings):
    def slowish(request):
        time.sleep(0.02)
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(slowish)
    subscribe(workspace, httpserver)
    subscribe(workspace, httpserver)  # a second endpoint to the same receiver: each gets each event once
    change(workspace, 15)
    change(workspace, 15)
    errors = []

    def worker():
        try:
            for _ in range(3):
                dispatch()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    sent = [(r.headers["webhook-id"], r.headers["webhook-signature"]) for r in received(httpserver)]
    ids = [webhook_id for webhook_id, _ in sent]
    assert len(ids) == 60 and len(set(sent)) == 60  # 30 events × 2 endpoints, none twice
    assert DeliveryAttempt.objects.count() == 60
    assert set(WebhookMessage.objects.values_list("state", flat=True)) == {"delivered"}
    assert WebhookMessage.objects.count() == 60
