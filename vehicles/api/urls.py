"""Everything under /api/: the token endpoint, v1 and v2 (same routes), the schema, its reference pages and
the Postman collection."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from vehicles.api import docs, eligibility, events, export, schema, token, views, webhooks  # noqa: F401 (schema registers the auth scheme)

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


# v2 only (SPEC.md: new API features live in v2): (route, view class, name), each with its own schema.
V2_ROUTES = [
    ("vehicle-management/vehicles/export.csv", export.VehicleExportView, "vehicles-export"),
    ("vehicle-management/eligibility", eligibility.EligibilityView, "eligibility"),
    ("events/", events.EventFeedView, "events"),
    ("webhooks/", webhooks.WebhookCollectionView, "webhooks"),
    ("webhooks/<str:webhook_id>/", webhooks.WebhookDetailView, "webhook"),
    ("webhooks/<str:webhook_id>/test", webhooks.WebhookTestView, "webhook-test"),
    ("webhooks/<str:webhook_id>/replay", webhooks.WebhookReplayView, "webhook-replay"),
    ("webhooks/<str:webhook_id>/deliveries", webhooks.WebhookDeliveriesView, "webhook-deliveries"),
]


def other_slash(route):
    """The same route with its trailing slash added or dropped."""
    return route[:-1] if route.endswith("/") else f"{route}/"


def version_patterns(version):
    """The routes of one version, v2's own first (`…/vehicles/export.csv` before `…/vehicles/<vin>/` could take
    it): each as SPEC.md writes it, then the same route with the trailing slash added or dropped, answered by the
    same view (not by a redirect: Django's APPEND_SLASH turns a POST into a 301 that clients replay as a GET, or a
    500 with DEBUG on). Only the first is in the schema. A route's other form comes right after it, so
    `…/vehicles/disable/` reaches disable before `…/vehicles/<vin>/` could take it."""
    patterns = []
    for route, view, name in V2_ROUTES + ROUTES:
        if version in view.versions:
            methods = view.methods_of(version)
            patterns.append(path(route, view.as_view(http_method_names=methods), name=name))
            patterns.append(path(other_slash(route), view.as_view(http_method_names=methods, schema=None)))
    return patterns


# Each version is a URL namespace, which DRF's NamespaceVersioning gives the views as `request.version` (settings'
# REST_FRAMEWORK): `v1`, `v2`. reverse() names them by the application namespace, `api-v1:report`.
urlpatterns = [
    path("oauth/token/", token.ThrottledTokenView.as_view(), name="api-token"),
    path("v1/", include((version_patterns("v1"), "api-v1"), namespace="v1")),
    path("v2/", include((version_patterns("v2"), "api-v2"), namespace="v2")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", docs.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("postman.json", docs.postman_collection, name="api-postman"),
]
