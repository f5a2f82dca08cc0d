"""The workspace's activity log (SPEC.md "The activity log and exports"): its events newest first, one line each
(who, what, which VIN or object, when, why), filtered by `vin`, `type`, `actor`, `since` and `until`, and the
filtered log as CSV.

A bulk change is many events (100 VIN changes each) written by one call with one `created_at`: consecutive
events of the same type, actor and instant are one line ("12,000 vehicles disabled by mia"), which expands to its
first VINs; every VIN of it is found with the `vin` filter. Pages are keyset ranges of `seq` (no OFFSET, no
COUNT): `before` is the last line's first event.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from events.log import sequence
from events.models import PUBLIC_TYPES, Event, EventType
from fleet.access import get_workspace_for
from vehicles import spreadsheet
from vehicles.choices import Actor, Status
from vehicles.choices import Event as Cause
from vehicles.filters import form_problems
from vehicles.models import StatusChange, Vehicle
from vehicles.status.machine import TRANSITIONS
from vehicles.vins import normalise_vin

PER_PAGE = 50
SHOWN_VINS = 100  # an expanded bulk line lists this many VINs; the `vin` filter finds the others
READ_CHUNK = 200  # events read at a time while lines are being gathered (their data is read for the first only)


class ActivityFilterForm(forms.Form):
    vin = forms.CharField(label="VIN", required=False, max_length=17)
    type = forms.MultipleChoiceField(
        label="What", required=False, choices=[(t, EventType(t).label) for t in PUBLIC_TYPES]
    )
    actor = forms.ChoiceField(label="Who", required=False, choices=[("", "Anyone"), *Actor.choices])
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "“Until” is before “From”: the log has nothing between them.")
        return data


def _day_start(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def filtered_events(workspace, data):
    """The workspace's readable events under the valid filters, newest first."""
    sequence()
    events = Event.objects.filter(workspace=workspace, seq__isnull=False, type__in=data.get("type") or PUBLIC_TYPES)
    if data.get("vin"):
        vin = normalise_vin(data["vin"])
        rows = Vehicle.all_objects.with_vin(vin, workspace).values("pk")
        carried = StatusChange.objects.filter(vehicle__in=rows).values("log_event_id")
        events = events.filter(pk__in=carried)
    if data.get("actor"):
        events = events.filter(actor=data["actor"])
    if data.get("since"):
        events = events.filter(created_at__gte=_day_start(data["since"]))
    if data.get("until"):
        events = events.filter(created_at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    return events.order_by("-seq")


@dataclass
class Line:
    first: Event
    events: list = field(default_factory=list)

    @property
    def count(self):
        return sum(e.count for e in self.events)

    def joins(self, event):
        return self.first.type == event.type == EventType.VEHICLE_STATUS_CHANGED and (
            event.actor,
            event.actor_name,
            event.created_at,
        ) == (self.first.actor, self.first.actor_name, self.first.created_at)


def gather_lines(events, limit):
    """Up to `limit` lines, and whether more follow. Reads events without their data, in chunks."""
    lines, last_seq = [], None
    slim = events.defer("data")
    while True:
        chunk = slim.filter(seq__lt=last_seq) if last_seq is not None else slim
        rows = list(chunk[:READ_CHUNK])
        for event in rows:
            if lines and lines[-1].joins(event):
                lines[-1].events.append(event)
            elif len(lines) == limit:
                return lines, True
            else:
                lines.append(Line(first=event, events=[event]))
        if len(rows) < READ_CHUNK:
            return lines, False
        last_seq = rows[-1].seq


def _status_words(status):
    return Status(status).label if status in Status.values else (status or "new").capitalize()


def describe(line, data):
    """(what, which, why) of a line, from its first event's data."""
    event, kind = line.first, line.first.type
    if kind == EventType.VEHICLE_STATUS_CHANGED:
        changes = event.public_data()["changes"]
        cause = data.get("event", "")
        past = TRANSITIONS[Cause(cause)].past_tense if cause in Cause.values else "changed"
        if line.count == 1 and changes:
            change = changes[0]
            path = f"{_status_words(change['from_status'])} → {_status_words(change['to_status'])}"
            return f"{change['vin']} {past} ({path})", change["vin"], change["reason"]
        reasons = {c["reason"] for c in changes}
        return f"{line.count:,} vehicles {past}", None, reasons.pop() if len(reasons) == 1 else ""
    if kind == EventType.IMPORT_FINISHED:
        added = (data.get("outcomes") or {}).get("added")
        name = data.get("filename") or data.get("source", "")
        tail = f": {added:,} added" if added is not None else ""
        return f"Import of {name} {data.get('state', '')}{tail}", None, data.get("error", "")
    if kind == EventType.REPORT_FINISHED:
        return f"Status report of {data.get('vins', 0):,} VINs {data.get('state', '')}", None, data.get("error", "")
    if kind in (EventType.MAKE_ACTIVATION_REQUESTED, EventType.MAKE_ACTIVATION_COMPLETED):
        done = "completed" if kind == EventType.MAKE_ACTIVATION_COMPLETED else "requested"
        moved = f": {data['vehicles']:,} vehicles to Pending" if data.get("vehicles") else ""
        return f"Activation of {data.get('make', '')} {done}{moved}", None, data.get("note", "")
    if kind in (EventType.API_CLIENT_CREATED, EventType.API_CLIENT_REVOKED):
        done = "created" if kind == EventType.API_CLIENT_CREATED else "revoked"
        return f"API credentials “{data.get('name', '')}” {done}", None, ""
    if kind == EventType.VEHICLE_UPDATED:
        return f"{data.get('vin', '')} details edited", data.get("vin"), ""
    verb = kind.split(".", 1)[1]
    return f"Webhook {data.get('url', '')} {verb}", None, ""


def who(event):
    label = Actor(event.actor).label if event.actor in Actor.values else "System"
    return f"{event.actor_name} ({label.lower()})" if event.actor_name else label


def line_rows(lines, vin=None):
    """The template's rows: one per line, with the data of its oldest event read now (one query for the page):
    it holds the first VINs of a bulk change. Filtered by `vin`, a line says what happened to that VIN."""
    heads = [line.events[-1] for line in lines]
    data = dict(Event.objects.filter(pk__in=[head.pk for head in heads]).values_list("pk", "data"))
    bulk_sizes = {}
    if vin and heads:  # the whole change each line is part of (the filter selected only the VIN's own event)
        sizes = (
            Event.objects.filter(
                workspace_id=heads[0].workspace_id,
                type=EventType.VEHICLE_STATUS_CHANGED,
                created_at__in={head.created_at for head in heads},
            )
            .values_list("created_at", "actor", "actor_name")
            .annotate(n=Sum("count"))
        )
        bulk_sizes = {(at, actor, name): n for at, actor, name, n in sizes}
    rows = []
    for line, head in zip(lines, heads, strict=True):
        head.data = data.get(head.pk, {})
        line.first = head
        what, which, why = describe(line, head.data)
        vins, changes = (
            [],
            head.public_data().get("changes", []) if head.type == EventType.VEHICLE_STATUS_CHANGED else [],
        )
        mine = [c for c in changes if c["vin"] == vin] if vin else []
        if mine:
            single = Line(
                first=Event(
                    type=head.type,
                    data={**head.data, "changes": [head.data["changes"][changes.index(mine[0])]]},
                    count=1,
                )
            )
            single.first.actor, single.first.actor_name = head.actor, head.actor_name
            single.events = [single.first]
            what, which, why = describe(single, single.first.data)
            together = bulk_sizes.get((head.created_at, head.actor, head.actor_name), 1)
            if together > 1:
                what += f", one of {together:,} in one change"
        elif line.count > 1:
            vins = [c["vin"] for c in changes][:SHOWN_VINS]
        rows.append(
            {
                "id": lines and line.events[0].public_id,
                "who": who(head),
                "what": what,
                "vin": which,
                "why": why,
                "at": head.created_at,
                "vins": vins,
                "more": line.count - len(vins) if vins else 0,
            }
        )
    return rows


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def activity(request, slug):
    workspace, membership = get_workspace_for(request.user, slug)
    form = ActivityFilterForm(request.GET)
    form.is_valid()  # an invalid filter is reported and ignored; the valid ones still apply
    data = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    events = filtered_events(workspace, data)
    if data.get("before"):
        events = events.filter(seq__lt=data["before"])
    lines, more = gather_lines(events, PER_PAGE)
    params = request.GET.copy()
    params.pop("before", None)
    older = None
    if more:
        params["before"] = lines[-1].events[-1].seq
        older = params.urlencode()
        params.pop("before")
    context = {
        "workspace": workspace,
        "membership": membership,
        "form": form,
        "rows": line_rows(lines, normalise_vin(data["vin"]) if data.get("vin") else None),
        "older_query": older,
        "newest_query": params.urlencode() if data.get("before") else None,
        "export_query": params.urlencode(),
        "filter_errors": form_problems(form),
        "filtered": any(data.get(name) for name in ("vin", "type", "actor", "since", "until")),
    }
    htmx = request.htmx and not request.htmx.history_restore_request and request.htmx.target == "activity-log"
    return render(request, "vehicles/activity.html#log" if htmx else "vehicles/activity.html", context)


EXPORT_COLUMNS = [
    "event_id",
    "created_at",
    "type",
    "actor",
    "actor_name",
    "vin",
    "from_status",
    "to_status",
    "reason",
    "summary",
]


def export_rows(events):
    """One row per VIN change of a vehicle.status_changed event, one per other event; read in chunks."""
    for event in events.iterator(chunk_size=READ_CHUNK):
        at = event.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        head = [event.public_id, at, event.type, event.actor, event.actor_name]
        if event.type == EventType.VEHICLE_STATUS_CHANGED:
            for change in event.public_data()["changes"]:
                summary = f"{change['event']} {change['from_status'] or 'new'} → {change['to_status']}"
                yield [*head, change["vin"], change["from_status"], change["to_status"], change["reason"], summary]
        else:
            what, vin, why = describe(Line(first=event, events=[event]), event.data)
            yield [*head, vin, "", "", why, what]


@login_required
@require_GET
def activity_export(request, slug):
    workspace, _ = get_workspace_for(request.user, slug)
    form = ActivityFilterForm(request.GET)
    form.is_valid()
    if form.errors:
        problems = "; ".join(form_problems(form))
        return HttpResponse(f"The export was not made: {problems}\n", status=400, content_type="text/plain")
    events = filtered_events(workspace, form.cleaned_data)
    filename = f"{workspace.slug}-activity-{timezone.now():%Y-%m-%d}.csv"
    return spreadsheet.csv_response(EXPORT_COLUMNS, export_rows(events), filename)
