"""`GET /api/v2/vehicle-management/vehicles/export.csv` (v2 only): every vehicle the list's filters select, as
CSV, streamed in bounded memory — the VIN table's export for clients, with the same columns and the same
formula-safe cells (vehicles/spreadsheet.py)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from vehicles import spreadsheet
from vehicles.api.auth import workspace_of
from vehicles.api.views import VEHICLE_ORDER, ApiView, _errors, filter_vehicles
from vehicles.choices import Status
from vehicles.models import Vehicle
from vehicles.views.export import COLUMNS, vehicle_rows


class VehicleExportView(ApiView):
    @extend_schema(
        operation_id="v2_export_vehicles",
        tags=["v2 vehicle management"],
        summary="Export the filtered vehicles as CSV (all of them, streamed)",
        description="Every vehicle the list's filters select (not one page), newest change first, as CSV with the "
        f"columns {', '.join(COLUMNS)}. Text cells that a spreadsheet would run as a formula start with `'`.",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values, description="Filter by status."),
            OpenApiParameter("make", OpenApiTypes.STR, description="Filter by make name (any case)."),
            OpenApiParameter("vin", OpenApiTypes.STR, description="VINs starting with this."),
            OpenApiParameter(
                "updated_since", OpenApiTypes.DATETIME, description="Status changed at or after this instant."
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, a header and one row per vehicle"),
            **_errors(400),
        },
    )
    def get(self, request):
        workspace = workspace_of(request)
        queryset = filter_vehicles(
            Vehicle.objects.filter(workspace=workspace), request.query_params, "v2", workspace=workspace
        )
        filename = f"{workspace.slug}-vehicles-{timezone.now():%Y-%m-%d}.csv"
        return spreadsheet.csv_response(COLUMNS, vehicle_rows(queryset.order_by(*VEHICLE_ORDER)), filename)
