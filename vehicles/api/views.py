"""The REST API's views: one implementation for v1 and v2, which differ only in how statuses are spoken.

Each view is thin: the token gives the workspace (auth.py), then it asks the status machine, the import engine
or the data gate. One class serves both versions: DRF's NamespaceVersioning gives it `request.version` (`v1`,
`v2`, the URL namespaces of vehicles/api/urls.py); each method's `@extend_schema` describes it, once per version
(`versions=[…]`) where v1 and v2 differ.
"""

import datetime as dt
import functools

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from vehicles import editing
from vehicles.api import serializers as s
from vehicles.api.auth import by, status_data_row, workspace_of
from vehicles.api.errors import ApiError
from vehicles.api.pagination import KeysetPagination, PageQuerySerializer
from vehicles.api.schema import VersionedAutoSchema
from vehicles.choices import Event, Status
from vehicles.details import clean_details
from vehicles.filters import VehicleFilterSet
from vehicles.importing.engine import Entry, Outcome, add_vehicles
from vehicles.models import StatusReport, Vehicle
from vehicles.readings import gate
from vehicles.status import machine, waiting
from vehicles.tasks.reports import build_status_report
from vehicles.vins import VIN_PATTERN, InvalidVin, normalise_vin, parse_odometer, validate_vin

CHUNK = 5000
HISTORY_DEFAULT_DAYS = 7
HISTORY_MAX_READINGS = 10_000


def error(code, message):
    return {"code": code, "message": message}


# --- The rules' callers: bulk answers per VIN ---


def _summary(results):
    succeeded = sum(1 for r in results if r["ok"])
    return {"summary": {"succeeded": succeeded, "failed": len(results) - succeeded}, "results": results}


def _result(version, vin, ok, status=None, err=None, **extra):
    result = {"vin": vin, "ok": ok, "status": s.speak(status, version)}
    if version == "v1":
        result["detailed_status"] = status or None
    if err:
        result["error"] = err
    result.update(extra)
    return result


def _in_chunks(items):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def apply_event(workspace, raw_vins, event, who, version):
    """Apply a manager event to the VINs through the status machine; one result per VIN, in order."""
    results = [None] * len(raw_vins)
    first_at = {}
    for i, raw in enumerate(raw_vins):
        try:
            vin = validate_vin(raw)
        except InvalidVin as exc:
            results[i] = _result(version, shown(raw), False, err=error("invalid_vin", str(exc)))
            continue
        if vin in first_at:
            message = f"VIN {vin} is repeated in this request (first at position {first_at[vin] + 1})"
            results[i] = _result(version, vin, False, err=error("repeated", message))
            continue
        first_at[vin] = i
    vins = list(first_at)
    before, changed = {}, set()
    with transaction.atomic():
        for chunk in _in_chunks(vins):
            queryset = Vehicle.objects.filter(workspace=workspace, vin__in=chunk)
            before.update({v.vin: v for v in queryset.only("pk", "vin", "status")})
            changed.update(machine.apply(event, queryset, who))
    after = {}
    for chunk in _in_chunks(vins):
        after.update(Vehicle.objects.filter(workspace=workspace, vin__in=chunk).values_list("vin", "status"))
    for vin, i in first_at.items():
        vehicle = before.get(vin)
        if vehicle is None:
            results[i] = _result(
                version, vin, False, err=error("vehicle_not_found", f"VIN {vin} is not in this workspace")
            )
        elif vehicle.pk in changed:
            results[i] = _result(version, vin, True, after.get(vin))
        else:
            vehicle.status = after.get(vin, vehicle.status)
            reason = machine.refused_reason(vehicle, event)
            results[i] = _result(version, vin, False, vehicle.status, error("transition_not_allowed", reason))
    return _summary(results)


