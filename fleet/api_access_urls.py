"""The workspace's API access page (its credentials and webhooks), under /workspaces/<slug>/api-access/,
namespace "api_access"."""

from django.urls import include, path

from fleet import api_access_views

app_name = "api_access"

urlpatterns = [
    path("", api_access_views.api_access, name="page"),
    path("<int:client_id>/revoke/", api_access_views.revoke, name="revoke"),
    path("webhooks/", api_access_views.webhook_add, name="webhook-add"),
    # One webhook's actions.
    path(
        "webhooks/<uuid:webhook_id>/",
        include(
            [
                path("edit/", api_access_views.webhook_edit, name="webhook-edit"),
                path("switch/", api_access_views.webhook_switch, name="webhook-switch"),
                path("delete/", api_access_views.webhook_delete, name="webhook-delete"),
                path("test/", api_access_views.webhook_test, name="webhook-test"),
                path("replay/", api_access_views.webhook_replay, name="webhook-replay"),
            ]
        ),
    ),
]
