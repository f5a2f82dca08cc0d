"""The operator sees API credentials in Django admin and can revoke them; creating them there is not offered
(the secret must be shown once, which the API access page and the command do)."""

from oauth2_provider.models import AccessToken

from fleet.models import ApiClient
from tests.api.conftest import token_for


def test_the_operator_lists_and_revokes_credentials(client, operator, workspace, fast_hashing):
    credentials, _ = ApiClient.issue(workspace, "ERP")
    token_for(credentials)
    client.force_login(operator)
    listing = client.get("/admin/fleet/apiclient/")
    assert listing.status_code == 200
    assert b"ERP" in listing.content
    assert client.get("/admin/fleet/apiclient/add/").status_code == 403
    response = client.post(
        "/admin/fleet/apiclient/", {"action": "revoke", "_selected_action": [credentials.pk]}, follow=True
    )
    assert response.status_code == 200
    credentials.refresh_from_db()
    assert credentials.revoked_at is not None
    assert not AccessToken.objects.filter(application=credentials.application).exists()