def upload(workspace, raw_entries, who, version):
    """Validate each entry as the upload form does, add the valid ones through the import engine."""
    results = [None] * len(raw_entries)
    entries = []
    for i, raw in enumerate(raw_entries):
        try:
            vin = validate_vin(str(raw["vin"]))
        except InvalidVin as exc:
            results[i] = _result(
                version, shown(raw["vin"]), False, err=error("invalid_vin", str(exc)), outcome="invalid"
            )
            continue
        try:
            odometer, unit = parse_odometer(raw.get("odometer"), raw.get("odometer_unit"))
        except ValueError as exc:
            results[i] = _result(version, vin, False, err=error("invalid_odometer", str(exc)), outcome="invalid")
            continue
        details, problems = clean_details(raw) if version != "v1" else ({}, {})  # v1 is frozen: no details
        if problems:
            message = "; ".join(problems.values())
            results[i] = _result(version, vin, False, err=error("invalid_details", message), outcome="invalid")
            continue
        entries.append(
            (
                i,
                Entry(
                    vin=vin,
                    odometer=odometer,
                    odometer_unit=unit,
                    make_name=raw.get("make") or "",
                    name=details.get("name"),
                    license_plate=details.get("license_plate"),
                    labels=details.get("labels"),
                ),
            )
        )
    outcomes = add_vehicles(workspace, [entry for _, entry in entries], who) if entries else []
    duplicate_ids = [r.vehicle_id for r in outcomes if r.outcome == Outcome.DUPLICATE]
    current = {}
    for chunk in _in_chunks(duplicate_ids):
        current.update(Vehicle.objects.filter(pk__in=chunk).values_list("pk", "status"))
    position = {}
    for (i, entry), outcome in zip(entries, outcomes, strict=True):
        vin = entry.vin
        if outcome.outcome in (Outcome.ADDED, Outcome.READDED):
            results[i] = _result(version, vin, True, outcome.status, outcome=outcome.outcome)
        elif outcome.outcome == Outcome.DUPLICATE:
            err = error("duplicate", f"VIN {vin} is already in this workspace")
            results[i] = _result(version, vin, False, current.get(outcome.vehicle_id), err, outcome="duplicate")
        else:
            message = f"VIN {vin} is repeated in this request (first at position {position[vin] + 1})"
            results[i] = _result(version, vin, False, err=error("repeated", message), outcome="repeated")
        position.setdefault(vin, i)
    return _summary(results)


# --- Bodies: validated by the serializers the schema is generated from (a 400 for the whole call otherwise) ---


def valid_body(serializer_class, data):
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data["vins"]


