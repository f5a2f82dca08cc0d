"""API answers to a client carry Permissions-Policy and are never stored by a cache."""

V2 = "/api/v2/vehicle-management/vehicles/"


def test_api_answers_to_a_client_are_not_stored(api):
    response = api.get(V2)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "camera=()" in response["Permissions-Policy"]
