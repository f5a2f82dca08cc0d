"""One FilterSet for the vehicles of a workspace, shared by the VIN table and the API.

It knows nothing of the request: the caller gives it the query parameters and a queryset already limited to
one workspace (`FilterSet(request.GET, queryset=workspace.vehicles.all())`).
"""

import datetime as dt

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django_filters.fields import IsoDateTimeField

from fleet.models import Make
from vehicles.choices import Status
from vehicles.details import LABEL_MAX, label_key, search_key
from vehicles.models import Label, Vehicle, VehicleLabel
from vehicles.status import waiting

# The highest character: `text < prefix + TOP` holds for every text starting with prefix (code point order, which
# SQLite's BINARY and PostgreSQL's C / C.UTF-8 collations follow).
TOP = "\U0010ffff"
LABELS_MAX_FILTER = 20
_VIN_CHARS = set("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


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


class LabelsField(forms.Field):
    """One or more `label` parameters (`?label=a&label=b`), blanks dropped."""

    widget = forms.MultipleHiddenInput
    default_validators = []

    def to_python(self, value):
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v).strip() for v in values if str(v).strip()]

    def validate(self, value):
        super().validate(value)
        if len(value) > LABELS_MAX_FILTER:
            raise forms.ValidationError(f"Filter by at most {LABELS_MAX_FILTER} labels.", code="too_many")
        for label in value:
            ProhibitNullCharactersValidator()(label)
            if len(label) > LABEL_MAX:
                raise forms.ValidationError(f"A label has at most {LABEL_MAX} characters.", code="too_long")


class LabelsFilter(django_filters.Filter):
    field_class = LabelsField


class VehicleFilterSet(django_filters.FilterSet):
    """Text filters refuse a NUL character (Django's CharField validator: PostgreSQL text cannot hold it), so a
    query never reaches the database with one; `updated_since` is compared in UTC."""

    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status", label="Status")
    make = django_filters.CharFilter(method="filter_make", label="Make")
    vin = django_filters.CharFilter(method="filter_vin_prefix", label="VIN starts with")
    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=100)
    label = LabelsFilter(method="filter_labels", label="Label")
    updated_since = UtcDateTimeFilter(field_name="status_changed_at", lookup_expr="gte", label="Changed since")
    stuck = django_filters.ChoiceFilter(
        choices=[("1", "Stuck only"), ("0", "Stuck or not")], method="filter_stuck", label="Stuck"
    )

    class Meta:
        model = Vehicle
        fields = ["status", "make", "vin", "q", "label", "updated_since", "stuck"]

    def filter_make(self, queryset, name, value):
        """The make by its name, without regard to case. Its id is looked up first (a table of a few hundred
        makes), so that the vehicles are filtered on their own column: joined by name, PostgreSQL cannot tell how
        many vehicles the make has and walks 59,000 Pending rows for a page of stuck Teslas (42 ms, against 2 ms
        by id; bench/stuck_bench.py)."""
        self.makes = list(Make.objects.filter(name__iexact=value).values_list("pk", flat=True))
        return queryset.filter(make_id__among=self.makes)  # literals: each make planned with its own share

    def filter_stuck(self, queryset, name, value):
        """Pending for longer than their make allows (vehicles.status.waiting, where the rule lives)."""
        return waiting.stuck(queryset, makes=self.makes) if value == "1" else queryset

    def filter_vin_prefix(self, queryset, name, value):
        """VINs are stored trimmed and upper-cased; a search is normalised the same way.

        The range (prefix … prefix padded with Z, the highest VIN character) lets the database use its index on
        (workspace, vin) whatever its collation; LIKE alone can use it only under the C collation.
        """
        return vin_prefix(queryset, value)

    def filter_search(self, queryset, name, value):
        branches = search_branches(value)
        return self._narrow(queryset, narrowed(queryset, branches, ranges=search_ranges(value)), exact=True)

    def filter_labels(self, queryset, name, value):
        """Vehicles that carry every label given (AND: each chip narrows the table), without regard to case."""
        keys = list(dict.fromkeys(label_key(label) for label in value))
        if not self.workspace_id:
            self.conditions = True
            return with_labels(queryset, keys)
        ids = dict(Label.objects.filter(workspace_id=self.workspace_id, key__in=keys).values_list("key", "pk"))
        if len(ids) < len(keys):  # a label no vehicle of the workspace carries: nothing matches, and that is known
            return self._narrow(queryset.none(), (set(), None, False), exact=True)
        # The label ids are literals (`among`), not parameters: a prepared statement would otherwise be planned once
        # for an average label, and two labels on 18 % and 10 % of the vehicles cost a hash of 280,000 rows
        # (120 ms) instead of the walk of the ordered index (30 ms).
        branches = [
            Q(Exists(VehicleLabel.objects.filter(vehicle_id=OuterRef("pk"), label_id__among=[ids[k]]))) for k in keys
        ]
        probes = [VehicleLabel.objects.filter(label_id=ids[k]).values_list("vehicle_id", flat=True) for k in keys]
        cap = LABEL_CANDIDATES_CAP_POSTGRESQL if connection.vendor == "postgresql" else CANDIDATES_CAP
        return self._narrow(queryset, narrowed(queryset, branches, all_of=True, probes=probes, cap=cap))

    def _narrow(self, queryset, narrowing, exact=False):
        """Candidates found by several filters (a search and a label) are intersected here and given to the
        query once, in filter_queryset: two lists of ids in one query make PostgreSQL expect a handful of rows
        and scan the whole table for them. `exact`: the candidates are exactly the rows that match so far (a
        search's, read from the filtered rows; a label's include deleted vehicles)."""
        candidates, condition, over = narrowing
        if candidates is not None:
            self.candidates = candidates if self.candidates is None else self.candidates & candidates
            self.exact = self.exact or exact
        self.dense = self.dense or over
        if condition is None:
            return queryset
        self.conditions = True
        return queryset.filter(condition)

    def filter_queryset(self, queryset):
        self.candidates, self.dense, self.exact, self.conditions = None, False, False, False
        self.makes = None  # the ids of the make filtered by, once filter_make has run
        queryset = super().filter_queryset(queryset)
        if self.candidates is not None:
            queryset = queryset.filter(pk__among=frozenset(self.candidates))
        return queryset

    @property
    def over_cap(self):
        """True when more than CANDIDATES_CAP rows are known to match without counting them (see `narrowed`): a
        search or label matched that many and nothing else narrowed them. A label's candidates include its deleted
        vehicles, so for a label alone this is "about". With a filter that narrows after them (a common label's
        condition, `updated_since`, `stuck`) nothing is known and the paginator counts, up to its cap."""
        self.qs  # noqa: B018  (the filters run once, on first use)
        data = self.form.cleaned_data
        if data.get("updated_since") or data.get("stuck") == "1":
            return False
        if self.candidates is not None:
            return not self.exact and not self.conditions and len(self.candidates) > CANDIDATES_CAP
        return self.dense

    @property
    def known_count(self):
        """How many rows match, when the candidates say it without a count: a search's candidates (read from the
        rows the filters before it left), intersected with a rare label's, and no filter after them. None
        otherwise."""
        self.qs  # noqa: B018
        data = self.form.cleaned_data
        if self.candidates is None or not self.exact or self.conditions:
            return None
        if data.get("updated_since") or data.get("stuck") == "1":
            return None
        return len(self.candidates)

    def __init__(self, *args, workspace=None, **kwargs):
        """`workspace` (the one the queryset is limited to) lets the label filter read its labels' index."""
        super().__init__(*args, **kwargs)
        self.workspace_id = workspace.pk if workspace is not None else None
        self.candidates, self.dense, self.exact, self.conditions = None, False, False, False
        self.makes = None


