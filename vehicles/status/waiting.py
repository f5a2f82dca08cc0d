"""What a VIN is waiting for (SPEC.md "Eligibility, and what a VIN is waiting for"): the one place of the rule.

- `waiting_for`: `make_activation` (Incomplete), `platform_approval` / `provider_approval` / `both_approvals`
  (Pending, from the approvals of the current round that are recorded), `manager` (Disabled, Error), None (Enabled).
- The make's usual Pending time: the median time from entering Pending to Enabled over the last
  PENDING_MEDIAN_DAYS, from the status history, used only from PENDING_MEDIAN_MIN_CASES cases. It is kept in
  `MakePendingMedian`, rewritten by `refresh_medians` (one SQL statement for every make, the same on SQLite and
  PostgreSQL) by the worker's periodic task (vehicles/tasks/medians.py), `manage.py refresh_pending_medians`
  and seed_demo; pages and the API only read it (one query for a page of vehicles: `annotate`).
- Stuck: Pending for longer than STUCK_FACTOR × the make's usual time, or than PENDING_STUCK_AFTER_HOURS when the
  make has no usable median. As a filter (`stuck`) it is `status = pending AND status_changed_at < now − threshold
  (make)`: an OR over the makes that have a median, bounded by the latest cutoff, so that it is a range of the
  (workspace, status, -status_changed_at) index.

Surfaces ask this module (the VIN table and its counts, the vehicle page, the v2 API, the admin); none decides.
"""

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from vehicles.choices import Event, Status
from vehicles.models import MakePendingMedian, StatusChange, Vehicle

MAKE_ACTIVATION = "make_activation"
PLATFORM_APPROVAL = "platform_approval"
PROVIDER_APPROVAL = "provider_approval"
BOTH_APPROVALS = "both_approvals"
MANAGER = "manager"
WAITING_FOR = [MAKE_ACTIVATION, PLATFORM_APPROVAL, PROVIDER_APPROVAL, BOTH_APPROVALS, MANAGER]

STUCK_FACTOR = 3
STUCK_COUNT_CAP = 1000  # the table's "N stuck" counts at most this many (+1): never a count over a million rows

NEXT_STEP = {
    MAKE_ACTIVATION: "Ask for the activation of its make on the Makes page; once a platform operator completes it, "
    "the vehicle goes through approval.",
    BOTH_APPROVALS: "Nothing to do: the platform and the carmaker have been asked for their approval.",
    PLATFORM_APPROVAL: "Nothing to do: the carmaker has approved, the platform's approval is awaited.",
    PROVIDER_APPROVAL: "Nothing to do: the platform has approved, the carmaker's approval is awaited.",
    "stuck": "It has been Pending much longer than usual: contact the platform's support with its VIN.",
    Status.DISABLED: "Enable it to run the approval chain again, or delete it.",
    Status.ERROR: "Check the reason, then enable it to run the approval chain again, or delete it.",
    "error_without_make": "Its VIN names no known maker: delete it and upload it again with its make.",
}
PHRASE = {
    MAKE_ACTIVATION: "Waiting for make activation",
    BOTH_APPROVALS: "Waiting for both approvals",
    PLATFORM_APPROVAL: "Waiting for the platform",
    PROVIDER_APPROVAL: "Waiting for the carmaker",
    Status.DISABLED: "Disabled: enable it to use it again",
}
LABEL = {
    MAKE_ACTIVATION: "The activation of its make for this workspace",
    BOTH_APPROVALS: "The platform's and the carmaker's approval",
    PLATFORM_APPROVAL: "The platform's approval",
    PROVIDER_APPROVAL: "The carmaker's approval",
    MANAGER: "A manager of this workspace",
}


def human_duration(seconds):
    """'40 minutes', '5 hours', '2 days': a duration as a person says it (rounded)."""
    seconds = max(float(seconds), 0)
    for unit, size, below in (("minute", 60, 90 * 60), ("hour", 3600, 48 * 3600), ("day", 86400, None)):
        if below is None or seconds < below:
            n = max(round(seconds / size), 1)
            return f"{n} {unit}{'' if n == 1 else 's'}"
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Waiting:
    status: str
    waiting_for: str | None
    next_step: str | None
    since: dt.datetime | None  # Pending: since when
    usual_seconds: float | None  # Pending: the make's median, when it has one
    stuck: bool
    pending_seconds: float | None  # Pending: for how long, at the time asked
    error_reason: str = ""

    @property
    def usual_whole_seconds(self):
        return round(self.usual_seconds) if self.usual_seconds is not None else None

    @property
    def usual(self):
        return human_duration(self.usual_seconds) if self.usual_seconds is not None else ""

    @property
    def pending_for(self):
        return human_duration(self.pending_seconds) if self.pending_seconds is not None else ""

    @property
    def label(self):
        """What it waits for, as the vehicle page says it."""
        return LABEL.get(self.waiting_for, "")

    @property
    def phrase(self):
        """The short phrase under the row's status badge ('' for Enabled)."""
        if self.stuck:
            return f"Stuck: pending {self.pending_for}"
        if self.status == Status.ERROR:
            return self.error_reason or "Processing failed"
        phrase = PHRASE.get(self.waiting_for if self.status != Status.DISABLED else Status.DISABLED, "")
        if self.usual_seconds is not None:
            phrase += f" · usually {self.usual}"
        return phrase


