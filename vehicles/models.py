"""Vehicles (one VIN in one workspace), their status history, status data, imports and reports.

Statuses change only through the status machine (`vehicles.status.machine`); models hold no status logic.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from fleet.models import Make, Workspace
from vehicles.choices import (
    HISTORY_STATUS_CHOICES,
    STATUS_COLOURS,
    Actor,
    Event,
    OdometerUnit,
    Status,
)
from vehicles.details import label_key


class VehicleQuerySet(models.QuerySet):
    def in_workspace(self, workspace):
        return self.filter(workspace=workspace)

    def anywhere(self, status, vins):
        """Live rows in `status` with one of these VINs, in every workspace: through the workspaces whose kept
        counts have any vehicle in that status and the unique live (workspace, vin) index. (A partial index on the
        VINs of one status was tried: PostgreSQL then chose it for guarded updates of that status too, whose rows
        it locked in VIN order instead of id order, and two bulk changes racing each other deadlocked.)"""
        workspaces = VehicleCount.objects.filter(status=status, count__gt=0).values("workspace_id")
        return self.filter(workspace__in=workspaces, vin__in=vins, status=status, deleted_at__isnull=True)

    def with_vin(self, vin, workspace=None):
        """The rows with this VIN in the workspace (in every workspace when None), the live one and the deleted
        ones (of `all_objects`), through the unique live (workspace, vin) index and the deleted rows' own: each
        half of the condition names `deleted_at`, so that its partial index applies (no index covers all rows)."""
        where = {"workspace": workspace} if workspace is not None else {"workspace__in": Workspace.objects.values("pk")}
        return self.filter(Q(**where, vin=vin, deleted_at__isnull=True) | Q(**where, vin=vin, deleted_at__isnull=False))


class LiveVehicleManager(models.Manager.from_queryset(VehicleQuerySet)):
    """Vehicles that are not deleted: what every list, page and API answer shows."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


AllVehicleManager = models.Manager.from_queryset(VehicleQuerySet)


class Vehicle(models.Model):
    # No index of their own: every query of the vehicles starts with the workspace (the indexes below), and an
    # import writes less (docs/benchmarks.md, import).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="vehicles", db_index=False)
    vin = models.CharField("VIN", max_length=17)
    make = models.ForeignKey(
        Make, null=True, blank=True, on_delete=models.PROTECT, related_name="vehicles", db_index=False
    )
    model_year = models.PositiveSmallIntegerField(null=True, blank=True)
    odometer = models.PositiveIntegerField(null=True, blank=True)
    odometer_unit = models.CharField(max_length=2, choices=OdometerUnit.choices, default=OdometerUnit.KM)

    # Details (vehicles/details.py has their rules). `name_key` is the name folded for the search box (`q`).
    # A database default too, so that raw inserts that do not name them (benchmarks, bulk paths) stay valid.
    name = models.CharField(max_length=100, blank=True, default="", db_default="")
    name_key = models.CharField(max_length=300, blank=True, default="", db_default="", editable=False)
    license_plate = models.CharField(max_length=20, blank=True, default="", db_default="")  # stored upper-case
    labels = models.ManyToManyField("Label", through="VehicleLabel", related_name="vehicles", blank=True)
    # When the details were last edited (vehicles/editing.py): each edit is a `vehicle.updated` event.
    details_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    status = models.CharField(max_length=10, choices=Status.choices, editable=False)
    error_reason = models.TextField(blank=True, editable=False)
    platform_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    provider_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Incremented each time the VIN enters Pending: an approval given for an earlier round does not count.
    approval_round = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(editable=False)
    status_changed_at = models.DateTimeField("last change", editable=False, db_index=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Written by each guarded update (the status before it), read back with UPDATE … RETURNING.
    previous_status = models.CharField(max_length=10, blank=True, editable=False)

    objects = LiveVehicleManager()
    all_objects = AllVehicleManager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-status_changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "vin"],
                condition=Q(deleted_at__isnull=True),
                name="one_live_vin_per_workspace",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="vehicle_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "-status_changed_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="vehicle_ws_last_change",
            ),
            # `make` last: the stuck condition (vehicles/status/waiting.py: Pending, changed before its make's
            # cutoff) is decided from the index alone, without reading the rows it skips.
            models.Index(
                fields=["workspace", "status", "-status_changed_at", "-id", "make"],
                condition=Q(deleted_at__isnull=True),
                name="vehicle_ws_status_change_make",
            ),
            models.Index(
                fields=["workspace", "make", "status"],
                condition=Q(deleted_at__isnull=True),
                name="vehicle_ws_make_status",
            ),
            # No global `vin` index (an import would write it for every row, at random places: issue 9). Look-ups
            # by VIN across workspaces go through the workspaces that have vehicles in that status (the kept
            # counts) and the unique live (workspace, vin) index (`VehicleQuerySet.anywhere`); a workspace's
            # deleted rows by VIN (an upload brings them back) have their own index, which no upload writes. A
            # look-up of a VIN in a workspace, live and deleted rows alike, is the two (`with_vin`).
            models.Index(
                fields=["workspace", "vin"],
                condition=Q(deleted_at__isnull=False),
                name="vehicle_ws_deleted_vin",
            ),
            # The search box's plate and name prefixes (docs/details.md): only rows that have one are indexed,
            # so an import without details writes nothing more.
            models.Index(
                fields=["workspace", "license_plate"],
                condition=Q(deleted_at__isnull=True) & ~Q(license_plate=""),
                name="vehicle_ws_plate",
            ),
            models.Index(
                fields=["workspace", "name_key"],
                condition=Q(deleted_at__isnull=True) & ~Q(name_key=""),
                name="vehicle_ws_name",
            ),
        ]

    def __str__(self):
        return self.vin

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def status_colour(self):
        return STATUS_COLOURS[self.status]

    @property
    def label_names(self):
        """The labels' names, sorted without regard to case (one query, or none when prefetched: every list
        prefetches `labels`)."""
        return [label.name for label in self.labels.all()]


