from django.urls import include, path, register_converter

from . import views


class VinConverter:
    """A normalised VIN: 16 or 17 characters of A–Z and 0–9 without I, O, Q."""

    regex = "[A-HJ-NPR-Z0-9]{16,17}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(VinConverter, "vin")

app_name = "vehicles"

urlpatterns = [
    path("vehicles/", views.vehicle_list, name="list"),
    path("vehicles/bulk/", views.bulk_action, name="bulk"),
    path("vehicles/bulk/confirm/", views.confirm_bulk, name="bulk-confirm"),
    path("vehicles/<vin:vin>/", views.vehicle_detail, name="detail"),
    path("vehicles/<vin:vin>/<slug:action>/", views.vehicle_action, name="action"),
    path("vehicles/<vin:vin>/<slug:action>/confirm/", views.confirm_action, name="confirm"),
    # Each feature's pages keep their own URL module:
    path("upload/", include("vehicles.upload_urls")),
    path("makes/", include("vehicles.make_urls")),
    path("api-access/", include("fleet.api_access_urls")),
]
