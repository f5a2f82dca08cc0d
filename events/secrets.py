"""Webhook secrets: `whsec_` + base64 of 32 random bytes, stored encrypted with Fernet.

The Fernet key comes from `settings.WEBHOOK_SECRET_KEY`. By default that is derived from SECRET_KEY with HKDF
(SHA-256, info `fleet webhook secrets v1`), so a database dump alone does not reveal the secrets. Rotation:
`WEBHOOK_SECRET_KEYS_OLD` may list former keys; secrets encrypted with them still decrypt (MultiFernet) and are
re-encrypted with the current key by `manage.py rotate_webhook_secrets` (docs/webhooks.md).
"""

import base64
import secrets as random

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret():
    return PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def fernet_key(material):
    """A Fernet key from any text: HKDF-SHA256, 32 bytes, urlsafe base64."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fleet-webhooks", info=b"fleet webhook secrets v1")
    return base64.urlsafe_b64encode(derived.derive(material.encode()))


def _fernet():
    keys = [settings.WEBHOOK_SECRET_KEY, *getattr(settings, "WEBHOOK_SECRET_KEYS_OLD", [])]
    return MultiFernet([Fernet(fernet_key(key)) for key in keys if key])


def encrypt(secret):
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token):
    return _fernet().decrypt(token.encode()).decode()


def rotate(token):
    return _fernet().rotate(token.encode()).decode()
