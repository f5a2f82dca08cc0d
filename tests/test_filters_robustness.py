"""The vehicle FilterSet refuses what the database cannot take (a NUL character, an instant outside UTC's years)
and compares `updated_since` in UTC whatever its offset: the VIN table and the API list never answer 500."""

import datetime as dt

import pytest
from django.urls import reverse

from fleet.models import ApiClient
from tests.api.conftest import api_as
from vehicles.choices import Status
from vehicles.filters import VehicleFilterSet
from vehicles.models import Vehicle

V2 = "/api/v2/vehicle-management/vehicles/"
# 2026-01-01T00:00:00-18:01 is 2026-01-01T18:01 UTC; PostgreSQL refuses offsets beyond ±15:59.
FAR_OFFSET = "2026-01-01T00:00:00-18:01"
NUL_FILTERS = [{"vin": "AB\x00"}, {"make": "\x00"}, {"make": "BM\x00W"}, {"status": "en\x00abled"}]
OUTSIDE_UTC = "9999-12-31T23:59:59-01:00"  # year 10000 in UTC


@pytest.fixture
def changed_at_noon_and_evening(make_vehicle):
    """Two Enabled vehicles, changed on 2026-01-01 at 12:00 and at 20:00 UTC."""
    noon, evening = make_vehicle(Status.ENABLED), make_vehicle(Status.ENABLED)
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    Vehicle.objects.filter(pk=noon.pk).update(status_changed_at=day + dt.timedelta(hours=12))
    Vehicle.objects.filter(pk=evening.pk).update(status_changed_at=day + dt.timedelta(hours=20))
    return noon, evening


def table(client, workspace, params):
    return client.get(reverse("vehicles:list", args=[workspace.slug]), params)


@pytest.mark.parametrize("params", NUL_FILTERS, ids=["vin", "make", "make-inside", "status"])
def test_the_filterset_refuses_a_nul_character_in_a_text_filter(workspace, make_vehicle, params):
    make_vehicle(Status.ENABLED)
    filters = VehicleFilterSet(params, queryset=Vehicle.objects.filter(workspace=workspace))
    assert not filters.is_valid()
    assert list(filters.errors) == list(params)
    assert filters.qs.count() == 1  # the invalid filter is left out; the query runs


def test_the_filterset_compares_updated_since_in_utc_whatever_its_offset(workspace, changed_at_noon_and_evening):
    noon, evening = changed_at_noon_and_evening
    filters = VehicleFilterSet({"updated_since": FAR_OFFSET}, queryset=Vehicle.objects.filter(workspace=workspace))
    assert filters.is_valid()
    assert filters.form.cleaned_data["updated_since"] == dt.datetime(2026, 1, 1, 18, 1, tzinfo=dt.UTC)
    assert list(filters.qs.values_list("vin", flat=True)) == [evening.vin]


def test_the_filterset_refuses_an_instant_that_does_not_exist_in_utc(workspace, make_vehicle):
    make_vehicle(Status.ENABLED)
    filters = VehicleFilterSet({"updated_since": OUTSIDE_UTC}, queryset=Vehicle.objects.filter(workspace=workspace))
    assert not filters.is_valid()
    assert "out of range" in filters.errors["updated_since"][0]
    assert filters.qs.count() == 1


@pytest.mark.parametrize("params", NUL_FILTERS, ids=["vin", "make", "make-inside", "status"])
def test_the_vin_table_reports_a_nul_character_as_a_filter_problem(client, manager, workspace, make_vehicle, params):
    vehicle = make_vehicle(Status.ENABLED)
    client.force_login(manager)
    response = table(client, workspace, params)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem with the filters" in body
    assert vehicle.vin in body  # the invalid filter is ignored


def test_the_vin_table_compares_a_far_offset_in_utc(client, manager, workspace, changed_at_noon_and_evening):
    noon, evening = changed_at_noon_and_evening
    client.force_login(manager)
    response = table(client, workspace, {"updated_since": FAR_OFFSET})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem with the filters" not in body
    assert evening.vin in body and noon.vin not in body


def test_the_vin_table_reports_an_instant_outside_utc_as_a_filter_problem(client, manager, workspace, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)
    client.force_login(manager)
    response = table(client, workspace, {"updated_since": OUTSIDE_UTC})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem with the filters" in body and "out of range" in body
    assert vehicle.vin in body


def test_the_vin_table_htmx_fragment_reports_a_nul_character_too(client, manager, workspace, make_vehicle):
    make_vehicle(Status.ENABLED)
    client.force_login(manager)
    response = client.get(
        reverse("vehicles:list", args=[workspace.slug]),
        {"vin": "AB\x00"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="vehicle-table",
    )
    assert response.status_code == 200


@pytest.fixture
def api(workspace, manager, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return api_as(ApiClient.issue(workspace, "ERP", created_by=manager)[0])


@pytest.mark.parametrize("params", NUL_FILTERS, ids=["vin", "make", "make-inside", "status"])
def test_the_api_list_answers_a_nul_character_with_a_400(api, params):
    response = api.get(V2, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_the_api_list_compares_a_far_offset_in_utc(api, changed_at_noon_and_evening):
    noon, evening = changed_at_noon_and_evening
    response = api.get(V2, {"updated_since": FAR_OFFSET})
    assert response.status_code == 200
    assert [v["vin"] for v in response.json()["vehicles"]] == [evening.vin]


def test_the_api_list_answers_an_instant_outside_utc_with_a_400(api):
    response = api.get(V2, {"updated_since": OUTSIDE_UTC})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
