"""The VIN status machine: one table of allowed transitions, and the guarded updates that apply it.

Every surface (the VIN table, the admin, the API, the commands, the provider tasks) asks this module what is
allowed and asks it to make the change. A change is one conditional UPDATE (`WHERE status IN sources`), so two
people acting on the same VIN at once can never both succeed where only one transition is allowed; the rows it
touched are read back through a token written by the same UPDATE, and their history rows are bulk-inserted in
the same transaction.
"""

import uuid
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef
from django.dispatch import Signal
from django.utils import timezone

from fleet.models import MakeActivation
from vehicles.choices import DELETED, Actor, Event, Party, Status
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

MAKE_NOT_FOUND = "Make not found: the VIN's first three characters name no known maker"


@dataclass(frozen=True)
class Transition:
    event: Event
    sources: frozenset
    target: str  # a Status, or DELETED
    manager_action: bool = False  # offered in the VIN table's row menu and the API
    confirm_label: str = ""
    past_tense: str = ""


# The transition table of SPEC.md. Upload is decided by `initial_status`, since it has no source status.
TRANSITIONS = {
    t.event: t
    for t in [
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
        ),
        Transition(
            Event.ENABLE,
            frozenset({Status.DISABLED, Status.ERROR}),
            Status.PENDING,  # or Incomplete if the make is not activated, or Error if it has no make
            manager_action=True,
            confirm_label="Approve",
            past_tense="enabled",
        ),
        Transition(
            Event.DELETE,
            frozenset({Status.INCOMPLETE, Status.ENABLED, Status.DISABLED, Status.ERROR}),
            DELETED,
            manager_action=True,
            confirm_label="Delete",
            past_tense="deleted",
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
    """The status of a VIN that is uploaded (or re-uploaded): SPEC.md's upload row."""
    if make_id is None:
        return Status.ERROR
    return Status.PENDING if make_active else Status.INCOMPLETE


class TransitionNotAllowed(Exception):
    """A refused event: names the VIN, its status and the event. Nothing was changed."""

    def __init__(self, vin, status, event):
        self.vin, self.status, self.event = vin, status, Event(event)
        allowed = ", ".join(Status(s).label for s in sorted(TRANSITIONS[self.event].sources))
        label = Status(status).label if status in Status.values else status
        super().__init__(f"VIN {vin} is {label}: it cannot be {self.past_tense} (only from {allowed}).")

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


def apply(event, vehicles, by, reason=""):
    """Apply `event` to every live vehicle of the queryset whose status allows it.

    Returns the ids of the vehicles that changed; the others are left exactly as they were.
    """
    transition = TRANSITIONS[event]
    now = timezone.now()
    token = uuid.uuid4().hex
    candidates = vehicles.filter(deleted_at__isnull=True, status__in=transition.sources)
    common = dict(previous_status=F("status"), change_token=token, status_changed_at=now)
    entering_pending = dict(
        approval_round=F("approval_round") + 1,
        platform_approved_at=None,
        provider_approved_at=None,
        error_reason="",
    )

    with transaction.atomic():
        if event == Event.DELETE:
            candidates.update(deleted_at=now, **common)
        elif event == Event.ENABLE:
            # The whole approval chain runs again, from the start SPEC.md gives a fresh upload.
            with_make = candidates.filter(make__isnull=False)
            with_make.filter(_make_is_active()).update(status=Status.PENDING, **entering_pending, **common)
            with_make.filter(~_make_is_active()).update(status=Status.INCOMPLETE, **entering_pending, **common)
            candidates.filter(make__isnull=True).update(status=Status.ERROR, error_reason=MAKE_NOT_FOUND, **common)
        elif transition.target == Status.PENDING:
            candidates.update(status=Status.PENDING, **entering_pending, **common)
        elif transition.target == Status.ERROR:
            candidates.update(status=Status.ERROR, error_reason=reason, **common)
        else:
            candidates.update(status=transition.target, **common)

        return _record_by_token(event, token, by, reason, now)


def _record_by_token(event, token, by, reason, now):
    """History rows, counts and the signals (entered Pending, left Enabled) for the rows one guarded update marked
    with `token`.

    A constant number of statements whatever the number of rows: the history is one INSERT … SELECT.
    """
    vehicles = Vehicle.all_objects.filter(change_token=token)
    history, vehicle_table = StatusChange._meta.db_table, Vehicle._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {history}
                (vehicle_id, event, from_status, to_status, at, actor, user_id, actor_name, reason)
            SELECT id, %s, previous_status,
                   CASE WHEN deleted_at IS NULL THEN status ELSE %s END,
                   %s, %s, %s, %s,
                   CASE WHEN deleted_at IS NULL AND status = %s THEN error_reason ELSE %s END
            FROM {vehicle_table} WHERE change_token = %s
            """,
            [
                str(event),
                DELETED,
                connection.ops.adapt_datetimefield_value(now),
                str(by.actor),
                by.user.pk if by.user is not None and by.user.pk else None,
                by.name,
                Status.ERROR,
                reason,
                token,
            ],
        )
    deltas = Counter()
    groups = vehicles.values_list("workspace_id", "make_id", "previous_status", "status", "deleted_at").annotate(
        n=Count("pk")
    )
    for workspace_id, make_id, before, after, deleted_at, n in groups.order_by():
        if before and before != DELETED:
            deltas[(workspace_id, make_id or 0, before)] -= n
        if deleted_at is None:
            deltas[(workspace_id, make_id or 0, after)] += n
    adjust(deltas)
    rows = list(vehicles.values_list("pk", "status", "deleted_at", "previous_status"))
    pending = [pk for pk, status, deleted_at, _ in rows if status == Status.PENDING and deleted_at is None]
    if pending:
        transaction.on_commit(lambda: entered_pending.send(sender=event, vehicle_ids=pending))
    enabled = [pk for pk, status, deleted_at, _ in rows if status == Status.ENABLED and deleted_at is None]
    if enabled:
        transaction.on_commit(lambda: entered_enabled.send(sender=event, vehicle_ids=enabled))
    left = [pk for pk, _, _, before in rows if before == Status.ENABLED]  # no transition goes Enabled → Enabled
    if left:
        transaction.on_commit(lambda: left_enabled.send(sender=event, vehicle_ids=left, by=by))
    return [pk for pk, _, _, _ in rows]


def fire(vehicle, event, by, reason=""):
    """One event on one vehicle: changes it, or raises TransitionNotAllowed and changes nothing."""
    changed = apply(event, Vehicle.all_objects.filter(pk=vehicle.pk), by, reason=reason)
    vehicle.refresh_from_db()
    if not changed:
        raise TransitionNotAllowed(vehicle.vin, DELETED if vehicle.is_deleted else vehicle.status, event)
    return vehicle


def _approval_field(party):
    return {Party.PLATFORM: "platform_approved_at", Party.PROVIDER: "provider_approved_at"}[Party(party)]


def approve(vehicles, party, by, reason="", approval_round=None):
    """Record one party's approval for the Pending vehicles of the queryset; both approvals → Enabled.

    Returns (ids whose approval was recorded, ids that became Enabled). `approval_round`, when given,
    limits the approval to the round it was asked for (a provider's late answer to an earlier request
    does not count).
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    pending = vehicles.filter(deleted_at__isnull=True, status=Status.PENDING)
    if approval_round is not None:
        pending = pending.filter(approval_round=approval_round)
    with transaction.atomic():
        pending.update(**{_approval_field(party): now, "change_token": token})
        recorded = list(Vehicle.all_objects.filter(change_token=token).values_list("pk", flat=True))
        both = Vehicle.all_objects.filter(
            change_token=token, platform_approved_at__isnull=False, provider_approved_at__isnull=False
        )
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
        if not activation.is_active:
            MakeActivation.objects.filter(pk=activation.pk).update(
                state=MakeActivation.State.ACTIVE,
                activated_at=timezone.now(),
                activated_by=by.user if by.user is not None and by.user.pk else None,
            )
        return apply(
            Event.ACTIVATE_MAKE,
            Vehicle.objects.filter(workspace=workspace, make=make),
            by,
            reason=note or f"Make {make.name} activated",
        )


def refused_reason(vehicle, event):
    """The message for an event the vehicle's current status does not allow (for per-VIN answers)."""
    return str(TransitionNotAllowed(vehicle.vin, vehicle.status, event))
