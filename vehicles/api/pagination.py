"""Keyset ("seek") pagination on a unique order, for every feed of the API.

DRF's CursorPagination positions on the first ordering field only and falls back to an offset (capped at 1,000)
when many rows share it: after a 10,000-VIN upload, whose VINs share `status_changed_at`, its `next` returned the
same page forever. Here the cursor carries the values of *every* ordering field of the page's last row, and the
next page is the rows strictly after it in that order. The order ends with a unique field (`id`), so the position
is exact: each row is served exactly once, whatever the ties, and each page is one index range scan.

Use: `KeysetPagination(ordering=("-status_changed_at", "-id"))`, then `paginate_queryset(queryset, request)` and
`next_link(request)` / `next_cursor()`. `query_parameters()` gives the `limit` and `cursor` parameters for the
schema; `PageQuerySerializer` validates them (the schema is generated from it, so the two cannot disagree).
"""

import base64
import binascii
import datetime as dt
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers
from rest_framework.utils.urls import replace_query_param

from vehicles.api.errors import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class PageQuerySerializer(serializers.Serializer):
    """The paging parameters of a list: validated with this, described in the schema by this."""

    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Opaque position from the previous page's `next` (its `cursor` parameter). Omit it, or leave it "
        "empty, for the first page.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"Page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    )


class KeysetPagination:
    cursor_param = "cursor"
    limit_param = "limit"

    def __init__(self, ordering, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT):
        if not ordering:
            raise ValueError("keyset pagination needs an ordering ending with a unique field")
        self.ordering = tuple(ordering)
        self.default_limit = default_limit
        self.max_limit = max_limit
        self.position_of_next = None

    # --- Parameters ---

    def read_parameters(self, request):
        params = {
            name: request.query_params[name]
            for name in (self.cursor_param, self.limit_param)
            if request.query_params.get(name, "") != ""
        }
        query = PageQuerySerializer(data=params)
        if not query.is_valid():
            problems = "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in query.errors.items())
            raise ApiError(400, "invalid_parameter", problems, details=query.errors)
        limit = min(query.validated_data.get("limit", self.default_limit), self.max_limit)
        return query.validated_data.get("cursor"), limit

    # --- The cursor: the last row's value of each ordering field, as JSON in URL-safe base64 ---

    def _fields(self, queryset):
        meta = queryset.model._meta
        return [(name.lstrip("-"), name.startswith("-"), meta.get_field(name.lstrip("-"))) for name in self.ordering]

    @staticmethod
    def encode(values):
        raw = json.dumps(values, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor, queryset):
        invalid = ApiError(400, "invalid_parameter", "cursor is not valid: pass the `cursor` of `next` as given")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise invalid from None
        fields = self._fields(queryset)
        if not isinstance(values, list) or len(values) != len(fields):
            raise invalid
        position = []
        for (_, _, field), value in zip(fields, values, strict=True):
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise invalid
            try:
                python = field.to_python(value)
            except (DjangoValidationError, ValueError, TypeError, OverflowError):
                raise invalid from None
            if python is None:
                raise invalid
            if hasattr(python, "tzinfo") and hasattr(python, "hour") and timezone.is_naive(python):
                python = timezone.make_aware(python, dt.UTC)
            position.append(python)
        return position

    def _value(self, row, name, field):
        value = field.value_from_object(row) if hasattr(row, "_meta") else row[name]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    def after(self, queryset, position):
        """Rows strictly after `position` in the order: (a, b, c) > (x, y, z), written so that an index on the
        ordering serves it as one range (a ≤ x AND (a < x OR (a = x AND …)))."""
        fields = self._fields(queryset)

        def beyond(name, descending, value):
            return Q(**{f"{name}__{'lt' if descending else 'gt'}": value})

        condition = None
        for (name, descending, _), value in reversed(list(zip(fields, position, strict=True))):
            strict = beyond(name, descending, value)
            condition = strict if condition is None else strict | (Q(**{name: value}) & condition)
        name, descending, _ = fields[0]
        bound = Q(**{f"{name}__{'lte' if descending else 'gte'}": position[0]})
        return queryset.filter(bound & condition)

    # --- Paging ---

    def paginate_queryset(self, queryset, request, view=None):
        cursor, limit = self.read_parameters(request)
        queryset = queryset.order_by(*self.ordering)
        if cursor is not None:
            queryset = self.after(queryset, self.decode(cursor, queryset))
        rows = list(queryset[: limit + 1])
        page = rows[:limit]
        self.position_of_next = None
        if len(rows) > limit:
            fields = self._fields(queryset)
            self.position_of_next = [self._value(page[-1], name, field) for name, _, field in fields]
        return page

    def next_cursor(self):
        return None if self.position_of_next is None else self.encode(self.position_of_next)

    def next_link(self, request):
        cursor = self.next_cursor()
        if cursor is None:
            return None
        return replace_query_param(request.build_absolute_uri(), self.cursor_param, cursor)
