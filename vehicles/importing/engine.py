"""The import engine: VIN entries in, one outcome per entry out, vehicles and history written in bulk.

Every way of adding VINs (the one-VIN form, the CSV upload, `import_vins`, the API) goes through this module:
`add_vehicles(workspace, entries, by)` for a list, `ImportRun(...).run(entries)` for a stream (a CSV file of a
million rows) that must not be held in memory.

One run is one transaction: it normalises and validates every entry, resolves its make, separates new VINs,
deleted ones to bring back, duplicates in the workspace and repeats within the run, and writes in batches —
new vehicles with the database's fastest bulk path (SQLite `executemany`, PostgreSQL `COPY`) and their history
rows copied from them by the database, revived vehicles through the status machine's guarded update. A run that
fails (a refused file, a crash, a killed worker) leaves nothing behind; running it again ends in the same state as
one clean run.

The status of each VIN is decided by the status machine (`machine.initial_status`), which also writes it: new
vehicles, their history rows, the revival of deleted ones, the count deltas and the `entered_pending` signal all
go through `machine.Uploads`; this module validates, classifies and reports.
"""

import difflib
import functools
import json
import re
import unicodedata
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from vininfo.dicts import WMI

from fleet.models import Make, MakeActivation, Workspace
from vehicles import bulk
from vehicles.choices import Status
from vehicles.details import clean_details, search_key
from vehicles.models import Vehicle, set_labels
from vehicles.status import machine
from vehicles.status.machine import MAKE_NOT_FOUND
from vehicles.vins import InvalidVin, make_name_for_vin, parse_odometer, validate_vin

# Entries handled per batch: one existence query, one vehicle insert and one history insert each.
BATCH_ROWS = 10_000
# Longest value kept for a problem row (a whole line of garbage is cut, not stored).
PROBLEM_VALUE_MAX = 200


class Outcome:
    ADDED = "added"
    READDED = "re-added"
    DUPLICATE = "duplicate"
    REPEATED = "repeated"
    INVALID = "invalid"

    ALL = ("added", "re-added", "duplicate", "repeated", "invalid")
    PROBLEMS = ("invalid", "duplicate", "repeated")
    LABELS = {
        "added": "Added",
        "re-added": "Re-added (deleted earlier)",
        "duplicate": "Already in this workspace",
        "repeated": "Repeated in the file",
        "invalid": "Invalid",
    }

    @classmethod
    def label(cls, outcome, status=""):
        """The report's words for a row: the summary's label, and the status for a row added into Error or
        Incomplete (a warning: "Added as Error")."""
        label = cls.LABELS.get(outcome, outcome)
        return f"{label} as {Status(status).label}" if status else label


# Rows added with these statuses are listed among the report's problem rows, as warnings with their reason.
WARNING_STATUSES = (Status.ERROR, Status.INCOMPLETE)


@dataclass(slots=True)
class Entry:
    """One VIN to add, as given: the engine normalises and validates it.

    `odometer` may be a number or the text of a CSV cell; `odometer_unit` "km" (default) or "mi";
    `make_name` optional (matched without regard to case; the VIN's own maker when empty); `line` the
    line of the file it came from, for the report. `name`, `license_plate` and `labels` (a list, or the text of a
    CSV cell with labels separated by `|`) are judged by vehicles/details.py.
    """

    vin: str
    odometer: int | str | None = None
    odometer_unit: str = "km"
    make_name: str = ""
    line: int | None = None
    row: list | None = None  # the CSV row's cells as given (kept with a problem row, so it can be uploaded again)
    name: str | None = None
    license_plate: str | None = None
    labels: list | str | None = None


@dataclass(slots=True)
class Result:
    entry: Entry
    outcome: str
    status: str = ""
    reason: str = ""
    vehicle_id: int | None = None
    extra: dict = field(default_factory=dict)


class ImportRefused(Exception):
    """The input as a whole is refused (not a CSV, no `vin` column, no data rows …): nothing was added."""


def empty_summary():
    return {"outcomes": dict.fromkeys(Outcome.ALL, 0), "statuses": dict.fromkeys(Status.values, 0)}


