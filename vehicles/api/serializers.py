"""What the API's bodies look like, once per version: v1 speaks the old statuses (Consented, Pending, Revoked)
plus `detailed_status`; v2 speaks the new ones. `for_version(v)` gives the serializers of one version."""

import functools
from types import SimpleNamespace

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from vehicles.api.errors import ERROR_CODES
from vehicles.choices import DELETED, V1_STATUS, OdometerUnit, Status
from vehicles.status import waiting
from vehicles.vins import ODOMETER_MAX, VIN_PATTERN

VERSIONS = ("v1", "v2")

# SPEC.md's v1 mapping: Enabled → Consented; Pending, Incomplete → Pending; Disabled, Error → Revoked.
V1_STATUSES = ["Consented", "Pending", "Revoked"]
V1_FILTER = {
    "consented": [Status.ENABLED],
    "pending": [Status.PENDING, Status.INCOMPLETE],
    "revoked": [Status.DISABLED, Status.ERROR],
}
HISTORY_V2 = [*Status.values, DELETED]
HISTORY_V1 = [*V1_STATUSES, "Deleted"]
EXAMPLE_VIN = "WBA3A5C5XDF354621"
SECOND_EXAMPLE_VIN = "YV1MS382262123456"
MAX_TEXT = 100


def speak(status, version):
    """A status as the version says it; None stays None."""
    if not status:
        return None
    if version == "v1":
        return V1_STATUS[status]
    return status


def statuses_for_filter(value, version):
    """The stored statuses a `status` filter value means in this version, or None if it means nothing.

    v1 accepts its own words (any case) and, for precision, the new lower-case ones too.
    """
    value = (value or "").strip()
    if version == "v1" and value.lower() in V1_FILTER:
        return V1_FILTER[value.lower()]
    return [value] if value in Status.values else None


class VinField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(VIN_PATTERN, **kwargs)


# --- Errors ---


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Field-by-field problems of an invalid request: each field's list of messages, or, for a "
        "list of entries, an object of the entries' positions.",
    }
)
class DetailsField(serializers.JSONField):
    pass


class ErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ERROR_CODES, help_text="Machine-readable error code.")
    message = serializers.CharField(help_text="What went wrong, for a person.")
    details = DetailsField(required=False)

    class Meta:
        ref_name = "Error"


RESULT_ERROR_CODES = [
    "invalid_vin",
    "invalid_odometer",
    "invalid_details",
    "vehicle_not_found",
    "transition_not_allowed",
    "duplicate",
    "repeated",
]


class ResultErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=RESULT_ERROR_CODES)
    message = serializers.CharField()


# --- Requests (the same in both versions): the views validate bodies with these, and the schema is built from them ---


class StrictText(serializers.CharField):
    """Text and only text: DRF's CharField turns a number into its digits (`0` → "0"), which the schema's
    `type: string` does not allow."""

    default_error_messages = {"not_text": "Expected text, not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text", kind=type(data).__name__)
        return super().to_internal_value(data)


class OptionalText(StrictText):
    """A short optional text of an upload entry (make, odometer unit): no NUL character (the schema's pattern says
    so), judged per VIN by the import engine."""

    def __init__(self, **kwargs):
        kwargs.update(required=False, allow_null=True, allow_blank=True, max_length=MAX_TEXT)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(r"^[^\x00]*$", "Null characters are not allowed."))


class VinText(StrictText):
    """A VIN as sent: text of at most 100 characters. Which characters make a VIN is the import engine's rule
    (`vins.validate_vin`), answered per VIN (`invalid_vin`): so NUL and lone surrogates are not refused here for the
    whole body, as DRF's CharField would."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_TEXT)
        kwargs.setdefault("allow_blank", True)  # a blank VIN is answered per VIN, as every other invalid one
        kwargs.setdefault("help_text", f"16 or 17 characters matching {VIN_PATTERN}; checked per VIN.")
        super().__init__(**kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator)
        ]


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "maxLength": MAX_TEXT}],
        "nullable": True,
        "description": f"Whole number from 0 to {ODOMETER_MAX:,} (or its text); checked per VIN.",
    }
)
class OdometerField(serializers.Field):
    """A whole number, its text, or null: the value is judged per VIN by `vins.parse_odometer`."""

    default_error_messages = {"invalid": "Expected a whole number, its text, or null."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if (
            isinstance(data, bool)
            or not isinstance(data, int | str)
            or (isinstance(data, str) and len(data) > MAX_TEXT)
        ):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class UploadEntrySerializer(serializers.Serializer):
    """Per-VIN values are checked by the import engine's rules and answered per VIN, so they are loose here."""

    vin = VinText()
    odometer = OdometerField()
    odometer_unit = OptionalText(help_text="km (default) or mi.")
    make = OptionalText(help_text="The maker's name; by default the maker behind the VIN's first three characters.")

    class Meta:
        ref_name = "UploadEntry"


