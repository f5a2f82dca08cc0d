"""The workspace's API access page (its credentials and webhooks), under /workspaces/<slug>/api-access/,
namespace "api_access"."""

from django.urls import path

from fleet import api_access_views

app_name = "api_access"

urlpatterns = [
    path("", api_access_views.api_access, name="page"),
    path("<int:client_id>/revoke/", api_access_views.revoke, name="revoke"),
    path("webhooks/", api_access_views.webhook_add, name="webhook-add"),
    path("webhooks/<uuid:webhook_id>/edit/", api_access_views.webhook_edit, name="webhook-edit"),
    path("webhooks/<uuid:webhook_id>/switch/", api_access_views.webhook_switch, name="webhook-switch"),
    path("webhooks/<uuid:webhook_id>/delete/", api_access_views.webhook_delete, name="webhook-delete"),
    path("webhooks/<uuid:webhook_id>/test/", api_access_views.webhook_test, name="webhook-test"),
    path("webhooks/<uuid:webhook_id>/replay/", api_access_views.webhook_replay, name="webhook-replay"),
]
