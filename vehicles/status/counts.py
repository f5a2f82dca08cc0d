"""Live vehicle counts per workspace, make and status (`VehicleCount`), kept by every write.

`adjust` is called by the status machine and the import engine inside the transaction of their change;
`recount` rebuilds a workspace's counts from the vehicles (one GROUP BY; for repairs and tests).
"""

from django.db import transaction
from django.db.models import Count, F, Sum

from vehicles.choices import Status
from vehicles.models import Vehicle, VehicleCount


def adjust(deltas):
    """Apply {(workspace_id, make_key, status): delta}; rows are touched in a fixed order (no deadlocks)."""
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if not deltas:
        return
    VehicleCount.objects.bulk_create(
        [VehicleCount(workspace_id=w, make_key=m, status=s, count=0) for (w, m, s) in sorted(deltas)],
        ignore_conflicts=True,
    )
    for (workspace_id, make_key, status), delta in sorted(deltas.items()):
        VehicleCount.objects.filter(workspace_id=workspace_id, make_key=make_key, status=status).update(
            count=F("count") + delta
        )


def recount(workspace):
    """Rebuild the counts of one workspace from its live vehicles."""
    rows = Vehicle.objects.filter(workspace=workspace).values("make_id", "status").annotate(n=Count("pk")).order_by()
    with transaction.atomic():
        VehicleCount.objects.filter(workspace=workspace).delete()
        VehicleCount.objects.bulk_create(
            [
                VehicleCount(workspace=workspace, make_key=row["make_id"] or 0, status=row["status"], count=row["n"])
                for row in rows
            ]
        )


def status_counts(workspace):
    """{status: count} for every status (zeros included), from the kept counts."""
    counts = dict.fromkeys(Status.values, 0)
    for row in VehicleCount.objects.filter(workspace=workspace).values("status").annotate(n=Sum("count")):
        counts[row["status"]] = row["n"]
    return counts


def make_counts(workspace):
    """{make_key: {status: count}} from the kept counts (make_key 0: make not found)."""
    result = {}
    for row in VehicleCount.objects.filter(workspace=workspace, count__gt=0).values("make_key", "status", "count"):
        result.setdefault(row["make_key"], dict.fromkeys(Status.values, 0))[row["status"]] = row["count"]
    return result