# Loose bounds of the details as sent; their rules (vehicles/details.py) are answered per VIN or per field.
DETAIL_TEXT_MAX = 1000
LABELS_SENT_MAX = 100


class DetailText(StrictText):
    def __init__(self, **kwargs):
        kwargs.update(
            required=False, allow_null=True, allow_blank=True, max_length=DETAIL_TEXT_MAX, trim_whitespace=False
        )
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


def labels_field(**kwargs):
    return serializers.ListField(
        child=StrictText(allow_blank=True, max_length=DETAIL_TEXT_MAX, trim_whitespace=False),
        required=False,
        allow_null=True,
        max_length=LABELS_SENT_MAX,
        help_text="At most 20 labels, each 1–40 letters, digits, spaces, _ . or -; compared without regard to case.",
        **kwargs,
    )


class UploadEntryV2Serializer(UploadEntrySerializer):
    """v2's upload entry: the vehicle's details too (SPEC.md "Vehicle details and labels")."""

    name = DetailText(help_text="At most 100 characters.")
    license_plate = DetailText(help_text="At most 20 characters; stored upper-case.")
    labels = labels_field()

    class Meta:
        ref_name = "UploadEntryV2"


class VehiclePatchSerializer(serializers.Serializer):
    """PATCH: any of these; each is judged by the upload's rules, a bad one answered as a 400 naming its field."""

    name = DetailText(help_text="At most 100 characters; empty to remove it.")
    license_plate = DetailText(help_text="At most 20 characters; empty to remove it.")
    labels = labels_field()
    odometer = OdometerField()
    odometer_unit = OptionalText(help_text="km or mi.")

    class Meta:
        ref_name = "VehiclePatch"


def vins_field(child, **kwargs):
    """A body's `vins`: from 1 to API_VIN_LIMIT entries."""
    return serializers.ListField(child=child, min_length=1, max_length=settings.API_VIN_LIMIT, **kwargs)


def body_example(name, *vins):
    """The schema's example of a `{"vins": [...]}` body."""
    return extend_schema_serializer(examples=[OpenApiExample(name, value={"vins": list(vins)}, request_only=True)])


@body_example("Two VINs", {"vin": EXAMPLE_VIN, "odometer": 12000, "odometer_unit": "km"}, {"vin": SECOND_EXAMPLE_VIN})
class UploadRequestSerializer(serializers.Serializer):
    vins = vins_field(UploadEntrySerializer())

    class Meta:
        ref_name = "Upload"


@body_example(
    "Two VINs with details",
    {
        "vin": EXAMPLE_VIN,
        "odometer": 12000,
        "name": "Courier 12",
        "license_plate": "B-FL 1234",
        "labels": ["depot-north", "EV"],
    },
    {"vin": SECOND_EXAMPLE_VIN},
)
class UploadRequestV2Serializer(serializers.Serializer):
    vins = vins_field(UploadEntryV2Serializer())

    class Meta:
        ref_name = "UploadV2"


@body_example("Two VINs", EXAMPLE_VIN, SECOND_EXAMPLE_VIN)
class VinListRequestSerializer(serializers.Serializer):
    vins = vins_field(VinText())

    class Meta:
        ref_name = "VinList"


@body_example("Two VINs", EXAMPLE_VIN, SECOND_EXAMPLE_VIN)
class EligibilityRequestSerializer(serializers.Serializer):
    """The bulk calls' `{"vins": [...]}`, with a message saying what to do when there are too many."""

    vins = vins_field(
        VinText(),
        error_messages={
            "max_length": f"At most {settings.API_VIN_LIMIT:,} VINs can be checked in one call: split the list."
        },
    )

    class Meta:
        ref_name = "EligibilityCheck"


# --- Eligibility (v2 only) ---


class EligibilityResultSerializer(serializers.Serializer):
    vin = serializers.CharField(help_text="As sent (normalised when valid).")
    eligible = serializers.BooleanField()
    make = serializers.CharField(allow_null=True, help_text="The make's name; null when no make can be found.")
    reason = serializers.CharField(required=False, help_text="Why not, when not eligible (absent when eligible).")

    class Meta:
        ref_name = "EligibilityResult"

    def to_representation(self, verdict):
        data = {"vin": verdict.vin, "eligible": verdict.eligible, "make": verdict.make}
        if not verdict.eligible:
            data["reason"] = verdict.reason
        return data


