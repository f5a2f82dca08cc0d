"""The VIN status machine: one table of allowed transitions, and the guarded updates that apply it.

Every surface (the VIN table, the admin, the API, the commands, the provider tasks) and the import engine ask this
module what is allowed and ask it to make the change; no status, approval or history SQL lives anywhere else.
A change is one conditional UPDATE (`WHERE status IN sources`), so two people acting on the same VIN at once can
never both succeed where only one transition is allowed; its time is the database's clock read after the row
lock (`clock_timestamp()` on PostgreSQL; SQLite's writers are serialised before the statement runs), and the
history rows take their `at` from the updated rows, so history order is change order. The changed rows come back
from the same statement (`UPDATE … RETURNING`), and their history rows are bulk-inserted in the same transaction.

Uploads are the one event that creates rows: `Uploads` writes new vehicles and their history with the database's
fastest bulk path and brings deleted ones back through `apply(Event.UPLOAD, …)`.
"""

import datetime as dt
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import Exists, F, OuterRef, Value, sql
from django.db.models.functions import Now
from django.dispatch import Signal
from django.utils import timezone

from events import log
from events.models import CHANGES_PER_EVENT, EventType
from fleet.models import MakeActivation
from vehicles import bulk
from vehicles.choices import DELETED, V1_STATUS, Actor, Event, Party, Status
from vehicles.models import StatusChange, Vehicle
from vehicles.status.counts import adjust

# Sent (after commit) with the ids of vehicles that have just entered Pending: the approval chain starts there.
entered_pending = Signal()
# Sent (after commit) with the ids of vehicles that have just left Enabled (disabled or deleted) and `by`, who did
# it: their makes' providers are told to withdraw them (vehicles/tasks/approvals.py).
left_enabled = Signal()
# Sent (after commit) with the ids of vehicles that have just become Enabled: their first readings are fetched
# (vehicles/tasks/readings.py).
entered_enabled = Signal()

# The details an upload writes with each new or revived vehicle (after its status fields), in this order.
DETAIL_COLUMNS = ("name", "name_key", "license_plate")

MAKE_NOT_FOUND = "Make not found: the VIN's first three characters name no known maker"


@dataclass(frozen=True)
class Transition:
    event: Event
    sources: frozenset
    target: str  # a Status, or DELETED
    manager_action: bool = False  # offered in the VIN table's row menu and the API
    confirm_label: str = ""
    past_tense: str = ""
    consequence: str = ""  # what the confirmation says will happen to one VIN …
    consequence_many: str = ""  # … and to many
    destructive: bool = False


# A VIN not yet in the workspace: the source of a first upload.
NEW = ""

# The transition table of SPEC.md. An upload's target is decided by `initial_status` (Pending, Incomplete or Error).
TRANSITIONS = {
    t.event: t
    for t in [
        Transition(Event.UPLOAD, frozenset({NEW, DELETED}), Status.PENDING, past_tense="uploaded"),
        Transition(Event.ACTIVATE_MAKE, frozenset({Status.INCOMPLETE}), Status.PENDING, past_tense="activated"),
        Transition(Event.APPROVE, frozenset({Status.PENDING}), Status.ENABLED, past_tense="approved"),
        Transition(Event.REFUSE, frozenset({Status.PENDING}), Status.ERROR, past_tense="refused"),
        Transition(
            Event.DISABLE,
            frozenset({Status.ENABLED}),
            Status.DISABLED,
            manager_action=True,
            confirm_label="Approve",
            past_tense="disabled",
            consequence="Its data stops being available until it is enabled again.",
            consequence_many="Their data stops being available until they are enabled again.",
        ),
        Transition(
            Event.ENABLE,
            frozenset({Status.DISABLED, Status.ERROR}),
            Status.PENDING,  # or Incomplete if the make is not activated, or Error if it has no make
            manager_action=True,
            confirm_label="Approve",
            past_tense="enabled",
            consequence="It goes through approval again: it becomes Pending until the platform and the provider "
            "approve it.",
            consequence_many="They go through approval again.",
        ),
        Transition(
            Event.DELETE,
            frozenset({Status.INCOMPLETE, Status.ENABLED, Status.DISABLED, Status.ERROR}),
            DELETED,
            manager_action=True,
            confirm_label="Delete",
            past_tense="deleted",
            consequence="It disappears from every list and its data can no longer be read.",
            consequence_many="They disappear from every list and their data can no longer be read.",
            destructive=True,
        ),
    ]
}