def shown(text):
    """Text as sent, safe to answer in JSON and to store in PostgreSQL: lone surrogates and NUL as escapes."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


# --- Filters of the vehicle list: the FilterSet the VIN table uses; v1's status words are translated first ---


def _parse_instant(name, value):
    try:
        instant = parse_datetime(value)
        if instant is None:
            day = parse_date(value)
            instant = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:  # well formed but impossible, e.g. month 13
        instant = None
    if instant is None:
        raise ApiError(400, "invalid_parameter", f"{name} must be an ISO 8601 date or date-time, not {value!r}")
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, dt.UTC)
    try:
        return instant.astimezone(dt.UTC)  # offsets beyond what a database accepts are gone after this
    except OverflowError:
        raise ApiError(400, "invalid_parameter", f"{name} is out of range: {value!r}") from None


def filter_vehicles(queryset, params, version, workspace=None):
    params = params.copy()
    if any("\x00" in value for _, values in params.lists() for value in values):
        raise ApiError(400, "invalid_parameter", "query parameters must not contain NUL characters")
    if "updated_since" in params:  # present but empty is a mistake too: the schema says date-time
        params["updated_since"] = _parse_instant("updated_since", params["updated_since"]).isoformat()
    if version == "v1":  # frozen: the second release's filters are unknown parameters there, ignored as any other
        params.pop("q", None)
        params.pop("label", None)
    statuses = None
    if version == "v1":
        params.pop("stuck", None)  # v2 only: v1 stays as it was (unknown parameters are ignored)
    if version != "v1" and params.get("status", None) == "":  # present but empty: the schema lists the values
        raise ApiError(400, "invalid_parameter", f"status must be one of {', '.join(Status.values)}")
    if version == "v1" and "status" in params:  # present but empty is a mistake: the schema lists the values
        statuses = s.statuses_for_filter(params.pop("status")[0], version)
        if statuses is None:
            raise ApiError(400, "invalid_parameter", f"status must be one of {', '.join(s.V1_STATUSES)}")
    filters = VehicleFilterSet(params, queryset=queryset, workspace=workspace)
    if not filters.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filters.errors.items())
        raise ApiError(400, "invalid_parameter", problems, details=filters.errors)
    queryset = filters.qs
    return queryset.filter(status__in=statuses) if statuses is not None else queryset


# The list's order: newest change first, `id` making it unique (keyset pagination needs a unique order).
VEHICLE_ORDER = ("-status_changed_at", "-id")


# --- The schema: each method's @extend_schema; where v1 and v2 differ, one per version (versions=[…]) ---

V1, V2 = s.for_version("v1"), s.for_version("v2")
# Tags and operation ids are written without their version: VersionedAutoSchema adds it (`v1 vehicle management`).
VEHICLE_MANAGEMENT, VEHICLE_DATA, REPORTS = "vehicle management", "vehicle data", "reports"

VIN_PARAM = OpenApiParameter(
    "vin", OpenApiTypes.STR, OpenApiParameter.PATH, description="The VIN (17 or 16 characters).", pattern=VIN_PATTERN
)
REPORT_PARAM = OpenApiParameter("report_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The report's id.")

# The vehicle list's filters (and the v2 export's): v1 has its own status words and none of the second release's.
STATUS_V1_PARAM, STATUS_V2_PARAM = (
    OpenApiParameter("status", OpenApiTypes.STR, enum=statuses, description="Filter by status.")
    for statuses in (s.V1_STATUSES, Status.values)
)
LIST_PARAMS = [
    OpenApiParameter("make", OpenApiTypes.STR, description="Filter by make name (any case)."),
    OpenApiParameter("vin", OpenApiTypes.STR, description="VINs starting with this."),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Status changed at or after this instant."),
]
LIST_PARAMS_SINCE_V2 = [
    OpenApiParameter("q", OpenApiTypes.STR, description="VIN, license plate or name starting with this (any case)."),
    OpenApiParameter(
        "label",
        {"type": "array", "items": {"type": "string", "maxLength": 40}},
        explode=True,
        description="Vehicles carrying this label (any case); repeated, every label given.",
    ),
    OpenApiParameter(
        "stuck",
        OpenApiTypes.STR,
        enum=["1", "0"],
        description="1: only the stuck vehicles (Pending much longer than their make usually takes; see `stuck`).",
    ),
]

EXAMPLE_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "vehicle_disabled",
    404: "vehicle_not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "report_not_ready",
    410: "report_expired",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _errors(*codes):
    descriptions = {
        400: "Malformed body or invalid parameter",
        401: "No valid access token",
        403: "Not allowed",
        404: "Not found (also for a VIN of another workspace)",
        405: "Method not allowed",
        406: "The Accept header asks for something other than JSON",
        409: "Not ready yet",
        410: "Expired",
        413: "Body too large",
        415: "Body is not JSON",
        429: "Rate limit reached; see Retry-After",
    }
    return {
        code: OpenApiResponse(
            s.ErrorSerializer,
            description=descriptions[code],
            examples=[
                OpenApiExample(
                    f"Error {code}", value={"code": EXAMPLE_CODES[code], "message": descriptions[code] + "."}
                )
            ],
        )
        for code in (401, 405, 406, 429, *codes)
    }


def _bulk(ser):
    return {200: ser.BulkAnswer, **_errors(400, 413, 415)}


# --- Views ---


class JsonNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, answered directly for the usual requests: JSON is our only renderer, and a
    request without an Accept header (or with `*/*` or `application/json`) and without a `?format=` gets it, as
    DRF would answer after parsing the header. Anything else goes through DRF's negotiation (406 included)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT")
        if (
            (accept is None or accept in ("*/*", "application/json"))
            and not format_suffix
            and len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and self.settings.URL_FORMAT_OVERRIDE not in request.GET
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)


class ApiView(APIView):
    """One class serves every version (DRF's NamespaceVersioning sets `request.version`, vehicles/api/urls.py)."""

    throttle_scope = "api"
    content_negotiation_class = JsonNegotiation
    schema = VersionedAutoSchema()
    versions = ("v1", "v2")  # the versions that route to it; a v2-only view says ("v2",)
    methods_new_in_v2 = ()  # v1 is frozen (SPEC.md): these methods are 405 there and absent from its schema

    @classmethod
    def methods_of(cls, version):
        """The HTTP methods this view answers in `version` (urls.py hands them to as_view)."""
        return [m for m in cls.http_method_names if version != "v1" or m not in cls.methods_new_in_v2]

    def get_view_name(self):
        """OPTIONS' `name` as it has always been answered: with the version for a view of both versions
        (`Vehicle Collection View V1`, the name of the class each version once had), plain for a v2-only one."""
        name = super().get_view_name()
        return f"{name} View {self.request.version.upper()}" if len(self.versions) > 1 else name

    @property
    def ser(self):
        return s.for_version(self.request.version)

    def vehicles(self):
        """The workspace's vehicles as this version answers them (v2 with their labels: one query a page)."""
        queryset = Vehicle.objects.filter(workspace=workspace_of(self.request)).select_related("make")
        return queryset.prefetch_related("labels") if self.request.version != "v1" else queryset

    def vehicle_or_404(self, vin):
        vehicle = self.vehicles().filter(vin=normalise_vin(vin)).first() if looks_like_vin(vin) else None
        if vehicle is None:
            raise ApiError(404, "vehicle_not_found", f"VIN {normalise_vin(vin)} is not in this workspace")
        return vehicle


class VehicleCollectionView(ApiView):
    @extend_schema(
        operation_id="list_vehicles",
        tags=[VEHICLE_MANAGEMENT],
        summary="List vehicles, newest change first",
        description="The workspace's vehicles, newest status change first, with the VIN table's filters. Keyset "
        "pagination: follow `next` (or pass its `cursor`) until it is null; every vehicle is listed exactly once.",
        parameters=[*LIST_PARAMS, PageQuerySerializer],
    )
    @extend_schema(versions=["v1"], parameters=[STATUS_V1_PARAM], responses={200: V1.VehicleList, **_errors(400)})
    @extend_schema(
        versions=["v2"],
        parameters=[STATUS_V2_PARAM, *LIST_PARAMS_SINCE_V2],
        responses={200: V2.VehicleList, **_errors(400)},
    )
    def get(self, request):
        params, workspace = request.query_params, workspace_of(request)
        queryset = filter_vehicles(self.vehicles(), params, request.version, workspace=workspace)
        pages = KeysetPagination(VEHICLE_ORDER)
        page = pages.paginate_queryset(queryset, request, view=self)
        if request.version != "v1":
            page = waiting.annotate(page)  # what each waits for: one query for the page
        answer = {"vehicles": page, "next": pages.next_link(request)}
        return Response(self.ser.VehicleList(answer).data)

    @extend_schema(
        operation_id="upload_vehicles",
        tags=[VEHICLE_MANAGEMENT],
        summary="Upload VINs (up to 10,000), answered per VIN",
        description="Adds up to 10,000 VINs through the import engine, each validated as the upload form does. "
        "Answered per VIN in the order sent (`outcome`: added, re-added, duplicate, repeated, invalid); one bad VIN "
        "never fails the others. A malformed body is a 400 and adds nothing.",
    )
    @extend_schema(versions=["v1"], request=V1.UploadRequest, responses=_bulk(V1))
    @extend_schema(versions=["v2"], request=V2.UploadRequest, responses=_bulk(V2))
    def post(self, request):
        entries = valid_body(self.ser.UploadRequest, request.data)
        return Response(self.ser.BulkAnswer(upload(workspace_of(request), entries, by(request), request.version)).data)


class VehicleDetailView(ApiView):
    methods_new_in_v2 = ("patch",)

    @extend_schema(
        operation_id="get_vehicle",
        tags=[VEHICLE_MANAGEMENT],
        summary="One vehicle with its status history",
        description="One vehicle of the workspace with its status history, newest first. A VIN of another "
        "workspace answers 404, exactly as an unknown one.",
        parameters=[VIN_PARAM],
    )
    @extend_schema(versions=["v1"], responses={200: V1.VehicleDetail, **_errors(404)})
    @extend_schema(versions=["v2"], responses={200: V2.VehicleDetail, **_errors(404)})
    def get(self, request, vin):
        return Response(self.ser.VehicleDetail(self.vehicle_or_404(vin)).data)

    @extend_schema(
        operation_id="edit_vehicle",
        tags=[VEHICLE_MANAGEMENT],
        summary="Edit a vehicle's details (never its status)",
        description="Edits a vehicle's details — any of `name`, `license_plate`, `labels`, `odometer`, "
        "`odometer_unit` — with the upload's rules; answers the vehicle as GET does. Never changes the status; a "
        "change is recorded as a `vehicle.updated` event. A bad value is a 400 `invalid_details` whose `details` "
        "give a `code` and `message` per field.",
        parameters=[VIN_PARAM],
        request=s.VehiclePatchSerializer,
        responses={200: V2.VehicleDetail, **_errors(400, 404, 413, 415)},
    )
    def patch(self, request, vin):
        """v2 only (`methods_new_in_v2`): edit the details through vehicles.editing."""
        vehicle = self.vehicle_or_404(vin)
        body = s.VehiclePatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clean, problems = editing.check(body.validated_data)
        if problems:
            details = {field: {"code": f"invalid_{field}", "message": message} for field, message in problems.items()}
            raise ApiError(400, "invalid_details", "; ".join(problems.values()), details=details)
        try:
            editing.edit(vehicle, clean, by(request))
        except editing.VehicleGone as gone:
            raise ApiError(404, "vehicle_not_found", str(gone)) from None
        return Response(self.ser.VehicleDetail(self.vehicle_or_404(vin)).data)


class VehicleEventView(ApiView):
    event = None

    @extend_schema(tags=[VEHICLE_MANAGEMENT], request=s.VinListRequestSerializer)
    @extend_schema(versions=["v1"], responses=_bulk(V1))
    @extend_schema(versions=["v2"], responses=_bulk(V2))
    def post(self, request):
        vins = valid_body(s.VinListRequestSerializer, request.data)
        answer = apply_event(workspace_of(request), vins, self.event, by(request), request.version)
        return Response(self.ser.BulkAnswer(answer).data)


def _bulk_event_schema(operation_id, summary, description):
    """A bulk event's name in the schema: `VehicleEventView.post`'s operation, for that event's class."""
    return extend_schema_view(
        post=extend_schema(operation_id=operation_id, summary=f"{summary}, answered per VIN", description=description)
    )


@_bulk_event_schema(
    "remove_vehicles", "Delete VINs", "Deletes VINs the status machine allows to be deleted; answered per VIN."
)
class VehicleRemoveView(VehicleEventView):
    event = Event.DELETE


@_bulk_event_schema(
    "enable_vehicles",
    "Request consent (enable) for VINs",
    "Requests consent again: Disabled or Error → Pending (the approval chain runs again); answered per VIN.",
)
class VehicleEnableView(VehicleEventView):
    event = Event.ENABLE


@_bulk_event_schema(
    "disable_vehicles",
    "Revoke consent (disable) for VINs",
    "Revokes consent: Enabled → Disabled, through the status machine; answered per VIN.",
)
class VehicleDisableView(VehicleEventView):
    event = Event.DISABLE


def looks_like_vin(value):
    try:
        validate_vin(value)
    except InvalidVin:
        return False
    return True


def _gated(request, vin, ask=gate.vehicle_for_data):
    """Ask the data gate (`ask`: vehicle_for_data, or status_data for the vehicle and its current reading);
    its refusals as API errors."""
    if not looks_like_vin(vin):  # never stored, so unknown: no need to ask the database
        raise ApiError(404, "vehicle_not_found", f"VIN {normalise_vin(vin)} is not in this workspace")
    try:
        return ask(workspace_of(request), vin)
    except gate.VehicleNotFound as exc:
        raise ApiError(404, exc.code, str(exc)) from None
    except gate.DataNotAvailable as exc:  # also when the provider has just revoked it
        raise ApiError(403, exc.code, str(exc)) from None


@extend_schema(tags=[VEHICLE_DATA], parameters=[VIN_PARAM])
class VehicleDataView(ApiView):
    throttle_scope = "status"  # a VIN's readings: the data gate first (`_gated`)


class VehicleStatusDataView(VehicleDataView):
    status_data_vin = "vin"  # the token's look-up also reads the gate's answer for this VIN (api/auth.py)

    @extend_schema(
        operation_id="get_vehicle_status",
        summary="Get Vehicle Status: the latest reading",
        description="The latest reading of an Enabled VIN, fetched from the provider within the request when none "
        "is fresh enough. 403 `vehicle_disabled` / `vehicle_not_enabled` otherwise; 404 when unknown.",
        responses={200: s.VehicleStatusDataSerializer, **_errors(403, 404)},
    )
    def get(self, request, vin):
        # The gate and the latest reading (from the provider within the request when stale), read with the token.
        vehicle, reading = _gated(request, vin, functools.partial(gate.status_data, row=status_data_row(request)))
        return Response(s.represent(s.VehicleStatusDataSerializer, {"vin": vehicle.vin, "reading": reading}))


class VehicleHistoryDataView(VehicleDataView):
    @extend_schema(
        operation_id="get_vehicle_history",
        summary="Readings between from and to (default: the last 7 days), newest first",
        description="Readings between `from` and `to` (default: the 7 days up to now), newest first, at most "
        "10,000. The data gate is asked first.",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="Default: 7 days before `to`."),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="Default: now."),
        ],
        responses={200: s.HistoryDataSerializer, **_errors(400, 403, 404)},
    )
    def get(self, request, vin):
        vehicle = _gated(request, vin)  # the gate first, then the parameters
        params = request.query_params
        end = _parse_instant("to", params["to"]) if params.get("to") else timezone.now()
        if params.get("from"):
            start = _parse_instant("from", params["from"])
        else:
            try:
                start = end - dt.timedelta(days=HISTORY_DEFAULT_DAYS)
            except OverflowError:
                raise ApiError(400, "invalid_parameter", f"to is too early: {params['to']!r}") from None
        if start > end:
            raise ApiError(400, "invalid_parameter", "from must not be after to")
        readings = list(gate.readings(vehicle, start, end)[:HISTORY_MAX_READINGS])
        answer = {"vin": vehicle.vin, "from": start, "to": end, "readings": readings}
        return Response(s.HistoryDataSerializer(answer).data)


