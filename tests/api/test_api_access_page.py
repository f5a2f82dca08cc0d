"""The workspace's API access page: managers create (secret shown once), list and revoke credentials."""

import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken

from fleet.models import ApiClient
from tests.api.conftest import token_for

pytestmark = pytest.mark.usefixtures("fast_hashing")


def page_url(slug="acme"):
    return reverse("api_access:page", args=[slug])


def revoke_url(client, slug="acme"):
    return reverse("api_access:revoke", args=[slug, client.pk])


def test_a_manager_creates_credentials_and_sees_the_secret_once(client, manager, workspace):
    client.force_login(manager)
    response = client.post(page_url(), {"name": "ERP"})
    assert response.status_code == 302 and response["Location"] == page_url()  # a reload never creates twice
    response = client.get(page_url())
    created = ApiClient.objects.get(workspace=workspace)
    secret = response.context["new_secret"]
    assert (created.name, created.created_by) == ("ERP", manager)
    assert secret and secret.encode() in response.content
    assert created.client_id.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    assert created.application.client_secret != secret  # only its hash is kept
    again = client.get(page_url())
    assert secret.encode() not in again.content
    assert b"ERP" in again.content


def test_the_created_secret_gets_a_token(client, manager, workspace):
    client.force_login(manager)
    response = client.post(page_url(), {"name": "ERP"}, follow=True)
    created = response.context["new_client"]
    token = client.post(
        "/api/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": created.client_id,
            "client_secret": response.context["new_secret"],
        },
    )
    assert token.status_code == 200


def test_a_name_is_required(client, manager):
    client.force_login(manager)
    response = client.post(page_url(), {"name": ""})
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not ApiClient.objects.exists()


def test_a_viewer_sees_the_list_but_no_form(client, viewer, workspace):
    ApiClient.issue(workspace, "ERP")
    client.force_login(viewer)
    response = client.get(page_url())
    assert response.status_code == 200
    assert b"ERP" in response.content
    assert b"Create credentials" not in response.content
    assert b"Revoke" not in response.content


def test_a_viewer_cannot_create_or_revoke(client, viewer, workspace):
    existing, _ = ApiClient.issue(workspace, "ERP")
    client.force_login(viewer)
    assert client.post(page_url(), {"name": "Mine"}).status_code == 403
    assert client.post(revoke_url(existing)).status_code == 403
    existing.refresh_from_db()
    assert existing.revoked_at is None
    assert ApiClient.objects.count() == 1


def test_an_outsider_gets_404(client, outsider, workspace):
    existing, _ = ApiClient.issue(workspace, "ERP")
    client.force_login(outsider)
    assert client.get(page_url()).status_code == 404
    assert client.post(page_url(), {"name": "Mine"}).status_code == 404
    assert client.post(revoke_url(existing)).status_code == 404


def test_a_manager_cannot_revoke_another_workspaces_credentials(client, manager, other_workspace):
    foreign, _ = ApiClient.issue(other_workspace, "Rival ERP")
    client.force_login(manager)
    assert client.post(revoke_url(foreign)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_a_manager_revokes_credentials_and_their_tokens_die(client, manager, workspace):
    existing, _ = ApiClient.issue(workspace, "ERP")
    token_for(existing)
    client.force_login(manager)
    response = client.post(revoke_url(existing), follow=True)
    assert response.redirect_chain[-1][0] == page_url()
    assert b"revoked" in response.content
    existing.refresh_from_db()
    assert existing.revoked_at is not None
    assert not AccessToken.objects.filter(application=existing.application).exists()


def test_wrong_methods_are_405(client, manager, workspace):
    existing, _ = ApiClient.issue(workspace, "ERP")
    client.force_login(manager)
    assert client.put(page_url()).status_code == 405
    assert client.put(revoke_url(existing)).status_code == 405  # GET asks for confirmation, POST revokes


def test_anonymous_visitors_are_sent_to_log_in(client, workspace):
    response = client.get(page_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_workspace_navigation_links_to_the_page(client, manager):
    client.force_login(manager)
    response = client.get(reverse("vehicles:list", args=["acme"]))
    assert page_url().encode() in response.content


def test_revoking_asks_first_and_a_get_changes_nothing(client, workspace, manager):
    from fleet.models import ApiClient

    api_client, _ = ApiClient.issue(workspace, "ERP", created_by=manager)
    client.force_login(manager)
    url = reverse("api_access:revoke", args=[workspace.slug, api_client.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Revoke the credentials “ERP”?" in page.content.decode()
    api_client.refresh_from_db()
    assert api_client.revoked_at is None
    assert client.post(url).status_code == 302
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert client.get(url).status_code == 302  # already revoked: back to the page, which says so
