"""The VIN table: its columns and sort orders (django-tables2), and a paginator that never counts a million rows.

The rows themselves are rendered by `templates/vehicles/list.html#row`, so that one row can be sent alone after
an action. Every sort order here matches an index of `Vehicle` and ends on a unique key, so a page is an index
range scan whatever the number of vehicles.
"""

import django_tables2 as tables
from django.utils.functional import cached_property

from fleet.paginators import CappedCountPaginator
from vehicles.models import Vehicle

PER_PAGE = 50


class VehicleTable(tables.Table):
    vin = tables.Column(verbose_name="VIN", order_by=("vin",))
    name = tables.Column(verbose_name="Name", orderable=False)
    labels = tables.Column(verbose_name="Labels", orderable=False, empty_values=())
    make = tables.Column(accessor="make__name", verbose_name="Make", orderable=False)
    model_year = tables.Column(verbose_name="Model year", orderable=False)
    odometer = tables.Column(verbose_name="Odometer", orderable=False)
    status = tables.Column(verbose_name="Status", order_by=("status", "-status_changed_at", "-id"))
    status_changed_at = tables.Column(verbose_name="Last change", order_by=("status_changed_at", "id"))

    class Meta:
        model = Vehicle
        fields = ("vin", "name", "labels", "make", "model_year", "odometer", "status", "status_changed_at")
        order_by = ("-status_changed_at",)
        order_by_field = "sort"


class VehiclePaginator(CappedCountPaginator):
    """Pages of an ordered queryset with a total that is given (from the kept counts) or, where no kept count
    answers a filter (a VIN prefix, a date), counted up to the cap (CappedCountPaginator's, as in the admin).

    A page is read in two steps: the ids of the page, from the index alone, then those rows. Past the middle
    of an exactly known total, the ids are read from the other end, so the last page is as cheap as the first.
    """

    def __init__(self, queryset, per_page=PER_PAGE, count=None, cap=None, over_cap=False, rows=None):
        """over_cap: the filters already know that more than the cap match (vehicles.filters.narrowed). rows: the
        queryset the page's rows are read from by id (the workspace's vehicles with what the table shows), so that
        reading 50 rows does not repeat the filters that found them (PostgreSQL plans `id IN (2,000 candidates)
        AND id IN (50)` as a scan of the whole table)."""
        super().__init__(queryset, per_page)
        self.rows = queryset if rows is None else rows
        if cap is not None:
            self.cap = cap
        self.known_count = count
        self.over_cap = over_cap and count is None

    @cached_property
    def count(self):
        if self.over_cap:
            return self.cap + 1
        if self.known_count is not None:
            return self.known_count
        # Counted without the table's order: a count up to the cap kept in that order walks PostgreSQL's ordered
        # index to the end of the workspace when few rows match (a search among a few thousand ids).
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self):
        """True when the total is only known to be above the cap."""
        return self.known_count is None and self.count > self.cap

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        ids = self._page_ids(bottom, top)
        rows = {vehicle.pk: vehicle for vehicle in self.rows.filter(pk__in=ids).order_by()} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    def _page_ids(self, bottom, top):
        pks = self.object_list.values_list("pk", flat=True)
        if not self.capped and bottom > self.count // 2:
            ids = list(pks.reverse()[self.count - top : self.count - bottom])
            ids.reverse()
            return ids
        return list(pks[bottom:top])
