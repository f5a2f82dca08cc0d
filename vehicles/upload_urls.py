from django.urls import path

from . import upload_views

# Included under /workspaces/<slug>/upload/ with the app namespace "vehicles".
urlpatterns = [
    path("", upload_views.upload, name="upload"),
    path("vin/", upload_views.upload_vin, name="upload-vin"),
    path("csv/", upload_views.upload_csv, name="upload-csv"),
    path("imports/", upload_views.import_list, name="imports"),
    path("imports/<uuid:job_id>/", upload_views.import_detail, name="import"),
    path("imports/<uuid:job_id>/problems.csv", upload_views.import_problems_csv, name="import-problems"),
    path("imports/<uuid:job_id>/retry/", upload_views.import_retry, name="import-retry"),
]