MANAGER_EVENTS = [event for event, t in TRANSITIONS.items() if t.manager_action]


def is_allowed(event, status):
    return status in TRANSITIONS[event].sources


def manager_actions_for(status):
    """The manager's events allowed from this status, in menu order."""
    return [event for event in MANAGER_EVENTS if status in TRANSITIONS[event].sources]


def initial_status(make_id, make_active):
    """The status of a VIN uploaded for the first time: SPEC.md's upload row (`_enter_chain` is the same rule as
    a guarded update, for deleted VINs uploaded again and for enable)."""
    if make_id is None:
        return Status.ERROR
    return Status.PENDING if make_active else Status.INCOMPLETE


def _label(status):
    return Status(status).label if status in Status.values else (status or "new")


# Enabling an Error VIN that has no make would leave it in Error: refused, never recorded as Error → Error.
NO_MAKE_TO_ENABLE = "no make can be found for it, so enabling it would change nothing (delete it and upload it again)"


class TransitionNotAllowed(Exception):
    """A refused event: names the VIN, its status and the event. Nothing was changed."""

    def __init__(self, vin, status, event, why=""):
        self.vin, self.status, self.event = vin, status, Event(event)
        allowed = ", ".join(_label(s) for s in sorted(TRANSITIONS[self.event].sources))
        why = why or f"it cannot be {self.past_tense} (only from {allowed})"
        super().__init__(f"VIN {vin} is {_label(status)}: {why}.")

    @property
    def past_tense(self):
        return TRANSITIONS[self.event].past_tense


@dataclass(frozen=True)
class By:
    """Who or what makes a change, as the status history records it."""

    actor: Actor
    user: object = None
    name: str = ""

    @classmethod
    def manager(cls, user):
        return cls(Actor.USER, user, user.get_username())

    @classmethod
    def operator(cls, user=None):
        return cls(Actor.OPERATOR, user, user.get_username() if user else "operator")

    @classmethod
    def provider(cls, name="provider"):
        return cls(Actor.PROVIDER, None, name)

    @classmethod
    def system(cls, name="system"):
        return cls(Actor.SYSTEM, None, name)

    @classmethod
    def api(cls, client_name):
        return cls(Actor.API, None, client_name)


def _make_is_active():
    return Exists(
        MakeActivation.objects.filter(
            workspace=OuterRef("workspace"), make=OuterRef("make"), state=MakeActivation.State.ACTIVE
        )
    )