class EligibilitySummarySerializer(serializers.Serializer):
    eligible = serializers.IntegerField()
    ineligible = serializers.IntegerField()

    class Meta:
        ref_name = "EligibilitySummary"


class EligibilityAnswerSerializer(serializers.Serializer):
    summary = EligibilitySummarySerializer()
    results = EligibilityResultSerializer(many=True, help_text="One per VIN sent, in the order sent.")

    class Meta:
        ref_name = "EligibilityAnswer"


# --- Readings and reports (the same in both versions) ---


class ReadingSerializer(serializers.Serializer):
    recorded_at = serializers.DateTimeField()
    odometer_km = serializers.FloatField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    fuel_level = serializers.FloatField(allow_null=True, help_text="percent")
    battery_level = serializers.FloatField(allow_null=True, help_text="percent")
    ignition = serializers.BooleanField(allow_null=True)
    speed_kmh = serializers.FloatField(allow_null=True)


class VehicleStatusDataSerializer(serializers.Serializer):
    vin = VinField()
    reading = ReadingSerializer(allow_null=True, help_text="The latest reading; null when the provider has none.")


@functools.cache
def _output_only(serializer_class):
    return serializer_class()


def represent(serializer_class, data):
    """`serializer_class(data).data`, by one instance of the class kept for output: DRF builds a serializer's fields
    again (a deep copy of the declared ones) for every instance, 0.1 ms of the 1.2 ms Get Vehicle Status spends in
    this process (docs/bench-api.md). Only for serializers whose fields read nothing of the request's context."""
    return _output_only(serializer_class).to_representation(data)


class HistoryDataSerializer(serializers.Serializer):
    """`from` and `to` as SPEC.md names the bounds (the query parameters of the same names); both are Python
    keywords, so they are added in get_fields."""

    vin = VinField()
    readings = ReadingSerializer(many=True, help_text="Newest first.")

    def get_fields(self):
        fields = super().get_fields()
        return {
            "vin": fields["vin"],
            "from": serializers.DateTimeField(
                help_text="The start of the window (the `from` asked for, or its default)."
            ),
            "to": serializers.DateTimeField(help_text="The end of the window (the `to` asked for, or now)."),
            "readings": fields["readings"],
        }


ReportRequestSerializer = VinListRequestSerializer  # the same body: one component in the schema


class ReportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=["pending", "running", "completed", "failed", "expired"])
    vins = serializers.IntegerField(help_text="How many VINs were asked for.")
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    download = serializers.URLField(allow_null=True, help_text="The CSV, once completed (until it expires).")
    error = serializers.CharField(allow_null=True)


# --- Vehicles and bulk answers: one set per version ---


