"""The schema, its reference pages (served locally) and the Postman collection."""

import re

import pytest
from django.test import Client

from vehicles.api.urls import ROUTES, V2_ROUTES
from vehicles.vins import VIN_PATTERN


@pytest.fixture
def schema(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_openapi_3_with_every_path_of_both_versions(schema):
    assert schema["openapi"].startswith("3.")
    documented = set(schema["paths"])
    for version in ("v1", "v2"):
        for route, _, _ in ROUTES:
            path = "/api/{}/{}".format(version, re.sub(r"<\w+:(\w+)>", r"{\1}", route))
            assert path in documented


def test_the_schema_gives_the_vin_pattern_the_status_enums_and_the_error_shape(schema):
    components = schema["components"]["schemas"]
    assert components["StatusV2Enum"]["enum"] == ["enabled", "pending", "incomplete", "disabled", "error"]
    assert components["StatusV1Enum"]["enum"] == ["Consented", "Pending", "Revoked"]
    assert set(components["Error"]["required"]) == {"code", "message"}
    [vin] = [p for p in schema["paths"]["/api/v2/vehicles/{vin}/status"]["get"]["parameters"] if p["name"] == "vin"]
    assert vin["schema"]["pattern"] == VIN_PATTERN  # anchored
    assert components["VehicleV2"]["properties"]["vin"]["pattern"] == VIN_PATTERN
    assert "oauth2" in schema["components"]["securitySchemes"]
    upload = schema["paths"]["/api/v2/vehicle-management/vehicles/"]["post"]
    assert set(upload["responses"]) >= {"200", "400", "401", "405", "413", "415", "429"}
    assert upload["requestBody"]["content"]["application/json"]["examples"]


def test_the_docs_page_serves_swagger_ui_locally_and_links_the_postman_collection(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/api/postman.json"' in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert not re.search(r"(src|href)=\"https?://", html)


def test_redoc_is_served_locally(client):
    html = client.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in html
    assert not re.search(r"src=\"https?://", html)


def test_the_postman_collection_has_a_token_request_that_stores_the_token(client):
    response = client.get("/api/postman.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    collection = response.json()
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    first = collection["item"][0]
    assert first["name"] == "Get token"
    assert 'pm.collectionVariables.set("access_token"' in "\n".join(first["event"][0]["script"]["exec"])
    assert collection["auth"]["bearer"][0]["value"] == "{{access_token}}"
    requests = [item["request"] for folder in collection["item"][1:] for item in folder["item"]]
    per_version = sum(2 if view.__name__ == "VehicleCollectionView" else 1 for _, view, _ in ROUTES)
    v2_only = sum(
        1 for _, view, _ in V2_ROUTES for method in ("get", "post", "patch", "delete") if hasattr(view, method)
    )
    v2_only += 1  # PATCH vehicle-management/vehicles/{vin}/ (edit_vehicle)
    assert len(requests) == 2 * per_version + v2_only
    assert {v["key"] for v in collection["variable"]} >= {"baseUrl", "client_id", "client_secret", "vin"}
    assert collection["variable"][0]["value"] == "http://testserver"
