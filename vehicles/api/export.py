"""`GET /api/v2/vehicle-management/vehicles/export.csv` (v2 only): every vehicle the list's filters select, as
CSV, streamed in bounded memory — the VIN table's export for clients, with the same columns and the same
formula-safe cells (vehicles/spreadsheet.py)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from vehicles import spreadsheet
from vehicles.api.auth import workspace_of
from vehicles.api.views import (
    LIST_PARAMS,
    STATUS_V2_PARAM,
    VEHICLE_MANAGEMENT,
    VEHICLE_ORDER,
    ApiView,
    _errors,
    filter_vehicles,
)
from vehicles.models import Vehicle
from vehicles.views.export import COLUMNS, vehicle_rows


class VehicleExportView(ApiView):
    versions = ("v2",)

    @extend_schema(
        operation_id="export_vehicles",
        tags=[VEHICLE_MANAGEMENT],
        summary="Export the filtered vehicles as CSV (all of them, streamed)",
        description="Every vehicle the list's filters select (not one page), newest change first, as CSV with the "
        f"columns {', '.join(COLUMNS)}. Text cells that a spreadsheet would run as a formula start with `'`.",
        parameters=[STATUS_V2_PARAM, *LIST_PARAMS],  # the list's filters, without the second release's
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, a header and one row per vehicle"),
            **_errors(400),
        },
    )
    def get(self, request):
        workspace = workspace_of(request)
        queryset = filter_vehicles(
            Vehicle.objects.filter(workspace=workspace), request.query_params, request.version, workspace=workspace
        )
        filename = f"{workspace.slug}-vehicles-{timezone.now():%Y-%m-%d}.csv"
        return spreadsheet.csv_response(COLUMNS, vehicle_rows(queryset.order_by(*VEHICLE_ORDER)), filename)
