from django.urls import include, path

from . import views

app_name = "vehicles"

urlpatterns = [
    path("vehicles/", views.vehicle_list, name="list"),
    # Each feature's pages keep their own URL module:
    path("upload/", include("vehicles.upload_urls")),
    path("makes/", include("vehicles.make_urls")),
    path("api-access/", include("fleet.api_access_urls")),
]
