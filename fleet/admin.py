from django.contrib import admin, messages

from vehicles.transitions import By, activate_make

from .models import Make, MakeActivation, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "auto_platform_approval", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.auto_platform_approval and "auto_platform_approval" in form.changed_data:
            from vehicles.chain import approve_pending_automatically

            recorded, enabled = approve_pending_automatically(obj)
            self.message_user(
                request,
                f"Automatic platform approval is on: given to {len(recorded)} Pending VIN(s); "
                f"{len(enabled)} now Enabled.",
                messages.SUCCESS,
            )


@admin.register(Make)
class MakeAdmin(admin.ModelAdmin):
    search_fields = ["name"]


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


# --- API credentials (issue 6): listed and revocable here; created on the workspace's API access page ---
from .models import ApiClient  # noqa: E402


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "client_id", "created_by", "created_at", "revoked_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "workspace__slug", "application__client_id"]
    readonly_fields = ["workspace", "name", "application", "created_by", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the secret must be shown once: use the API access page or `create_api_client`

    @admin.action(description="Revoke the selected credentials")
    def revoke(self, request, queryset):
        for client in queryset.select_related("application"):
            client.revoke()
        self.message_user(request, f"{queryset.count()} credential(s) revoked.", messages.SUCCESS)
