import re

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from fleet.models import ApiClient

pytestmark = pytest.mark.usefixtures("fast_hashing")


def test_it_prints_a_client_id_and_secret_that_get_a_token(workspace, capsys):
    call_command("create_api_client", "acme", "ERP")
    out = capsys.readouterr().out
    client_id = re.search(r"^client_id: (\S+)$", out, re.M).group(1)
    secret = re.search(r"^client_secret: (\S+)$", out, re.M).group(1)
    created = ApiClient.objects.get()
    assert (created.workspace, created.name, created.client_id) == (workspace, "ERP", client_id)
    response = APIClient().post(
        "/api/oauth/token/", {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 200


def test_an_unknown_workspace_is_refused_with_a_clear_message(workspace):
    with pytest.raises(CommandError, match="No workspace with slug 'nope'.*acme"):
        call_command("create_api_client", "nope", "ERP")
    assert not ApiClient.objects.exists()


def test_an_empty_name_is_refused(workspace):
    with pytest.raises(CommandError, match="NAME"):
        call_command("create_api_client", "acme", "  ")