# How many matching rows a search or label filter looks up by its own index before the page is read: past it
# the ordered scan is cheaper than sorting the candidates (docs/details.md: 2,000 against 10,000 at 1M rows).
CANDIDATES_CAP = 2_000
# On PostgreSQL a label's vehicles are read up to this many from the (label, vehicle) index alone and given to the
# page as one array: a label on 0.5 % of a million vehicles costs 40 ms as an EXISTS probed for each row of the
# ordered index (5 µs a probe), 6 ms this way. Reading ids costs about 1 µs each here, the walk 50 / share × 5 µs:
# they meet near 14,000 ids. SQLite's probes cost a microsecond and its IN list is looked up id by id and sorted,
# so it keeps CANDIDATES_CAP (docs/details.md).
LABEL_CANDIDATES_CAP_POSTGRESQL = 10_000


def codepoint_order():
    """Whether the database compares text by code point (SQLite's BINARY; PostgreSQL under the C, POSIX or
    C.UTF-8 collation): a prefix is then exactly the range prefix … prefix + TOP."""
    if connection.vendor != "postgresql":
        return True
    name = connection.settings_dict["NAME"]
    if name not in _CODEPOINT_ORDER:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            collation = cursor.fetchone()[0]
        _CODEPOINT_ORDER[name] = collation in ("C", "POSIX") or collation.lower() in ("c.utf-8", "c.utf8")
    return _CODEPOINT_ORDER[name]


_CODEPOINT_ORDER = {}