def report_state(report):
    if report.expires_at <= timezone.now():
        return "expired"
    return report.state


def report_data(request, report):
    state = report_state(report)
    download = (
        request.build_absolute_uri(reverse(f"api-{request.version}:report-download", args=[report.pk]))
        if state == StatusReport.State.COMPLETED
        else None
    )
    return {
        "id": str(report.pk),
        "state": state,
        "vins": len(report.vins),
        "created_at": report.created_at,
        "completed_at": report.completed_at,
        "expires_at": report.expires_at,
        "download": download,
        "error": report.error or None,
    }


class ReportCreateView(ApiView):
    throttle_scope = "reports"

    @extend_schema(
        operation_id="create_status_report",
        tags=[REPORTS],
        summary="Ask for a status report of up to 10,000 VINs (built in the background)",
        description="Asks for a CSV status report of up to 10,000 VINs, built by the task worker; answers 202 at "
        "once with the report and its `Location`.",
        request=s.ReportRequestSerializer,
        responses={202: s.ReportSerializer, **_errors(400, 413, 415)},
    )
    def post(self, request):
        vins = valid_body(s.ReportRequestSerializer, request.data)
        report = StatusReport.objects.create(
            workspace=workspace_of(request),
            requested_by=request.user.name,
            vins=[shown(normalise_vin(v)) for v in vins],
            expires_at=timezone.now() + dt.timedelta(days=settings.API_REPORT_DAYS),
        )
        transaction.on_commit(lambda: build_status_report.enqueue(str(report.pk)))
        data = s.ReportSerializer(report_data(request, report)).data
        location = reverse(f"api-{request.version}:report", args=[report.pk])
        return Response(data, status=http.HTTP_202_ACCEPTED, headers={"Location": location})


