"""`POST /api/v2/vehicle-management/eligibility` (v2 only): would these VINs be enabled? Asked before adding them.

A thin caller of `vehicles.eligibility`: the body is validated by the serializer the schema is generated from
(a malformed body, or more than API_VIN_LIMIT VINs, is a 400 for the whole call); the answer is per VIN, in the
order sent. Nothing is added or changed. Same authentication, throttling and error shape as the bulk calls.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response

from vehicles import eligibility
from vehicles.api import serializers as s
from vehicles.api.views import VEHICLE_MANAGEMENT, ApiView, _errors, valid_body

EXAMPLE_ANSWER = {
    "summary": {"eligible": 1, "ineligible": 2},
    "results": [
        {"vin": s.EXAMPLE_VIN, "eligible": True, "make": "BMW"},
        {"vin": "WBA3A5C5XDF354627", "eligible": False, "make": "BMW", "reason": "VIN not recognised by the maker"},
        {"vin": "ABC", "eligible": False, "make": None, "reason": "VIN must be 16 or 17 characters, not 3"},
    ],
}


class EligibilityView(ApiView):
    versions = ("v2",)

    @extend_schema(
        operation_id="check_eligibility",
        tags=[VEHICLE_MANAGEMENT],
        summary="Check the eligibility of VINs (up to 10,000) before adding them, answered per VIN",
        description="Asks each make's provider whether these VINs could be enabled, before anything is added: per "
        "VIN `eligible`, the `make`, and a `reason` when not eligible. Invalid VINs and VINs of no known make are "
        "not eligible, with the reason, without asking any provider. Answered in the order sent; nothing is added "
        "or changed. A malformed body, or more than 10,000 VINs, is a 400.",
        request=s.EligibilityRequestSerializer,
        responses={
            200: OpenApiResponse(
                s.EligibilityAnswerSerializer,
                description="One answer per VIN, in the order sent",
                examples=[OpenApiExample("Three VINs", value=EXAMPLE_ANSWER)],
            ),
            **_errors(400, 413, 415),
        },
    )
    def post(self, request):
        vins = valid_body(s.EligibilityRequestSerializer, request.data)
        verdicts = eligibility.check_vins(vins)
        answer = {"summary": eligibility.summary(verdicts), "results": verdicts}
        return Response(s.EligibilityAnswerSerializer(answer).data)
