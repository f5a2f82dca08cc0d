"""Django admin for operators. Every status change goes through the status machine's admin actions."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from fleet.admin import WorkspaceAdmin as BaseWorkspaceAdmin
from fleet.models import MakeActivation, Workspace
from fleet.paginators import CappedCountPaginator
from vehicles.choices import Event, Party
from vehicles.filters import search, with_labels
from vehicles.models import ImportJob, Label, Reading, StatusChange, Vehicle
from vehicles.status import machine, waiting
from vehicles.status.machine import By, activate_make, refused_reason
from vehicles.tasks.approvals import approve_pending_automatically
from vehicles.vins import normalise_vin


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["at", "event", "from_status", "to_status", "actor", "actor_name", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _report(modeladmin, request, queryset, changed_ids, event, done):
    """Message the operator with what changed and, VIN by VIN, what the machine refused."""
    changed_ids = set(changed_ids)
    if changed_ids:
        modeladmin.message_user(request, f"{len(changed_ids)} VIN(s) {done}.", messages.SUCCESS)
    refused = [v for v in queryset.exclude(pk__in=changed_ids)[:20]]
    if refused:
        total = queryset.count() - len(changed_ids)
        lines = "; ".join(refused_reason(v, event) for v in refused)
        more = f" (and {total - len(refused)} more)" if total > len(refused) else ""
        modeladmin.message_user(request, f"{total} VIN(s) refused: {lines}{more}", messages.ERROR)


class StuckFilter(admin.SimpleListFilter):
    """Pending for longer than their make allows (vehicles.status.waiting): select them all and approve or refuse
    them with the actions below."""

    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("1", "Stuck (Pending much longer than usual)")]

    def queryset(self, request, queryset):
        return waiting.stuck(queryset) if self.value() == "1" else queryset


class LabelFilter(admin.SimpleListFilter):
    """Vehicles carrying a label (compared without regard to case), among the labels of the workspace chosen in
    the workspace filter, or of every workspace."""

    title = "label"
    parameter_name = "label"

    def lookups(self, request, model_admin):
        labels = Label.objects.all()
        workspace = request.GET.get("workspace__id__exact")
        if workspace and workspace.isdigit():
            labels = labels.filter(workspace_id=int(workspace))
        names = {}
        for key, name in labels.order_by("key", "id").values_list("key", "name")[:200]:
            names.setdefault(key, name)
        return list(names.items())

    def queryset(self, request, queryset):
        return with_labels(queryset, [self.value()]) if self.value() else queryset


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["vin", "name", "license_plate", "workspace", "make", "status", "error_reason", "status_changed_at"]
    list_filter = [StuckFilter, "status", "workspace", "make", LabelFilter]
    search_fields = ["vin", "license_plate", "name"]  # prefixes, as the VIN table's search box (get_search_results)
    list_select_related = ["workspace", "make"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    inlines = [StatusChangeInline]

    def get_search_results(self, request, queryset, search_term):
        """The search box finds vehicles by VIN, license plate or name prefix, as the VIN table's does: index ranges
        in every workspace (the live (workspace, vin) unique index, the plate and name indexes start with the
        workspace; no index covers every row's VIN: an import would have to write it)."""
        return search(queryset.filter(workspace__in=Workspace.objects.values("pk")), search_term), False

    readonly_fields = [
        "workspace",
        "vin",
        "status",
        "error_reason",
        "platform_approved_at",
        "provider_approved_at",
        "approval_round",
        "created_at",
        "status_changed_at",
        "name",
        "license_plate",
        "details_changed_at",
    ]
    fields = readonly_fields[:2] + ["make", "model_year", "odometer", "odometer_unit"] + readonly_fields[2:]
    actions = [
        "approve_as_platform",
        "approve_as_provider",
        "refuse_as_platform",
        "refuse_as_provider",
        "disable",
        "enable",
    ]

    def has_add_permission(self, request):
        # VINs are added through the upload (form, CSV, command, API), which decides their status.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deletion is a soft delete through the status machine, never a row removal.
        return False

    def save_model(self, request, obj, form, change):
        # Only the editable details are written: a full save would write back the status, approvals and deletion
        # as they were when the form was loaded, undoing any transition made meanwhile.
        if change:
            obj.save(update_fields=[f for f in form.changed_data if f in ("model_year", "odometer", "odometer_unit")])
        else:
            super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "make"] if obj else self.readonly_fields

    def _approve(self, request, queryset, party):
        recorded, enabled = machine.approve(queryset, party, By.operator(request.user))
        if recorded:
            self.message_user(
                request,
                f"{Party(party).label} approval recorded for {len(recorded)} VIN(s); {len(enabled)} now Enabled.",
                messages.SUCCESS,
            )
        _report(self, request, queryset, recorded, Event.APPROVE, "approved")

    @admin.action(description="Approve as platform")
    def approve_as_platform(self, request, queryset):
        self._approve(request, queryset, Party.PLATFORM)

    @admin.action(description="Approve as provider")
    def approve_as_provider(self, request, queryset):
        self._approve(request, queryset, Party.PROVIDER)

    def _refuse(self, request, queryset, party, action):
        reason = request.POST.get("reason", "").strip()
        if "confirm" not in request.POST or not reason:
            context = {
                **self.admin_site.each_context(request),
                "title": f"Refuse as {Party(party).label.lower()}",
                "queryset": queryset[:100],
                "count": queryset.count(),
                "action": action,
                "opts": self.model._meta,
                "missing_reason": "confirm" in request.POST and not reason,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "selected_ids": list(queryset.values_list("pk", flat=True)),
            }
            return TemplateResponse(request, "admin/vehicles/refuse.html", context)
        changed = machine.refuse(queryset, party, By.operator(request.user), reason)
        _report(self, request, queryset, changed, Event.REFUSE, "refused (now Error)")
        return None

    @admin.action(description="Refuse as platform (with a reason)")
    def refuse_as_platform(self, request, queryset):
        return self._refuse(request, queryset, Party.PLATFORM, "refuse_as_platform")

    @admin.action(description="Refuse as provider (with a reason)")
    def refuse_as_provider(self, request, queryset):
        return self._refuse(request, queryset, Party.PROVIDER, "refuse_as_provider")

    @admin.action(description="Disable (platform revokes)")
    def disable(self, request, queryset):
        changed = machine.apply(Event.DISABLE, queryset, By.operator(request.user))
        _report(self, request, queryset, changed, Event.DISABLE, "disabled")

    @admin.action(description="Enable (approval chain runs again)")
    def enable(self, request, queryset):
        changed = machine.apply(Event.ENABLE, queryset, By.operator(request.user))
        _report(self, request, queryset, changed, Event.ENABLE, "enabled")


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """Every status change, for operators. Read-only: history is never edited."""

    list_display = ["at", "vehicle", "event", "from_status", "to_status", "actor", "actor_name", "reason"]
    list_filter = ["event", "to_status", "actor"]
    search_fields = ["=vehicle__vin"]
    list_select_related = ["vehicle"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        """The history of a VIN (live or deleted, every workspace), through the vehicles' (workspace, vin)
        indexes."""
        vin = normalise_vin(search_term)
        if not vin:
            return queryset, False
        return queryset.filter(vehicle__in=Vehicle.all_objects.with_vin(vin).values("pk")), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ["vin", "recorded_at", "odometer_km", "fuel_level", "battery_level", "ignition", "speed_kmh"]
    search_fields = ["=vin"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "workspace", "source", "filename", "state", "processed_rows", "total_rows"]
    list_filter = ["state", "source", "workspace"]

    def has_change_permission(self, request, obj=None):
        return False


# --- The workspace side's admin, with what it changes in vehicles


admin.site.unregister(Workspace)


@admin.register(Workspace)
class WorkspaceAdmin(BaseWorkspaceAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.auto_platform_approval and "auto_platform_approval" in form.changed_data:
            recorded, enabled = approve_pending_automatically(obj)
            self.message_user(
                request,
                f"Automatic platform approval is on: given to {len(recorded)} Pending VIN(s); "
                f"{len(enabled)} now Enabled.",
                messages.SUCCESS,
            )


@admin.register(MakeActivation)
class MakeActivationAdmin(admin.ModelAdmin):
    list_display = ["make", "workspace", "state", "requested_by", "requested_at", "activated_at"]
    list_filter = ["state", "workspace"]
    search_fields = ["make__name", "workspace__name", "workspace__slug"]
    autocomplete_fields = ["make", "workspace"]
    readonly_fields = ["state", "requested_by", "requested_at", "activated_by", "activated_at"]

    def get_readonly_fields(self, request, obj=None):
        # An existing activation keeps its workspace and make: moving it would skip `activate_make`.
        return [*self.readonly_fields, "workspace", "make"] if obj else self.readonly_fields

    actions = ["complete_activation"]

    @admin.action(description="Complete activation (Incomplete VINs of the make → Pending)")
    def complete_activation(self, request, queryset):
        for activation in queryset.select_related("workspace", "make"):
            moved = activate_make(activation.workspace, activation.make, By.operator(request.user))
            self.message_user(
                request,
                f"{activation.make} activated for {activation.workspace}: "
                f"{len(moved)} Incomplete VIN(s) moved to Pending.",
                messages.SUCCESS,
            )
