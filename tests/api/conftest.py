import datetime as dt
import secrets

import pytest
from django.core.cache import cache
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from fleet.models import ApiClient
from vehicles.api import throttling


@pytest.fixture(autouse=True)
def fresh_rate_limits(db):
    """Rate-limit counters live in the cache, which outlives a test's transaction."""
    cache.clear()
    throttling.reset()
    yield
    cache.clear()
    throttling.reset()


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_for(client, expires_in=3600):
    """A bearer token of these credentials (as the client holds it: the database keeps only its checksum)."""
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        application=client.application,
        token=raw,
        expires=timezone.now() + dt.timedelta(seconds=expires_in),
        scope="vehicles",
    )
    return raw


def api_as(api_client, expires_in=3600):
    """A DRF test client sending a bearer token of these credentials."""
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(api_client, expires_in)}")
    return http


def listed_and_one(http, base, vin):
    """The two answers about the workspace's only vehicle: its entry in the list at `base` and `base`/vin/."""
    [listed] = http.get(base).json()["vehicles"]
    return listed, http.get(f"{base}{vin}/").json()


@pytest.fixture
def credentials(workspace, manager, fast_hashing):
    """(ApiClient, plaintext secret) of the workspace `acme`."""
    return ApiClient.issue(workspace, "ERP", created_by=manager)


@pytest.fixture
def api(credentials):
    return api_as(credentials[0])


@pytest.fixture
def rival_api(other_workspace, fast_hashing):
    return api_as(ApiClient.issue(other_workspace, "Rival ERP")[0])