def summarise(results):
    """Counts per outcome and per resulting status."""
    summary = empty_summary()
    for result in results:
        summary["outcomes"][result.outcome] += 1
        if result.status:
            summary["statuses"][result.status] += 1
    return summary


def resolve_makes(names):
    """{lower-case name: Make} for maker names, creating the Make rows that do not exist yet."""
    names = {name for name in names if name}
    if not names:
        return {}
    existing = {m.name.lower(): m for m in Make.objects.filter(name__in=names)}
    missing = {n for n in names if n.lower() not in existing}
    if missing:
        for make in Make.objects.all():
            existing.setdefault(make.name.lower(), make)
        to_create = {n.lower(): n for n in missing if n.lower() not in existing}
        Make.objects.bulk_create([Make(name=n) for n in to_create.values()], ignore_conflicts=True)
        for make in Make.objects.filter(name__in=to_create.values()):
            existing[make.name.lower()] = make
    return existing


def add_vehicles(workspace, entries, by):
    """Add (or bring back) the entries' VINs to the workspace; one Result per entry, in order."""
    results = []
    ImportRun(workspace, by, on_results=results.extend).run(entries)
    return results


# SQLite's page cache during an import (KiB; the settings' 64 MB is for the web processes' reads): a million-row
# import must stay within the worker's memory budget, and a larger cache hardly speeds bulk inserts.
SQLITE_IMPORT_CACHE_KIB = 16_000


def analyze_after_rows():
    """An import that wrote at least this many vehicles (added or re-added) refreshes the planner's statistics of
    the vehicles table after its commit (setting IMPORT_ANALYZE_AFTER_ROWS): see analyze_vehicles."""
    return settings.IMPORT_ANALYZE_AFTER_ROWS


