"""The vehicle page: details as a summary list, its status history, and its actions menu."""

import pytest
from django.urls import reverse

from tests.factories import add_vehicle
from vehicles.choices import Event, Status
from vehicles.models import Vehicle
from vehicles.status import machine
from vehicles.status.machine import By


def page_url(vehicle):
    return reverse("vehicles:detail", args=[vehicle.workspace.slug, vehicle.vin])


def test_it_shows_the_details_and_the_whole_history(client, manager, make_vehicle):
    vehicle = make_vehicle("disabled")
    client.force_login(manager)
    response = client.get(page_url(vehicle))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'VIN <span class="vin">{vehicle.vin}</span>' in body
    assert '<dl class="summary-list">' in body and "<dt>Make</dt><dd>BMW</dd>" in body
    events = [change.get_event_display() for change in response.context["history"]]
    assert events == ["Disable", "Approve", "Upload"]
    assert 'test <span class="muted">(System)</span>' in body  # who
    assert '<td data-label="From">Enabled</td>\n      <td data-label="To">Disabled</td>' in body  # from, to


def test_history_says_who_changed_it_and_why(client, manager, make_vehicle):
    vehicle = make_vehicle("error", vin=None)
    client.force_login(manager)
    body = client.get(page_url(vehicle)).content.decode()
    assert "Make not found" in body  # the reason, in the summary and in the history
    client.post(reverse("vehicles:action", args=["acme", vehicle.vin, "delete"]))
    assert client.get(page_url(vehicle)).status_code == 404


def test_manager_gets_the_actions_menu_of_the_status(client, manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(manager)
    body = client.get(page_url(vehicle)).content.decode()
    assert f'role="group" aria-label="Actions for {vehicle.vin}"' in body
    assert ">Disable</button>" in body and ">Delete</button>" in body and ">Enable</button>" not in body
    assert 'class="button button-danger" id="page-action-delete"' in body  # a destructive action looks like one
    assert "⋮" not in body  # visible buttons, not a lone menu
    confirm = f"/workspaces/acme/vehicles/{vehicle.vin}/disable/confirm/"
    assert f'<form method="get" action="{confirm}" hx-get="{confirm}" hx-target="#dialog-slot"' in body


def test_the_action_buttons_lead_to_the_confirmation_without_javascript(client, manager, make_vehicle):
    vehicle = make_vehicle("disabled")
    client.force_login(manager)

    response = client.get(
        reverse("vehicles:confirm", args=["acme", vehicle.vin, "enable"]), {"next": page_url(vehicle)}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert ">Approve</button>" in body and "Cancel" in body
    assert f'value="{page_url(vehicle)}"' in body


def test_the_two_odometers_are_named_for_what_they_are(client, manager, workspace):
    vehicle = add_vehicle(workspace, odometer=4017)
    client.force_login(manager)

    body = client.get(page_url(vehicle)).content.decode()

    assert "<dt>Odometer at upload</dt><dd>4,017 km" in body
    assert "<dt>Odometer</dt>" not in body


def test_pending_offers_no_action_on_the_page(client, manager, make_vehicle):
    vehicle = make_vehicle("pending")
    client.force_login(manager)
    assert "Actions for" not in client.get(page_url(vehicle)).content.decode()


def test_viewer_sees_the_page_without_actions(client, viewer, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(viewer)
    response = client.get(page_url(vehicle))
    assert response.status_code == 200
    assert "Actions for" not in response.content.decode()


def test_outsider_gets_404(client, outsider, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(outsider)
    assert client.get(page_url(vehicle)).status_code == 404


def test_post_is_405(client, manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(manager)
    assert client.post(page_url(vehicle)).status_code == 405


def test_an_action_from_the_page_with_htmx_reloads_it(client, manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(manager)
    response = client.post(
        reverse("vehicles:action", args=["acme", vehicle.vin, "disable"]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page_url(vehicle)}",
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert Vehicle.objects.get(pk=vehicle.pk).status == Status.DISABLED
    assert "disabled: it is now Disabled" in client.get(page_url(vehicle)).content.decode()


def test_deleting_from_the_page_goes_back_to_the_table(client, manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(manager)
    url = reverse("vehicles:action", args=["acme", vehicle.vin, "delete"])
    htmx = client.post(url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page_url(vehicle)}")
    assert htmx["HX-Redirect"] == reverse("vehicles:list", args=["acme"])
    again = make_vehicle("enabled")
    plain = client.post(reverse("vehicles:action", args=["acme", again.vin, "delete"]), {"next": page_url(again)})
    assert plain["Location"] == reverse("vehicles:list", args=["acme"])


@pytest.mark.parametrize("status", ["enabled", "pending", "incomplete", "disabled", "error"])
def test_the_status_is_shown_as_its_label(client, manager, make_vehicle, status):
    vehicle = make_vehicle(status)
    client.force_login(manager)
    assert f">{Status(status).label}</span>" in client.get(page_url(vehicle)).content.decode()


def test_history_of_another_workspace_never_shows(client, manager, make_vehicle, other_workspace):
    theirs = make_vehicle("enabled", target_workspace=other_workspace)
    machine.fire(theirs, Event.DISABLE, By.system("x"))
    client.force_login(manager)
    assert client.get(reverse("vehicles:detail", args=["acme", theirs.vin])).status_code == 404
