"""The VIN table, the vehicle page, and the manager's actions (one VIN or many), with and without HTMX.

Views stay thin: find the workspace for the user (404 outsider, 403 viewer on writes), ask the status machine,
answer. With HTMX a view answers a fragment of the same template (`template#partial`); without it, a page or a
redirect, so that every flow works with plain links and forms.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.base import Message
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh, trigger_client_event
from django_tables2 import RequestConfig

from events.log import sequence
from events.models import Event as LoggedEvent
from fleet.access import get_workspace_for
from fleet.models import Make
from vehicles.choices import STATUS_COLOURS, Event, Status
from vehicles.filters import CANDIDATES_CAP, VehicleFilterSet, filter_errors
from vehicles.models import Vehicle, VehicleCount
from vehicles.status import machine, waiting
from vehicles.status.counts import status_counts
from vehicles.status.machine import By, TransitionNotAllowed
from vehicles.views.forms import VehicleDetailsForm
from vehicles.views.tables import PER_PAGE, VehiclePaginator, VehicleTable
from vehicles.views.vehicle_data import vehicle_data

# At most this many VINs ticked one by one (a page shows 50); the whole filtered set ("Select all N matching")
# is capped by settings.BULK_ACTION_LIMIT instead.
BULK_LIMIT = 500
# The skipped vehicles a confirmation lists by VIN; the others are counted.
SKIPPED_SHOWN = 50

# Client events (HX-Trigger): the counts and the table re-fetch themselves, the dialog closes.
VEHICLE_CHANGED = "vehicle-changed"
VEHICLES_CHANGED = "vehicles-changed"
DIALOG_CLOSE = "dialog-close"


def _event(action):
    """The manager's event named in the URL, or 404."""
    if action not in machine.MANAGER_EVENTS:
        raise Http404("No such action")
    return Event(action)


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _live_vehicle(workspace, vin):
    return Vehicle.objects.select_related("make").filter(workspace=workspace, vin=vin).first()


def status_links(query, workspace, counts, current):
    """The counts at the top of the table, each a link that filters by its status (the query's other filters
    kept)."""
    params = query.copy()
    for name in ("status", "page", "stuck"):
        params.pop(name, None)
    links = [{"label": "All", "status": "", "count": sum(counts.values()), "query": params.urlencode()}]
    for status in Status:
        params["status"] = status.value
        links.append(
            {
                "label": status.label,
                "status": status.value,
                "colour": STATUS_COLOURS[status],
                "count": counts[status.value],
                "query": params.urlencode(),
            }
        )
    for link in links:
        link["current"] = link["status"] == (current or "") and query.get("stuck") != "1"
    # The stuck vehicles (vehicles.status.waiting), counted up to a cap: a link to `?stuck=1`.
    params.pop("status", None)
    params["stuck"] = "1"
    stuck = waiting.stuck_count(workspace)
    links.append(
        {
            "label": "stuck",
            "stuck": True,
            "count": min(stuck, waiting.STUCK_COUNT_CAP),
            "more": stuck > waiting.STUCK_COUNT_CAP,
            "query": params.urlencode(),
            "current": query.get("stuck") == "1",
        }
    )
    return links


def _kept_total(workspace, data, counts):
    """The number of vehicles the filters select, from the kept counts; None when they cannot tell."""
    if data.get("vin") or data.get("updated_since") or data.get("stuck") == "1" or data.get("q") or data.get("label"):
        return None
    status, make_name = data.get("status"), data.get("make")
    if not make_name:
        return counts[status] if status else sum(counts.values())
    make = Make.objects.filter(name__iexact=make_name).only("pk").first()
    if make is None:
        return 0
    kept = VehicleCount.objects.filter(workspace=workspace, make_key=make.pk)
    if status:
        kept = kept.filter(status=status)
    return kept.aggregate(n=Sum("count"))["n"] or 0


def live_cursor(workspace):
    """The workspace's last event: where the page's live table starts following changes."""
    sequence()
    last = LoggedEvent.objects.filter(workspace=workspace, seq__isnull=False).order_by("-seq")
    return last.values_list("seq", flat=True).first() or 0


