"""Disable, Enable and Delete from the VIN table: one VIN or many, with and without HTMX."""

import pytest
from django.urls import reverse

from tests.factories import new_vin
from tests.states import status_of
from vehicles.choices import DELETED, Event, Status
from vehicles.models import StatusChange
from vehicles.status import machine
from vehicles.status.machine import By

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/workspaces/acme/vehicles/"}

# (action, status it is allowed from, status after it, a status it is refused from)
ACTIONS = [
    ("disable", "enabled", "disabled", "disabled"),
    ("enable", "disabled", "pending", "enabled"),
    ("enable", "error", "pending", "pending"),
    ("delete", "incomplete", DELETED, "pending"),
    ("delete", "enabled", DELETED, "pending"),
]


def action_url(vehicle, action):
    return reverse("vehicles:action", args=[vehicle.workspace.slug, vehicle.vin, action])


def confirm_url(vehicle, action):
    return reverse("vehicles:confirm", args=[vehicle.workspace.slug, vehicle.vin, action])


def build(make_vehicle, status):
    """A vehicle in that status; in Error with a known make (refused by the provider), so Enable can succeed."""
    if status == Status.ERROR:
        return make_vehicle(status, vin=new_vin("WBA"))
    return make_vehicle(status)


@pytest.mark.parametrize(("action", "before", "after", "_refused"), ACTIONS)
def test_it_applies_the_action_and_redirects_without_htmx(as_manager, make_vehicle, action, before, after, _refused):
    vehicle = build(make_vehicle, before)
    response = as_manager.post(action_url(vehicle, action), {"seen_status": before})
    assert response.status_code == 302
    assert status_of(vehicle) == after
    change = StatusChange.objects.filter(vehicle=vehicle).first()
    assert (change.from_status, change.to_status, change.who) == (before, after, "mia")
    followed = as_manager.get(response["Location"])
    assert f"VIN {vehicle.vin} {'deleted' if after == DELETED else action + 'd'}" in followed.content.decode()


