"""In a real browser: a manager asks for a make's activation on the Makes page; once the operator has completed
it and the chain has run, the vehicles are Enabled; the vehicle page shows the data and its chart (or why not)."""

import re

import pytest
from playwright.sync_api import expect

from fleet.models import MakeActivation
from tests import chain_support
from tests.chain_support import run_worker
from tests.factories import make_named
from tests.states import LONG_AGO
from vehicles.choices import Status
from vehicles.models import Vehicle
from vehicles.status.machine import By, activate_make

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.browser


def test_a_manager_requests_a_makes_activation_and_its_vehicles_get_enabled(
    live_server, login, page, screenshot, axe, workspace, manager, operator, make_vehicle, simulated
):
    make_vehicle(Status.ENABLED)
    incomplete = [make_vehicle(Status.INCOMPLETE), make_vehicle(Status.INCOMPLETE)]
    workspace.auto_platform_approval = True
    workspace.save()

    login("mia")
    page.get_by_role("link", name="Makes").click()
    expect(page.get_by_role("heading", name="Acme Fleet: makes")).to_be_visible()
    ferrari_row = page.get_by_role("row", name=re.compile("^Ferrari"))
    expect(ferrari_row.get_by_role("cell").nth(1)).to_have_text("2")
    expect(ferrari_row).to_contain_text("Not activated")
    assert axe() == []
    screenshot("makes-page")

    page.get_by_text("Request activation of Ferrari").click()
    page.get_by_label("Note for the operator about Ferrari").fill("Our new sports cars arrive next week.")
    page.get_by_role("button", name="Send request for Ferrari").click()

    # The message stands in the make's row (and is read out through the page's one live region).
    expect(ferrari_row.get_by_text("Activation of Ferrari requested: an operator will complete it.")).to_be_visible()
    expect(ferrari_row).to_contain_text("Requested")
    expect(ferrari_row).to_contain_text("Our new sports cars arrive next week.")
    screenshot("requested")
    assert MakeActivation.objects.get(workspace=workspace, make__name="Ferrari").requested_by == manager

    activate_make(workspace, make_named("Ferrari"), By.operator(operator))
    run_worker()

    page.reload()
    expect(ferrari_row).to_contain_text("Activated")
    expect(ferrari_row.get_by_role("cell").nth(1)).to_have_text("0")
    assert {v.status for v in Vehicle.objects.filter(pk__in=[v.pk for v in incomplete])} == {Status.ENABLED}
    screenshot("activated")


def test_the_vehicle_page_shows_the_data_and_its_chart_only_while_enabled(
    live_server, login, page, screenshot, axe, workspace, manager, make_vehicle, simulated
):
    enabled = make_vehicle(Status.ENABLED, ago=LONG_AGO)  # the provider's day of readings falls in its consent
    disabled = make_vehicle(Status.DISABLED)

    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/{enabled.vin}/")
    data = page.get_by_role("region", name="Vehicle status data")
    expect(data).to_contain_text("Odometer")
    expect(data.get_by_role("img", name="Odometer and fuel level over time")).to_be_visible()
    assert data.locator("svg.chart-wide polyline").count() == 2  # odometer and fuel (the narrow one is for phones)
    assert axe("section.vehicle-data") == []
    screenshot("enabled-vehicle-data")

    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/{disabled.vin}/")
    data = page.get_by_role("region", name="Vehicle status data")
    expect(data).to_contain_text("This vehicle is disabled")
    expect(data.get_by_role("img")).to_have_count(0)
    screenshot("disabled-vehicle-notice")
