"""In a real browser: a manager sees what each VIN waits for on the table, follows the "N stuck" count, opens a
Pending vehicle and reads what it waits for and its approval chain; an Incomplete row leads to its make."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.factories import add_vehicle, new_vin
from tests.states import backdate
from vehicles.choices import Party, Status
from vehicles.status import machine
from vehicles.status.machine import By

pytestmark = pytest.mark.browser


def test_a_manager_reads_what_a_pending_vin_waits_for(
    live_server, login, page, screenshot, axe, workspace, manager, bmw_active, make_vehicle
):
    halfway = machine.approve_one(add_vehicle(workspace, new_vin("WBA")), Party.PLATFORM, By.system("test"))
    backdate(halfway, dt.timedelta(hours=3))
    stuck = backdate(add_vehicle(workspace, new_vin("WBA")), dt.timedelta(days=3))
    incomplete = make_vehicle(Status.INCOMPLETE)

    login("mia")
    table = page.get_by_role("table")
    halfway_row = table.get_by_role("row", name=re.compile(halfway.vin))
    expect(halfway_row).to_contain_text("Pending")
    expect(halfway_row).to_contain_text("Waiting for the carmaker")
    expect(table.get_by_role("row", name=re.compile(stuck.vin))).to_contain_text("Stuck: pending 3 days")
    assert axe() == []
    screenshot("table-with-phrases")

    counts = page.get_by_role("navigation", name="Vehicles by status")
    counts.get_by_role("link", name="1 stuck").click()
    expect(page).to_have_url(re.compile(r"stuck=1"))
    expect(table.get_by_role("row", name=re.compile(stuck.vin))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(halfway.vin))).to_have_count(0)
    expect(page.get_by_label("Stuck only")).to_be_checked()
    screenshot("stuck-only")

    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/{halfway.vin}/")
    waiting_for = page.locator(".summary-list div").filter(has=page.get_by_text("Waiting for", exact=True))
    expect(waiting_for).to_contain_text("The carmaker's approval")
    expect(waiting_for).to_contain_text("Pending since")
    expect(waiting_for).to_contain_text("(3 hours)")
    expect(waiting_for).to_contain_text("Nothing to do: the platform has approved")
    chain = page.get_by_role("list", name="Approval chain")
    expect(chain.get_by_role("listitem")).to_have_count(5)
    expect(chain.locator('[aria-current="step"]')).to_contain_text("Carmaker approved: waiting")
    expect(chain.get_by_role("listitem").nth(2)).to_contain_text("Platform approved:")
    assert axe() == []
    screenshot("vehicle-page-waiting")

    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/")
    table.get_by_role("row", name=re.compile(incomplete.vin)).get_by_role(
        "link", name="Waiting for make activation"
    ).click()
    expect(page.get_by_role("heading", name="Acme Fleet: makes")).to_be_visible()
    ferrari = page.get_by_role("row", name=re.compile("^Ferrari"))
    expect(ferrari).to_have_attribute("aria-current", "true")
    expect(page.get_by_label("Note for the operator about Ferrari")).to_be_visible()  # the request form is open
    screenshot("makes-preselected")
