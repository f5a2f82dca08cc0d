from django.urls import path

from . import api_access_views

urlpatterns = [
    path("", api_access_views.api_access, name="api-access"),
    path("<int:client_id>/revoke/", api_access_views.revoke, name="api-access-revoke"),
]
