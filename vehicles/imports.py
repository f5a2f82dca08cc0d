"""The import engine: validated VIN entries in, per-entry outcomes out, vehicles and history written in bulk.

Every way of adding VINs (the form, the CSV upload, `import_vins`, the API) goes through `add_vehicles`.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fleet.models import Make, MakeActivation

from .choices import DELETED, Event, Status
from .transitions import MAKE_NOT_FOUND, initial_status, record_changes
from .vins import make_name_for_vin


class Outcome:
    ADDED = "added"
    READDED = "re-added"
    DUPLICATE = "duplicate"
    REPEATED = "repeated"
    INVALID = "invalid"


@dataclass
class Entry:
    """One VIN to add, already normalised and validated (see `vins.validate_vin`)."""

    vin: str
    odometer: int | None = None
    odometer_unit: str = "km"
    make_name: str = ""
    line: int | None = None


@dataclass
class Result:
    entry: Entry
    outcome: str
    status: str = ""
    reason: str = ""
    vehicle_id: int | None = None
    extra: dict = field(default_factory=dict)


def resolve_makes(names):
    """{lower-case name: Make} for maker names, creating the Make rows that do not exist yet."""
    names = {name for name in names if name}
    if not names:
        return {}
    existing = {m.name.lower(): m for m in Make.objects.filter(name__in=names)}
    missing = {n for n in names if n.lower() not in existing}
    if missing:
        for make in Make.objects.all():
            existing.setdefault(make.name.lower(), make)
        to_create = {n.lower(): n for n in missing if n.lower() not in existing}
        Make.objects.bulk_create([Make(name=n) for n in to_create.values()], ignore_conflicts=True)
        for make in Make.objects.filter(name__in=to_create.values()):
            existing[make.name.lower()] = make
    return existing


def add_vehicles(workspace, entries, by):
    """Add (or bring back) the entries' VINs to the workspace; one Result per entry, in order."""
    from .models import Vehicle

    now = timezone.now()
    results = []
    seen = {}
    wanted = []
    for entry in entries:
        if entry.vin in seen:
            first = seen[entry.vin]
            where = f" (first on line {first.line})" if first.line else ""
            results.append(Result(entry, Outcome.REPEATED, reason=f"VIN {entry.vin} is repeated in the file{where}"))
            continue
        seen[entry.vin] = entry
        entry.make_name = entry.make_name or (make_name_for_vin(entry.vin) or "")
        results.append(Result(entry, Outcome.ADDED))
        wanted.append(entry)

    makes = resolve_makes(e.make_name for e in wanted)
    active = set(
        MakeActivation.objects.filter(workspace=workspace, state=MakeActivation.State.ACTIVE).values_list(
            "make_id", flat=True
        )
    )

    with transaction.atomic():
        existing = {}
        vins = [e.vin for e in wanted]
        for start in range(0, len(vins), 5000):
            rows = Vehicle.all_objects.filter(workspace=workspace, vin__in=vins[start : start + 5000])
            for pk, vin, deleted_at in rows.values_list("pk", "vin", "deleted_at").order_by("deleted_at"):
                # A live row wins over deleted ones; among deleted ones, the latest.
                if vin not in existing or existing[vin][1] is not None:
                    existing[vin] = (pk, deleted_at)

        new, revived = [], []
        for result in results:
            if result.outcome != Outcome.ADDED:
                continue
            entry = result.entry
            make = makes.get(entry.make_name.lower()) if entry.make_name else None
            status = initial_status(make.pk if make else None, make is not None and make.pk in active)
            result.status = status
            found = existing.get(entry.vin)
            fields = dict(
                make=make,
                odometer=entry.odometer,
                odometer_unit=entry.odometer_unit or "km",
                status=status,
                error_reason="" if make else MAKE_NOT_FOUND,
                status_changed_at=now,
                platform_approved_at=None,
                provider_approved_at=None,
            )
            if found and found[1] is None:
                result.outcome = Outcome.DUPLICATE
                result.status = ""
                result.reason = f"VIN {entry.vin} is already in this workspace"
                result.vehicle_id = found[0]
            elif found:
                result.outcome = Outcome.READDED
                vehicle = Vehicle(pk=found[0], deleted_at=None, previous_status=DELETED, **fields)
                revived.append((result, vehicle))
            else:
                vehicle = Vehicle(workspace=workspace, vin=entry.vin, created_at=now, approval_round=1, **fields)
                new.append((result, vehicle))

        Vehicle.objects.bulk_create([v for _, v in new], batch_size=2000)
        if revived:
            Vehicle.all_objects.bulk_update(
                [v for _, v in revived],
                [
                    "make",
                    "odometer",
                    "odometer_unit",
                    "status",
                    "error_reason",
                    "status_changed_at",
                    "platform_approved_at",
                    "provider_approved_at",
                    "deleted_at",
                    "previous_status",
                ],
                batch_size=2000,
            )
            Vehicle.all_objects.filter(pk__in=[v.pk for _, v in revived]).update(approval_round=F("approval_round") + 1)
        changed = []
        for result, vehicle in new + revived:
            result.vehicle_id = vehicle.pk
            before = DELETED if result.outcome == Outcome.READDED else ""
            changed.append(
                (vehicle.pk, workspace.pk, vehicle.make_id, before, vehicle.status, None, vehicle.error_reason)
            )
        record_changes(Event.UPLOAD, changed, by, "", now)
    return results


def summarise(results):
    """Counts per outcome and per resulting status."""
    outcomes = {
        name: 0 for name in (Outcome.ADDED, Outcome.READDED, Outcome.DUPLICATE, Outcome.REPEATED, Outcome.INVALID)
    }
    statuses = dict.fromkeys(Status.values, 0)
    for result in results:
        outcomes[result.outcome] += 1
        if result.status:
            statuses[result.status] += 1
    return {"outcomes": outcomes, "statuses": statuses}