def waiting_for(vehicle):
    """The machine-readable word of SPEC.md for what this vehicle waits for (None for Enabled)."""
    if vehicle.status == Status.INCOMPLETE:
        return MAKE_ACTIVATION
    if vehicle.status == Status.PENDING:
        platform, provider = vehicle.platform_approved_at is not None, vehicle.provider_approved_at is not None
        if not platform and not provider:
            return BOTH_APPROVALS
        if not platform:
            return PLATFORM_APPROVAL
        if not provider:
            return PROVIDER_APPROVAL
        return None  # both recorded: Enabled within the same transaction
    if vehicle.status in (Status.DISABLED, Status.ERROR):
        return MANAGER
    return None


# --- The makes' usual times and the stuck thresholds


def usual_times(make_ids=None):
    """{make id: median seconds} of the makes with a usable median (at least PENDING_MEDIAN_MIN_CASES cases)."""
    rows = MakePendingMedian.objects.filter(cases__gte=settings.PENDING_MEDIAN_MIN_CASES)
    if make_ids is not None:
        rows = rows.filter(make_id__in=[m for m in set(make_ids) if m is not None])
    return dict(rows.values_list("make_id", "median_seconds"))


def default_threshold():
    return dt.timedelta(hours=settings.PENDING_STUCK_AFTER_HOURS)


def threshold(usual_seconds):
    """How long a VIN of a make with this usual time (or None) may stay Pending before it is Stuck."""
    if usual_seconds is None:
        return default_threshold()
    return dt.timedelta(seconds=STUCK_FACTOR * usual_seconds)


def of(vehicle, now=None, usual=None):
    """What one vehicle waits for; `usual` is `usual_times()` for its make when the caller has it (no query)."""
    if usual is None:
        usual = usual_times([vehicle.make_id]) if vehicle.status == Status.PENDING else {}
    kind = waiting_for(vehicle)
    if vehicle.status != Status.PENDING:
        if vehicle.status == Status.ERROR and vehicle.make_id is None:
            step = NEXT_STEP["error_without_make"]
        else:
            step = NEXT_STEP.get(kind if vehicle.status == Status.INCOMPLETE else vehicle.status)
        return Waiting(vehicle.status, kind, step, None, None, False, None, vehicle.error_reason)
    now = now or timezone.now()
    median = usual.get(vehicle.make_id)
    pending = (now - vehicle.status_changed_at).total_seconds()
    stuck = pending > threshold(median).total_seconds()
    step = NEXT_STEP["stuck"] if stuck else NEXT_STEP.get(kind)
    return Waiting(vehicle.status, kind, step, vehicle.status_changed_at, median, stuck, pending)


def annotate(vehicles, now=None):
    """Set `vehicle.waiting` on each vehicle of a page: one query (the medians of the page's makes) for them all."""
    vehicles = list(vehicles)
    now = now or timezone.now()
    usual = usual_times([v.make_id for v in vehicles if v.status == Status.PENDING])
    for vehicle in vehicles:
        vehicle.waiting = of(vehicle, now=now, usual=usual)
    return vehicles


def stuck_q(now=None, makes=None):
    """The stuck vehicles as a condition on the vehicles' own columns (no join): Pending, and changed before the
    cutoff of their make. The OR names only the makes that have a median; the conjunct on the latest cutoff lets
    the database read a range of the (workspace, status, -status_changed_at) index. `makes` (ids): only vehicles
    of those makes are asked for (the table's make filter), so the range starts at their own cutoff — for one make
    the rows changed since it are not read at all."""
    now = now or timezone.now()
    special = {make_id: threshold(median) for make_id, median in usual_times().items()}
    default = default_threshold()
    if makes is not None:
        cutoffs = {make_id: special.get(make_id, default) for make_id in makes}
        if not cutoffs:
            return Q(pk__in=[])
        branches = [Q(make_id=make_id, status_changed_at__lt=now - after) for make_id, after in sorted(cutoffs.items())]
        return Q(status=Status.PENDING, status_changed_at__lt=now - min(cutoffs.values())) & reduce(or_, branches)
    latest = now - min([default, *special.values()])
    by_make = [Q(make_id=make_id, status_changed_at__lt=now - after) for make_id, after in sorted(special.items())]
    others = Q(status_changed_at__lt=now - default)
    if special:
        others &= ~Q(make_id__in=sorted(special))
    return Q(status=Status.PENDING, status_changed_at__lt=latest) & reduce(or_, [*by_make, others])


def stuck(queryset, now=None, makes=None):
    return queryset.filter(stuck_q(now, makes))


def stuck_count(workspace, now=None, cap=STUCK_COUNT_CAP):
    """How many of the workspace's vehicles are stuck, up to `cap` + 1 (more: 'more than cap'): the ids of at most
    cap + 1 rows from the index, never a COUNT over the table."""
    return len(stuck(Vehicle.objects.filter(workspace=workspace), now).values_list("pk", flat=True)[: cap + 1])


