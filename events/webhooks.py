"""Webhooks of a workspace: what the API and the API page do with them, each change with its event.

webhook.created / webhook.updated / webhook.deleted are recorded in the same transaction as the change, with
`id`, `url`, `events`, `enabled` and `description` (never the secret).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from events import log, ssrf
from events.models import PUBLIC_TYPES, Event, EventSequence, EventType, Webhook, WebhookMessage
from events.secrets import encrypt, new_secret


class InvalidWebhook(ValueError):
    """A value a webhook may not have; the message names it."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def check_events(types):
    if not isinstance(types, list | tuple) or not types:
        raise InvalidWebhook("events", "events: give at least one event type")
    unknown = [t for t in types if t not in PUBLIC_TYPES]
    if unknown:
        raise InvalidWebhook(
            "events", f"events: unknown event type {', '.join(map(repr, unknown))}: one of {', '.join(PUBLIC_TYPES)}"
        )
    return list(dict.fromkeys(types))


def check_url(url):
    try:
        ssrf.check(url)
    except ssrf.UnsafeUrl as exc:
        raise InvalidWebhook("url", f"url: {exc}") from None
    return url


def as_data(webhook):
    return {
        "id": str(webhook.id),
        "url": webhook.url,
        "events": list(webhook.events),
        "enabled": webhook.enabled,
        "description": webhook.description,
    }


def _record(webhook, type, actor, actor_name):
    log.record(webhook.workspace_id, type, as_data(webhook), actor=actor, actor_name=actor_name)


def _log_end():
    """The seq of the last event sequenced: a new or re-enabled webhook starts after it."""
    log.sequence()
    return EventSequence.objects.filter(pk=log.SEQUENCE_ROW).values_list("last", flat=True).first() or 0


def create(workspace_id, url, events, description="", actor="", actor_name=""):
    """(webhook, plaintext secret): the secret is shown once, here."""
    events = check_events(events)
    check_url(url)
    secret = new_secret()
    with transaction.atomic():
        webhook = Webhook.objects.create(
            workspace_id=workspace_id,
            url=url,
            events=events,
            description=description or "",
            secret_encrypted=encrypt(secret),
            last_seq=_log_end(),
        )
        _record(webhook, EventType.WEBHOOK_CREATED, actor, actor_name)
    return webhook, secret


def update(webhook, actor="", actor_name="", **changes):
    """Change url, events, enabled and/or description. Switching on again clears the failures and starts after
    the current end of the log (what happened while off can be sent with a replay)."""
    if "events" in changes:
        changes["events"] = check_events(changes["events"])
    if "url" in changes and changes["url"] != webhook.url:
        check_url(changes["url"])
    with transaction.atomic():
        locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
        switched_on = changes.get("enabled") is True and not locked.enabled
        for name, value in changes.items():
            setattr(locked, name, value)
        if switched_on:
            locked.consecutive_failures = 0
            locked.disabled_reason = ""
            locked.last_seq = _log_end()
        if changes.get("enabled") is False and not locked.disabled_reason:
            locked.disabled_reason = f"Switched off by {actor_name or actor or 'a manager'}"
        locked.save()
        _record(locked, EventType.WEBHOOK_UPDATED, actor, actor_name)
    return locked


def switch_off(webhook_id, reason):
    """The dispatcher's: switched off after too many failures, with its webhook.updated event."""
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().filter(pk=webhook_id, enabled=True).first()
        if webhook is None:
            return None
        webhook.enabled = False
        webhook.disabled_reason = reason
        webhook.save(update_fields=["enabled", "disabled_reason", "updated_at"])
        _record(webhook, EventType.WEBHOOK_UPDATED, "system", "webhooks")
    return webhook


def delete(webhook, actor="", actor_name=""):
    with transaction.atomic():
        _record(webhook, EventType.WEBHOOK_DELETED, actor, actor_name)
        webhook.delete()


def send_test(webhook, actor="", actor_name=""):
    """A webhook.test event for this endpoint only: the fan-out gives it to the webhook whose id it carries."""
    data = {**as_data(webhook), "message": "A test event: your endpoint receives and verifies webhooks."}
    return log.record(webhook.workspace_id, EventType.WEBHOOK_TEST, data, actor=actor, actor_name=actor_name)


def replay(webhook, since):
    """Queue again every subscribed event of the workspace created at or after `since`, with the same event ids
    (replay messages); returns how many."""
    log.sequence()
    now = timezone.now()
    events = Event.objects.filter(
        workspace_id=webhook.workspace_id, seq__isnull=False, type__in=webhook.events, created_at__gte=since
    ).order_by("seq")
    count = 0
    with transaction.atomic():
        batch = []
        for event_id, seq in events.values_list("id", "seq").iterator(chunk_size=2000):
            batch.append(WebhookMessage(webhook=webhook, event_id=event_id, seq=seq, next_attempt_at=now, replay=True))
            if len(batch) >= 1000:
                WebhookMessage.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        WebhookMessage.objects.bulk_create(batch)
        count += len(batch)
        if count:
            transaction.on_commit(_wake)
    return count


def _wake():
    from events.tasks import wake

    wake()


def default_since():
    return timezone.now() - dt.timedelta(days=1)