class ClockNow(Now):
    """The database's clock when the row is written: after the row lock on PostgreSQL (`clock_timestamp()`, not
    the statement's start), the statement's time on SQLite (whose writers are serialised before it runs)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CLOCK_TIMESTAMP()", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Six fractional digits, as Django writes datetimes on SQLite (which compares them as text): SQLite's %f
        # gives three, and "…01.123" would sort before "…01.123000", the same instant read back by a cursor.
        template = "STRFTIME('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M:%%%%f000', 'NOW')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


# What entering Pending resets: the whole approval chain runs again, from the start SPEC.md gives a fresh upload.
ENTERING_PENDING = dict(
    approval_round=F("approval_round") + 1,
    platform_approved_at=None,
    provider_approved_at=None,
    error_reason="",
)


# What a guarded update reads back from the rows it changed (UPDATE … RETURNING: no token column, no second read).
RETURNED = (
    "id",
    "workspace_id",
    "make_id",
    "previous_status",
    "status",
    "deleted_at",
    "error_reason",
    "status_changed_at",
    "vin",
)


def _update(vehicles, returning=RETURNED, **values):
    """One guarded UPDATE of the queryset's rows, returning the `returning` columns of each changed row."""
    query = vehicles.query.chain(sql.UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    try:
        statement, params = query.get_compiler(vehicles.db).as_sql()
    except EmptyResultSet:
        return []
    if not statement:
        return []
    with connections[vehicles.db].cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {', '.join(returning)}", params)
        return cursor.fetchall()


def _enter_chain(vehicles, common, without_make):
    """SPEC.md's upload row as guarded updates (`initial_status` is the same rule for rows not written yet):
    Pending if the make is activated for the workspace, else Incomplete, both with the approvals reset; Error,
    writing `without_make`, if no make can be found. Used by an upload of a deleted VIN and by enable."""
    with_make = vehicles.filter(make__isnull=False)
    return (
        _update(with_make.filter(_make_is_active()), status=Status.PENDING, **ENTERING_PENDING, **common)
        + _update(with_make.filter(~_make_is_active()), status=Status.INCOMPLETE, **ENTERING_PENDING, **common)
        + _update(vehicles.filter(make__isnull=True), status=Status.ERROR, **without_make, **common)
    )


def apply(event, vehicles, by, reason=""):
    """Apply `event` to every vehicle of the queryset whose status allows it (live ones; deleted ones for an
    upload, whose details the import engine has just written).

    Returns the ids of the vehicles that changed; the others are left exactly as they were.
    """
    transition = TRANSITIONS[event]
    common = dict(status_changed_at=ClockNow())

    with transaction.atomic():
        if event == Event.UPLOAD:  # a deleted VIN comes back as for a new upload; earlier approvals do not count
            revived = vehicles.filter(deleted_at__isnull=False)
            common.update(previous_status=Value(DELETED), deleted_at=None)
            # The error reason of a VIN without a make is the one the import engine has just written.
            without_make = {k: v for k, v in ENTERING_PENDING.items() if k != "error_reason"}
            return _record(event, _enter_chain(revived, common, without_make), by, reason)

        candidates = vehicles.filter(deleted_at__isnull=True, status__in=transition.sources)
        common["previous_status"] = F("status")
        if event == Event.DELETE:
            rows = _update(candidates, deleted_at=ClockNow(), **common)
        elif event == Event.ENABLE:
            # Error → Error (no make) would change nothing: refused (NO_MAKE_TO_ENABLE), never recorded.
            rows = _enter_chain(
                candidates.exclude(make__isnull=True, status=Status.ERROR), common, {"error_reason": MAKE_NOT_FOUND}
            )
        elif transition.target == Status.PENDING:
            rows = _update(candidates, status=Status.PENDING, **ENTERING_PENDING, **common)
        elif transition.target == Status.ERROR:
            rows = _update(candidates, status=Status.ERROR, error_reason=reason, **common)
        else:
            rows = _update(candidates, status=transition.target, **common)
        return _record(event, rows, by, reason)


def _iso(at):
    """An instant as the events say it: ISO-8601 UTC with `Z`. SQLite's RETURNING gives the stored UTC text
    ("2026-12-03 08:30:00.123456"), PostgreSQL an aware datetime."""
    if isinstance(at, str):
        return at.replace(" ", "T", 1) + "Z"
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def record_changes(event, by, changes, at=None):
    """The `vehicle.status_changed` events of these changes, in the caller's transaction: one per workspace and
    CHANGES_PER_EVENT changes, in one statement. `changes` are (workspace id, vin, from, to, reason, at);
    returns the event id of each change, in order. Stored as CHANGE_COLUMNS lists (events/models.py)."""
    by_workspace = defaultdict(list)
    for index, change in enumerate(changes):
        by_workspace[change[0]].append(index)
    instants = {}  # an upload's changes share one instant: formatted once
    rows, members = [], []
    for workspace_id, indexes in by_workspace.items():
        for start in range(0, len(indexes), CHANGES_PER_EVENT):
            chunk = indexes[start : start + CHANGES_PER_EVENT]
            compact = []
            for i in chunk:
                _ws, vin, before, after, reason, changed_at = changes[i]
                iso = instants.get(changed_at)
                if iso is None:
                    iso = instants[changed_at] = _iso(changed_at)
                compact.append((vin, before or None, after, V1_STATUS[after], reason, iso))
            rows.append(
                dict(
                    workspace_id=workspace_id,
                    type=EventType.VEHICLE_STATUS_CHANGED,
                    data={"event": str(event), "changes": compact},
                    actor=str(by.actor),
                    actor_name=by.name,
                    count=len(chunk),
                )
            )
            members.append(chunk)
    event_ids = [None] * len(changes)
    # One `created_at` for the events of one change (the activity log shows them as one line).
    for written, chunk in zip(log.record_many(rows, at=at), members, strict=True):
        for i in chunk:
            event_ids[i] = written.pk
    return event_ids


def _record(event, rows, by, reason):
    """History rows, events, counts and the signals (entered Pending, entered Enabled, left Enabled) for the rows
    a guarded update changed (the RETURNED columns). A constant number of statements whatever the number of rows:
    the history is one bulk insert (SQLite executemany, PostgreSQL COPY), its `at` the changed row's time; the
    events one per CHANGES_PER_EVENT changes, each history row naming its event."""
    if not rows:
        return []
    names, constants = bulk.columns(
        StatusChange,
        ["vehicle_id", "from_status", "to_status", "at", "reason", "log_event_id"],
        dict(
            event=str(event),
            actor=str(by.actor),
            user_id=by.user.pk if by.user is not None and by.user.pk else None,
            actor_name=by.name,
        ),
        skip=("id",),
    )
    changes = [
        (
            workspace_id,
            vin,
            before,
            DELETED if deleted_at is not None else status,
            error_reason if deleted_at is None and status == Status.ERROR else reason,
            at,
        )
        for _pk, workspace_id, _make, before, status, deleted_at, error_reason, at, vin in rows
    ]
    event_ids = record_changes(event, by, changes)
    history = [
        (row[0], change[2], change[3], change[5], change[4], event_id) + constants
        for row, change, event_id in zip(rows, changes, event_ids, strict=True)
    ]
    bulk.insert(StatusChange._meta.db_table, names, history)
    deltas = Counter()
    for _pk, workspace_id, make_id, before, status, deleted_at, _error, _at, _vin in rows:
        if before and before != DELETED:
            deltas[(workspace_id, make_id or 0, before)] -= 1
        if deleted_at is None:
            deltas[(workspace_id, make_id or 0, status)] += 1
    adjust(deltas)
    pending = [row[0] for row in rows if row[4] == Status.PENDING and row[5] is None]
    if pending:
        transaction.on_commit(lambda: entered_pending.send(sender=event, vehicle_ids=pending))
    enabled = [row[0] for row in rows if row[4] == Status.ENABLED and row[5] is None]
    if enabled:
        transaction.on_commit(lambda: entered_enabled.send(sender=event, vehicle_ids=enabled))
    left = [row[0] for row in rows if row[3] == Status.ENABLED]  # no transition goes Enabled → Enabled
    if left:
        transaction.on_commit(lambda: left_enabled.send(sender=event, vehicle_ids=left, by=by))
    return [row[0] for row in rows]


def fire(vehicle, event, by, reason=""):
    """One event on one vehicle: changes it, or raises TransitionNotAllowed and changes nothing."""
    changed = apply(event, Vehicle.all_objects.filter(pk=vehicle.pk), by, reason=reason)
    vehicle.refresh_from_db()
    if not changed:
        raise TransitionNotAllowed(
            vehicle.vin, DELETED if vehicle.is_deleted else vehicle.status, event, _why(vehicle, event)
        )
    return vehicle


def _why(vehicle, event):
    """The particular reason an allowed-looking event changed nothing, or "" for the table's own message."""
    if event == Event.ENABLE and not vehicle.is_deleted and vehicle.status == Status.ERROR and vehicle.make_id is None:
        return NO_MAKE_TO_ENABLE
    return ""


def _approval_field(party):
    return {Party.PLATFORM: "platform_approved_at", Party.PROVIDER: "provider_approved_at"}[Party(party)]


def approve(vehicles, party, by, reason="", approval_round=None):
    """Record one party's approval for the Pending vehicles of the queryset; both approvals → Enabled.

    Returns (ids whose approval was recorded, ids that became Enabled). `approval_round`, when given,
    limits the approval to the round it was asked for (a provider's late answer to an earlier request
    does not count).
    """
    pending = vehicles.filter(deleted_at__isnull=True, status=Status.PENDING)
    if approval_round is not None:
        pending = pending.filter(approval_round=approval_round)
    with transaction.atomic():
        recorded = [row[0] for row in _update(pending, returning=("id",), **{_approval_field(party): ClockNow()})]
        both = pending.filter(platform_approved_at__isnull=False, provider_approved_at__isnull=False)
        enabled = apply(Event.APPROVE, both, by, reason=reason) if recorded else []
    return recorded, enabled


def refuse(vehicles, party, by, reason, approval_round=None):
    """One party refuses the Pending vehicles of the queryset: → Error, with the reason."""
    party = Party(party)
    reason = f"Refused by the {party.label.lower()}: {reason}" if reason else f"Refused by the {party.label.lower()}"
    if approval_round is not None:
        vehicles = vehicles.filter(approval_round=approval_round)
    return apply(Event.REFUSE, vehicles, by, reason=reason)


def approve_one(vehicle, party, by, reason=""):
    recorded, enabled = approve(Vehicle.all_objects.filter(pk=vehicle.pk), party, by, reason=reason)
    vehicle.refresh_from_db()
    if not recorded:
        raise TransitionNotAllowed(vehicle.vin, DELETED if vehicle.is_deleted else vehicle.status, Event.APPROVE)
    return vehicle


def refuse_one(vehicle, party, by, reason):
    changed = refuse(Vehicle.all_objects.filter(pk=vehicle.pk), party, by, reason)
    vehicle.refresh_from_db()
    if not changed:
        raise TransitionNotAllowed(vehicle.vin, DELETED if vehicle.is_deleted else vehicle.status, Event.REFUSE)
    return vehicle


def activate_make(workspace, make, by, note=""):
    """Complete a make's activation for a workspace; its Incomplete VINs move to Pending in one step.

    Returns the ids of the vehicles that moved.
    """
    with transaction.atomic():
        activation, _ = MakeActivation.objects.get_or_create(workspace=workspace, make=make, defaults={"note": note})
        completed = not activation.is_active and MakeActivation.objects.filter(
            pk=activation.pk, state=activation.state
        ).update(
            state=MakeActivation.State.ACTIVE,
            activated_at=timezone.now(),
            activated_by=by.user if by.user is not None and by.user.pk else None,
        )
        moved = apply(
            Event.ACTIVATE_MAKE,
            Vehicle.objects.filter(workspace=workspace, make=make),
            by,
            reason=note or f"Make {make.name} activated",
        )
        if completed:
            data = {"make": make.name, "note": note, "vehicles": len(moved)}
            log.record(workspace.pk, EventType.MAKE_ACTIVATION_COMPLETED, data, str(by.actor), by.name)
        return moved


def refused_reason(vehicle, event):
    """The message for an event that did not change this vehicle (for per-VIN answers)."""
    return str(TransitionNotAllowed(vehicle.vin, vehicle.status, event, _why(vehicle, event)))


class Uploads:
    """The upload event for many VINs at once, as the import engine hands them over in batches (one transaction).

    `insert(workspace_id, new)` writes new vehicles with their initial status by the database's fastest bulk path
    (SQLite `executemany`, PostgreSQL `COPY`) and has the database copy their history rows from them
    (`insert_history`); `revive(pks)` brings deleted vehicles back through the guarded update
    `apply(Event.UPLOAD, …)` (earlier approvals do not count); `finish()` writes the count deltas and sends
    `entered_pending` for the new Pending vehicles after commit (the revived ones are sent by `apply`). A constant
    number of statements per batch, whatever its size.
    """

    def __init__(self, by, now):
        self.by = by
        self.sqlite = connection.vendor == "sqlite"
        self.vehicle_table = Vehicle._meta.db_table
        self.history_table = StatusChange._meta.db_table
        at = connection.ops.adapt_datetimefield_value(now)
        self.vehicle_columns, self.vehicle_constants = bulk.columns(
            Vehicle,
            ["id", "workspace_id", "vin", "odometer", "odometer_unit", "make_id", "status", "error_reason"]
            + list(DETAIL_COLUMNS),
            dict(created_at=at, status_changed_at=at, approval_round=1, deleted_at=None, previous_status=NEW),
        )
        user_id = by.user.pk if by.user is not None and by.user.pk else None
        self.now = now
        self.history_columns, self.history_constants = bulk.columns(
            StatusChange,
            ["vehicle_id", "from_status", "to_status", "reason", "log_event_id"],
            dict(event=Event.UPLOAD.value, at=at, actor=str(by.actor), user_id=user_id, actor_name=by.name),
            skip=("id",),
        )
        self.next_id = None  # SQLite: the next free id
        self.sequence = None  # PostgreSQL: the ids' sequence
        self.deltas = Counter()
        self.pending = array("q")

    def insert(self, workspace_id, new):
        """New vehicles from (vin, odometer, unit, make_id, status, error reason, *DETAIL_COLUMNS), status from
        `initial_status`; returns their ids, ascending, in the order given."""
        ids = self.insert_vehicles(workspace_id, new)
        event_ids = record_changes(
            Event.UPLOAD, self.by, [(workspace_id, row[0], NEW, row[4], row[5], self.now) for row in new], at=self.now
        )
        self.insert_history(workspace_id, ids, event_ids)
        for pk, row in zip(ids, new, strict=True):
            make_id, status = row[3], row[4]
            self.deltas[(workspace_id, make_id or 0, status)] += 1
            if status == Status.PENDING:
                self.pending.append(pk)
        return ids

    def revive(self, revived):
        """Deleted vehicles come back with what was uploaded now, from (pk, odometer, unit, make_id, error reason,
        *DETAIL_COLUMNS): one UPDATE of their details, then the guarded update of the upload event."""
        if not revived:
            return
        details = "".join(f", {name} = %s" for name in DETAIL_COLUMNS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {self.vehicle_table} SET odometer = %s, odometer_unit = %s, make_id = %s, error_reason = %s"
                f"{details} WHERE id = %s AND deleted_at IS NOT NULL",
                [(*row[1:], row[0]) for row in revived],
            )
        apply(Event.UPLOAD, Vehicle.all_objects.filter(pk__in=[row[0] for row in revived]), self.by)

    def finish(self):
        adjust(self.deltas)
        if self.pending:
            pending = self.pending.tolist()
            transaction.on_commit(lambda: entered_pending.send(sender=Event.UPLOAD, vehicle_ids=pending))

    def _allocate_ids(self, n):
        with connection.cursor() as cursor:
            if self.sqlite:
                if self.next_id is None:
                    cursor.execute(f"SELECT max(id) FROM {self.vehicle_table}")
                    top = cursor.fetchone()[0] or 0
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.vehicle_table])
                    row = cursor.fetchone()
                    self.next_id = max(top, row[0] if row else 0) + 1
                ids = list(range(self.next_id, self.next_id + n))
                self.next_id += n
                return ids
            if self.sequence is None:  # its name, looked up once (not once per id)
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.vehicle_table])
                self.sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self.sequence, n])
            return sorted(row[0] for row in cursor.fetchall())  # ascending, as the engine's lookups need

    def insert_vehicles(self, workspace_id, new):
        if not new:
            return []
        ids = self._allocate_ids(len(new))
        constants = self.vehicle_constants
        rows = [(pk, workspace_id, *row) + constants for pk, row in zip(ids, new, strict=True)]
        bulk.insert(self.vehicle_table, self.vehicle_columns, rows)
        return ids

    def insert_history(self, workspace_id, ids, event_ids):
        """One history row per new vehicle (ids ascending, each with its event's id), copied by the database from
        the rows just written — from nothing to their status, the reason their error reason — one INSERT … SELECT
        per run of consecutive ids that share an event (a hundred rows each): nothing is built or sent per row.
        The workspace is locked by the import, so the ids' range holds no other import's vehicle."""
        runs = []
        for pk, event_id in zip(ids, event_ids, strict=True):
            if runs and runs[-1][0] == event_id and runs[-1][2] == pk - 1:
                runs[-1][2] = pk
            else:
                runs.append([event_id, pk, pk])
        if not runs:
            return
        names = ", ".join(self.history_columns)
        marks = ", ".join(["%s"] * len(self.history_constants))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.history_table} ({names}) SELECT id, %s, status, error_reason, %s, {marks} "
                f"FROM {self.vehicle_table} WHERE workspace_id = %s AND id BETWEEN %s AND %s",
                [(NEW, event_id, *self.history_constants, workspace_id, first, last) for event_id, first, last in runs],
            )