# --- Refreshing the medians


def _seconds_between(later, earlier):
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def median_sql():
    """One statement for every make: each change into Enabled in the window, the time since the change into
    Pending just before it (the round's start), ranked per make; the median is the middle one (the mean of the two
    middle ones for an even count). Window functions: SQLite ≥ 3.25 and PostgreSQL alike."""
    history, vehicles = StatusChange._meta.db_table, Vehicle._meta.db_table
    seconds = _seconds_between(
        "e.at",
        f"(SELECT MAX(p.at) FROM {history} p WHERE p.vehicle_id = e.vehicle_id "
        f"AND p.to_status = '{Status.PENDING}' AND p.at <= e.at)",
    )
    return f"""
        WITH durations AS (
            SELECT v.make_id AS make_id, {seconds} AS seconds
            FROM {history} e JOIN {vehicles} v ON v.id = e.vehicle_id
            WHERE e.to_status = '{Status.ENABLED}' AND e.at >= %s AND e.at <= %s AND v.make_id IS NOT NULL
        ), ranked AS (
            SELECT make_id, seconds,
                   ROW_NUMBER() OVER (PARTITION BY make_id ORDER BY seconds) AS position,
                   COUNT(*) OVER (PARTITION BY make_id) AS cases
            FROM durations WHERE seconds IS NOT NULL
        )
        SELECT make_id, AVG(seconds), MAX(cases) FROM ranked
        WHERE position IN ((cases + 1) / 2, (cases + 2) / 2)
        GROUP BY make_id
    """


def compute_medians(now=None):
    """{make id: (median seconds, cases)} over the window ending `now`, in one query."""
    now = now or timezone.now()
    start = now - dt.timedelta(days=settings.PENDING_MEDIAN_DAYS)
    params = [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(median_sql(), params)
        return {make_id: (float(median), int(cases)) for make_id, median, cases in cursor.fetchall()}


def refresh_medians(now=None):
    """Rewrite MakePendingMedian from the status history; returns {make id: (median seconds, cases)}."""
    now = now or timezone.now()
    medians = compute_medians(now)
    with transaction.atomic():
        MakePendingMedian.objects.all().delete()
        MakePendingMedian.objects.bulk_create(
            [
                MakePendingMedian(make_id=make_id, median_seconds=median, cases=cases, computed_at=now)
                for make_id, (median, cases) in medians.items()
            ]
        )
    return medians


# --- The vehicle page's timeline of the approval chain


@dataclass(frozen=True)
class Step:
    label: str
    at: dt.datetime | None
    done: bool
    note: str = ""
    current: bool = False


def timeline(vehicle, history):
    """The approval chain of the vehicle's current upload, as steps with their times: uploaded, make activated,
    platform approved, carmaker approved, enabled (and, for Disabled or Error, how it ended). `history` is its
    status history, newest first (the vehicle page has it already); the approvals are the vehicle's own."""
    history = list(history)
    upload = next((row for row in history if row.event == Event.UPLOAD), None)
    since_upload = history[: history.index(upload) + 1] if upload else history
    activation = next((row for row in since_upload if row.event == Event.ACTIVATE_MAKE), None)
    # The current round starts at the last change into Pending (enable runs the chain again): an earlier round's
    # enablement is not this one's.
    start = next((i for i, row in enumerate(since_upload) if row.to_status == Status.PENDING), len(since_upload))
    enabled = next((row for row in since_upload[:start] if row.to_status == Status.ENABLED), None)
    if activation is not None:
        make_step = Step("Make activated", activation.at, True)
    elif upload is not None and upload.to_status != Status.INCOMPLETE and vehicle.make_id is not None:
        make_step = Step("Make activated", None, True, "already activated when the VIN was uploaded")
    else:
        make_step = Step("Make activated", None, False, "" if vehicle.make_id else "no make found for this VIN")
    steps = [
        Step("Uploaded", upload.at if upload else vehicle.created_at, True),
        make_step,
        Step("Platform approved", vehicle.platform_approved_at, vehicle.platform_approved_at is not None),
        Step("Carmaker approved", vehicle.provider_approved_at, vehicle.provider_approved_at is not None),
        Step(
            "Enabled",
            vehicle.status_changed_at if vehicle.status == Status.ENABLED else (enabled.at if enabled else None),
            vehicle.status == Status.ENABLED or enabled is not None,
        ),
    ]
    if vehicle.status in (Status.PENDING, Status.INCOMPLETE):
        first_open = next((i for i, step in enumerate(steps) if not step.done), None)
        if first_open is not None:
            step = steps[first_open]
            steps[first_open] = Step(step.label, step.at, False, step.note, current=True)
    elif vehicle.status in (Status.DISABLED, Status.ERROR):
        last = history[0] if history else None
        label = "Disabled" if vehicle.status == Status.DISABLED else "Error"
        note = vehicle.error_reason if vehicle.status == Status.ERROR else (last.reason if last else "")
        steps.append(Step(label, vehicle.status_changed_at, True, note))
    return steps
