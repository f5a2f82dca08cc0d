"""In a real browser, as the manager: every flow of the VIN table through the three-dots menu and the dialog,
the keyboard alone, and axe-core on the table, the dialog and the vehicle page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import SCREENSHOTS
from tests.states import LONG_AGO, backdate
from vehicles.choices import DELETED, Event, Status
from vehicles.models import Vehicle
from vehicles.status import machine

pytestmark = pytest.mark.browser


def status_of(vehicle):
    vehicle = Vehicle.all_objects.get(pk=vehicle.pk)
    return DELETED if vehicle.is_deleted else vehicle.status


def row(page, vehicle):
    return page.locator(f"#vehicle-{vehicle.pk}")


def choose(page, vehicle, action):
    page.get_by_role("button", name=f"Actions for {vehicle.vin}", exact=True).click()
    page.get_by_role("menuitem", name=action, exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(vehicle.vin)
    return dialog


@pytest.fixture
def fleet(make_vehicle):
    return {
        "enabled": make_vehicle(Status.ENABLED),
        "enabled_too": make_vehicle(Status.ENABLED),
        "disabled": make_vehicle(Status.DISABLED),
        "incomplete": make_vehicle(Status.INCOMPLETE),
        "pending": make_vehicle(Status.PENDING),
    }


def test_a_manager_disables_enables_and_deletes_through_the_menu_and_the_dialog(
    live_server, login, page, screenshot, axe, manager, fleet
):
    login("mia")
    expect(page.get_by_role("heading", name="Acme Fleet: vehicles")).to_be_visible()
    counts = page.get_by_role("navigation", name="Vehicles by status")
    expect(counts.get_by_role("link", name=re.compile(r"^Enabled 2$"))).to_be_visible()
    assert axe() == []
    screenshot("table")

    # Pending rows offer no action.
    expect(page.get_by_role("button", name=f"Actions for {fleet['pending'].vin}")).to_have_count(0)
    expect(row(page, fleet["pending"])).to_contain_text("Pending")

    # Disable an Enabled VIN.
    dialog = choose(page, fleet["enabled"], "Disable")
    expect(dialog).to_contain_text("data stops being available")
    assert axe("#action-dialog") == []
    screenshot("disable-dialog")
    dialog.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row(page, fleet["enabled"]).get_by_text("Disabled", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"VIN {fleet['enabled'].vin} disabled")
    expect(counts.get_by_role("link", name=re.compile(r"^Enabled 1$"))).to_be_visible()
    assert status_of(fleet["enabled"]) == Status.DISABLED
    screenshot("disabled")

    # Enable a Disabled one: it goes through approval again (Pending) and then offers no action.
    dialog = choose(page, fleet["disabled"], "Enable")
    expect(dialog).to_contain_text("goes through approval again")
    screenshot("enable-dialog")
    dialog.get_by_role("button", name="Approve").click()
    expect(row(page, fleet["disabled"]).get_by_text("Pending", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=f"Actions for {fleet['disabled'].vin}")).to_have_count(0)
    assert status_of(fleet["disabled"]) == Status.PENDING
    screenshot("enabled")

    # Delete an Incomplete one: its row leaves.
    dialog = choose(page, fleet["incomplete"], "Delete")
    expect(dialog).to_contain_text("can no longer be read")
    screenshot("delete-dialog")
    dialog.get_by_role("button", name="Delete").click()
    expect(row(page, fleet["incomplete"])).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text(f"VIN {fleet['incomplete'].vin} deleted")
    assert status_of(fleet["incomplete"]) == DELETED
    screenshot("deleted")

    # Cancel changes nothing.
    dialog = choose(page, fleet["enabled_too"], "Delete")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row(page, fleet["enabled_too"]).get_by_text("Enabled", exact=True)).to_be_visible()
    assert status_of(fleet["enabled_too"]) == Status.ENABLED
    screenshot("cancelled")

    # The table survives a reload as it is now (nothing was only on the client).
    page.reload()
    expect(row(page, fleet["incomplete"])).to_have_count(0)
    expect(row(page, fleet["enabled"])).to_contain_text("Disabled")


def test_the_menu_and_the_dialog_work_with_the_keyboard_alone(live_server, login, page, screenshot, manager, fleet):
    vehicle = fleet["enabled"]
    login("mia")
    button = page.get_by_role("button", name=f"Actions for {vehicle.vin}", exact=True)
    # Reach the button with Tab from the row's VIN link (the checkbox comes before it on the row).
    row(page, vehicle).get_by_role("link", name=vehicle.vin).focus()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    outline = button.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused menu button shows where focus is"
    screenshot("button-focused")

    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    disable = page.get_by_role("menuitem", name="Disable", exact=True)
    delete = page.get_by_role("menuitem", name="Delete", exact=True)
    expect(disable).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(delete).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(disable).to_be_focused()
    screenshot("menu-open")

    # Escape closes the dialog without changing anything; focus returns to the menu button.
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Approve")).to_be_focused()
    screenshot("dialog-open")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(button).to_be_focused()
    assert status_of(vehicle) == Status.ENABLED

    # And once more, confirming with Enter.
    page.keyboard.press("Enter")
    expect(disable).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog").get_by_role("button", name="Approve")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row(page, vehicle).get_by_text("Disabled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=f"Actions for {vehicle.vin}", exact=True)).to_be_focused()
    assert status_of(vehicle) == Status.DISABLED
    screenshot("done-by-keyboard")


def test_bulk_action_with_one_confirmation(live_server, login, page, screenshot, manager, fleet):
    login("mia")
    for key in ("enabled", "enabled_too", "pending"):
        page.get_by_role("checkbox", name=f"Select {fleet[key].vin}").check()
    page.get_by_label("With the selected vehicles").select_option("disable")
    page.get_by_role("button", name="Apply to selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Disable 2 of 3 selected vehicles?")
    expect(dialog).to_contain_text("1 is skipped because its status does not allow it")
    screenshot("bulk-dialog")
    dialog.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("2 vehicles disabled; 1 skipped")
    expect(row(page, fleet["enabled_too"])).to_contain_text("Disabled")
    assert [status_of(fleet[k]) for k in ("enabled", "enabled_too", "pending")] == ["disabled", "disabled", "pending"]
    screenshot("bulk-done")

    # On a phone the rows become cards; the menu still opens.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name=f"Actions for {fleet['incomplete'].vin}", exact=True).click()
    expect(page.get_by_role("menuitem", name="Delete", exact=True)).to_be_visible()
    screenshot("phone")


def test_the_vehicle_page_is_accessible_and_offers_the_actions(live_server, login, page, screenshot, axe, fleet):
    from fleet.models import Membership, Role
    from tests.factories import UserFactory

    Membership.objects.create(workspace=fleet["enabled"].workspace, user=UserFactory(username="mia"), role=Role.MANAGER)
    vehicle = backdate(fleet["enabled"], LONG_AGO)  # Enabled long enough for the provider's readings to count
    login("mia")
    page.get_by_role("link", name=vehicle.vin).click()
    expect(page.get_by_role("heading", name=f"VIN {vehicle.vin}")).to_be_visible()
    expect(page.get_by_role("table", name="Status history")).to_contain_text("Approve")
    assert axe() == []
    screenshot("vehicle-page")
    # The page's actions are visible buttons (not only a menu), with the same confirmation dialog.
    actions = page.get_by_role("group", name=f"Actions for {vehicle.vin}")
    expect(actions.get_by_role("button", name="Delete", exact=True)).to_be_visible()
    actions.get_by_role("button", name="Disable", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(vehicle.vin)
    dialog.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text(f"VIN {vehicle.vin} disabled")
    expect(page.locator(".summary-list")).to_contain_text("Disabled")
    screenshot("vehicle-page-after-disable")


def test_a_vin_changed_meanwhile_is_refused_in_the_dialog(live_server, login, page, screenshot, manager, fleet):
    from vehicles.status.machine import By

    vehicle = fleet["enabled"]
    login("mia")
    dialog = choose(page, vehicle, "Disable")
    machine.fire(vehicle, Event.DISABLE, By.system("someone else"))  # while the dialog is open
    dialog.get_by_role("button", name="Approve").click()
    expect(dialog).to_contain_text("Someone else changed VIN")
    expect(dialog.get_by_role("button", name="Approve")).to_have_count(0)
    expect(row(page, vehicle).get_by_text("Disabled", exact=True)).to_be_visible()
    screenshot("refused-in-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_without_javascript_the_same_flow_is_links_forms_and_redirects(
    live_server, browser, screenshot, manager, fleet
):
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server.url}/accounts/login/")
    plain.get_by_label("Username").fill("mia")
    plain.get_by_label("Password").fill("password")
    plain.get_by_role("button", name="Log in").click()
    vehicle = fleet["enabled"]
    # The popover menu opens without any script; its item is a link to the confirmation page.
    plain.get_by_role("button", name=f"Actions for {vehicle.vin}", exact=True).click()
    plain.get_by_role("menuitem", name="Disable", exact=True).click()
    expect(plain.get_by_role("heading", name=f"Disable VIN {vehicle.vin}?")).to_be_visible()
    folder = Path(SCREENSHOTS, "test_without_javascript")
    folder.mkdir(parents=True, exist_ok=True)
    plain.screenshot(path=str(folder / "01-confirm-page.png"))
    plain.get_by_role("button", name="Approve").click()
    expect(plain.get_by_role("status")).to_contain_text(f"VIN {vehicle.vin} disabled")
    expect(plain.locator(f"#vehicle-{vehicle.pk}")).to_contain_text("Disabled")
    assert plain.url.endswith("/workspaces/acme/vehicles/")
    assert status_of(vehicle) == Status.DISABLED
    plain.screenshot(path=str(folder / "02-disabled.png"), full_page=True)
    context.close()
