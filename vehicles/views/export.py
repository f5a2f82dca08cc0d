"""`/workspaces/<slug>/vehicles/export.csv`: every vehicle the VIN table's filters, search and sort select (all
pages), streamed in bounded memory (a server-side cursor on PostgreSQL, chunked reads on SQLite)."""

from collections import defaultdict
from itertools import islice

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from fleet.access import get_workspace_for
from vehicles import bulk, spreadsheet
from vehicles.details import LABEL_SEPARATOR
from vehicles.filters import VehicleFilterSet, filter_errors
from vehicles.models import Vehicle, VehicleLabel
from vehicles.views.tables import VehicleTable

# SPEC.md's columns, in order.
COLUMNS = [
    "vin",
    "make",
    "model_year",
    "odometer",
    "odometer_unit",
    "status",
    "status_changed_at",
    "error_reason",
    "name",
    "license_plate",
    "labels",
]
# What each column but the last (the labels, read apart) is read from: the vehicle's field of the column's name,
# or the one named here.
FIELDS = [{"make": "make__name"}.get(column, column) for column in COLUMNS[:-1]]
CHANGED = FIELDS.index("status_changed_at")
CHUNK = 2000


# SQLite's page cache while an export streams (KiB): a million rows read once need no 64 MB cache.
SQLITE_EXPORT_CACHE_KIB = 4_000


def vehicle_rows(queryset):
    with bulk.bounded_sqlite_cache(SQLITE_EXPORT_CACHE_KIB):
        yield from _rows(queryset)


def _rows(queryset):
    """The rows, CHUNK at a time: one query for the vehicles (streamed) and one for each chunk's labels."""
    values = queryset.values_list("pk", *FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(islice(values, CHUNK)):
        labels = defaultdict(list)
        pairs = VehicleLabel.objects.filter(vehicle_id__in=[row[0] for row in chunk]).order_by("label__key")
        for pk, name in pairs.values_list("vehicle_id", "label__name"):
            labels[pk].append(name)
        for pk, *row in chunk:
            changed = row[CHANGED]
            row[CHANGED] = changed.isoformat().replace("+00:00", "Z") if changed else ""
            row.append(LABEL_SEPARATOR.join(labels[pk]))
            yield row


@login_required
@require_GET
def vehicle_export(request, slug):
    workspace, _ = get_workspace_for(request.user, slug)
    filterset = VehicleFilterSet(request.GET, queryset=Vehicle.objects.filter(workspace=workspace), workspace=workspace)
    if not filterset.is_valid():
        message = "The export was not made: " + "; ".join(filter_errors(filterset)) + "\n"
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    table = VehicleTable(filterset.qs)
    RequestConfig(request, paginate=False).configure(table)  # the table's own `sort`
    filename = f"{workspace.slug}-vehicles-{timezone.now():%Y-%m-%d}.csv"
    return spreadsheet.csv_response(COLUMNS, vehicle_rows(table.data.data), filename)
