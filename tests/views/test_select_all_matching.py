"""The bulk bar's "Select all N matching": the action applies to every vehicle the table's filters select (all
pages), in one guarded statement through the status machine, at most settings.BULK_ACTION_LIMIT vehicles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import activate, new_vin
from tests.states import status_of
from vehicles.choices import DELETED, Status
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import StatusChange
from vehicles.status.machine import By

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/workspaces/acme/vehicles/"}


@pytest.fixture
def fleet(make_vehicle, other_workspace):
    return {
        "enabled": [make_vehicle(Status.ENABLED) for _ in range(4)],
        "disabled": [make_vehicle(Status.DISABLED) for _ in range(2)],
        "ferrari": [make_vehicle(Status.INCOMPLETE) for _ in range(2)],  # ZFF…: Ferrari, Incomplete
        "theirs": [make_vehicle(Status.ENABLED, target_workspace=other_workspace) for _ in range(3)],
    }


def every(fleet):
    return {key: [status_of(v) for v in vehicles] for key, vehicles in fleet.items()}


def all_matching(client, action, filters, method="post", **extra):
    url = reverse("vehicles:bulk" if method == "post" else "vehicles:bulk-confirm", args=["acme"])
    data = {"action": action, "scope": "matching", "filter": filters}
    return getattr(client, method)(url, data, **extra)


def test_it_changes_exactly_the_filtered_set_and_nothing_else(as_manager, fleet):
    before = every(fleet)
    response = all_matching(as_manager, "disable", "status=enabled")
    assert response.status_code == 302
    after = every(fleet)
    assert after["enabled"] == [Status.DISABLED] * 4
    assert {k: v for k, v in after.items() if k != "enabled"} == {k: v for k, v in before.items() if k != "enabled"}
    changes = StatusChange.objects.filter(to_status=Status.DISABLED, actor_name="mia")
    assert sorted(changes.values_list("vehicle_id", flat=True)) == sorted(v.pk for v in fleet["enabled"])
    assert "4 vehicles disabled." in as_manager.get(response["Location"]).content.decode()


def test_those_whose_status_does_not_allow_it_are_skipped_and_counted(as_manager, fleet):
    response = all_matching(as_manager, "delete", "make=BMW", **HTMX)  # 4 Enabled and 2 Disabled BMWs
    assert response.status_code == 200
    assert every(fleet)["enabled"] == [DELETED] * 4 and every(fleet)["disabled"] == [DELETED] * 2
    assert every(fleet)["ferrari"] == [Status.INCOMPLETE] * 2
    assert every(fleet)["theirs"] == [Status.ENABLED] * 3
    assert "vehicles-changed" in response["HX-Trigger-After-Settle"]

    response = all_matching(as_manager, "enable", "", **HTMX)  # everything left: 2 Incomplete Ferraris
    assert every(fleet)["ferrari"] == [Status.INCOMPLETE] * 2
    table = as_manager.get(
        reverse("vehicles:list", args=["acme"]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="vehicle-table"
    )
    assert "0 vehicles enabled; 2 skipped because their status does not allow it" in table.content.decode()


def test_the_whole_set_changes_in_one_statement_through_the_status_machine(as_manager, fleet):
    with CaptureQueriesContext(connection) as queries:
        all_matching(as_manager, "disable", "status=enabled")
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "vehicles_vehicle"')]
    assert len(updates) == 1 and "RETURNING" in updates[0]


def test_the_confirmation_says_how_many_of_the_matching_change(as_manager, fleet):
    response = all_matching(as_manager, "disable", "make=BMW", method="get", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<dialog")
    assert "Disable 4 of 6 matching vehicles?" in body
    assert "4 vehicles will be disabled" in body and "2 are skipped because their status does not allow it" in body
    assert (
        '<input type="hidden" name="scope" value="matching"><input type="hidden" name="filter" value="make=BMW">'
        in body
    )
    assert every(fleet)["enabled"] == [Status.ENABLED] * 4


def test_over_the_limit_it_is_refused_with_a_clear_message_and_nothing_changes(as_manager, fleet, settings):
    settings.BULK_ACTION_LIMIT = 3
    before = every(fleet)
    changes = StatusChange.objects.count()

    response = all_matching(as_manager, "disable", "status=enabled", follow=True)
    assert "More than 3 vehicles match these filters: one action changes at most 3." in response.content.decode()
    assert "Nothing was changed." in response.content.decode()

    htmx = all_matching(as_manager, "disable", "status=enabled", **HTMX)
    body = htmx.content.decode()
    assert '<div id="bulk-messages" class="bulk-messages" hx-swap-oob="true">' in body
    assert "More than 3 vehicles match" in body and "dialog-close" in htmx["HX-Trigger"]

    confirm = all_matching(as_manager, "disable", "status=enabled", method="get", HTTP_HX_REQUEST="true")
    assert "<dialog" not in confirm.content.decode() and "More than 3 vehicles match" in confirm.content.decode()
    assert every(fleet) == before and StatusChange.objects.count() == changes

    settings.BULK_ACTION_LIMIT = 4  # exactly at the limit: allowed
    all_matching(as_manager, "disable", "status=enabled")
    assert every(fleet)["enabled"] == [Status.DISABLED] * 4


def test_a_viewer_gets_403_and_an_outsider_404_and_nothing_changes(client, viewer, outsider, fleet):
    before = every(fleet)
    client.force_login(viewer)
    assert all_matching(client, "disable", "").status_code == 403
    client.force_login(outsider)  # a manager of the other workspace, acting on acme's URL
    assert all_matching(client, "disable", "").status_code == 404
    assert every(fleet) == before


def test_a_filter_naming_another_workspace_cannot_reach_it(as_manager, fleet):
    theirs = fleet["theirs"][0]
    all_matching(as_manager, "disable", f"vin={theirs.vin}&workspace={theirs.workspace_id}")
    assert every(fleet)["theirs"] == [Status.ENABLED] * 3


def test_the_table_offers_it_with_the_count_and_carries_its_filters_without_javascript(as_manager, workspace):
    activate(workspace, "BMW")
    vins = [new_vin("WBA") for _ in range(53)]
    add_vehicles(workspace, [Entry(vin=vin) for vin in vins], By.system("test"))
    body = as_manager.get(
        reverse("vehicles:list", args=["acme"]), {"status": "pending", "sort": "vin"}
    ).content.decode()
    assert '<input type="hidden" name="filter" value="status=pending">' in body
    assert '<label for="select-matching">Select all 53 matching</label>' in body
    assert 'data-matching-text="All 53 matching selected"' in body
    # One page only: ticking the page's rows is the same as all matching, so it is not offered.
    one = as_manager.get(reverse("vehicles:list", args=["acme"]), {"vin": vins[0]}).content.decode()
    assert 'id="select-matching"' not in one
    response = all_matching(as_manager, "delete", "status=pending", method="get")
    assert response.status_code == 200 and "Delete 0 of 53 matching vehicles?" in response.content.decode()
