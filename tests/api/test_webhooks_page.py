"""The Webhooks section of the workspace's API access page: managers act, viewers look, outsiders get 404."""

import pytest
from django.urls import reverse

from events import webhooks
from events.models import DeliveryAttempt, EventType, Webhook, WebhookMessage

pytestmark = pytest.mark.usefixtures("webhook_settings")


def page_url(slug="acme"):
    return reverse("api_access:page", args=[slug])


def url(name, webhook, slug="acme"):
    return reverse(f"api_access:webhook-{name}", args=[slug, webhook.pk])


ADD = {
    "webhook-url": "http://127.0.0.1:9/hook",
    "webhook-events": ["vehicle.status_changed"],
    "webhook-description": "ERP",
}


def test_a_manager_adds_a_webhook_and_sees_the_secret_once(client, manager, workspace):
    client.force_login(manager)
    response = client.post(reverse("api_access:webhook-add", args=["acme"]), ADD)
    assert response.status_code == 302 and response["Location"].startswith(page_url())
    webhook = Webhook.objects.get(workspace=workspace)
    assert (webhook.url, webhook.events, webhook.description) == (ADD["webhook-url"], ["vehicle.status_changed"], "ERP")
    shown = client.get(page_url())
    assert shown["Cache-Control"] == "no-store"
    assert webhook.secret.encode() in shown.content
    again = client.get(page_url())
    assert webhook.secret.encode() not in again.content and b"http://127.0.0.1:9/hook" in again.content
    event = workspace.events.get(type=EventType.WEBHOOK_CREATED)
    assert (event.actor, event.actor_name) == ("user", "mia")


def test_a_refused_url_is_named_on_the_form(client, manager, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    client.force_login(manager)
    response = client.post(reverse("api_access:webhook-add", args=["acme"]), ADD)
    assert response.status_code == 400
    assert b"http://127.0.0.1:9/hook is refused" in response.content
    assert not Webhook.objects.exists()


def test_edit_switch_test_replay_and_delete(client, manager, workspace):
    client.force_login(manager)
    webhook, _ = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["webhook.updated"])
    edit = client.post(url("edit", webhook), {**ADD, "webhook-events": ["webhook.updated", "import.finished"]})
    assert edit.status_code == 302
    webhook.refresh_from_db()
    assert webhook.events == ["webhook.updated", "import.finished"] and webhook.description == "ERP"
    assert client.post(url("switch", webhook), {"enabled": "off"}).status_code == 302
    webhook.refresh_from_db()
    assert not webhook.enabled
    page = client.get(page_url()).content.decode()
    assert "Switched off" in page and webhook.disabled_reason in page
    client.post(url("switch", webhook), {"enabled": "on"})
    webhook.refresh_from_db()
    assert webhook.enabled and webhook.disabled_reason == ""
    client.post(url("test", webhook))
    assert workspace.events.filter(type=EventType.WEBHOOK_TEST, data__id=str(webhook.pk)).exists()
    client.post(url("replay", webhook), {"since": "2000-01-01T00:00"})
    assert WebhookMessage.objects.filter(webhook=webhook, replay=True).count() >= 2  # its own webhook.updated
    confirm = client.get(url("delete", webhook))
    assert confirm.status_code == 200 and b"Delete this webhook?" in confirm.content
    assert Webhook.objects.exists()
    assert client.post(url("delete", webhook)).status_code == 302
    assert not Webhook.objects.exists()


def test_the_delivery_log_shows_the_last_attempts(client, manager, workspace):
    from django.utils import timezone

    webhook, _ = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["webhook.created"])
    event = workspace.events.get(type=EventType.WEBHOOK_CREATED)
    message = WebhookMessage.objects.create(webhook=webhook, event=event, seq=1, next_attempt_at=timezone.now())
    for n in range(25):
        DeliveryAttempt.objects.create(
            message=message, webhook=webhook, attempt=n + 1, at=timezone.now(), status=500, error="HTTP 500"
        )
    client.force_login(manager)
    response = client.get(page_url())
    assert len(response.context["webhooks"][0].log) == 20
    assert b"HTTP 500" in response.content


def test_a_viewer_sees_no_form_and_gets_403_on_post(client, viewer, workspace):
    webhook, _ = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["webhook.created"])
    client.force_login(viewer)
    page = client.get(page_url())
    assert page.status_code == 200 and b"http://127.0.0.1:9/hook" in page.content
    assert b"Add webhook" not in page.content and b"Switch off" not in page.content
    assert client.post(reverse("api_access:webhook-add", args=["acme"]), ADD).status_code == 403
    for name in ("edit", "switch", "delete", "test", "replay"):
        assert client.post(url(name, webhook), {"since": "2000-01-01T00:00"}).status_code == 403, name
    assert Webhook.objects.get().enabled and Webhook.objects.count() == 1


def test_an_outsider_gets_404(client, outsider, workspace):
    webhook, _ = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["webhook.created"])
    client.force_login(outsider)
    assert client.get(page_url()).status_code == 404
    assert client.post(reverse("api_access:webhook-add", args=["acme"]), ADD).status_code == 404
    for name in ("edit", "switch", "delete", "test", "replay"):
        assert client.post(url(name, webhook)).status_code == 404, name
    # and a manager of another workspace cannot reach this one's webhook through their own slug
    assert client.post(url("delete", webhook, slug="rival")).status_code == 404
    assert Webhook.objects.count() == 1
