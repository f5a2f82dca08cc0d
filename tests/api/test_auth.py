"""OAuth2 client credentials: tokens for a workspace's credentials, and every way a token can be refused."""

import base64

import pytest
from rest_framework.test import APIClient

from fleet.models import ApiClient
from tests.api.conftest import api_as

LIST = "/api/v2/vehicle-management/vehicles/"
TOKEN = "/api/oauth/token/"


def ask_token(client_id, secret, grant_type="client_credentials"):
    return APIClient().post(
        TOKEN, {"grant_type": grant_type, "client_id": client_id, "client_secret": secret}, format="multipart"
    )


def test_client_credentials_give_a_bearer_token_that_expires_in_an_hour(credentials):
    client, secret = credentials
    response = ask_token(client.client_id, secret)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert http.get(LIST).status_code == 200


def test_credentials_may_also_be_sent_with_basic_auth(credentials):
    client, secret = credentials
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    response = APIClient().post(
        TOKEN, {"grant_type": "client_credentials"}, format="multipart", HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200


def test_a_wrong_secret_is_refused_with_a_json_code_and_message(credentials):
    client, _ = credentials
    response = ask_token(client.client_id, "not-the-secret")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"
    assert response.json()["message"]


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token"])
def test_grants_other_than_client_credentials_are_refused(credentials, grant_type):
    client, secret = credentials
    response = ask_token(client.client_id, secret, grant_type)
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()
    assert response.json()["code"]


def test_revoked_credentials_get_no_new_token(credentials):
    client, secret = credentials
    client.revoke()
    response = ask_token(client.client_id, secret)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"


def test_a_token_of_revoked_credentials_stops_working_at_once(credentials):
    http = api_as(credentials[0])
    assert http.get(LIST).status_code == 200
    credentials[0].revoke()
    response = http.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_revoked_credentials_refuse_a_token_that_survived(credentials):
    client = credentials[0]
    http = api_as(client)
    ApiClient.objects.filter(pk=client.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert http.get(LIST).status_code == 401


def test_an_expired_token_answers_401_token_expired(credentials):
    http = api_as(credentials[0], expires_in=-1)
    response = http.get(LIST)
    assert response.status_code == 401
    assert response.json() == {"code": "token_expired", "message": "The access token has expired: ask for a new one."}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_token_answers_401_with_a_json_body(db):
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_token_answers_401(db):
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION="Bearer made-up")
    response = http.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_the_token_endpoint_answers_get_with_405_json(db):
    response = APIClient().get(TOKEN)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_users_session_is_no_api_credential(client, manager):
    client.force_login(manager)
    assert client.get(LIST).status_code == 401


@pytest.mark.parametrize("path", [LIST, "/api/v2/vehicles/{vin}/status"])
def test_expired_revoked_and_unknown_tokens_are_refused_on_every_kind_of_look_up(credentials, make_vehicle, path):
    """Get Vehicle Status reads the token and the vehicle in one query (api/auth.py): the token decides alone."""
    url = path.format(vin=make_vehicle("enabled").vin)
    assert api_as(credentials[0], expires_in=-1).get(url).json()["code"] == "token_expired"
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Bearer made-up")
    assert unknown.get(url).json()["code"] == "invalid_token"
    http = api_as(credentials[0])
    assert http.get(url).status_code == 200
    credentials[0].revoke()
    assert http.get(url).json()["code"] == "invalid_token"
