"""One FilterSet for the vehicles of a workspace, shared by the VIN table and the API.

It knows nothing of the request: the caller gives it the query parameters and a queryset already limited to
one workspace (`FilterSet(request.GET, queryset=workspace.vehicles.all())`).
"""

import datetime as dt

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from vehicles.choices import Status
from vehicles.models import Vehicle
from vehicles.status import waiting


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, given to the database in UTC.

    Python accepts UTC offsets up to ±23:59, PostgreSQL only up to ±15:59: an instant such as
    2026-01-01T00:00:00-18:01 is compared in UTC (as the API does), so the query never carries the offset. An
    instant that cannot be expressed in UTC (year 1 east of Greenwich, year 9999 west of it) is an invalid value.
    """

    default_error_messages = {
        "utc_range": "Enter a date and time that exists in UTC (between years 1 and 9999): %(value)s is out of range.",
    }

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None or instant.tzinfo is None:
            return instant
        try:
            return instant.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["utc_range"], code="utc_range", params={"value": value}
            ) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class VehicleFilterSet(django_filters.FilterSet):
    """Text filters refuse a NUL character (Django's CharField validator: PostgreSQL text cannot hold it), so a
    query never reaches the database with one; `updated_since` is compared in UTC."""

    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status", label="Status")
    make = django_filters.CharFilter(field_name="make__name", lookup_expr="iexact", label="Make")
    vin = django_filters.CharFilter(method="filter_vin_prefix", label="VIN starts with")
    updated_since = UtcDateTimeFilter(field_name="status_changed_at", lookup_expr="gte", label="Changed since")
    stuck = django_filters.ChoiceFilter(
        choices=[("1", "Stuck only"), ("0", "Stuck or not")], method="filter_stuck", label="Stuck"
    )

    class Meta:
        model = Vehicle
        fields = ["status", "make", "vin", "updated_since", "stuck"]

    def filter_stuck(self, queryset, name, value):
        """Pending for longer than their make allows (vehicles.status.waiting, where the rule lives)."""
        return waiting.stuck(queryset) if value == "1" else queryset

    def filter_vin_prefix(self, queryset, name, value):
        """VINs are stored trimmed and upper-cased; a search is normalised the same way.

        The range (prefix … prefix padded with Z, the highest VIN character) lets the database use its index on
        (workspace, vin) whatever its collation; LIKE alone can use it only under the C collation.
        """
        return vin_prefix(queryset, value)


def vin_prefix(queryset, value, field="vin"):
    """Rows whose VIN starts with `value` (trimmed, upper-cased as VINs are stored), as a range on the VIN index:
    `prefix <= vin <= prefix + ZZZ…` (Z is the highest VIN character) and the `startswith`, because PostgreSQL uses
    an index for LIKE only under the C collation."""
    prefix = value.strip().upper()
    if not prefix:
        return queryset
    return queryset.filter(
        **{f"{field}__gte": prefix, f"{field}__lte": prefix.ljust(17, "Z"), f"{field}__startswith": prefix}
    )


def form_problems(form):
    """A filter form's problems for a person: each names the filter by its label and the value given ("Status
    “bogus”: Select a valid choice …"), never a raw field name. Used by the VIN table, its export and the
    activity log."""
    problems = []
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            problems.append(" ".join(errors))
        else:
            given = ", ".join(form.data.getlist(name)) if hasattr(form.data, "getlist") else form.data.get(name, "")
            problems.append(f"{form.fields[name].label or name} “{given}”: {' '.join(errors)}")
    return problems


def filter_errors(filterset):
    return form_problems(filterset.form)
