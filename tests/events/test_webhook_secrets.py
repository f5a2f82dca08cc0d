"""Webhook secrets: encrypted at rest under a key derived from the settings, and rotated to a new key."""

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook as Signer

from events import secrets, webhooks
from events.models import Webhook


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = secrets.new_secret()
    assert secret.startswith("whsec_")
    assert len(Signer(secret)._whsecret) == 32
    assert secret != secrets.new_secret()


def test_the_fernet_key_is_derived_and_not_the_setting(settings):
    settings.WEBHOOK_SECRET_KEY = "k1"
    token = secrets.encrypt("whsec_abc")
    assert "whsec_abc" not in token and secrets.decrypt(token) == "whsec_abc"
    settings.WEBHOOK_SECRET_KEY = "k2"
    with pytest.raises(InvalidToken):
        secrets.decrypt(token)


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key(settings, workspace):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_SECRET_KEY = "old"
    webhook, secret = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["webhook.created"])
    settings.WEBHOOK_SECRET_KEY = "new"
    settings.WEBHOOK_SECRET_KEYS_OLD = ["old"]
    call_command("rotate_webhook_secrets", verbosity=0)
    settings.WEBHOOK_SECRET_KEYS_OLD = []
    assert Webhook.objects.get().secret == secret
