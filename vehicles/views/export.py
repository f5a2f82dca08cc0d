"""`/workspaces/<slug>/vehicles/export.csv`: every vehicle the VIN table's filters, search and sort select (all
pages), streamed in bounded memory (a server-side cursor on PostgreSQL, chunked reads on SQLite)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from fleet.access import get_workspace_for
from vehicles import bulk, spreadsheet
from vehicles.filters import VehicleFilterSet, filter_errors
from vehicles.models import Vehicle
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
CHUNK = 2000


# SQLite's page cache while an export streams (KiB): a million rows read once need no 64 MB cache.
SQLITE_EXPORT_CACHE_KIB = 4_000


def vehicle_rows(queryset):
    with bulk.bounded_sqlite_cache(SQLITE_EXPORT_CACHE_KIB):
        yield from _rows(queryset)


def _rows(queryset):
    for vin, make, year, odometer, unit, status, changed, error in queryset.values_list(
        "vin",
        "make__name",
        "model_year",
        "odometer",
        "odometer_unit",
        "status",
        "status_changed_at",
        "error_reason",
    ).iterator(chunk_size=CHUNK):
        changed = changed.isoformat().replace("+00:00", "Z") if changed else ""
        # name, license_plate and labels: columns of SPEC.md's export, empty until vehicles carry them.
        yield [vin, make, year, odometer, unit, status, changed, error, "", "", ""]


@login_required
@require_GET
def vehicle_export(request, slug):
    workspace, _ = get_workspace_for(request.user, slug)
    filterset = VehicleFilterSet(request.GET, queryset=Vehicle.objects.filter(workspace=workspace))
    if not filterset.is_valid():
        message = "The export was not made: " + "; ".join(filter_errors(filterset)) + "\n"
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    table = VehicleTable(filterset.qs)
    RequestConfig(request, paginate=False).configure(table)  # the table's own `sort`
    filename = f"{workspace.slug}-vehicles-{timezone.now():%Y-%m-%d}.csv"
    return spreadsheet.csv_response(COLUMNS, vehicle_rows(table.data.data), filename)
