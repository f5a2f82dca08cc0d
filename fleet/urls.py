from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fleet import views

handler500 = "fleet.outage.server_error"  # a database error that escaped the views is a 503, not a 500

urlpatterns = [
    path("", views.home, name="home"),
    # Log in and out only: no password reset (no mail is configured; managers reset passwords in the admin).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("workspaces/", views.workspace_list, name="workspace-list"),
    # One URL module per feature, all under the workspace's slug.
    path("workspaces/<slug:slug>/", include("vehicles.urls")),
    path("workspaces/<slug:slug>/api-access/", include("fleet.api_access_urls")),
    path("api/", include("vehicles.api.urls")),
]
