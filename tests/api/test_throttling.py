"""Rate limits per client: 429 with Retry-After, counted per client and per kind of call."""

import pytest
from rest_framework.settings import api_settings

from fleet.models import ApiClient
from tests.api.conftest import api_as


@pytest.fixture
def low_limits(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/hour", "status": "2/hour", "reports": "1/hour"},
    }


def test_the_defaults_are_20000_status_reads_and_120_reports_an_hour():
    rates = api_settings.DEFAULT_THROTTLE_RATES
    assert (rates["status"], rates["reports"]) == ("20000/hour", "120/hour")


def test_status_reads_above_the_limit_answer_429_with_retry_after(api, make_vehicle, low_limits):
    vehicle = make_vehicle("disabled")
    url = f"/api/v2/vehicles/{vehicle.vin}/status"
    assert [api.get(url).status_code for _ in range(2)] == [403, 403]
    response = api.get(url)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert api.get(f"/api/v1/vehicles/{vehicle.vin}/history").status_code == 429  # same budget in v1


def test_each_client_has_its_own_budget(api, workspace, make_vehicle, low_limits):
    vehicle = make_vehicle("disabled")
    url = f"/api/v2/vehicles/{vehicle.vin}/status"
    for _ in range(3):
        api.get(url)
    assert api.get(url).status_code == 429
    other = api_as(ApiClient.issue(workspace, "Second system")[0])
    assert other.get(url).status_code == 403


def test_reports_have_their_own_lower_limit(api, make_vehicle, low_limits):
    vin = make_vehicle("enabled").vin
    assert api.post("/api/v2/reports/vehicles-status", {"vins": [vin]}, format="json").status_code == 202
    response = api.post("/api/v2/reports/vehicles-status", {"vins": [vin]}, format="json")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert api.get("/api/v2/vehicle-management/vehicles/").status_code == 200  # other calls still go through


@pytest.mark.django_db(transaction=True)  # the failed cache query must not abort the test's transaction
def test_the_throttle_fails_open_with_a_warning_when_its_cache_is_unreachable(
    credentials, low_limits, settings, caplog
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_cache_table"}
    }
    api = api_as(credentials[0])
    with caplog.at_level("WARNING", logger="vehicles.api.throttling"):
        answers = [api.get("/api/v2/vehicle-management/vehicles/").status_code for _ in range(5)]
    assert answers == [200] * 5  # above the limit of 3, yet not refused
    assert "API throttle not applied: the cache is unreachable" in caplog.text
