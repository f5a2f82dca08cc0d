from django.urls import path, register_converter

from vehicles.views import activity, edit, eligibility, export, live, makes, table, upload


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
    path("vehicles/", table.vehicle_list, name="list"),
    path("vehicles/export.csv", export.vehicle_export, name="export"),
    path("vehicles/live/", live.live, name="live"),
    path("vehicles/bulk/", table.bulk_action, name="bulk"),
    path("vehicles/bulk/confirm/", table.confirm_bulk, name="bulk-confirm"),
    path("vehicles/<vin:vin>/", table.vehicle_detail, name="detail"),
    path("vehicles/<vin:vin>/live/", live.vehicle_live, name="vehicle-live"),
    path("vehicles/<vin:vin>/edit/", edit.vehicle_edit, name="edit"),
    path("vehicles/<vin:vin>/<slug:action>/", table.vehicle_action, name="action"),
    path("vehicles/<vin:vin>/<slug:action>/confirm/", table.confirm_action, name="confirm"),
    # The upload page, the import reports and the recent imports.
    path("upload/", upload.upload, name="upload"),
    path("upload/vin/", upload.upload_vin, name="upload-vin"),
    path("upload/csv/", upload.upload_csv, name="upload-csv"),
    path("upload/eligibility/vin/", eligibility.check_vin, name="eligibility-vin"),
    path("upload/eligibility/csv/", eligibility.check_csv, name="eligibility-csv"),
    path("upload/eligibility/add/", eligibility.add_eligible, name="eligibility-add"),
    path("upload/imports/", upload.import_list, name="imports"),
    path("upload/imports/<uuid:job_id>/", upload.import_detail, name="import"),
    path("upload/imports/<uuid:job_id>/problems.csv", upload.import_problems_csv, name="import-problems"),
    path("upload/imports/<uuid:job_id>/retry/", upload.import_retry, name="import-retry"),
    # The activity log: the workspace's events, and the filtered log as CSV.
    path("activity/", activity.activity, name="activity"),
    path("activity/export.csv", activity.activity_export, name="activity-export"),
    # The Makes page: the workspace's makes, their activation, and the manager's requests.
    path("makes/", makes.make_list, name="makes"),
    path("makes/<int:make_id>/request/", makes.request_activation, name="make-request"),
]