class LabelQuerySet(models.QuerySet):
    def resolve(self, workspace_id, names):
        """{label key: Label} for these names in the workspace, creating the labels that do not exist yet (kept as
        first given: an existing label keeps its spelling)."""
        wanted = {}
        for name in names:
            wanted.setdefault(label_key(name), name)
        if not wanted:
            return {}
        found = {label.key: label for label in self.filter(workspace_id=workspace_id, key__in=list(wanted))}
        missing = [Label(workspace_id=workspace_id, name=n, key=k) for k, n in wanted.items() if k not in found]
        if missing:
            self.bulk_create(missing, ignore_conflicts=True)
            found.update(
                {label.key: label for label in self.filter(workspace_id=workspace_id, key__in=[m.key for m in missing])}
            )
        return found


class Label(models.Model):
    """A label of a workspace's vehicles, compared without regard to case (`key`), shown as first given."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="labels", db_index=False)
    name = models.CharField(max_length=40)
    key = models.CharField(max_length=160, editable=False)

    objects = LabelQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="one_label_per_key")]

    def __str__(self):
        return self.name


class VehicleLabel(models.Model):
    """A vehicle carries a label. (vehicle, label) is unique and serves a page's labels (one query per page);
    (label, vehicle) finds a label's vehicles for the `label` filter."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+", db_index=False)
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vehicle", "label"], name="one_label_per_vehicle")]
        indexes = [models.Index(fields=["label", "vehicle"], name="vehicle_label_label")]


def set_labels(workspace_id, labels_by_vehicle, replace=False):
    """Give vehicles their labels ({vehicle id: [label, …]}, already clean): with replace, the labels they carried
    before and are not given now are taken off. A constant number of statements whatever the number of vehicles."""
    labels = Label.objects.resolve(workspace_id, [name for names in labels_by_vehicle.values() for name in names])
    if replace and labels_by_vehicle:
        VehicleLabel.objects.filter(vehicle_id__in=list(labels_by_vehicle)).delete()
    rows = [
        VehicleLabel(vehicle_id=pk, label_id=labels[label_key(name)].pk)
        for pk, names in labels_by_vehicle.items()
        for name in names
    ]
    VehicleLabel.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