def narrowed(queryset, branches, all_of=False, probes=None, cap=None, ranges=None):
    """(candidates, condition, over_cap): how to read the rows matching any branch (every branch with all_of) so
    that the page stays cheap whatever the planner would choose — a set of ids to read the page among (or None),
    a condition to filter by (or None), and whether more than CANDIDATES_CAP match.

    Each branch is first read alone, without the table's order, from its own index (at most `cap` + 1 ids; a
    label's from the (label, vehicle) index, deleted vehicles included, which the page leaves out). When they are
    few, the page is read among those ids (`pk__among`: on PostgreSQL one array, checked with a hash while the
    ordered index is walked, or the few rows sorted, as the planner finds cheaper). When a branch matches more,
    the matches are dense (0.2 % of a million for a search): the table's ordered index meets a page of them within
    a few thousand rows, so the plain condition is used. Left to themselves, SQLite and PostgreSQL walk the
    ordered index for a rare plate or label too — a scan of the whole workspace (docs/details.md). `probes` (one
    per branch) read the ids from elsewhere (a label's index); `cap` may then be higher than CANDIDATES_CAP, when
    reading those ids is cheap."""
    if not branches:
        return None, None, False
    cap = CANDIDATES_CAP if cap is None else cap
    found = []
    if probes is None:
        ranges = ranges if ranges and codepoint_order() else [None] * len(branches)
        for branch, index_range in zip(branches, ranges, strict=True):
            if index_range is not None:  # more than `cap` in the index alone: dense, no row read
                column, condition = index_range
                beyond = queryset.filter(condition).order_by().values_list(column, flat=True)[cap : cap + 1]
                if list(beyond):
                    found.append((True, []))
                    continue
            ids = list(queryset.filter(branch).order_by().values_list("pk", flat=True)[: cap + 1])
            found.append((len(ids) > cap, ids))
    else:  # read from an index alone: whether it holds more than `cap` is asked first, so a common label's ids
        for probe in probes:  # are never read
            over = bool(list(probe[cap : cap + 1]))
            found.append((over, [] if over else list(probe)))
    if all_of:
        sparse = [set(ids) for over, ids in found if not over]
        dense = Q(*(branch for (over, _), branch in zip(found, branches, strict=True) if over))
        if not sparse:  # every label is common: the plain filter, each label an EXISTS checked row by row
            return None, dense, True
        candidates = set.intersection(*sparse)
        return candidates, dense if dense else None, len(candidates) > CANDIDATES_CAP
    if any(over for over, _ in found):
        matches = branches[0]
        for branch in branches[1:]:
            matches |= branch
        return None, matches, True
    candidates = {pk for _, ids in found for pk in ids}
    return candidates, None, len(candidates) > CANDIDATES_CAP


def search_ranges(value):
    """(column, condition) for each branch of the search box — a VIN, license-plate or name prefix, without regard
    to case — as a range of the branch's index alone: VIN, the live (workspace, vin) unique index; plate and name,
    the partial `vehicle_ws_plate` and `vehicle_ws_name`, which hold only rows that have one (hence the `<> ''`,
    which lets the planner use them). Where the database compares text by code point (codepoint_order) a range holds
    exactly its branch's rows, and asking whether it holds more than CANDIDATES_CAP reads the index only: `q=van`
    (60,000 names) 0.6 ms, against 10–15 ms for PostgreSQL to read 2,001 rows of them, which it does by a bitmap of
    all 60,000 because it misjudges LIKE."""
    prefix = search_key(value.strip())
    if not prefix:
        return []
    end = prefix + TOP
    ranges = [
        ("license_plate", Q(license_plate__gte=prefix, license_plate__lt=end) & ~Q(license_plate="")),
        ("name_key", Q(name_key__gte=prefix, name_key__lt=end) & ~Q(name_key="")),
    ]
    if len(prefix) <= 17 and set(prefix) <= _VIN_CHARS:
        ranges.insert(0, ("vin", Q(vin__gte=prefix, vin__lte=prefix.ljust(17, "Z"))))
    return ranges


def search_branches(value):
    """The search box's branches: each of search_ranges(value) checked with `startswith` too, so that a branch
    holds the rows starting with the prefix whatever the collation."""
    prefix = search_key(value.strip())
    return [condition & Q(**{f"{column}__startswith": prefix}) for column, condition in search_ranges(value)]


def search(queryset, value):
    """Rows whose VIN, plate or name starts with `value` (the admin's search box; the table's goes by `narrowed`)."""
    branches = search_branches(value)
    if not branches:
        return queryset
    matches = branches[0]
    for branch in branches[1:]:
        matches |= branch
    return queryset.filter(matches)


def label_branch(key):
    return Q(Exists(VehicleLabel.objects.filter(vehicle_id=OuterRef("pk"), label__key=key)))


def with_labels(queryset, labels):
    for key in dict.fromkeys(label_key(label) for label in labels):
        queryset = queryset.filter(label_branch(key))
    return queryset


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
