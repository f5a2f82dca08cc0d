"""The events feed (v2 only): `GET /api/v2/events/`, the workspace's change log oldest first after a cursor.

The events themselves are written by the status machine and the services (events/log.py); this surface reads
them through `events.feed` and describes them for the schema.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from events import feed
from events.models import PUBLIC_TYPES
from vehicles.api.auth import workspace_of
from vehicles.api.errors import ApiError
from vehicles.api.serializers import VinField
from vehicles.api.views import ApiView, _errors
from vehicles.choices import DELETED, V1_STATUS, Actor, Event, Status

EVENT_ID_PATTERN = r"^evt_[0-9]{1,18}$"


class ChangeSerializer(serializers.Serializer):
    vin = VinField()
    from_status = serializers.ChoiceField(
        choices=[*Status.values, DELETED], allow_null=True, help_text="null for a VIN new to the workspace."
    )
    to_status = serializers.ChoiceField(choices=[*Status.values, DELETED], help_text="`deleted` for a deletion.")
    v1_status = serializers.ChoiceField(choices=sorted(set(V1_STATUS.values())), help_text="The same, in v1's words.")
    event = serializers.ChoiceField(choices=Event.values, help_text="What caused it.")
    actor = serializers.ChoiceField(
        choices=Actor.values,
        help_text="Who: `user` (a manager), `api` (an API client), `operator`, `provider` (the carmaker) or `system`.",
    )
    actor_name = serializers.CharField(help_text="The user's, client's or provider's name.")
    reason = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class EventDataSerializer(serializers.Serializer):
    """The fields each type carries (the others are absent): vehicle.status_changed `changes`; import.finished
    `import`, `state`, `source`, `filename`, `outcomes`, `statuses`, `error`; report.finished `report`, `state`,
    `vins`, `error`; make_activation.* `make`, `note`, `vehicles`; api_client.* `client_id`, `name`; webhook.*
    `id`, `url`, `events`, `enabled`, `description`."""

    changes = ChangeSerializer(many=True, required=False, help_text="At most 100 VIN changes.")
    vin = VinField(required=False)
    changed = serializers.ListField(child=serializers.CharField(), required=False)
    id = serializers.CharField(required=False)
    url = serializers.CharField(required=False)
    events = serializers.ListField(child=serializers.CharField(), required=False)
    enabled = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    make = serializers.CharField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    vehicles = serializers.IntegerField(required=False)
    client_id = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    report = serializers.UUIDField(required=False)
    vins = serializers.IntegerField(required=False)
    state = serializers.CharField(required=False)
    source = serializers.CharField(required=False)
    filename = serializers.CharField(required=False, allow_blank=True)
    outcomes = serializers.DictField(child=serializers.IntegerField(), required=False)
    statuses = serializers.DictField(child=serializers.IntegerField(), required=False)
    error = serializers.CharField(required=False)

    class Meta:
        ref_name = "EventData"


class EventSerializer(serializers.Serializer):
    id = serializers.RegexField(EVENT_ID_PATTERN, help_text="`evt_` and the event's place in the log.")
    type = serializers.ChoiceField(choices=PUBLIC_TYPES)
    created_at = serializers.DateTimeField()
    workspace = serializers.SlugField()
    data = EventDataSerializer()

    class Meta:
        ref_name = "Event"


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next = serializers.RegexField(
        EVENT_ID_PATTERN,
        allow_null=True,
        help_text="The `after` of the next page while more events are waiting; null at the end (poll again later "
        "with the last event's `id`).",
    )

    class Meta:
        ref_name = "EventPage"


EXAMPLE = {
    "events": [
        {
            "id": "evt_1042",
            "type": "vehicle.status_changed",
            "created_at": "2026-12-03T08:30:00.123456Z",
            "workspace": "acme",
            "data": {
                "changes": [
                    {
                        "vin": "WBA3A5C5XDF354621",
                        "from_status": "pending",
                        "to_status": "enabled",
                        "v1_status": "Consented",
                        "event": "approve",
                        "actor": "provider",
                        "actor_name": "simulated",
                        "reason": "",
                        "at": "2026-12-03T08:30:00.120001Z",
                    }
                ]
            },
        }
    ],
    "next": None,
}


def read_types(request):
    """`type`, repeated or comma-separated."""
    types = [t for value in request.query_params.getlist("type") for t in value.split(",") if t]
    try:
        return feed.check_types(types)
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", f"type: {exc}") from None


class EventFeedView(ApiView):
    versions = ("v2",)

    @extend_schema(
        operation_id="list_events",
        tags=["events"],
        summary="The workspace's events, oldest first after a cursor",
        description="Every change of the workspace (SPEC.md's event types), in the order of the change log. "
        "Pass the last `id` you read as `after` to get what came since, losing none; without `after`, the last "
        "7 days. 100 events a page; `next` is set while more are waiting. The same events are sent to webhooks.",
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                description="An event id (`evt_…`): the events after it. Omitted or empty: those of the last 7 days.",
                pattern=r"^(evt_[0-9]{1,18})?$",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                many=True,
                explode=True,
                enum=PUBLIC_TYPES,
                description="Only events of these types (repeat the parameter, or separate with commas).",
            ),
        ],
        responses={200: EventPageSerializer, **_errors(400)},
        examples=[OpenApiExample("A page", value=EXAMPLE, response_only=True)],
    )
    def get(self, request):
        workspace = workspace_of(request)
        after = request.query_params.get("after", "")
        try:
            after = feed.parse_event_id(after) if after != "" else None
        except feed.BadCursor as exc:
            raise ApiError(400, "invalid_parameter", f"after: {exc}") from None
        events, next_id = feed.page(workspace.pk, after=after, types=read_types(request))
        # Written as stored (the change log holds each event's JSON as SPEC.md shapes it): 100 events of 100
        # changes each through DRF's serializers would cost more than the query. The schema tests check the shape.
        return Response({"events": [feed.as_json(e, workspace.slug) for e in events], "next": next_id})
