"""Operators filter the stuck VINs in the admin (`stuck` list filter, vehicles.status.waiting) and approve or refuse
the whole selection with the usual actions, through the status machine."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import add_vehicle, new_vin
from tests.states import backdate
from vehicles.choices import Status
from vehicles.models import Vehicle

CHANGELIST = reverse("admin:vehicles_vehicle_changelist")
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def fleet(workspace, bmw_active, make_vehicle):
    stuck = [backdate(add_vehicle(workspace, new_vin("WBA")), h * HOUR) for h in (50, 80)]
    fresh = backdate(add_vehicle(workspace, new_vin("WBA")), HOUR)
    old_enabled = make_vehicle(Status.ENABLED, ago=dt.timedelta(days=5))
    return stuck, fresh, old_enabled


def statuses(*vehicles):
    return [Vehicle.objects.get(pk=v.pk).status for v in vehicles]


def test_the_stuck_filter_lists_only_the_stuck_vins(admin_client, fleet):
    stuck, fresh, old_enabled = fleet
    response = admin_client.get(CHANGELIST, {"stuck": "1"})
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(stuck)
    assert "Stuck (Pending much longer than usual)" in response.content.decode()
    assert len(admin_client.get(CHANGELIST).context["cl"].result_list) == 4


def test_approving_all_stuck_vins_as_both_parties_enables_them_only(admin_client, fleet):
    stuck, fresh, old_enabled = fleet
    for action in ("approve_as_platform", "approve_as_provider"):
        admin_client.post(
            f"{CHANGELIST}?stuck=1", {"action": action, "select_across": "1", "_selected_action": [stuck[0].pk]}
        )
    assert statuses(*stuck, fresh, old_enabled) == [Status.ENABLED, Status.ENABLED, Status.PENDING, Status.ENABLED]
    assert Vehicle.objects.get(pk=stuck[0].pk).history.first().actor == "operator"
    assert list(admin_client.get(CHANGELIST, {"stuck": "1"}).context["cl"].result_list) == []


def test_refusing_the_stuck_selection_asks_a_reason_then_records_it(admin_client, fleet):
    stuck, fresh, _ = fleet
    url = f"{CHANGELIST}?stuck=1"
    form = admin_client.post(
        url, {"action": "refuse_as_provider", "select_across": "1", "_selected_action": [stuck[0].pk]}
    )
    assert "Refuse 2 VINs" in form.content.decode()
    assert statuses(*stuck) == [Status.PENDING, Status.PENDING]
    response = admin_client.post(
        url,
        {
            "action": "refuse_as_provider",
            "_selected_action": [v.pk for v in stuck],
            "reason": "no answer from the maker",
            "confirm": "yes",
        },
        follow=True,
    )
    assert statuses(*stuck, fresh) == [Status.ERROR, Status.ERROR, Status.PENDING]
    assert Vehicle.objects.get(pk=stuck[0].pk).error_reason == "Refused by the provider: no answer from the maker"
    assert "2 VIN(s) refused (now Error)." in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_viewer_of_a_workspace_has_no_admin(client, viewer, fleet):
    client.force_login(viewer)
    response = client.get(CHANGELIST, {"stuck": "1"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
