"""The workspace's API access page (its credentials), under /workspaces/<slug>/api-access/, namespace "api_access"."""

from django.urls import path

from fleet import api_access_views

app_name = "api_access"

urlpatterns = [
    path("", api_access_views.api_access, name="page"),
    path("<int:client_id>/revoke/", api_access_views.revoke, name="revoke"),
]
