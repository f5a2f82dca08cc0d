"""The VIN table, the vehicle page, and the manager's actions (one VIN or many), with and without HTMX.

Views stay thin: find the workspace for the user (404 outsider, 403 viewer on writes), ask the status machine,
answer. With HTMX a view answers a fragment of the same template (`template#partial`); without it, a page or a
redirect, so that every flow works with plain links and forms.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpResponseRedirect
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
from vehicles.status import machine
from vehicles.status.counts import status_counts
from vehicles.status.machine import By, TransitionNotAllowed
from vehicles.views.forms import VehicleDetailsForm
from vehicles.views.tables import PER_PAGE, VehiclePaginator, VehicleTable
from vehicles.views.vehicle_data import vehicle_data

# What each confirmation says will happen (SPEC.md, issue 3).
BULK_LIMIT = 500

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
    for name in ("status", "page"):
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
        link["current"] = link["status"] == (current or "")
    return links


def _kept_total(workspace, data, counts):
    """The number of vehicles the filters select, from the kept counts; None when they cannot tell."""
    if data.get("vin") or data.get("updated_since") or data.get("q") or data.get("label"):
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
    queryset = filterset.qs.select_related("make").prefetch_related("labels")
    filterset.is_valid()  # an invalid filter is reported and ignored; the valid ones still apply
    data = filterset.form.cleaned_data

    table = VehicleTable(queryset)
    RequestConfig(request, paginate=False).configure(table)
    paginator = VehiclePaginator(
        table.data.data,
        PER_PAGE,
        count=_kept_total(workspace, data, counts),
        cap=CANDIDATES_CAP if filterset.over_cap else None,  # "more than 2,000 match", never counted
        over_cap=filterset.over_cap,
    )
    page = paginator.get_page(request.GET.get("page"))

    params = request.GET.copy()
    params.pop("page", None)
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
        "vehicles": page.object_list,
        "status_links": status_links(request.GET, workspace, counts, data.get("status")),
        "query_without_page": params.urlencode(),
        "label_chips": label_chips(request.GET, data.get("label") or []),
        "filtered": any(data.get(name) for name in ("status", "make", "vin", "q", "label")),
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
    return render(
        request,
        "vehicles/detail.html",
        {
            "workspace": workspace,
            "membership": membership,
            "can_manage": membership.can_manage,
            "vehicle": vehicle,
            "history": vehicle.history.all(),
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
    if vehicle is None and not Vehicle.all_objects.filter(workspace=workspace, vin=vin).exists():
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
        context = _confirm_context(request, workspace, vehicle or Vehicle(vin=vin), event, refused)
        context.update({"can_manage": membership.can_manage, "oob": True, **_places(workspace, context["next"])})
        if vehicle is None:
            gone = Vehicle.all_objects.filter(workspace=workspace, vin=vin).order_by("-deleted_at").first()
            context.update({"gone": True, "gone_pk": gone.pk})
        response = render(request, "vehicles/confirm.html#refused", context)
        return trigger_client_event(response, VEHICLE_CHANGED)

    done = f"VIN {vehicle.vin} {machine.TRANSITIONS[event].past_tense}"
    if not vehicle.is_deleted:
        done += f": it is now {vehicle.get_status_display()}"
    messages.success(request, f"{done}.")

    if not request.htmx:
        default = list_url if vehicle.is_deleted else detail_url
        target = _safe_next(request, default)
        if vehicle.is_deleted and target.startswith(detail_url):
            target = list_url
        return HttpResponseRedirect(target)
    if (request.htmx.current_url_abs_path or "").split("?")[0] == detail_url:
        # Acting from the vehicle page: show it again (or the table, when the vehicle is gone).
        return HttpResponseClientRedirect(list_url) if vehicle.is_deleted else HttpResponseClientRefresh()
    context = {
        "workspace": workspace,
        "vehicle": vehicle,
        "can_manage": membership.can_manage,
        "oob": True,
        **_places(workspace, _safe_next(request, list_url)),
    }
    response = render(request, "vehicles/list.html#action-done", context)
    trigger_client_event(response, VEHICLE_CHANGED, after="settle")
    return trigger_client_event(response, DIALOG_CLOSE, after="settle")


def _bulk_selection(request, workspace, data):
    event = _event(data.get("action", ""))
    vins = [vin.strip().upper() for vin in data.getlist("vin") if vin.strip()][:BULK_LIMIT]
    vehicles = list(Vehicle.objects.filter(workspace=workspace, vin__in=vins).order_by("vin"))
    allowed = [v for v in vehicles if machine.is_allowed(event, v.status)]
    skipped = [v for v in vehicles if not machine.is_allowed(event, v.status)]
    return event, vins, allowed, skipped


@login_required
@require_GET
@vary_on_headers("HX-Request")
def confirm_bulk(request, slug):
    """One confirmation for the selected rows: how many will change, how many are skipped and why."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    list_url = reverse("vehicles:list", args=[workspace.slug])
    if request.GET.get("action") not in machine.MANAGER_EVENTS:
        messages.error(request, "Choose an action for the selected vehicles.")
        return _back_to_table(request, list_url)
    event, vins, allowed, skipped = _bulk_selection(request, workspace, request.GET)
    if not vins:
        messages.error(request, "Select at least one vehicle first.")
        return _back_to_table(request, list_url)
    context = {
        "workspace": workspace,
        "event": event,
        "vins": vins,
        "allowed": allowed,
        "skipped": skipped,
        "title": f"{event.label} {len(allowed)} of {len(vins)} selected vehicles?",
        "consequence": machine.TRANSITIONS[event].consequence_many,
        "confirm_label": machine.TRANSITIONS[event].confirm_label,
        "past": machine.TRANSITIONS[event].past_tense,
        "destructive": machine.TRANSITIONS[event].destructive,
        "body": "vehicles/bulk_confirm.html#body",
        "action_url": reverse("vehicles:bulk", args=[workspace.slug]),
        "next": _safe_next(request, list_url),
        "in_dialog": bool(request.htmx),
    }
    template = "vehicles/dialog.html" if request.htmx else "vehicles/confirm_page.html"
    return render(request, template, context)


def _back_to_table(request, list_url):
    if request.htmx:
        response = render(request, "base.html#messages", {"oob": True})
        return trigger_client_event(response, DIALOG_CLOSE)
    return HttpResponseRedirect(_safe_next(request, list_url))


@login_required
@require_POST
def bulk_action(request, slug):
    """Apply one action to the selected VINs: one guarded update; those whose status does not allow it stay."""
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    list_url = reverse("vehicles:list", args=[workspace.slug])
    event = _event(request.POST.get("action", ""))
    vins = [vin.strip().upper() for vin in request.POST.getlist("vin") if vin.strip()][:BULK_LIMIT]
    if not vins:
        messages.error(request, "Select at least one vehicle first.")
        return _back_to_table(request, list_url)
    selected = Vehicle.objects.filter(workspace=workspace, vin__in=vins)
    changed = machine.apply(event, selected, By.manager(request.user))
    skipped = len(vins) - len(changed)
    past = machine.TRANSITIONS[event].past_tense
    text = f"{len(changed)} {'vehicle' if len(changed) == 1 else 'vehicles'} {past}"
    if skipped:
        text += f"; {skipped} skipped because their status does not allow it (or they are gone)"
    messages.success(request, f"{text}.")
    if not request.htmx:
        return HttpResponseRedirect(_safe_next(request, list_url))
    response = render(request, "base.html#messages", {"oob": True})
    trigger_client_event(response, VEHICLES_CHANGED, after="settle")
    return trigger_client_event(response, DIALOG_CLOSE, after="settle")
