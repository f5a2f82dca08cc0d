"""One FilterSet for the vehicles of a workspace, shared by the VIN table and the API.

It knows nothing of the request: the caller gives it the query parameters and a queryset already limited to
one workspace (`FilterSet(request.GET, queryset=workspace.vehicles.all())`).
"""

import django_filters

from .choices import Status
from .models import Vehicle


class VehicleFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status", label="Status")
    make = django_filters.CharFilter(field_name="make__name", lookup_expr="iexact", label="Make")
    vin = django_filters.CharFilter(method="filter_vin_prefix", label="VIN starts with")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="status_changed_at", lookup_expr="gte", label="Changed since"
    )

    class Meta:
        model = Vehicle
        fields = ["status", "make", "vin", "updated_since"]

    def filter_vin_prefix(self, queryset, name, value):
        """VINs are stored trimmed and upper-cased; a search is normalised the same way.

        The range (prefix … prefix padded with Z, the highest VIN character) lets the database use its index on
        (workspace, vin) whatever its collation; LIKE alone can use it only under the C collation.
        """
        prefix = value.strip().upper()
        if not prefix:
            return queryset
        return queryset.filter(vin__gte=prefix, vin__lte=prefix.ljust(17, "Z"), vin__startswith=prefix)
