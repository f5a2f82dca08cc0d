"""Keyset pagination of the vehicle list: every vehicle exactly once, whatever the ties; `limit` validated."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import activate
from vehicles.choices import Status
from vehicles.demo import make_vin
from vehicles.models import Vehicle

V1, V2 = "/api/v1/vehicle-management/vehicles/", "/api/v2/vehicle-management/vehicles/"


def bulk_vehicles(workspace, count, at, wmi="WBA", start=0):
    make = activate(workspace, "BMW")
    rows = [
        Vehicle(
            workspace=workspace,
            vin=make_vin(wmi, start + n, length=17, seed=11),
            make=make,
            status=Status.PENDING,
            created_at=at,
            status_changed_at=at,
        )
        for n in range(count)
    ]
    Vehicle.objects.bulk_create(rows, batch_size=2000)
    return set(Vehicle.objects.filter(workspace=workspace).values_list("vin", flat=True))


def walk(api, base, limit, **filters):
    seen, url, params, pages = [], base, {"limit": limit, **filters}, 0
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert len(body["vehicles"]) <= limit
        seen += [v["vin"] for v in body["vehicles"]]
        url, params, pages = body["next"], None, pages + 1
        assert pages <= 10_001, "the cursor does not end"
    return seen, pages


@pytest.mark.slow
def test_10000_vehicles_with_one_timestamp_are_each_listed_exactly_once(api, workspace):
    expected = bulk_vehicles(workspace, 10_000, timezone.now())
    assert len(expected) == 10_000
    for base, limit in ((V2, 1000), (V2, 999), (V1, 600)):
        seen, pages = walk(api, base, limit)
        assert len(seen) == len(set(seen)) == 10_000
        assert set(seen) == expected
        assert pages == -(-10_000 // limit)


def test_ties_and_distinct_times_page_in_the_list_order(api, workspace):
    now = timezone.now()
    tied = bulk_vehicles(workspace, 30, now)
    older = bulk_vehicles(workspace, 7, now - dt.timedelta(hours=1), start=100) - tied
    seen, _ = walk(api, V2, 4)
    assert len(seen) == len(set(seen)) == 37
    assert set(seen[:30]) == tied and set(seen[30:]) == older
    expected = list(
        Vehicle.objects.filter(workspace=workspace).order_by("-status_changed_at", "-id").values_list("vin", flat=True)
    )
    assert seen == expected


def test_next_is_a_link_carrying_only_a_new_cursor(api, workspace):
    bulk_vehicles(workspace, 3, timezone.now())
    body = api.get(V2, {"limit": 2, "status": "pending"}).json()
    assert "cursor=" in body["next"] and "limit=2" in body["next"] and "status=pending" in body["next"]
    last = api.get(body["next"]).json()
    assert len(last["vehicles"]) == 1 and last["next"] is None


def test_a_filter_applies_on_every_page(api, workspace, make_vehicle):
    bulk_vehicles(workspace, 5, timezone.now())
    disabled = {make_vehicle("disabled").vin for _ in range(3)}
    seen, _ = walk(api, V2, 1, status="disabled")
    assert set(seen) == disabled and len(seen) == 3


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "5000", "abc", "1.5", "1e3"])
def test_a_limit_outside_1_to_1000_is_a_400(api, limit):
    response = api.get(V2, {"limit": limit})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert "limit" in body["message"]


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_the_bounds_of_limit_are_accepted(api, limit):
    assert api.get(V2, {"limit": limit}).status_code == 200


@pytest.mark.parametrize(
    "cursor", ["nonsense", "W10", "WyJ4IiwxXQ", "WzEsMiwzXQ", "bnVsbA", "WyIyMDI2LTAxLTAxIiwidHJ1ZSJd", "%%%"]
)
def test_a_forged_cursor_is_a_400(api, workspace, cursor):
    bulk_vehicles(workspace, 2, timezone.now())
    response = api.get(V2, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
