"""`/api/v2/webhooks/…`: the contract's fields, the workspace's own webhooks only, events of each change, and no
delivery inside a request."""

import datetime as dt
import socket

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Verifier

from events.models import EventType, Webhook
from fleet.models import ApiClient
from tests.events.webhook_support import received, run_worker

from .schema_check import assert_matches_schema

BASE = "/api/v2/webhooks/"


def create(api, url, events=("vehicle.status_changed",), **extra):
    response = api.post(BASE, {"url": url, "events": list(events), **extra}, format="json")
    assert_matches_schema(response, "POST", BASE)
    return response


def test_create_answers_the_secret_once_and_records_the_event(api, workspace, webhook_settings):
    response = create(api, "http://127.0.0.1:9/hook", description="ERP")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "url", "events", "enabled", "description", "secret"}
    assert body["enabled"] is True and body["secret"].startswith("whsec_") and body["description"] == "ERP"
    assert response["Cache-Control"] == "no-store"
    listed = api.get(BASE)
    assert_matches_schema(listed, "GET", BASE)
    (item,) = listed.json()["webhooks"]
    assert "secret" not in item and item["id"] == body["id"]
    assert item["consecutive_failures"] == 0 and item["disabled_reason"] == ""
    event = workspace.events.get(type=EventType.WEBHOOK_CREATED)
    assert event.data == {
        "id": body["id"],
        "url": "http://127.0.0.1:9/hook",
        "events": ["vehicle.status_changed"],
        "enabled": True,
        "description": "ERP",
    }
    assert (event.actor, event.actor_name) == ("api", "ERP")


def test_unknown_event_types_are_named(api, webhook_settings):
    response = create(api, "http://127.0.0.1:9/hook", events=["vehicle.status_changed", "vehicle.exploded", "x"])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "'vehicle.exploded'" in response.json()["message"] and "'x'" in response.json()["message"]
    assert not Webhook.objects.exists()


def test_get_patch_delete_and_their_events(api, workspace, webhook_settings):
    webhook_id = create(api, "http://127.0.0.1:9/hook").json()["id"]
    path = f"{BASE}{webhook_id}/"
    got = api.get(path)
    assert_matches_schema(got, "GET", f"{BASE}{{webhook_id}}/")
    assert got.status_code == 200 and got.json()["url"] == "http://127.0.0.1:9/hook"
    patched = api.patch(path, {"description": "new", "events": ["import.finished"], "enabled": False}, format="json")
    assert patched.status_code == 200, patched.json()
    assert_matches_schema(patched, "PATCH", f"{BASE}{{webhook_id}}/")
    assert patched.json()["enabled"] is False and patched.json()["events"] == ["import.finished"]
    assert patched.json()["disabled_reason"]
    assert api.post(f"{path}test").status_code == 409
    on = api.patch(path, {"enabled": True}, format="json").json()
    assert on["enabled"] is True and on["disabled_reason"] == "" and on["consecutive_failures"] == 0
    assert api.delete(path).status_code == 204
    assert api.get(path).json()["code"] == "webhook_not_found"
    types = list(workspace.events.filter(type__startswith="webhook.").order_by("id").values_list("type", flat=True))
    assert types == ["webhook.created", "webhook.updated", "webhook.updated", "webhook.deleted"]
    assert all("secret" not in str(e.data) for e in workspace.events.all())


def test_another_workspace_gets_404_for_webhooks_and_deliveries(api, rival_api, webhook_settings):
    webhook_id = create(api, "http://127.0.0.1:9/hook").json()["id"]
    for method, suffix in (
        ("get", "/"),
        ("patch", "/"),
        ("delete", "/"),
        ("post", "/test"),
        ("post", "/replay"),
        ("get", "/deliveries"),
    ):
        body = {"since": "2000-01-01T00:00:00Z"} if suffix == "/replay" else {}
        response = getattr(rival_api, method)(f"{BASE}{webhook_id}{suffix}", body, format="json")
        assert response.status_code == 404, (method, suffix)
        assert response.json()["code"] == "webhook_not_found"
    assert rival_api.get(BASE).json() == {"webhooks": []}
    assert api.get(f"{BASE}not-a-uuid/").status_code == 404
    assert Webhook.objects.get().enabled


