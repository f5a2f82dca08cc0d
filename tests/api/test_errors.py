"""Every answer under /api/ is JSON with a code and a message, whatever goes wrong."""

import pytest
from django.test import Client

from vehicles.api import views

V2 = "/api/v2/vehicle-management/vehicles/"


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v3/vehicle-management/vehicles/", "/api/v2/nowhere", "/api/v2/reports/not-a-uuid"]
)
def test_an_unknown_api_path_is_a_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert path in response.json()["message"]


def test_a_json_404_even_with_debug_on(api, settings):
    settings.DEBUG = True
    response = api.get("/api/v2/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_crash_in_an_api_view_is_a_json_500_without_a_stack_trace(api, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "filter_vehicles", explode)
    response = api.get(V2)
    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "message": "Something went wrong on our side; it has been logged.",
    }
    assert b"secret internals" not in response.content


def test_a_crash_outside_drf_under_api_is_a_json_500(db, monkeypatch):
    from vehicles.api import docs

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(docs, "build_collection", explode)
    response = Client(raise_request_exception=False).get("/api/postman.json")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert b"secret internals" not in response.content


def test_pages_outside_api_keep_their_html_404(client, manager):
    client.force_login(manager)
    response = client.get("/workspaces/nowhere/vehicles/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_validation_error_names_the_field(api):
    response = api.post(V2, {"vins": [{"odometer": 1}]}, format="json")
    body = response.json()
    assert body["code"] == "invalid_request"
    assert "vins" in body["message"] and "vin" in body["message"]
    assert "details" in body
