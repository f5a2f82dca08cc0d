"""Webhooks (v2 only): `/api/v2/webhooks/…`, the workspace's endpoints that receive its events, signed.

What a webhook does is in `events.webhooks` (each change with its event) and `events.tasks` (the dispatcher);
this surface validates, answers with the serializers its schema declares, and never sends anything itself:
deliveries are the task worker's (docs/webhooks.md).
"""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from events import webhooks as service
from events.models import PUBLIC_TYPES, DeliveryAttempt, Webhook
from vehicles.api.auth import by, workspace_of
from vehicles.api.errors import ApiError
from vehicles.api.events import EVENT_ID_PATTERN
from vehicles.api.pagination import KeysetPagination, PageQuerySerializer
from vehicles.api.views import ApiView, _errors

TAGS = ["webhooks"]
WEBHOOK_ID = OpenApiParameter("webhook_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The webhook's id.")
DELIVERY_ORDER = ("-at", "-id")


class EventTypesField(serializers.ListField):
    """A list of event types; the unknown ones are named in one message."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=PUBLIC_TYPES), allow_empty=False, min_length=1, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list):
            unknown = [t for t in data if not isinstance(t, str) or t not in PUBLIC_TYPES]
            if unknown:
                raise serializers.ValidationError(
                    f"unknown event type {', '.join(map(repr, unknown))}: one of {', '.join(PUBLIC_TYPES)}"
                )
        return list(dict.fromkeys(super().to_internal_value(data)))


URL_HELP = (
    "Where the events are POSTed: an `https` URL whose host resolves to public addresses only (with DEBUG on, "
    "`http` to 127.0.0.1 too)."
)


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text=URL_HELP)
    events = EventTypesField(help_text="The event types to receive (at least one).")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "WebhookCreate"


class WebhookUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False, help_text=URL_HELP)
    events = EventTypesField(required=False)
    enabled = serializers.BooleanField(
        required=False, help_text="false switches it off; true switches it on again and clears its failures."
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        ref_name = "WebhookUpdate"


class WebhookSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=PUBLIC_TYPES))
    enabled = serializers.BooleanField()
    description = serializers.CharField(allow_blank=True)
    disabled_reason = serializers.CharField(
        allow_blank=True, help_text="Why it is switched off (e.g. after 20 events in a row failed); empty when on."
    )
    consecutive_failures = serializers.IntegerField(help_text="Events in a row that exhausted their retries.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Webhook"


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="`whsec_` and base64: the signing key. Shown only in this answer: store it now."
    )

    class Meta:
        ref_name = "WebhookCreated"


class WebhookListSerializer(serializers.Serializer):
    webhooks = WebhookSerializer(many=True)

    class Meta:
        ref_name = "WebhookList"


class ReplaySerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Every subscribed event created at or after this instant.")

    class Meta:
        ref_name = "Replay"


class QueuedSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="How many events were queued for this endpoint.")

    class Meta:
        ref_name = "Queued"


class DeliverySerializer(serializers.Serializer):
    event = serializers.RegexField(EVENT_ID_PATTERN, help_text="The event's id (the `webhook-id` header).")
    type = serializers.CharField(help_text="The event's type.")
    attempt = serializers.IntegerField(help_text="1 for the first attempt, then each retry.")
    at = serializers.DateTimeField()
    replay = serializers.BooleanField()
    status = serializers.IntegerField(allow_null=True, help_text="The HTTP status answered; null if none came.")
    error = serializers.CharField(allow_null=True, help_text="Why the attempt failed; null when it succeeded.")
    duration_ms = serializers.IntegerField()
    response_excerpt = serializers.CharField(allow_blank=True, help_text="The first 500 characters answered.")

    class Meta:
        ref_name = "Delivery"


class DeliveryListSerializer(serializers.Serializer):
    deliveries = DeliverySerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one.")

    class Meta:
        ref_name = "DeliveryList"


def webhook_data(webhook, secret=None):
    data = {
        "id": webhook.pk,
        "url": webhook.url,
        "events": webhook.events,
        "enabled": webhook.enabled,
        "description": webhook.description,
        "disabled_reason": webhook.disabled_reason,
        "consecutive_failures": webhook.consecutive_failures,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }
    if secret is not None:
        data["secret"] = secret
    return data


def _body(serializer_class, request):
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _refused(exc):
    return ApiError(400, "invalid_request", str(exc), details={exc.field: [str(exc)]})


def _switched_on(webhook, before):
    """Sending to a webhook that is switched off is a 409."""
    if not webhook.enabled:
        raise ApiError(409, "webhook_disabled", f"This webhook is switched off: switch it on before {before}")


def _actor(request):
    who = by(request)
    return {"actor": str(who.actor), "actor_name": who.name}


EXAMPLE = {
    "id": "1f0c5a52-5f5e-4d63-9b6c-0f0a3c6f6d11",
    "url": "https://erp.example.com/hooks/fleet",
    "events": ["vehicle.status_changed"],
    "enabled": True,
    "description": "ERP",
    "disabled_reason": "",
    "consecutive_failures": 0,
    "created_at": "2026-12-03T08:30:00Z",
    "updated_at": "2026-12-03T08:30:00Z",
}


@extend_schema(tags=TAGS)
class WebhookCollectionView(ApiView):
    versions = ("v2",)

    @extend_schema(
        operation_id="list_webhooks",
        summary="The workspace's webhooks",
        description="Every endpoint of the workspace, oldest first, with whether it is on and why it was switched "
        "off. The secrets are not shown (only when created).",
        responses={200: WebhookListSerializer, **_errors()},
    )
    def get(self, request):
        webhooks = Webhook.objects.filter(workspace=workspace_of(request)).order_by("created_at", "id")
        return Response(WebhookListSerializer({"webhooks": [webhook_data(w) for w in webhooks]}).data)

    @extend_schema(
        operation_id="create_webhook",
        summary="Add a webhook",
        description="The endpoint receives the subscribed events from now on, each POSTed as JSON and signed as "
        "Standard Webhooks says (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The answer carries the "
        "signing secret, shown only this once. Unknown event types and refused URLs are a 400 naming them.",
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, **_errors(400, 413, 415)},
        examples=[
            OpenApiExample(
                "Created", value={**EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, response_only=True
            )
        ],
    )
    def post(self, request):
        body = _body(WebhookCreateSerializer, request)
        try:
            webhook, secret = service.create(
                workspace_of(request).pk, body["url"], body["events"], body["description"], **_actor(request)
            )
        except service.InvalidWebhook as exc:
            raise _refused(exc) from None
        data = WebhookCreatedSerializer(webhook_data(webhook, secret)).data
        response = Response(data, status=http.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=TAGS, parameters=[WEBHOOK_ID])  # every operation of one webhook
class WebhookView(ApiView):
    versions = ("v2",)

    def webhook_or_404(self, webhook_id):
        try:
            pk = uuid.UUID(str(webhook_id))
        except ValueError:
            pk = None
        webhook = Webhook.objects.filter(workspace=workspace_of(self.request), pk=pk).first() if pk else None
        if webhook is None:
            raise ApiError(404, "webhook_not_found", f"No webhook {webhook_id} in this workspace")
        return webhook


class WebhookDetailView(WebhookView):
    @extend_schema(
        operation_id="get_webhook",
        summary="A webhook",
        description="Its URL, subscribed types, whether it is on and, if it was switched off, why. Not its secret.",
        responses={200: WebhookSerializer, **_errors(404)},
    )
    def get(self, request, webhook_id):
        return Response(WebhookSerializer(webhook_data(self.webhook_or_404(webhook_id))).data)

    @extend_schema(
        operation_id="update_webhook",
        summary="Change a webhook, switch it off or on",
        description="Any of `url`, `events`, `enabled`, `description`. Switching it on again (`enabled: true`) "
        "clears its failures and its `disabled_reason`; it receives the events from then on (send the others "
        "with a replay).",
        request=WebhookUpdateSerializer,
        responses={200: WebhookSerializer, **_errors(400, 404, 413, 415)},
    )
    def patch(self, request, webhook_id):
        webhook = self.webhook_or_404(webhook_id)
        body = _body(WebhookUpdateSerializer, request)
        try:
            webhook = service.update(webhook, **_actor(request), **body)
        except service.InvalidWebhook as exc:
            raise _refused(exc) from None
        return Response(WebhookSerializer(webhook_data(webhook)).data)

    @extend_schema(
        operation_id="delete_webhook",
        summary="Delete a webhook",
        description="Nothing more is sent to it; its delivery log goes with it.",
        responses={204: OpenApiResponse(description="Deleted."), **_errors(404)},
    )
    def delete(self, request, webhook_id):
        service.delete(self.webhook_or_404(webhook_id), **_actor(request))
        return Response(status=http.HTTP_204_NO_CONTENT)


class WebhookTestView(WebhookView):
    @extend_schema(
        operation_id="test_webhook",
        summary="Send a test event to a webhook",
        description="A `webhook.test` event, for this endpoint only, is queued now and sent by the worker within "
        "seconds; see it in the deliveries. A webhook that is switched off is a 409: switch it on first.",
        request=None,
        responses={202: QueuedSerializer, **_errors(404, 409, 413, 415)},
    )
    def post(self, request, webhook_id):
        webhook = self.webhook_or_404(webhook_id)
        _switched_on(webhook, "testing it")
        service.send_test(webhook, **_actor(request))
        return Response(QueuedSerializer({"queued": 1}).data, status=http.HTTP_202_ACCEPTED)


class WebhookReplayView(WebhookView):
    @extend_schema(
        operation_id="replay_webhook",
        summary="Send again the events since an instant",
        description="Every event of the workspace of the subscribed types created at or after `since` is queued "
        "again for this endpoint, with the same event ids (`webhook-id`): a receiver that dedupes on it takes each "
        "once. Answers how many were queued.",
        request=ReplaySerializer,
        responses={202: QueuedSerializer, **_errors(400, 404, 409, 413, 415)},
    )
    def post(self, request, webhook_id):
        webhook = self.webhook_or_404(webhook_id)
        since = _body(ReplaySerializer, request)["since"]
        _switched_on(webhook, "a replay")
        queued = service.replay(webhook, since)
        return Response(QueuedSerializer({"queued": queued}).data, status=http.HTTP_202_ACCEPTED)


class WebhookDeliveriesView(WebhookView):
    @extend_schema(
        operation_id="list_webhook_deliveries",
        summary="A webhook's delivery attempts, newest first",
        description="Each attempt: the event, its number (1, then the retries), when, the HTTP status or the "
        "error, how long it took and the start of the answer.",
        parameters=[PageQuerySerializer],
        responses={200: DeliveryListSerializer, **_errors(400, 404)},
    )
    def get(self, request, webhook_id):
        webhook = self.webhook_or_404(webhook_id)
        pages = KeysetPagination(ordering=DELIVERY_ORDER)
        attempts = DeliveryAttempt.objects.filter(webhook=webhook).select_related("message__event")
        page = pages.paginate_queryset(attempts, request)
        deliveries = [
            {
                "event": a.message.event.public_id,
                "type": a.message.event.type,
                "attempt": a.attempt,
                "at": a.at,
                "replay": a.message.replay,
                "status": a.status,
                "error": a.error or None,
                "duration_ms": a.duration_ms,
                "response_excerpt": a.response_excerpt,
            }
            for a in page
        ]
        return Response(DeliveryListSerializer({"deliveries": deliveries, "next": pages.next_link(request)}).data)