def _build(version):
    v = version.upper()
    if version == "v1":
        status_field = lambda **kw: serializers.ChoiceField(choices=V1_STATUSES, **kw)  # noqa: E731
        history_status = lambda **kw: serializers.ChoiceField(choices=HISTORY_V1, **kw)  # noqa: E731
    else:
        status_field = lambda **kw: serializers.ChoiceField(choices=Status.values, **kw)  # noqa: E731
        history_status = lambda **kw: serializers.ChoiceField(choices=HISTORY_V2, **kw)  # noqa: E731

    class VehicleSerializer(serializers.Serializer):
        vin = VinField()
        make = serializers.CharField(allow_null=True, source="make.name", default=None)
        model_year = serializers.IntegerField(allow_null=True)
        odometer = serializers.IntegerField(allow_null=True)
        odometer_unit = serializers.ChoiceField(choices=OdometerUnit.values)
        status = status_field()
        error_reason = serializers.CharField(allow_null=True, help_text="Why, when the status is Error.")
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField(source="status_changed_at", help_text="The last status change.")
        if version == "v2":
            name = serializers.CharField(help_text="Empty when none.")
            license_plate = serializers.CharField(help_text="Upper-case; empty when none.")
            labels = serializers.ListField(
                child=serializers.CharField(), source="label_names", help_text="As first given, sorted."
            )
        if version == "v1":
            detailed_status = serializers.ChoiceField(
                choices=Status.values, source="status", help_text="The new status, lower case."
            )
        else:  # What it waits for (vehicles/status/waiting.py): v2 only.
            waiting_for = serializers.ChoiceField(
                choices=waiting.WAITING_FOR,
                allow_null=True,
                source="waiting.waiting_for",
                help_text="What the vehicle waits for: make_activation (Incomplete); platform_approval, "
                "provider_approval or both_approvals (Pending: the approvals of the current round not yet "
                "recorded); manager (Disabled, Error); null when Enabled.",
            )
            next_step = serializers.CharField(
                allow_null=True, source="waiting.next_step", help_text="What to do next, a sentence; null when Enabled."
            )
            stuck = serializers.BooleanField(
                source="waiting.stuck",
                help_text="Pending for longer than three times its make's usual time (or than "
                "PENDING_STUCK_AFTER_HOURS, 48 by default, when the make has no usual time).",
            )
            pending_since = serializers.DateTimeField(
                allow_null=True, source="waiting.since", help_text="Pending: since when; null otherwise."
            )
            usual_pending_seconds = serializers.IntegerField(
                allow_null=True,
                source="waiting.usual_whole_seconds",
                help_text="Pending: the make's usual time from Pending to Enabled (the median over the last 30 "
                "days, from at least 5 cases), in seconds; null otherwise or when there are fewer cases.",
            )

        def to_representation(self, vehicle):
            if version != "v1" and not hasattr(vehicle, "waiting"):
                waiting.annotate([vehicle])  # the views annotate a whole page at once (one query)
            data = super().to_representation(vehicle)
            data["status"] = speak(vehicle.status, version)
            data["error_reason"] = vehicle.error_reason or None if vehicle.status == Status.ERROR else None
            if version == "v1":
                data["detailed_status"] = vehicle.status
            return data

    class HistoryEntrySerializer(serializers.Serializer):
        at = serializers.DateTimeField()
        event = serializers.CharField()
        from_status = history_status(allow_null=True)
        to_status = history_status()
        actor = serializers.CharField()
        by = serializers.CharField(source="who")
        reason = serializers.CharField(allow_blank=True)
        if version == "v1":
            detailed_from_status = serializers.ChoiceField(choices=HISTORY_V2, allow_null=True, source="from_status")
            detailed_to_status = serializers.ChoiceField(choices=HISTORY_V2, source="to_status")

        def to_representation(self, change):
            data = super().to_representation(change)
            data["from_status"] = speak(change.from_status, version)
            data["to_status"] = speak(change.to_status, version)
            if version == "v1":
                data["detailed_from_status"] = change.from_status or None
                data["detailed_to_status"] = change.to_status
            return data

    class VehicleDetailSerializer(VehicleSerializer):
        history = HistoryEntrySerializer(many=True, help_text="Newest first.")

    class VehicleListSerializer(serializers.Serializer):
        vehicles = VehicleSerializer(many=True)
        next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one.")

    class ResultSerializer(serializers.Serializer):
        vin = serializers.CharField(help_text="As sent (normalised when valid).")
        ok = serializers.BooleanField()
        status = status_field(allow_null=True, help_text="The VIN's status after the call; null if none.")
        error = ResultErrorSerializer(required=False, help_text="Why this VIN was not changed.")
        outcome = serializers.ChoiceField(
            choices=["added", "re-added", "duplicate", "repeated", "invalid"],
            required=False,
            help_text="Uploads only.",
        )
        if version == "v1":
            detailed_status = serializers.ChoiceField(choices=Status.values, allow_null=True)

    class SummarySerializer(serializers.Serializer):
        succeeded = serializers.IntegerField()
        failed = serializers.IntegerField()

    class BulkAnswerSerializer(serializers.Serializer):
        summary = SummarySerializer()
        results = ResultSerializer(many=True, help_text="One per VIN sent, in the order sent.")

    for cls in (VehicleSerializer, HistoryEntrySerializer, VehicleDetailSerializer, VehicleListSerializer):
        cls.__name__ = f"{cls.__name__[:-10]}{v}Serializer"
    ResultSerializer.__name__ = f"Result{v}Serializer"
    SummarySerializer.__name__ = f"Summary{v}Serializer"
    BulkAnswerSerializer.__name__ = f"BulkAnswer{v}Serializer"

    return SimpleNamespace(
        UploadRequest=UploadRequestSerializer if version == "v1" else UploadRequestV2Serializer,
        Vehicle=VehicleSerializer,
        VehicleDetail=VehicleDetailSerializer,
        VehicleList=VehicleListSerializer,
        BulkAnswer=BulkAnswerSerializer,
    )


_BY_VERSION = {version: _build(version) for version in VERSIONS}


def for_version(version):
    return _BY_VERSION[version]
