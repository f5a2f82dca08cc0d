from django.contrib import admin
from django.urls import include, path

from . import views

handler500 = "fleet.outage.server_error"  # a database error that escaped the views is a 503, not a 500

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("workspaces/", views.workspace_list, name="workspace-list"),
    # One URL module per feature, all under the workspace's slug.
    path("workspaces/<slug:slug>/", include("vehicles.urls")),
    path("api/", include("vehicles.api.urls")),
]