def live_context(workspace):
    """What a page that follows changes by itself carries (static/fleet/live.js)."""
    return {
        "live_after": live_cursor(workspace),
        "live_interval": settings.LIVE_TABLE_INTERVAL_SECONDS,
        "live_idle_minutes": settings.LIVE_TABLE_IDLE_MINUTES,
    }


def _makes_in(workspace):
    keys = VehicleCount.objects.filter(workspace=workspace, count__gt=0).values("make_key")
    return list(Make.objects.filter(pk__in=keys).values_list("name", flat=True))


def table_context(request, workspace, membership):
    counts = status_counts(workspace)
    filterset = VehicleFilterSet(request.GET, queryset=Vehicle.objects.filter(workspace=workspace), workspace=workspace)
    shown = Vehicle.objects.filter(workspace=workspace).select_related("make").prefetch_related("labels")
    queryset = filterset.qs.select_related("make").prefetch_related("labels")
    filterset.is_valid()  # an invalid filter is reported and ignored; the valid ones still apply
    data = filterset.form.cleaned_data

    table = VehicleTable(queryset)
    RequestConfig(request, paginate=False).configure(table)
    # The stuck filter's total is counted as its "N stuck" link is: up to STUCK_COUNT_CAP; a search or label filter
    # that matched more than CANDIDATES_CAP says "more than 2,000 match", never counted.
    cap = waiting.STUCK_COUNT_CAP if data.get("stuck") == "1" else (CANDIDATES_CAP if filterset.over_cap else None)
    paginator = VehiclePaginator(
        table.data.data,
        PER_PAGE,
        count=_kept_total(workspace, data, counts) if filterset.known_count is None else filterset.known_count,
        cap=cap,
        over_cap=filterset.over_cap,
        rows=shown,
    )
    page = paginator.get_page(request.GET.get("page"))

    params = request.GET.copy()
    params.pop("page", None)
    filters = params.copy()
    filters.pop("sort", None)
    return {
        "workspace": workspace,
        "membership": membership,
        "can_manage": membership.can_manage,
        "filter": filterset,
        "filter_data": data,
        "filter_errors": filter_errors(filterset),
        "makes": _makes_in(workspace),
        "statuses": Status.choices,
        "table": table,
        "paginator": paginator,
        "page": page,
        "vehicles": waiting.annotate(page.object_list),
        "status_links": status_links(request.GET, workspace, counts, data.get("status")),
        "query_without_page": params.urlencode(),
        # The bulk bar's "Select all N matching": the selection travels as this filter query.
        "filter_query": filters.urlencode(),
        "label_chips": label_chips(request.GET, data.get("label") or []),
        "filtered": any(data.get(name) for name in ("status", "make", "vin", "q", "label")) or data.get("stuck") == "1",
        **_places(workspace, request.get_full_path()),
    }


def label_chips(query, labels):
    """The `label` filters as chips: each a link to the same table without that label (and back to page 1)."""
    chips = []
    for label in labels:
        params = query.copy()
        params.pop("page", None)
        params.setlist("label", [other for other in params.getlist("label") if other.strip() != label])
        chips.append({"label": label, "query": params.urlencode()})
    return chips


def _places(workspace, here):
    """The URLs a table or row needs: the table's, where to come back to, and that as a `next` parameter."""
    return {
        "list_url": reverse("vehicles:list", args=[workspace.slug]),
        "makes_url": reverse("vehicles:makes", args=[workspace.slug]),
        "here": here,
        "next_query": urlencode({"next": here}),
    }


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def vehicle_list(request, slug):
    workspace, membership = get_workspace_for(request.user, slug)
    htmx = request.htmx and not request.htmx.history_restore_request
    if htmx and request.htmx.target == "status-counts":
        counts = status_counts(workspace)
        context = {
            "workspace": workspace,
            "status_links": status_links(request.GET, workspace, counts, request.GET.get("status")),
            **_places(workspace, request.get_full_path()),
        }
        return render(request, "vehicles/list.html#counts", context)
    context = table_context(request, workspace, membership)
    if htmx and request.htmx.target == "vehicle-table":
        return render(request, "vehicles/list.html#table", context)
    context.update(live_context(workspace))
    return render(request, "vehicles/list.html", context)


