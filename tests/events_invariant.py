"""The change log's invariant (SPEC.md "Events"): no change without its event, no event without its changes.

Every status history row names a `vehicle.status_changed` event of its vehicle's workspace that carries it (the
same VIN, statuses, reason and time), and every such event carries exactly its history rows (at most 100).
Every edit of a vehicle's details is a `vehicle.updated` event: a vehicle whose `details_changed_at` is set has
an event of its workspace, for its VIN, written at that instant (vehicles/editing.py writes both together).
Checked after every database test (tests/conftest.py), on SQLite and on PostgreSQL.
"""

from collections import defaultdict

from events.models import CHANGES_PER_EVENT, Event, EventType
from vehicles.choices import V1_STATUS
from vehicles.models import StatusChange, Vehicle


def problems():
    found = []
    events = {e.pk: e for e in Event.objects.filter(type=EventType.VEHICLE_STATUS_CHANGED)}
    carried = defaultdict(list)
    for row in StatusChange.objects.select_related("vehicle").order_by("id"):
        event = events.get(row.log_event_id)
        if event is None:
            found.append(f"history row {row.pk} ({row.vehicle.vin} → {row.to_status}) has no event")
            continue
        if event.workspace_id != row.vehicle.workspace_id:
            found.append(f"history row {row.pk} is carried by an event of another workspace")
        carried[event.pk].append(row)
    for pk, event in events.items():
        rows = carried.get(pk, [])
        changes = event.public_data().get("changes", [])
        if not rows:
            found.append(f"event {pk} carries no history row")
        if not 0 < len(changes) <= CHANGES_PER_EVENT or len(changes) != event.count:
            found.append(f"event {pk} has {len(changes)} changes and says {event.count}")
        ours = sorted((r.vehicle.vin, r.from_status or None, r.to_status, r.reason, r.event) for r in rows)
        theirs = sorted((c["vin"], c["from_status"], c["to_status"], c["reason"], c["event"]) for c in changes)
        if ours != theirs:
            found.append(f"event {pk}'s changes are not its history rows: {theirs[:3]} … vs {ours[:3]} …")
        for change in changes:
            if change["v1_status"] != V1_STATUS[change["to_status"]] or not change["at"].endswith("Z"):
                found.append(f"event {pk}: change {change} is not in the contract's words")
    updated = set(
        Event.objects.filter(type=EventType.VEHICLE_UPDATED).values_list("workspace_id", "data__vin", "created_at")
    )
    edited = Vehicle.all_objects.filter(details_changed_at__isnull=False)
    for workspace_id, vin, at in edited.values_list("workspace_id", "vin", "details_changed_at"):
        if (workspace_id, vin, at) not in updated:
            found.append(f"vehicle {vin} was edited at {at} without its vehicle.updated event")
    return found
