"""The live VIN table (SPEC.md "The live table"): what changed since the page's last event, for the rows on
screen and the counts, as out-of-band swaps; an empty 204 when nothing changed.

The page carries its cursor (the workspace's last event `seq` when it was rendered) and static/fleet/live.js asks
`vehicles/live/?<the page's own query>&live_after=<seq>&live_rows=<vehicle ids on screen>` every
LIVE_TABLE_INTERVAL_SECONDS. The answer's `X-Live-After` header is the next cursor. When more changed than a page
can follow row by row (a large import), the answer asks the table to fetch itself again (`vehicles-changed`).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from events.log import sequence
from events.models import Event, EventType
from fleet.access import get_workspace_for
from vehicles.choices import DELETED, Status
from vehicles.models import Vehicle
from vehicles.status import waiting
from vehicles.status.counts import status_counts
from vehicles.views.table import VEHICLES_CHANGED, _places, _safe_next, live_cursor, status_links

FOLLOWED = [EventType.VEHICLE_STATUS_CHANGED, EventType.VEHICLE_UPDATED]
MAX_EVENTS = 50  # more new events than this: the table fetches itself again
MAX_ROWS = 200
LIVE_PARAMS = ("live_after", "live_rows")


def _changed_vins(events):
    vins = {}
    for _seq, kind, data in events:
        if kind == EventType.VEHICLE_STATUS_CHANGED:
            for change in data.get("changes", []):
                vins[change[0]] = change[2]  # the last word wins: events are in order
        elif data.get("vin"):
            vins.setdefault(data["vin"], None)
    return vins


def _read(request):
    """(cursor, row ids) from the request; raises ValueError."""
    after = int(request.GET.get("live_after", ""))
    rows = [int(pk) for pk in request.GET.get("live_rows", "").split(",") if pk][:MAX_ROWS]
    return after, rows


def _new_events(workspace, after):
    sequence()
    return list(
        Event.objects.filter(workspace=workspace, seq__gt=after, type__in=FOLLOWED)
        .order_by("seq")
        .values_list("seq", "type", "data")[: MAX_EVENTS + 1]
    )


def _unchanged(after):
    response = HttpResponse(status=204)
    response["X-Live-After"] = str(after)
    return response


BAD_REQUEST = "live_after must be an event number and live_rows vehicle ids"
# The vehicle page fetches itself again on this client event (templates/vehicles/detail.html).
VEHICLE_PAGE_CHANGED = "vehicle-page-changed"


@login_required
@require_GET
def vehicle_live(request, slug, vin):
    """The vehicle page's request: 204, or ask the page to fetch itself again when its VIN changed."""
    workspace, _ = get_workspace_for(request.user, slug)
    try:
        after, _ = _read(request)
    except ValueError:
        return HttpResponseBadRequest(BAD_REQUEST, content_type="text/plain")
    new = _new_events(workspace, after)
    if not new:
        return _unchanged(after)
    next_after = live_cursor(workspace) if len(new) > MAX_EVENTS else new[-1][0]
    response = _unchanged(next_after)
    if len(new) > MAX_EVENTS or vin in _changed_vins(new):
        response.status_code = 200
        response["X-Live-Refresh"] = VEHICLE_PAGE_CHANGED
    return response


@login_required
@require_GET
def live(request, slug):
    workspace, membership = get_workspace_for(request.user, slug)
    try:
        after = int(request.GET.get("live_after", ""))
        rows = [int(pk) for pk in request.GET.get("live_rows", "").split(",") if pk][:MAX_ROWS]
    except ValueError:
        return HttpResponseBadRequest(
            "live_after must be an event number and live_rows vehicle ids", content_type="text/plain"
        )
    sequence()
    new = list(
        Event.objects.filter(workspace=workspace, seq__gt=after, type__in=FOLLOWED)
        .order_by("seq")
        .values_list("seq", "type", "data")[: MAX_EVENTS + 1]
    )
    if not new:
        response = HttpResponse(status=204)
        response["X-Live-After"] = str(after)
        return response
    if len(new) > MAX_EVENTS:
        response = HttpResponse(status=200)
        response["X-Live-After"] = str(live_cursor(workspace))
        response["HX-Trigger"] = VEHICLES_CHANGED
        return response

    changed = _changed_vins(new)
    shown = Vehicle.all_objects.filter(workspace=workspace, pk__in=rows, vin__in=list(changed)).select_related("make")
    shown = shown.prefetch_related("labels")
    vehicles = waiting.annotate(sorted(shown, key=lambda v: rows.index(v.pk)))
    query = request.GET.copy()
    for name in LIVE_PARAMS:
        query.pop(name, None)
    list_url = _places(workspace, "")["list_url"]
    here = _safe_next(request, list_url + (f"?{query.urlencode()}" if query else ""))
    counts = status_counts(workspace)
    news = [
        f"{v.vin} is now {'deleted' if v.is_deleted else Status(v.status).label}"
        for v in vehicles
        if changed.get(v.vin) in (*Status.values, DELETED)
    ]
    context = {
        "workspace": workspace,
        "can_manage": membership.can_manage,
        "changed": vehicles,
        "announcement": "; ".join(news),
        "status_links": status_links(query, workspace, counts, query.get("status")),
        "oob": True,
        **_places(workspace, here),
    }
    response = render(request, "vehicles/list.html#live", context)
    response["X-Live-After"] = str(new[-1][0])
    return response
