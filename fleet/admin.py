"""Django admin of the workspace side: workspaces and their members, makes, API credentials.

What changes vehicles (a make's activation, automatic platform approval turned on) is added by vehicles/admin.py,
which knows the status machine; this app knows nothing of vehicles.
"""

from django.contrib import admin, messages

from fleet.models import ApiClient, Make, Membership, Workspace


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


@admin.register(Make)
class MakeAdmin(admin.ModelAdmin):
    search_fields = ["name"]


# --- API credentials: listed and revocable here; created on the workspace's API access page ---


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
            client.revoke("operator", request.user.get_username())
        self.message_user(request, f"{queryset.count()} credential(s) revoked.", messages.SUCCESS)