def analyze_vehicles():
    """Refresh the database's statistics of the vehicles table (run after a big import has committed).

    Without them PostgreSQL (until autovacuum's ANALYZE comes round) estimates one row per workspace and answers
    single-VIN lookups through the wrong index, and SQLite (which never gathers them by itself) may pick a worse
    index for the VIN table's filtered pages (docs/bench-api.md, docs/bench-table.md). ANALYZE samples 30,000
    rows on PostgreSQL; on SQLite it reads the table's indexes (under a second for a million rows).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Vehicle._meta.db_table)}")


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class ImportRun:
    """One import into one workspace. `run(entries)` returns the summary (counts per outcome and status).

    on_results(list of Result) receives each batch's results in order (add_vehicles keeps them);
    on_problems(list of (line, value, outcome, status, reason, row)) each batch's problem rows: rows not added
    (status "") and rows added into Error or Incomplete (warnings; status says which), `row` the entry's cells;
    on_progress(rows handled so far) is called after each batch (inside the transaction);
    before_commit(summary) runs last inside the transaction (the import job records its outcome there, so
    that the job says "completed" exactly when the vehicles are there).
    """

    def __init__(self, workspace, by, *, on_results=None, on_problems=None, on_progress=None, before_commit=None):
        self.workspace = workspace
        self.by = by
        self.on_results = on_results
        self.on_problems = on_problems
        self.on_progress = on_progress
        self.before_commit = before_commit
        self.summary = empty_summary()
        self.processed = 0
        self.written = 0  # vehicles added or re-added

    # --- the run -------------------------------------------------------------------------------------
    def run(self, entries):
        self.now = timezone.now()
        self.makes = {}  # VIN prefix or named make (lower case) -> make id, None (not found) or an error
        self.make_names = {}  # make id -> name, for the reasons of rows added as Incomplete
        self.known_makes = None  # MakeNames of every maker and Make row (a `make` column's names), when first needed
        # What this run wrote, to tell a VIN repeated in the input from one that was here before without
        # keeping every VIN in memory (a million rows): the ids of the new vehicles (ascending) and their
        # lines, and the ids of the revived and duplicate vehicles with theirs.
        self.new_ids, self.new_lines = array("q"), array("L")
        self.touched = {}
        with transaction.atomic(), bulk.bounded_sqlite_cache(SQLITE_IMPORT_CACHE_KIB):
            self._lock_workspace()
            self.active = set(
                MakeActivation.objects.filter(workspace=self.workspace, state=MakeActivation.State.ACTIVE).values_list(
                    "make_id", flat=True
                )
            )
            self.uploads = machine.Uploads(self.by, self.now)
            for batch in batched(entries, BATCH_ROWS):
                self._handle(batch)
                if self.on_progress:
                    self.on_progress(self.processed)
            self.uploads.finish()
            if self.written >= analyze_after_rows():
                # After the commit, never inside the import's transaction; a failure is logged, not raised.
                transaction.on_commit(analyze_vehicles, robust=True)
            if self.before_commit:
                self.before_commit(self.summary)
        return self.summary

    def _lock_workspace(self):
        """Imports into one workspace run one after the other (SQLite's immediate transactions already do)."""
        if connection.vendor != "sqlite":
            list(Workspace.objects.select_for_update().filter(pk=self.workspace.pk).values_list("pk"))

    def _first_line(self, pk):
        """The line on which this run met the vehicle's VIN first, or None if this run has not met it."""
        if pk in self.touched:
            return self.touched[pk]
        ids = self.new_ids
        if ids and pk >= ids[0]:
            i = bisect_left(ids, pk)
            if i < len(ids) and ids[i] == pk:
                return self.new_lines[i]
        return None

    def _handle(self, batch):
        outcomes = self.summary["outcomes"]
        statuses = self.summary["statuses"]
        results = [None] * len(batch) if self.on_results else None
        problems = []

        def problem(index, entry, value, outcome, reason, vehicle_id=None):
            outcomes[outcome] += 1
            problems.append((entry.line or 0, value[:PROBLEM_VALUE_MAX], outcome, "", reason, _cells(entry)))
            if results is not None:
                results[index] = Result(entry, outcome, reason=reason, vehicle_id=vehicle_id)

        def repeated(vin, first):
            return f"VIN {vin} is repeated in the file" + (f" (first on line {first})" if first else "")

        # (entry, vin, odometer, unit, make_id, status, index in the batch, error reason, details, labels)
        candidates = []
        first_in_batch = {}
        for index, entry in enumerate(batch):
            self.processed += 1
            vin, odometer, unit, make_id, error_reason, reason, details, labels = self._check(entry)
            if reason:
                problem(index, entry, vin or str(entry.vin if entry.vin is not None else ""), Outcome.INVALID, reason)
            elif vin in first_in_batch:
                problem(index, entry, vin, Outcome.REPEATED, repeated(vin, first_in_batch[vin]))
            else:
                first_in_batch[vin] = entry.line or 0
                status = machine.initial_status(make_id, make_id in self.active)
                candidates.append((entry, vin, odometer, unit, make_id, status, index, error_reason, details, labels))

        existing = existing_vehicles(self.workspace.pk, [c[1] for c in candidates])
        new, revived = [], []
        for candidate in candidates:
            entry, vin, index = candidate[0], candidate[1], candidate[6]
            found = existing.get(vin)
            if found is None:
                new.append(candidate)
                continue
            pk, deleted = found
            first = self._first_line(pk)
            if first is not None:
                problem(index, entry, vin, Outcome.REPEATED, repeated(vin, first), pk)
            elif deleted:  # deleted earlier: the same row comes back
                revived.append((pk, candidate))
                self.touched[pk] = entry.line or 0
            else:
                problem(index, entry, vin, Outcome.DUPLICATE, f"VIN {vin} is already in this workspace", pk)
                self.touched[pk] = entry.line or 0

        new_ids = self.uploads.insert(
            self.workspace.pk,
            [(vin, odo, unit, make, st, err, *det) for _, vin, odo, unit, make, st, _, err, det, _ in new],
        )
        self.uploads.revive([(pk, c[2], c[3], c[4], c[7], *c[8]) for pk, c in revived])
        # Labels: new vehicles that carry some, and every revived one (its labels are those uploaded now).
        labelled = {pk: c[9] for pk, c in zip(new_ids, new, strict=True) if c[9]}
        if labelled:
            set_labels(self.workspace.pk, labelled)
        if revived:
            set_labels(self.workspace.pk, {pk: c[9] for pk, c in revived}, replace=True)
        self.written += len(new_ids) + len(revived)
        self.new_ids.extend(new_ids)
        self.new_lines.extend(c[0].line or 0 for c in new)

        for outcome, written in ((Outcome.ADDED, zip(new_ids, new, strict=True)), (Outcome.READDED, revived)):
            for pk, (entry, vin, _odometer, _unit, make_id, status, index, error, *_rest) in written:
                outcomes[outcome] += 1
                statuses[status] += 1
                if status in WARNING_STATUSES:
                    reason = error if status == Status.ERROR else self._not_activated(make_id)
                    # No cells: the problem CSV (rows to upload again) leaves warnings out, and a file of a million
                    # Incomplete VINs should not store a million copies of its rows.
                    problems.append((entry.line or 0, vin, outcome, status, reason, []))
                if results is not None:
                    results[index] = Result(entry, outcome, status=status, vehicle_id=pk)

        if results is not None:
            self.on_results(results)
        if problems and self.on_problems:
            problems.sort(key=lambda p: p[0])
            self.on_problems(problems)

    def _check(self, entry):
        """(vin, odometer, unit, make_id, error reason, problem, details, labels): the problem says everything that
        is wrong with the entry (or is empty); the error reason is why a valid entry's VIN goes to Error (no make
        found); details are the DETAIL_COLUMNS of machine.Uploads (name, its search key, plate)."""
        problems = []
        try:
            vin = validate_vin(entry.vin)
        except InvalidVin as error:
            vin = ""
            problems.append(str(error))
        odometer, unit = entry.odometer, entry.odometer_unit
        try:
            odometer, unit = parse_odometer(odometer, unit)
        except ValueError as error:
            problems.append(str(error))
        given = {"name": entry.name, "license_plate": entry.license_plate, "labels": entry.labels}
        clean, detail_problems = clean_details(given)
        problems.extend(detail_problems.values())
        if problems:
            return vin, None, "km", None, "", "; ".join(problems), (), []
        make_id = self._make_for(vin, entry.make_name)
        error_reason = ""
        if isinstance(make_id, str):  # a named make that no maker has: no make can be found (SPEC: Error)
            make_id, error_reason = None, make_id
        elif make_id is None:
            error_reason = MAKE_NOT_FOUND
        entry.vin, entry.odometer, entry.odometer_unit = vin, odometer, unit
        name, plate = clean["name"], clean["license_plate"]
        return vin, odometer, unit, make_id, error_reason, "", (name, search_key(name), plate), clean["labels"]

    def _make_for(self, vin, named):
        """The make's id, None when the VIN names no maker, or the reason when the named make is unknown."""
        key = named.strip().lower() if named else vin[:3]
        if key in self.makes:
            return self.makes[key]
        if named and self.known_makes is None:
            self.known_makes = known_make_names()
        name, reason = make_of(vin, named, self.known_makes)
        if name is None:
            self.makes[key] = reason if named else None
            return self.makes[key]
        make = _get_or_create_make(name)
        self.makes[key] = make.pk
        self.make_names[make.pk] = make.name
        return self.makes[key]

    def _not_activated(self, make_id):
        name = self.make_names.get(make_id) or Make.objects.filter(pk=make_id).values_list("name", flat=True).first()
        self.make_names[make_id] = name
        return (
            f"Make {name} is not activated for this workspace: the VIN waits as Incomplete until its activation "
            f"is completed (Makes page)."
        )


def _cells(entry):
    """The entry's row as given (each cell cut to PROBLEM_VALUE_MAX), or its fields when it came from no file."""
    if entry.row is not None:
        return [str(cell)[:PROBLEM_VALUE_MAX] for cell in entry.row]
    return []


# --- a `make` column's name, matched to the maker list ----------------------------------------------------------
# Words a person adds to or leaves off a maker's name ("Porsche" for vininfo's "Porsche car", "BMW AG" for "BMW").
TRAILING_WORDS = frozenset(
    "car cars ag gmbh inc ltd limited co corp corporation company motor motors automobile automobiles spa sa "
    "llc plc".split()
)


def make_key(name):
    """A make name reduced for matching: accents and case dropped, punctuation as spaces, the trailing words of
    TRAILING_WORDS removed (however many), spaces collapsed. "Porsche car" and "PORSCHE" both give "porsche"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[-1] in TRAILING_WORDS:
        words.pop()
    return " ".join(words)


class MakeNames:
    """The one rule for a `make` column (CSV, API, form): a name is matched to the known makers' names

    1. exactly, without regard to case ("bmw" → "BMW");
    2. else by its key (make_key: accents, case, punctuation and trailing words like "car", "AG" ignored) when
       exactly one known name has that key ("Porsche" → "Porsche car"); several known names with one key are
       ambiguous unless exactly one of them is already a make of the platform;
    3. else it is not found, and the reason proposes the nearest names (difflib) — "did you mean …?".
    """

    def __init__(self, names, existing=()):
        self.exact = {}
        self.by_key = {}
        for name in names:
            self.exact.setdefault(name.lower(), name)
            self.by_key.setdefault(make_key(name), set()).add(name)
        self.existing = {name.lower() for name in existing}

    def match(self, given):
        """(name, "") or (None, the reason it is not found)."""
        given = given.strip()
        if given.lower() in self.exact:
            return self.exact[given.lower()], ""
        key = make_key(given)
        found = sorted(self.by_key.get(key, ()))
        if len(found) > 1:
            platform = [name for name in found if name.lower() in self.existing]
            if len(platform) == 1:
                return platform[0], ""
            return None, f"Make not found: {given!r} could be {_either(found)}; write the maker's name as listed"
        if found:
            return found[0], ""
        near = difflib.get_close_matches(key, list(self.by_key), n=3, cutoff=0.75)
        names = [sorted(self.by_key[k])[0] for k in near]
        reason = f"Make not found: {given!r} is not the name of a known maker"
        return None, reason + (f"; did you mean {_either(names)}?" if names else "")


def _either(names):
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def make_of(vin, named="", names=None):
    """(the make's name, "") of a valid VIN and its optional `make` cell, or (None, why no make can be found).

    The engine's rule for an entry's make, read-only (the eligibility check asks it too): a named make is matched
    by `MakeNames` (forgiving, docs/upload.md) against the makes there are and every maker vininfo knows (`names`,
    from `known_make_names()`, built once per import or check); without a name, the maker behind the VIN's first
    characters.
    """
    if named:
        return (names or known_make_names()).match(named)
    name = make_name_for_vin(vin)
    return (name, "") if name else (None, MAKE_NOT_FOUND)


def known_make_names():
    """The names a `make` cell is matched against: the platform's makes and every maker vininfo knows."""
    platform = list(Make.objects.values_list("name", flat=True))
    return MakeNames([*maker_names().values(), *platform], existing=platform)


@functools.cache
def maker_names():
    """{lower-case name: name} of every maker vininfo knows (the names a `make` column may use)."""
    names = (maker if isinstance(maker, str) else maker.manufacturer for maker in WMI.values())
    return {name.lower(): name for name in names}


def _get_or_create_make(name):
    make = Make.objects.filter(name__iexact=name).first()
    if make is None:
        Make.objects.bulk_create([Make(name=name)], ignore_conflicts=True)
        make = Make.objects.get(name__iexact=name)
    return make


def existing_vehicles(workspace_id, vins):
    """{vin: (pk, deleted)} of the workspace's rows for these VINs; a live row wins over deleted ones.

    Two queries, each on its partial index: the deleted rows (`vehicle_ws_deleted_vin`), then the live ones (the
    unique live (workspace, vin) index). The VINs go as one parameter (validated VINs have no comma), which
    psycopg sends at once instead of adapting a list of 10,000 strings.
    """
    if not vins:
        return {}
    table = Vehicle._meta.db_table
    if connection.vendor == "sqlite":
        where = "workspace_id = %s AND vin IN (SELECT value FROM json_each(%s))"
        params = [workspace_id, json.dumps(vins)]
    else:
        where = "workspace_id = %s AND vin = ANY(string_to_array(%s, ','))"
        params = [workspace_id, ",".join(vins)]
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, vin FROM {table} WHERE {where} AND deleted_at IS NOT NULL ORDER BY deleted_at, id", params
        )
        for pk, vin in cursor.fetchall():
            found[vin] = (pk, True)  # the latest deleted one (last)
        cursor.execute(f"SELECT id, vin FROM {table} WHERE {where} AND deleted_at IS NULL", params)
        for pk, vin in cursor.fetchall():
            found[vin] = (pk, False)
    return found