class ReportView(ApiView):
    def report_or_404(self, report_id):
        report = StatusReport.objects.filter(workspace=workspace_of(self.request), pk=report_id).first()
        if report is None:
            raise ApiError(404, "report_not_found", f"No report {report_id} in this workspace")
        return report

    @extend_schema(
        operation_id="get_report",
        tags=[REPORTS],
        summary="A report's state and, when completed, its CSV link",
        description="A report's state (`pending`, `running`, `completed`, `failed`, `expired`) and, when "
        "completed, its `download` link.",
        parameters=[REPORT_PARAM],
        responses={200: s.ReportSerializer, **_errors(404)},
    )
    def get(self, request, report_id):
        report = self.report_or_404(report_id)
        return Response(s.ReportSerializer(report_data(request, report)).data)


class ReportDownloadView(ReportView):
    @extend_schema(
        operation_id="download_report",
        tags=[REPORTS],
        summary="Download a completed report as CSV",
        description="The completed report as CSV: 409 until it is completed, 410 once it has expired.",
        parameters=[REPORT_PARAM],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one row per VIN"),
            **_errors(404, 409, 410),
        },
    )
    def get(self, request, report_id):
        report = self.report_or_404(report_id)
        state = report_state(report)
        if state == "expired":
            raise ApiError(410, "report_expired", f"Report {report_id} expired on {report.expires_at:%Y-%m-%d}")
        if state != StatusReport.State.COMPLETED:
            raise ApiError(409, "report_not_ready", f"Report {report_id} is {state}: download it once completed")
        response = HttpResponse(report.csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="vehicles-status-{report.pk}.csv"'
        return response
