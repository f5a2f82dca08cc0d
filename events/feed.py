"""Reading the change log: one workspace's events oldest first, after a cursor (an event id), 100 a page.

The order is `seq` (events/log.py gives it after commit), so a reader that saw `evt_41` and asks for what comes
after it can never miss an event committed later: nothing committed later is given a smaller `seq`.
"""

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone

from events.log import sequence
from events.models import PUBLIC_TYPES, Event

PAGE_SIZE = 100
EVENT_ID = re.compile(r"evt_(\d{1,18})")


class BadCursor(ValueError):
    pass


def parse_event_id(value):
    """`evt_<seq>` → seq; anything else raises BadCursor with what is wrong."""
    match = EVENT_ID.fullmatch(value or "")
    if not match:
        raise BadCursor(f"{value!r} is not an event id: event ids look like evt_123 (the `id` of an event)")
    return int(match.group(1))


def check_types(types):
    unknown = [t for t in types if t not in PUBLIC_TYPES]
    if unknown:
        raise ValueError(f"unknown event type {', '.join(map(repr, unknown))}: one of {', '.join(PUBLIC_TYPES)}")
    return types


def events_after(workspace_id, after=None, types=None, since=None):
    """The queryset of the workspace's readable events after `after` (a seq) or, without it, since `since`."""
    sequence()
    events = Event.objects.filter(workspace_id=workspace_id, seq__isnull=False, type__in=types or PUBLIC_TYPES)
    if after is not None:
        return events.filter(seq__gt=after)
    return events.filter(created_at__gte=since or timezone.now() - dt.timedelta(days=settings.EVENTS_FEED_DEFAULT_DAYS))


def page(workspace_id, after=None, types=None, limit=PAGE_SIZE):
    """(events, next): at most `limit` events oldest first; `next` is the `after` of the next page while more
    are waiting, else None (then poll again later with the last event's id)."""
    rows = list(events_after(workspace_id, after, types).order_by("seq")[: limit + 1])
    events = rows[:limit]
    return events, (events[-1].public_id if len(rows) > limit else None)


def as_json(event, workspace_slug):
    """An event as SPEC.md writes it, for the feed and for webhook bodies."""
    return {
        "id": event.public_id,
        "type": event.type,
        "created_at": event.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "workspace": workspace_slug,
        "data": event.public_data(),
    }
