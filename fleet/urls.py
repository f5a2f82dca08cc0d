from django.contrib import admin
from django.urls import include, path

from fleet import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("workspaces/", views.workspace_list, name="workspace-list"),
    # One URL module per feature, all under the workspace's slug.
    path("workspaces/<slug:slug>/", include("vehicles.urls")),
    path("workspaces/<slug:slug>/api-access/", include("fleet.api_access_urls")),
    path("api/", include("vehicles.api.urls")),
]
