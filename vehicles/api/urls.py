"""Everything under /api/: the token endpoint, v1 and v2 (same routes), the schema, its reference pages and
the Postman collection."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from oauth2_provider.views import TokenView

from vehicles.api import docs, schema, views  # noqa: F401 (schema registers the auth scheme

# (route, view, name): the same routes in every version, in the order a client would use them.
ROUTES = [
    ("vehicle-management/vehicles/", views.VehicleCollectionView, "vehicles"),
    ("vehicle-management/vehicles/disable", views.VehicleDisableView, "vehicles-disable"),
    ("vehicle-management/vehicles/enable", views.VehicleEnableView, "vehicles-enable"),
    ("vehicle-management/vehicles/remove", views.VehicleRemoveView, "vehicles-remove"),
    ("vehicle-management/vehicles/<str:vin>/", views.VehicleDetailView, "vehicle"),
    ("vehicles/<str:vin>/status", views.VehicleStatusDataView, "vehicle-status"),
    ("vehicles/<str:vin>/history", views.VehicleHistoryDataView, "vehicle-history"),
    ("reports/vehicles-status", views.ReportCreateView, "report-create"),
    ("reports/<uuid:report_id>", views.ReportView, "report"),
    ("reports/<uuid:report_id>/download", views.ReportDownloadView, "report-download"),
]


def version_patterns(version):
    return [path(route, views.view_for(view, version), name=name) for route, view, name in ROUTES]


urlpatterns = [
    path("oauth/token/", TokenView.as_view(), name="api-token"),
    path("v1/", include((version_patterns("v1"), "api-v1"))),
    path("v2/", include((version_patterns("v2"), "api-v2"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", docs.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("postman.json", docs.postman_collection, name="api-postman"),
]