@pytest.mark.parametrize(("action", "before", "after", "_refused"), ACTIONS)
def test_with_htmx_it_answers_the_row_the_message_and_the_events(
    as_manager, make_vehicle, action, before, after, _refused
):
    vehicle = build(make_vehicle, before)
    response = as_manager.post(action_url(vehicle, action), {"seen_status": before}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert status_of(vehicle) == after
    if after == DELETED:
        # Where the row was, its message stays: the row is replaced by it.
        assert f'<tr id="gone-{vehicle.pk}" class="row-gone" hx-swap-oob="outerHTML:#vehicle-{vehicle.pk}">' in body
        assert f"<p>VIN {vehicle.vin} deleted.</p>" in body
    else:
        assert f'<tr id="vehicle-{vehicle.pk}" hx-swap-oob="true">' in body
        assert f">{Status(after).label}</span>" in body
        # The message is on the row itself, read out with its VIN; the page's top region is left alone.
        assert f"<p>{action.capitalize()}d: it is now {Status(after).label}.</p>" in body
        assert f'data-announce="VIN {vehicle.vin} {action}d: it is now {Status(after).label}."' in body
    assert body.count("data-message") == 1 and 'id="messages"' not in body
    assert ">Dismiss</button>" in body
    assert "vehicle-changed" in response["HX-Trigger-After-Settle"]
    assert "dialog-close" in response["HX-Trigger-After-Settle"]


def test_enable_of_a_vin_with_no_known_make_leaves_it_in_error(as_manager, make_vehicle):
    vehicle = make_vehicle("error")  # its VIN names no maker
    as_manager.post(action_url(vehicle, "enable"))
    assert status_of(vehicle) == Status.ERROR


def test_enable_brings_a_vin_whose_make_is_not_activated_to_incomplete(as_manager, make_vehicle):
    from fleet.models import MakeActivation

    vehicle = make_vehicle("disabled")
    MakeActivation.objects.filter(workspace=vehicle.workspace).delete()
    as_manager.post(action_url(vehicle, "enable"))
    assert status_of(vehicle) == Status.INCOMPLETE


@pytest.mark.parametrize(("action", "_before", "_after", "refused_from"), ACTIONS)
def test_a_refused_action_changes_nothing_and_says_why(as_manager, make_vehicle, action, _before, _after, refused_from):
    vehicle = make_vehicle(refused_from)
    history = StatusChange.objects.filter(vehicle=vehicle).count()
    response = as_manager.post(action_url(vehicle, action), {"seen_status": refused_from})
    assert response.status_code == 409
    assert "cannot be" in response.content.decode()
    assert status_of(vehicle) == refused_from
    assert StatusChange.objects.filter(vehicle=vehicle).count() == history


def test_with_htmx_a_vin_changed_meanwhile_is_refused_in_the_dialog_and_its_row_shows_the_current_status(
    as_manager, make_vehicle
):
    vehicle = make_vehicle("enabled")
    machine.fire(vehicle, Event.DISABLE, By.system("someone else"))  # after the manager opened the dialog
    response = as_manager.post(action_url(vehicle, "disable"), {"seen_status": "enabled"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed VIN" in body and "from Enabled to Disabled" in body
    assert ">Approve</button>" not in body  # nothing left to confirm
    assert f'<tr id="vehicle-{vehicle.pk}" hx-swap-oob="true">' in body
    assert 'data-status="disabled">Disabled</span>' in body
    assert "vehicle-changed" in response["HX-Trigger"]
    assert status_of(vehicle) == Status.DISABLED


def test_a_vin_deleted_meanwhile_is_refused_and_its_row_leaves(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    machine.fire(vehicle, Event.DELETE, By.system("someone else"))
    response = as_manager.post(action_url(vehicle, "disable"), {"seen_status": "enabled"}, **HTMX)
    body = response.content.decode()
    assert "deleted by someone else meanwhile" in body
    assert f'<tr id="vehicle-{vehicle.pk}" hx-swap-oob="delete">' in body
    assert status_of(vehicle) == DELETED


def test_without_htmx_a_vin_deleted_meanwhile_redirects_with_the_reason(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    machine.fire(vehicle, Event.DELETE, By.system("someone else"))
    response = as_manager.post(action_url(vehicle, "delete"), follow=True)
    assert "deleted by someone else meanwhile" in response.content.decode()


@pytest.mark.parametrize("action", ["disable", "enable", "delete"])
def test_get_on_an_action_is_405(as_manager, make_vehicle, action):
    vehicle = make_vehicle("enabled")
    assert as_manager.get(action_url(vehicle, action)).status_code == 405
    assert as_manager.post(confirm_url(vehicle, action)).status_code == 405
    assert status_of(vehicle) == Status.ENABLED


@pytest.mark.parametrize("action", ["disable", "delete"])
def test_viewer_gets_403_and_nothing_changes(client, viewer, make_vehicle, action):
    vehicle = make_vehicle("enabled")
    client.force_login(viewer)
    assert client.post(action_url(vehicle, action)).status_code == 403
    assert client.post(action_url(vehicle, action), **HTMX).status_code == 403
    assert client.get(confirm_url(vehicle, action)).status_code == 403
    assert status_of(vehicle) == Status.ENABLED


@pytest.mark.parametrize("action", ["disable", "enable", "delete"])
def test_outsider_gets_404_and_nothing_changes(client, outsider, make_vehicle, action):
    vehicle = make_vehicle("enabled")
    client.force_login(outsider)
    assert client.post(action_url(vehicle, action)).status_code == 404
    assert client.get(confirm_url(vehicle, action)).status_code == 404
    assert status_of(vehicle) == Status.ENABLED


def test_an_unknown_action_or_vin_is_404(as_manager, make_vehicle, workspace):
    vehicle = make_vehicle("enabled")
    assert as_manager.post(action_url(vehicle, "approve")).status_code == 404
    other = reverse("vehicles:action", args=[workspace.slug, "WBA00000000000000", "disable"])
    assert as_manager.post(other).status_code == 404


def test_a_vehicle_of_another_workspace_is_404_even_to_a_manager(as_manager, make_vehicle, other_workspace):
    theirs = make_vehicle("enabled", target_workspace=other_workspace)
    url = reverse("vehicles:action", args=["acme", theirs.vin, "disable"])
    assert as_manager.post(url).status_code == 404
    assert status_of(theirs) == Status.ENABLED


# --- The confirmation ---


@pytest.mark.parametrize(
    ("action", "status", "button", "says"),
    [
        ("disable", "enabled", "Approve", "data stops being available"),
        ("enable", "disabled", "Approve", "goes through approval again"),
        ("delete", "incomplete", "Delete", "data can no longer be read"),
    ],
)
def test_the_dialog_names_the_vin_and_says_what_will_happen(as_manager, make_vehicle, action, status, button, says):
    vehicle = make_vehicle(status)
    response = as_manager.get(confirm_url(vehicle, action), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<dialog")
    assert vehicle.vin in body and says in body
    assert f">{button}</button>" in body and ">Cancel</button>" in body
    assert f'hx-post="{action_url(vehicle, action)}"' in body
    assert status_of(vehicle) == status


def test_without_htmx_the_confirmation_is_a_page_with_a_plain_form(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    response = as_manager.get(confirm_url(vehicle, "disable") + "?next=/workspaces/acme/vehicles/%3Fstatus%3Denabled")
    body = response.content.decode()
    assert "<html" in body and "<dialog" not in body
    assert f'<form method="post" action="{action_url(vehicle, "disable")}"' in body
    assert 'href="/workspaces/acme/vehicles/?status=enabled">Cancel</a>' in body
    redirect = as_manager.post(action_url(vehicle, "disable"), {"next": "/workspaces/acme/vehicles/?status=enabled"})
    assert redirect["Location"] == "/workspaces/acme/vehicles/?status=enabled"


def test_next_may_not_leave_the_site(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    response = as_manager.post(action_url(vehicle, "disable"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("vehicles:detail", args=["acme", vehicle.vin])


def test_the_confirmation_of_an_action_the_status_does_not_allow_says_so(as_manager, make_vehicle):
    vehicle = make_vehicle("pending")
    response = as_manager.get(confirm_url(vehicle, "disable"))
    assert response.status_code == 409
    assert "cannot be disabled" in response.content.decode()
    assert ">Approve</button>" not in response.content.decode()


# --- Many VINs at once ---


def bulk(client, action, vehicles, **extra):
    return client.post(
        reverse("vehicles:bulk", args=["acme"]), {"action": action, "vin": [v.vin for v in vehicles]}, **extra
    )


def test_bulk_confirmation_says_how_many_change_and_how_many_are_skipped(as_manager, make_vehicle):
    vehicles = [make_vehicle("enabled"), make_vehicle("enabled"), make_vehicle("pending"), make_vehicle("disabled")]
    url = reverse("vehicles:bulk-confirm", args=["acme"])
    response = as_manager.get(url, {"action": "disable", "vin": [v.vin for v in vehicles]}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<dialog")
    assert "Disable 2 of 4 selected vehicles?" in body
    assert "2 vehicles will be disabled" in body
    assert "2 are skipped because their status does not allow it" in body
    assert ">Approve</button>" in body
    assert [status_of(v) for v in vehicles] == ["enabled", "enabled", "pending", "disabled"]


def test_bulk_action_changes_the_allowed_ones_and_skips_the_others(as_manager, make_vehicle):
    vehicles = [build(make_vehicle, status) for status in ("enabled", "disabled", "pending", "error")]
    response = bulk(as_manager, "delete", vehicles)
    assert response.status_code == 302
    assert [status_of(v) for v in vehicles] == [DELETED, DELETED, "pending", DELETED]
    followed = as_manager.get(response["Location"]).content.decode()
    assert "3 vehicles deleted; 1 skipped" in followed


def test_bulk_action_with_htmx_refreshes_the_table_and_closes_the_dialog(as_manager, make_vehicle):
    vehicles = [make_vehicle("disabled"), make_vehicle("enabled")]
    response = bulk(as_manager, "enable", vehicles, **HTMX)
    assert response.status_code == 200
    assert "vehicles-changed" in response["HX-Trigger-After-Settle"]
    assert "dialog-close" in response["HX-Trigger-After-Settle"]
    assert [status_of(v) for v in vehicles] == ["pending", "enabled"]
    # The message waits for the table the client re-fetches: it stands beside the bulk bar there, once.
    assert "1 vehicle enabled" not in response.content.decode()
    table = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "vehicle-table"}
    refetched = as_manager.get(reverse("vehicles:list", args=["acme"]), **table).content.decode()
    beside_the_bar = refetched.split('id="bulk-messages"')[1].split("</form>")[0]
    assert "<p>1 vehicle enabled; 1 skipped" in beside_the_bar
    again = as_manager.get(reverse("vehicles:list", args=["acme"]), **table).content.decode()
    assert "1 vehicle enabled" not in again


def test_bulk_without_a_selection_says_so(as_manager, make_vehicle):
    response = as_manager.get(reverse("vehicles:bulk-confirm", args=["acme"]), {"action": "disable"}, follow=True)
    assert "Select at least one vehicle first." in response.content.decode()


def test_bulk_get_is_405_viewer_403_outsider_404(client, viewer, outsider, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(viewer)
    assert client.get(reverse("vehicles:bulk", args=["acme"])).status_code == 405
    assert bulk(client, "disable", [vehicle]).status_code == 403
    client.force_login(outsider)
    assert bulk(client, "disable", [vehicle]).status_code == 404
    assert status_of(vehicle) == Status.ENABLED


def test_bulk_never_touches_another_workspaces_vin(as_manager, make_vehicle, other_workspace):
    theirs = make_vehicle("enabled", target_workspace=other_workspace)
    bulk(as_manager, "disable", [theirs])
    assert status_of(theirs) == Status.ENABLED


@pytest.mark.parametrize("seen", ["<b>pwned</b>", "ENABLED", "enabled; DROP", "x" * 500])
def test_a_posted_seen_status_that_is_no_status_is_ignored_never_echoed(as_manager, make_vehicle, seen):
    vehicle = make_vehicle("disabled")
    for extra in ({}, HTMX):
        response = as_manager.post(action_url(vehicle, "disable"), {"seen_status": seen}, **extra)
        body = response.content.decode()
        assert "cannot be" in body  # the plain refusal, without a "someone else changed" story
        assert "Someone else changed" not in body
        assert seen not in body and "pwned" not in body
    assert status_of(vehicle) == Status.DISABLED
