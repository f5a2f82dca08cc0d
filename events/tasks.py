"""The webhook dispatcher (django-tasks; run by `manage.py db_worker`, never inside a web request).

One run:
1. `sequence()`, then the fan-out: for each enabled webhook, the events after its `last_seq` of the types it
   subscribes to (and the webhook.test events meant for it) become messages, and `last_seq` advances — one
   transaction per webhook, under its row lock, so two runs never make the same message twice.
2. For each webhook with due messages: take its lease (`UPDATE … SET leased_until = now + 60 s WHERE id = … AND
   (leased_until IS NULL OR leased_until < now)`; one row updated = this run owns it, so two workers never send
   the same attempt), send the due messages in event order (seq), record a DeliveryAttempt for each, schedule
   the retries (WEBHOOK_RETRY_SCHEDULE), and release the lease.
3. If messages remain due later, enqueue itself with `run_after` at the earliest, so retries happen without a
   new change.

A failed first attempt is retried later while the next events go on: a retry may arrive after later events.
Receivers dedupe on `webhook-id` and order by it (docs/webhooks.md).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from events import delivery, log
from events import webhooks as service
from events.models import DeliveryAttempt, Event, EventSequence, EventType, Webhook, WebhookMessage

logger = logging.getLogger("events.webhooks")

LEASE_SECONDS = 60
BATCH = 50  # messages read at a time
PER_RUN = 500  # messages sent per webhook per run; then the run enqueues itself again
# The lease is renewed (and the endpoint re-read: switched off, URL changed) before every CHECK_EVERY-th send, and
# whenever less than half of it is left; renewing before every send cost a query per delivery.
CHECK_EVERY = 10


@task()
def deliver_webhooks():
    dispatch()


def dispatch():
    log.sequence()
    fan_out()
    due = WebhookMessage.objects.filter(state=WebhookMessage.State.PENDING, next_attempt_at__lte=timezone.now())
    for webhook_id in Webhook.objects.filter(enabled=True, pk__in=due.values("webhook_id")).values_list(
        "id", flat=True
    ):
        held = Lease.take(webhook_id)
        if held is None:
            continue  # another worker is sending this endpoint's messages
        try:
            send_due(webhook_id, held)
        finally:
            held.release()
    schedule_next()


# --- Fan-out ---


def fan_out():
    top = EventSequence.objects.filter(pk=log.SEQUENCE_ROW).values_list("last", flat=True).first() or 0
    for webhook_id in Webhook.objects.filter(enabled=True, last_seq__lt=top).values_list("id", flat=True):
        with transaction.atomic():
            webhook = Webhook.objects.select_for_update().filter(pk=webhook_id, enabled=True).first()
            if webhook is None or webhook.last_seq >= top:
                continue
            meant = Q(type__in=webhook.events) | Q(type=EventType.WEBHOOK_TEST, data__id=str(webhook.pk))
            events = Event.objects.filter(
                meant, workspace_id=webhook.workspace_id, seq__gt=webhook.last_seq, seq__lte=top
            ).order_by("seq")
            now = timezone.now()
            WebhookMessage.objects.bulk_create(
                [
                    WebhookMessage(webhook=webhook, event_id=event_id, seq=seq, next_attempt_at=now)
                    for event_id, seq in events.values_list("id", "seq")
                ],
                batch_size=500,
            )
            Webhook.objects.filter(pk=webhook.pk).update(last_seq=top)


# --- Sending ---


class Lease:
    """One run's hold on one endpoint: `UPDATE … SET leased_until = now + 60 s WHERE id = … AND (leased_until IS
    NULL OR leased_until < now)`; one row updated = this run owns it. Renewed before each send and released at the
    end, both only while `leased_until` is still the value this run wrote (so a run whose lease expired and was
    taken by another never renews or releases the other's)."""

    def __init__(self, webhook_id, until):
        self.webhook_id = webhook_id
        self.until = until

    @classmethod
    def take(cls, webhook_id):
        now = timezone.now()
        until = now + dt.timedelta(seconds=LEASE_SECONDS)
        taken = (
            Webhook.objects.filter(pk=webhook_id, enabled=True)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .update(leased_until=until)
        )
        return cls(webhook_id, until) if taken == 1 else None

    def renew(self):
        """False when the endpoint was switched off or deleted, or the lease lost."""
        until = timezone.now() + dt.timedelta(seconds=LEASE_SECONDS)
        renewed = Webhook.objects.filter(pk=self.webhook_id, enabled=True, leased_until=self.until).update(
            leased_until=until
        )
        if renewed == 1:
            self.until = until
        return renewed == 1

    def expiring(self):
        return self.until - timezone.now() < dt.timedelta(seconds=LEASE_SECONDS / 2)

    def release(self):
        Webhook.objects.filter(pk=self.webhook_id, leased_until=self.until).update(leased_until=None)


def send_due(webhook_id, held):
    webhook = Webhook.objects.select_related("workspace").get(pk=webhook_id)
    secret = webhook.secret
    sent = 0
    while sent < PER_RUN:
        due = list(
            WebhookMessage.objects.filter(
                webhook_id=webhook_id, state=WebhookMessage.State.PENDING, next_attempt_at__lte=timezone.now()
            )
            .select_related("event")
            .order_by("seq", "id")[:BATCH]
        )
        if not due:
            return
        for message in due:
            if sent % CHECK_EVERY == 0 or held.expiring():
                if not held.renew():
                    return  # switched off or deleted meanwhile
                webhook.refresh_from_db(fields=["url", "consecutive_failures"])
            if not send_one(webhook, secret, message):
                return  # switched off after this failure
            sent += 1


def send_one(webhook, secret, message):
    """Send one message, record the attempt; False when the webhook was switched off."""
    body = delivery.body_of(message.event, webhook.workspace.slug)
    at = timezone.now()
    outcome = delivery.post(webhook.url, secret, message.event.public_id, body)
    attempt = message.attempts + 1
    schedule = list(settings.WEBHOOK_RETRY_SCHEDULE)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            webhook=webhook,
            attempt=attempt,
            at=at,
            status=outcome.status,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt,
        )
        message.attempts = attempt
        if outcome.ok:
            message.state = WebhookMessage.State.DELIVERED
            message.save(update_fields=["attempts", "state"])
            if webhook.consecutive_failures:  # a query only when there is a run of failures to end
                Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
                webhook.consecutive_failures = 0
            return True
        if attempt <= len(schedule):
            message.next_attempt_at = timezone.now() + dt.timedelta(seconds=schedule[attempt - 1])
            message.save(update_fields=["attempts", "next_attempt_at"])
            return True
        message.state = WebhookMessage.State.FAILED
        message.save(update_fields=["attempts", "state"])
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        failures = Webhook.objects.filter(pk=webhook.pk).values_list("consecutive_failures", flat=True).first()
        webhook.consecutive_failures = failures or 0
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if failures is not None and failures >= limit:
        reason = f"Switched off after {failures} events in a row failed (last: {outcome.error})"
        service.switch_off(webhook.pk, reason)
        logger.warning("Webhook %s switched off: %s", webhook.pk, reason)
        return False
    return True


# --- Enqueuing ---


def _path():
    return deliver_webhooks.module_path


def wake():
    """Enqueue a run now unless one is already waiting to start."""
    if not DBTaskResult.objects.ready().filter(task_path=_path()).exists():
        deliver_webhooks.enqueue()


def schedule_next():
    """Enqueue a run for the earliest message still to send (a retry to come, or one left for later)."""
    earliest = WebhookMessage.objects.filter(state=WebhookMessage.State.PENDING, webhook__enabled=True).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if earliest is None:
        return
    # Not sooner than in a second: what is due now but was not sent is leased by another run, which ends
    # with its own schedule_next.
    run_after = max(earliest, timezone.now() + dt.timedelta(seconds=1))
    waiting = DBTaskResult.objects.filter(task_path=_path(), status=TaskResultStatus.READY)
    if not waiting.filter(Q(run_after=get_date_max()) | Q(run_after__lte=run_after)).exists():
        deliver_webhooks.using(run_after=run_after).enqueue()


def on_events_committed(sender, **kwargs):
    """Receiver of `events_committed`: a run of the dispatcher, if any webhook is on."""
    if Webhook.objects.filter(enabled=True).exists():
        wake()