class StatusChange(models.Model):
    """One row per status change, written in the same transaction as the change. Never edited."""

    # Indexed by history_vehicle_at (vehicle, -at, -id) only.
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="history", db_index=False)
    event = models.CharField(max_length=20, choices=Event.choices)
    from_status = models.CharField(max_length=10, choices=HISTORY_STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=10, choices=HISTORY_STATUS_CHOICES)
    at = models.DateTimeField()
    actor = models.CharField(max_length=10, choices=Actor.choices)
    user = models.ForeignKey(  # not indexed: only a user's deletion looks its rows up (SET NULL)
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_name = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)
    # The `vehicle.status_changed` event that carries this change (events/). Not indexed and not constrained:
    # the event holds the change itself, and pruning old events (EVENTS_RETENTION_DAYS) leaves the history.
    log_event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="history",
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["vehicle", "-at", "-id"], name="history_vehicle_at"),
            # The changes into Enabled by time, for the makes' usual Pending time (vehicles/status/waiting.py): a
            # partial index, so uploads (whose rows go to Pending, Incomplete or Error) never write to it.
            models.Index(fields=["at"], condition=Q(to_status=Status.ENABLED), name="history_enabled_at"),
        ]

    def __str__(self):
        return f"{self.vehicle_id}: {self.from_status or '—'} → {self.to_status}"

    @property
    def who(self):
        return self.actor_name or self.get_actor_display()


class VehicleCount(models.Model):
    """Live vehicles per workspace, make and status, kept up to date by every write that changes them.

    The VIN table and the Makes page read these instead of counting a million rows on every view.
    make_key is the make's id, or 0 for vehicles whose make was not found.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="vehicle_counts")
    make_key = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "make_key", "status"], name="one_count_per_key")]


class MakePendingMedian(models.Model):
    """How long a make's VINs usually stay Pending: the median time from entering Pending to Enabled over the last
    PENDING_MEDIAN_DAYS, from the status history. Rewritten as a whole by `vehicles.status.waiting.refresh_medians`
    (the worker's periodic task, `manage.py refresh_pending_medians`, seed_demo); read, never computed, by pages
    and the API. A make with no case in the window has no row; one with fewer than PENDING_MEDIAN_MIN_CASES has a
    row that is not used."""

    make = models.OneToOneField(Make, on_delete=models.CASCADE, primary_key=True, related_name="pending_median")
    median_seconds = models.FloatField()
    cases = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.make_id}: {self.median_seconds:.0f} s over {self.cases} cases"


class Reading(models.Model):
    """A time-stamped vehicle status reading, stored per VIN (not per workspace) and kept forever."""

    vin = models.CharField("VIN", max_length=17)
    recorded_at = models.DateTimeField()
    odometer_km = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    fuel_level = models.FloatField(null=True, blank=True, help_text="percent")
    battery_level = models.FloatField(null=True, blank=True, help_text="percent")
    ignition = models.BooleanField(null=True, blank=True)
    speed_kmh = models.FloatField(null=True, blank=True)
    provider = models.CharField(max_length=50, blank=True)
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [models.UniqueConstraint(fields=["vin", "recorded_at"], name="one_reading_per_instant")]
        indexes = [models.Index(fields=["vin", "-recorded_at"], name="reading_vin_at")]

    def __str__(self):
        return f"{self.vin} at {self.recorded_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One upload (form, CSV, command or API) and its outcome counts."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        FORM = "form", "Form"
        CSV = "csv", "CSV file"
        COMMAND = "command", "Command line"
        API = "api", "API"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    filename = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to="imports/", blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    # The uploaded file's header row as given (the problem CSV repeats it, so that its rows can be uploaded again).
    columns = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_ws_created")]

    def __str__(self):
        return f"Import {self.filename or self.source} ({self.get_state_display()})"


class ImportProblem(models.Model):
    """A row of an import that did not end Pending or Enabled: not added (invalid, a duplicate, repeated in the
    file), or added as a warning into Error or Incomplete (`status`). `row` keeps the row's cells as given."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField()
    vin = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20)
    status = models.CharField(max_length=20, blank=True)
    reason = models.TextField()
    row = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["line", "id"]


class StatusReport(models.Model):
    """An asynchronous vehicle-status report requested through the API."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="status_reports")
    requested_by = models.CharField(max_length=150, blank=True)
    vins = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    csv = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