def test_refused_urls_with_debug_off(api, settings, monkeypatch):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    for url, problem in (
        ("http://hooks.example.com/x", "https://"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://10.1.2.3/x", "private"),
        ("https://[::ffff:192.168.0.1]/x", "private"),
        ("https://169.254.169.254/latest", "link-local"),
    ):
        response = create(api, url)
        assert response.status_code == 400, url
        assert url in response.json()["message"] and problem in response.json()["message"], response.json()
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
            if host == "internal.example.com"
            else real(host, *a, **k)
        ),
    )
    response = create(api, "https://internal.example.com/hook")
    assert response.status_code == 400 and "10.0.0.7" in response.json()["message"]
    assert not Webhook.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_no_delivery_inside_a_request_then_the_worker_sends_it(
    api, workspace, make_vehicle, httpserver, webhook_settings
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    answer = create(api, httpserver.url_for("/hook")).json()
    vehicle = make_vehicle("enabled")
    run_worker()  # the chain's work and the deliveries of the vehicle's own history so far
    before = len(received(httpserver))
    response = api.post("/api/v2/vehicle-management/vehicles/disable", {"vins": [vehicle.vin]}, format="json")
    assert response.status_code == 200 and response.json()["results"][0]["ok"]
    assert len(received(httpserver)) == before  # the request returned; nothing was POSTed
    run_worker()
    requests = received(httpserver)[before:]
    assert len(requests) == 1
    payload = Verifier(answer["secret"]).verify(requests[0].get_data(as_text=True), dict(requests[0].headers))
    assert payload["data"]["changes"][0]["vin"] == vehicle.vin
    assert payload["data"]["changes"][0]["to_status"] == "disabled"

    deliveries = api.get(f"{BASE}{answer['id']}/deliveries", {"limit": 1})
    assert_matches_schema(deliveries, "GET", f"{BASE}{{webhook_id}}/deliveries")
    body = deliveries.json()
    (latest,) = body["deliveries"]
    assert latest["event"] == payload["id"] and latest["status"] == 200 and latest["error"] is None
    assert latest["attempt"] == 1 and latest["response_excerpt"] == "ok"
    if before:
        assert body["next"]
        second = api.get(body["next"]).json()["deliveries"]
        assert second[0]["at"] <= latest["at"]


@pytest.mark.django_db(transaction=True)
def test_test_and_replay_through_the_api(api, workspace, httpserver, webhook_settings):
    httpserver.expect_request("/hook").respond_with_data("ok")
    answer = create(api, httpserver.url_for("/hook"), events=["webhook.created", "webhook.updated"]).json()
    path = f"{BASE}{answer['id']}/"
    test = api.post(f"{path}test")
    assert_matches_schema(test, "POST", f"{BASE}{{webhook_id}}/test")
    assert test.status_code == 202 and test.json() == {"queued": 1}
    assert received(httpserver) == []
    run_worker()
    types = sorted(r.get_json()["type"] for r in received(httpserver))
    assert types == ["webhook.created", "webhook.test"]
    ids = {r.get_json()["type"]: r.headers["webhook-id"] for r in received(httpserver)}

    since = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    replay = api.post(f"{path}replay", {"since": since}, format="json")
    assert_matches_schema(replay, "POST", f"{BASE}{{webhook_id}}/replay")
    assert replay.status_code == 202 and replay.json() == {"queued": 1}  # webhook.created (test is not replayed)
    run_worker()
    (again,) = received(httpserver)[2:]
    assert again.headers["webhook-id"] == ids["webhook.created"]
    assert api.post(f"{path}replay", {"since": "yesterday"}, format="json").status_code == 400
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert api.post(f"{path}replay", {"since": future}, format="json").json() == {"queued": 0}


@pytest.mark.django_db(transaction=True)
def test_a_failing_endpoint_is_switched_off_the_api_shows_it_and_patch_switches_it_on(
    api, workspace, httpserver, webhook_settings
):
    webhook_settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = [0]
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    answer = create(api, httpserver.url_for("/hook"), events=["api_client.created"]).json()
    path = f"{BASE}{answer['id']}/"
    for name in ("A", "B", "C"):  # three changes: new credentials, one api_client.created event each
        ApiClient.issue(workspace, name)
    run_worker()
    shown = api.get(path).json()
    assert shown["enabled"] is False and shown["consecutive_failures"] == 2
    assert shown["disabled_reason"].startswith("Switched off after 2 events in a row failed")
    deliveries = api.get(f"{path}deliveries").json()["deliveries"]
    assert {d["status"] for d in deliveries} == {500} and {d["error"] for d in deliveries} == {"HTTP 500"}
    on = api.patch(path, {"enabled": True}, format="json").json()
    assert on["enabled"] is True and on["consecutive_failures"] == 0 and on["disabled_reason"] == ""
