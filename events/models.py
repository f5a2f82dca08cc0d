"""The change log: one event per change in a workspace, written in the same transaction as the change.

An event's public id is `evt_<seq>`. `seq` is given after commit by the sequencer (`events.log.sequence`), in the
order events become visible, so that a reader positioned after `evt_41` can never miss an `evt_40` committed
later: on PostgreSQL a transaction that took its row id earlier may commit after one that took a later id.
"""

import uuid

from django.db import models
from django.db.models import Q


class EventType(models.TextChoices):
    VEHICLE_STATUS_CHANGED = "vehicle.status_changed", "Vehicle status changed"
    VEHICLE_UPDATED = "vehicle.updated", "Vehicle details edited"
    IMPORT_FINISHED = "import.finished", "Import finished"
    REPORT_FINISHED = "report.finished", "Report finished"
    MAKE_ACTIVATION_REQUESTED = "make_activation.requested", "Make activation requested"
    MAKE_ACTIVATION_COMPLETED = "make_activation.completed", "Make activation completed"
    API_CLIENT_CREATED = "api_client.created", "API client created"
    API_CLIENT_REVOKED = "api_client.revoked", "API client revoked"
    WEBHOOK_CREATED = "webhook.created", "Webhook created"
    WEBHOOK_UPDATED = "webhook.updated", "Webhook updated"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook deleted"
    WEBHOOK_TEST = "webhook.test", "Webhook test"  # sent to one endpoint only; not in the feed


# The types a client can read in the feed and subscribe a webhook to.
PUBLIC_TYPES = [t for t in EventType.values if t != EventType.WEBHOOK_TEST]

# How many VIN changes one vehicle.status_changed event carries at most (SPEC.md).
CHANGES_PER_EVENT = 100

# A vehicle.status_changed event stores its changes compactly, one list per VIN in this order, with what all of
# them share (the cause `event`, `actor`, `actor_name`) once: a 100,000-row import writes 8 MB of change log
# instead of 25 (docs/benchmarks.md, events). `public_data()` gives SPEC.md's shape.
CHANGE_COLUMNS = ("vin", "from_status", "to_status", "v1_status", "reason", "at")


class Event(models.Model):
    workspace = models.ForeignKey(
        "fleet.Workspace", on_delete=models.CASCADE, related_name="events", db_index=False
    )  # indexed by (workspace, seq) below
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    actor = models.CharField(max_length=10, blank=True)  # user, operator, provider, system, api
    actor_name = models.CharField(max_length=150, blank=True)
    # The event's `data` (for vehicle.status_changed, `changes`: up to CHANGES_PER_EVENT VIN changes).
    data = models.JSONField(default=dict)
    # How many VIN changes a vehicle.status_changed event carries (the activity log's "12,000 vehicles …").
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["workspace", "seq"], name="event_ws_seq"),
            models.Index(fields=["workspace", "type", "seq"], name="event_ws_type_seq"),
            models.Index(fields=["workspace", "actor", "seq"], name="event_ws_actor_seq"),  # the activity's filter
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="event_unsequenced"),
            models.Index(fields=["created_at"], name="event_created"),  # the retention's prune
        ]

    def __str__(self):
        return f"{self.public_id} {self.type}"

    def public_data(self):
        """`data` as SPEC.md writes it: for vehicle.status_changed, `changes` as objects."""
        if self.type != EventType.VEHICLE_STATUS_CHANGED:
            return self.data
        cause, actor, name = self.data.get("event", ""), self.actor, self.actor_name
        return {
            "changes": [
                {
                    "vin": vin,
                    "from_status": before,
                    "to_status": after,
                    "v1_status": v1,
                    "event": cause,
                    "actor": actor,
                    "actor_name": name,
                    "reason": reason,
                    "at": at,
                }
                for vin, before, after, v1, reason, at in self.data.get("changes", [])
            ]
        }

    @property
    def public_id(self):
        return f"evt_{self.seq}" if self.seq is not None else f"evt_pending_{self.pk}"


class EventSequence(models.Model):
    """One row: the last `seq` given. Its row lock orders the sequencer's runs."""

    last = models.BigIntegerField(default=0)


class Webhook(models.Model):
    """An endpoint of a workspace that receives its events (docs/webhooks.md).

    `last_seq` is the fan-out's cursor: the events with a larger `seq` are not yet turned into messages for it.
    `leased_until` is the dispatcher's lease on the endpoint: one worker at a time sends its messages.
    The secret is stored encrypted (events/secrets.py); only `Webhook.issue` sees it in plain text.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("fleet.Workspace", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)  # subscribed types, from PUBLIC_TYPES
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(blank=True)
    secret_encrypted = models.TextField(editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_seq = models.BigIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["enabled", "workspace"], name="webhook_enabled_ws")]

    def __str__(self):
        return self.url

    @property
    def secret(self):
        from events.secrets import decrypt

        return decrypt(self.secret_encrypted)


class WebhookMessage(models.Model):
    """The outbox: one event to send to one webhook, with its retries."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="messages")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_messages")
    seq = models.BigIntegerField()  # the event's, for the order of sending
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    replay = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # the dispatcher: an endpoint's due messages in order
            models.Index(fields=["webhook", "seq", "id"], condition=Q(state="pending"), name="whmsg_pending_order"),
            # when the next retry is due (the dispatcher's own re-enqueue)
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="whmsg_pending_due"),
        ]


class DeliveryAttempt(models.Model):
    """One POST of a message to its endpoint, and what came back."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="delivery_attempts")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="delivery_attempts")
    attempt = models.PositiveIntegerField()
    at = models.DateTimeField()
    status = models.PositiveIntegerField(null=True, blank=True)  # HTTP status; null when none came back
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["webhook", "-at", "-id"], name="whattempt_wh_at")]

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300 and not self.error
