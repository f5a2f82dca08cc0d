"""While the database does not answer, the API (the token endpoint included) answers a JSON 503 `unavailable`
with Retry-After, in the API's error shape; the next call after the database is back is served."""

from django.test import Client

from ..outage import database_down

V2 = "/api/v2/vehicle-management/vehicles/"


def test_the_api_answers_a_json_503_unavailable_while_the_database_is_down(api, settings):
    settings.UNAVAILABLE_RETRY_AFTER_SECONDS = 12
    api.raise_request_exception = False
    with database_down():
        response = api.get(V2)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "12"
    assert response.json() == {
        "code": "unavailable",
        "message": "The service is briefly unavailable; try again shortly.",
    }
    assert api.get(V2).status_code == 200


def test_the_token_endpoint_answers_a_json_503_while_the_database_is_down(credentials):
    client = Client(raise_request_exception=False)
    api_client, secret = credentials
    with database_down():
        response = client.post(
            "/api/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": api_client.application.client_id,
                "client_secret": secret,
            },
        )
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert "Retry-After" in response