@login_required
@require_GET
def vehicle_detail(request, slug, vin):
    workspace, membership = get_workspace_for(request.user, slug)
    vehicle = get_object_or_404(Vehicle.objects.select_related("make"), workspace=workspace, vin=vin)
    return vehicle_page(request, workspace, membership, vehicle)


def vehicle_page(request, workspace, membership, vehicle, details_form=None, status=200):
    """The vehicle page; managers also get the details form (vehicles/views/edit.py answers its POST)."""
    if membership.can_manage and details_form is None:
        details_form = VehicleDetailsForm.for_vehicle(vehicle)
    history = list(vehicle.history.all())
    waiting.annotate([vehicle])
    return render(
        request,
        "vehicles/detail.html",
        {
            "workspace": workspace,
            "membership": membership,
            "can_manage": membership.can_manage,
            "vehicle": vehicle,
            "history": history,
            "timeline": waiting.timeline(vehicle, history),
            "data": vehicle_data(vehicle, workspace),
            "details_form": details_form if membership.can_manage else None,
            **_places(workspace, request.get_full_path()),
            **live_context(workspace),
        },
        status=status,
    )


def _confirm_context(request, workspace, vehicle, event, refused=""):
    transition = machine.TRANSITIONS[event]
    return {
        "workspace": workspace,
        "vehicle": vehicle,
        "event": event,
        "title": f"{event.label} VIN {vehicle.vin}?",
        "consequence": transition.consequence,
        "confirm_label": transition.confirm_label,
        "destructive": transition.destructive,
        "body": "vehicles/confirm.html#body",
        "action_url": reverse("vehicles:action", args=[workspace.slug, vehicle.vin, event.value]),
        "next": _safe_next(request, reverse("vehicles:list", args=[workspace.slug])),
        "refused": refused,
        "notes": [Message(messages.ERROR, refused)] if refused else [],
        "can_confirm": not refused,
        "in_dialog": bool(request.htmx),
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def confirm_action(request, slug, vin, action):
    """The confirmation: a <dialog> fragment for HTMX, a page of its own without JavaScript."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    event = _event(action)
    vehicle = get_object_or_404(Vehicle.objects.select_related("make"), workspace=workspace, vin=vin)
    refused = ""
    if not machine.is_allowed(event, vehicle.status):
        refused = str(TransitionNotAllowed(vehicle.vin, vehicle.status, event))
    context = _confirm_context(request, workspace, vehicle, event, refused)
    template = "vehicles/dialog.html" if request.htmx else "vehicles/confirm_page.html"
    return render(request, template, context, status=409 if refused and not request.htmx else 200)


def _refusal(vehicle, vin, event, seen_status):
    """What the manager is told when the status machine refused: who changed what, if someone did."""
    if vehicle is None:
        return f"VIN {vin} was deleted by someone else meanwhile: nothing was changed."
    message = str(TransitionNotAllowed(vehicle.vin, vehicle.status, event))
    if seen_status and seen_status != vehicle.status:
        seen = Status(seen_status).label
        now = vehicle.get_status_display()
        return f"Someone else changed VIN {vehicle.vin} meanwhile (from {seen} to {now}). {message}"
    return message


@login_required
@require_POST
def vehicle_action(request, slug, vin, action):
    """Apply one manager action to one VIN, through the status machine."""
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    event = _event(action)
    vehicle = _live_vehicle(workspace, vin)
    if (
        vehicle is None
        and not Vehicle.all_objects.filter(workspace=workspace, vin=vin, deleted_at__isnull=False).exists()
    ):
        raise Http404("No such vehicle")
    list_url = reverse("vehicles:list", args=[workspace.slug])
    detail_url = reverse("vehicles:detail", args=[workspace.slug, vin])
    seen_status = request.POST.get("seen_status", "")
    if seen_status not in Status.values:  # what the dialog showed; anything else is ignored, never echoed
        seen_status = ""

    refused = ""
    if vehicle is None:
        refused = _refusal(None, vin, event, seen_status)
    else:
        try:
            machine.fire(vehicle, event, By.manager(request.user))
        except TransitionNotAllowed:
            refused = _refusal(vehicle, vin, event, seen_status)

    if refused:
        if not request.htmx:
            context = _confirm_context(request, workspace, vehicle, event, refused) if vehicle else None
            if context is None:
                messages.error(request, refused)
                return HttpResponseRedirect(_safe_next(request, list_url))
            return render(request, "vehicles/confirm_page.html", context, status=409)
        # The dialog says so, the row shows the current status, the counts catch up.
        if vehicle is not None:
            waiting.annotate([vehicle])
        context = _confirm_context(request, workspace, vehicle or Vehicle(vin=vin), event, refused)
        context.update({"can_manage": membership.can_manage, "oob": True, **_places(workspace, context["next"])})
        if vehicle is None:
            gone = (
                Vehicle.all_objects.filter(workspace=workspace, vin=vin, deleted_at__isnull=False)
                .order_by("-deleted_at")
                .first()
            )
            context.update({"gone": True, "gone_pk": gone.pk})
        response = render(request, "vehicles/confirm.html#refused", context)
        return trigger_client_event(response, VEHICLE_CHANGED)

    past = machine.TRANSITIONS[event].past_tense
    now = "" if vehicle.is_deleted else f": it is now {vehicle.get_status_display()}"
    done = f"VIN {vehicle.vin} {past}{now}."

    if not request.htmx or (request.htmx.current_url_abs_path or "").split("?")[0] == detail_url:
        messages.success(request, done)
    if not request.htmx:
        default = list_url if vehicle.is_deleted else detail_url
        target = _safe_next(request, default)
        if vehicle.is_deleted and target.startswith(detail_url):
            target = list_url
        return HttpResponseRedirect(target)
    if (request.htmx.current_url_abs_path or "").split("?")[0] == detail_url:
        # Acting from the vehicle page: show it again (or the table, when the vehicle is gone).
        return HttpResponseClientRedirect(list_url) if vehicle.is_deleted else HttpResponseClientRefresh()
    # The message is shown on the row itself (or where the row was), and read out once (static/fleet/messages.js).
    note = Message(messages.SUCCESS, done if vehicle.is_deleted else f"{past.capitalize()}{now}.")
    note.announce = done
    waiting.annotate([vehicle])
    context = {
        "workspace": workspace,
        "vehicle": vehicle,
        "can_manage": membership.can_manage,
        "oob": True,
        "row_notes": [note],
        **_places(workspace, _safe_next(request, list_url)),
    }
    response = render(request, "vehicles/list.html#action-done", context)
    trigger_client_event(response, VEHICLE_CHANGED, after="settle")
    return trigger_client_event(response, DIALOG_CLOSE, after="settle")


class BulkRefused(Exception):
    """The selection cannot be acted on as asked (nothing selected, too many matching). Nothing changed."""


def _matching(workspace, data):
    """The vehicles the table's filters select (the bulk bar's `filter` field: the table's own query)."""
    vehicles = Vehicle.objects.filter(workspace=workspace)
    filterset = VehicleFilterSet(QueryDict(data.get("filter", "")), queryset=vehicles)
    filterset.is_valid()  # as the table does: an invalid filter is ignored, the valid ones apply
    return filterset.qs.order_by()


def _bulk_selection(workspace, data):
    """(event, the selected vehicles as a queryset, how many, the VINs ticked or None for "all matching").

    "All matching" is the table's filtered set, at most settings.BULK_ACTION_LIMIT vehicles: over it, nothing is
    done (BulkRefused). Ticked VINs are at most BULK_LIMIT."""
    event = _event(data.get("action", ""))
    if data.get("scope") == "matching":
        limit = settings.BULK_ACTION_LIMIT
        matching = _matching(workspace, data)
        total = matching[: limit + 1].count()
        if total > limit:
            raise BulkRefused(
                f"More than {limit:,} vehicles match these filters: one action changes at most {limit:,}. "
                "Narrow the filters and try again. Nothing was changed."
            )
        if not total:
            raise BulkRefused("No vehicle matches these filters: nothing was changed.")
        # One statement for the whole set, capped even if more match by the time it runs.
        selected = Vehicle.objects.filter(workspace=workspace, pk__in=matching.values("pk")[:limit])
        return event, selected, total, None
    vins = [vin.strip().upper() for vin in data.getlist("vin") if vin.strip()][:BULK_LIMIT]
    if not vins:
        raise BulkRefused("Select at least one vehicle first.")
    return event, Vehicle.objects.filter(workspace=workspace, vin__in=vins), len(vins), vins


def _bulk_refused(request, list_url, refused):
    """The reason, beside the bulk bar (with HTMX) or at the top of the table (without)."""
    if not request.htmx:
        messages.error(request, str(refused))
        return HttpResponseRedirect(_safe_next(request, list_url))
    response = render(
        request, "vehicles/list.html#bulk-messages", {"notes": [Message(messages.ERROR, str(refused))], "oob": True}
    )
    return trigger_client_event(response, DIALOG_CLOSE)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def confirm_bulk(request, slug):
    """One confirmation for the selection: how many will change, how many are skipped and why."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    list_url = reverse("vehicles:list", args=[workspace.slug])
    if request.GET.get("action") not in machine.MANAGER_EVENTS:
        return _bulk_refused(request, list_url, "Choose an action for the selected vehicles.")
    try:
        event, selected, total, vins = _bulk_selection(workspace, request.GET)
    except BulkRefused as refused:
        return _bulk_refused(request, list_url, refused)
    transition = machine.TRANSITIONS[event]
    by_status = dict(selected.values_list("status").annotate(n=Count("pk")).order_by())
    allowed = sum(n for status, n in by_status.items() if machine.is_allowed(event, status))
    found = sum(by_status.values())
    skipped = found - allowed
    skipped_shown = list(
        selected.exclude(status__in=transition.sources).select_related("make").order_by("vin")[:SKIPPED_SHOWN]
    )
    what = "selected" if vins is not None else "matching"
    context = {
        "workspace": workspace,
        "event": event,
        "vins": vins,
        "scope": "matching" if vins is None else "",
        "filter_query": request.GET.get("filter", ""),
        "allowed_count": allowed,
        "skipped_count": skipped,
        "skipped": skipped_shown,
        "skipped_more": skipped - len(skipped_shown),
        "title": f"{event.label} {allowed:,} of {total:,} {what} vehicles?",
        "consequence": transition.consequence_many,
        "confirm_label": transition.confirm_label,
        "past": transition.past_tense,
        "destructive": transition.destructive,
        "body": "vehicles/bulk_confirm.html#body",
        "action_url": reverse("vehicles:bulk", args=[workspace.slug]),
        "next": _safe_next(request, list_url),
        "in_dialog": bool(request.htmx),
    }
    template = "vehicles/dialog.html" if request.htmx else "vehicles/confirm_page.html"
    return render(request, template, context)


@login_required
@require_POST
def bulk_action(request, slug):
    """Apply one action to the selection (ticked VINs, or every vehicle the filters match): one guarded update
    through the status machine; those whose status does not allow it stay as they are."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    list_url = reverse("vehicles:list", args=[workspace.slug])
    try:
        event, selected, total, _vins = _bulk_selection(workspace, request.POST)
    except BulkRefused as refused:
        return _bulk_refused(request, list_url, refused)
    changed = machine.apply(event, selected, By.manager(request.user))
    skipped = total - len(changed)
    past = machine.TRANSITIONS[event].past_tense
    text = f"{len(changed):,} {'vehicle' if len(changed) == 1 else 'vehicles'} {past}"
    if skipped > 0:
        text += f"; {skipped:,} skipped because their status does not allow it (or they are gone)"
    # Kept for the next page to show: the table re-fetched after the dialog closes shows it beside the bulk bar.
    messages.success(request, f"{text}.")
    if not request.htmx:
        return HttpResponseRedirect(_safe_next(request, list_url))
    response = HttpResponse("")
    trigger_client_event(response, VEHICLES_CHANGED, after="settle")
    return trigger_client_event(response, DIALOG_CLOSE, after="settle")
