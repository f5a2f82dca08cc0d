"""In a real browser, at desktop (1366×900) and phone (390×844) widths: where focus goes after every kind of HTMX
swap (static/fleet/focus.js), the message beside a row action and its dismissal (templates/_messages.html,
static/fleet/messages.js), and "Select all N matching" in the bulk bar."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import activate, new_vin
from vehicles.choices import DELETED, Party, Status
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.status import machine
from vehicles.status.machine import By

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

ACTIVE = """document.activeElement === document.body ? 'BODY'
  : (document.activeElement.id || document.activeElement.outerHTML.slice(0, 80))"""


def focused(page):
    """What has the focus once the swap has settled: never <body>."""
    page.wait_for_timeout(100)  # htmx settles 20 ms after the swap; focus.js moves focus just after
    page.wait_for_function("document.activeElement && document.activeElement !== document.body", timeout=2000)
    return page.evaluate(ACTIVE)


def press(page, locator, key="Enter"):
    """As a keyboard user does: focus the control, press the key (works for controls a phone layout moves aside)."""
    locator.focus()
    page.keyboard.press(key)


def open_filters(page):
    """On a phone the filters are behind one button (closed again after each redraw): tap it, as a person does."""
    panel = page.locator("details.filters-panel")
    if not panel.evaluate("el => el.open"):
        panel.locator("summary").click()
    expect(page.get_by_label("Status", exact=True)).to_be_visible()


def page_toggle(page, size):
    """The page's own "select all": in the table's head, or on a phone in the toolbar above the cards."""
    name = "Select all vehicles on this page" if size == "desktop" else "Select all on this page"
    return page.get_by_role("checkbox", name=name, exact=True)


def status_of(vehicle):
    vehicle = Vehicle.all_objects.get(pk=vehicle.pk)
    return DELETED if vehicle.is_deleted else vehicle.status


@pytest.fixture(params=list(SIZES))
def size(request, page):
    page.set_viewport_size(SIZES[request.param])
    return request.param


@pytest.fixture
def fleet(workspace, make_vehicle):
    """55 Pending BMWs (two pages), then the newest: two Enabled and one Incomplete, on top of page 1."""
    activate(workspace, "BMW")
    add_vehicles(workspace, [Entry(vin=new_vin("WBA")) for _ in range(55)], By.system("test"))
    return {
        "enabled": make_vehicle(Status.ENABLED),
        "enabled_too": make_vehicle(Status.ENABLED),
        "incomplete": make_vehicle(Status.INCOMPLETE),
    }


def test_focus_follows_every_swap_of_the_vin_table(live_server, login, page, size, screenshot, manager, fleet):
    login("mia")
    table = page.locator("#vehicle-table")
    caption = page.locator("#vehicle-table-caption")

    # Sort: focus stays on the sort link that was used (its new state is read out with it): the table head's, or
    # on a phone (the head is not shown) the toolbar's above the cards.
    sort_link = "sort-vin" if size == "desktop" else "phone-sort-vin"
    press(page, page.locator(f"#{sort_link}"))
    expect(page).to_have_url(re.compile(r"sort=vin"))
    assert focused(page) == sort_link
    if size == "phone":
        expect(page.locator("#phone-sort-vin")).to_have_attribute("aria-current", "true")

    # A status count: focus stays on that count, now the current one.
    press(page, page.get_by_role("link", name=re.compile(r"^Enabled 2$")))
    expect(caption).to_contain_text("2 vehicles match the filters")
    expect(page.locator("#count-enabled")).to_have_attribute("aria-current", "true")
    assert focused(page) == "count-enabled"

    # Filter: focus goes to the caption, which says how many match.
    open_filters(page)
    page.get_by_label("Status", exact=True).select_option("pending")
    press(page, page.get_by_role("button", name="Filter"))
    expect(caption).to_contain_text("55 vehicles match the filters")
    assert focused(page) == "vehicle-table-caption"

    # Next page: to the top of the table, on screen.
    press(page, page.get_by_role("link", name="Next"))
    expect(caption).to_contain_text("page 2 of 2")
    assert focused(page) == "vehicle-table-caption"
    assert caption.evaluate("el => el.getBoundingClientRect().top") < SIZES[size]["height"]
    press(page, page.get_by_role("link", name="Previous"))
    expect(caption).to_contain_text("page 1 of 2")
    assert focused(page) == "vehicle-table-caption"

    # Clear filters: the same.
    open_filters(page)
    press(page, table.get_by_role("link", name="Clear filters"))
    expect(caption).to_contain_text("58 vehicles")
    assert focused(page) == "vehicle-table-caption"
    screenshot(f"focus-after-swaps-{size}")


def test_a_row_action_shows_its_message_on_the_row_until_dismissed_or_the_next_action(
    live_server, login, page, size, screenshot, axe, manager, fleet
):
    login("mia")
    vehicle, deleted = fleet["enabled"], fleet["incomplete"]
    row = page.locator(f"#vehicle-{vehicle.pk}")

    page.get_by_role("button", name=f"Actions for {vehicle.vin}", exact=True).click()
    page.get_by_role("menuitem", name="Disable", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Approve").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # On the row itself, read out once (with its VIN) through the page's one live region; the top stays empty.
    expect(row.get_by_text("Disabled: it is now Disabled.")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"VIN {vehicle.vin} disabled: it is now Disabled.")
    expect(page.locator("#messages [data-message]")).to_have_count(0)
    assert focused(page) == f"actions-{vehicle.pk}"
    assert status_of(vehicle) == Status.DISABLED
    assert axe() == []
    screenshot(f"row-message-{size}")

    # Dismiss: gone, focus stays in the row.
    row.get_by_role("button", name="Dismiss").click()
    expect(row.locator("[data-message]")).to_have_count(0)
    assert page.evaluate("document.activeElement.closest('tr') && document.activeElement.closest('tr').id") == (
        f"vehicle-{vehicle.pk}"
    )

    # A deleted row leaves its message where it was; the next action takes it away.
    page.get_by_role("button", name=f"Actions for {deleted.vin}", exact=True).click()
    page.get_by_role("menuitem", name="Delete", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    gone = page.locator(f"#gone-{deleted.pk}")
    expect(gone).to_contain_text(f"VIN {deleted.vin} deleted.")
    expect(page.locator(f"#vehicle-{deleted.pk}")).to_have_count(0)
    assert focused(page).startswith('<div class="banner banner-success message')
    assert status_of(deleted) == DELETED
    screenshot(f"deleted-row-message-{size}")
    page.get_by_role("button", name=f"Actions for {fleet['enabled_too'].vin}", exact=True).click()
    expect(gone).to_have_count(0)


def test_select_at_least_one_stands_beside_the_bulk_bar_and_goes_with_the_next_action(
    live_server, login, page, size, manager, fleet
):
    login("mia")
    bar = page.locator("#bulk-form")
    press(page, page.get_by_role("button", name="Apply to selected"))
    expect(bar.get_by_text("Select at least one vehicle first.")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Select at least one vehicle first.")
    # Dismissed: gone, and focus stays in the bulk bar.
    bar.get_by_role("button", name="Dismiss").click()
    expect(bar.get_by_text("Select at least one vehicle first.")).to_have_count(0)
    assert page.evaluate("document.activeElement.closest('#bulk-form') !== null")
    press(page, page.get_by_role("button", name="Apply to selected"))
    expect(bar.get_by_text("Select at least one vehicle first.")).to_be_visible()

    page.get_by_role("checkbox", name=f"Select {fleet['enabled'].vin}").check()
    expect(bar.get_by_text("1 selected", exact=True)).to_be_visible()
    page.get_by_role("button", name="Apply to selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Disable 1 of 1 selected vehicles?")
    expect(page.get_by_text("Select at least one vehicle first.")).to_have_count(0)
    dialog.get_by_role("button", name="Approve").click()
    expect(bar.get_by_text("1 vehicle disabled.")).to_be_visible()
    assert focused(page) == "bulk-action"
    assert status_of(fleet["enabled"]) == Status.DISABLED


def test_select_all_matching_applies_to_every_page_of_the_filtered_set(
    live_server, login, page, size, screenshot, axe, manager, fleet, other_workspace, make_vehicle
):
    theirs = make_vehicle(Status.PENDING, target_workspace=other_workspace)
    login("mia")
    open_filters(page)
    page.get_by_label("Status", exact=True).select_option("pending")
    page.get_by_role("button", name="Filter").click()
    caption = page.locator("#vehicle-table-caption")
    expect(caption).to_contain_text("55 vehicles match the filters")
    bar = page.locator("#bulk-form")
    matching = bar.get_by_role("checkbox", name="Select all 55 matching")

    # Offered once the page is selected, by either of its toggles (the head's; on a phone the toolbar's).
    expect(matching).to_be_hidden()
    page_toggle(page, size).check()
    expect(bar.get_by_text("50 selected", exact=True)).to_be_visible()
    matching.check()
    expect(bar.get_by_text("All 55 matching selected", exact=True)).to_be_visible()
    assert axe("#bulk-form") == []
    screenshot(f"all-matching-selected-{size}")

    page.get_by_label("With the selected vehicles").select_option("delete")
    page.get_by_role("button", name="Apply to selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete 0 of 55 matching vehicles?")  # Pending: no manager action
    expect(dialog).to_contain_text("55 are skipped")
    dialog.get_by_role("button", name="Cancel").click()

    # Approve them all through the platform and provider (as the operator would), then disable every match.
    workspace = fleet["enabled"].workspace
    for party in (Party.PLATFORM, Party.PROVIDER):
        machine.approve(Vehicle.objects.filter(workspace=workspace, status=Status.PENDING), party, By.system("test"))
    page.goto(live_server.url + reverse("vehicles:list", args=["acme"]) + "?status=enabled")
    expect(caption).to_contain_text("57 vehicles match the filters")
    page_toggle(page, size).check()
    bar.get_by_role("checkbox", name="Select all 57 matching").check()
    page.get_by_label("With the selected vehicles").select_option("disable")
    page.get_by_role("button", name="Apply to selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Disable 57 of 57 matching vehicles?")
    dialog.get_by_role("button", name="Approve").click()
    expect(bar.get_by_text("57 vehicles disabled.")).to_be_visible()
    assert Vehicle.objects.filter(workspace=workspace, status=Status.DISABLED).count() == 57
    assert status_of(fleet["incomplete"]) == Status.INCOMPLETE
    assert status_of(theirs) == Status.PENDING
    screenshot(f"all-matching-done-{size}")


def test_focus_goes_to_the_one_vin_forms_error_then_to_its_message(live_server, login, page, size, manager, workspace):
    activate(workspace, "BMW")
    login("mia")
    page.goto(live_server.url + reverse("vehicles:upload", args=["acme"]))
    section = page.locator("#one-vin")
    page.get_by_label("VIN", exact=True).fill("WBA3A5C51CF25O651")
    press(page, page.get_by_role("button", name="Add VIN"))
    expect(section.get_by_role("alert")).to_contain_text("There is a problem")
    assert focused(page).startswith('<div class="error-summary"')
    vin = new_vin("WBA")
    page.get_by_label("VIN", exact=True).fill(vin)
    press(page, page.get_by_role("button", name="Add VIN"))
    expect(section.get_by_text(f"VIN {vin} added: its status is Pending.")).to_be_visible()
    assert focused(page).startswith('<div class="banner banner-success message')
    expect(page.get_by_role("status")).to_have_text(f"VIN {vin} added: its status is Pending.")


def test_focus_after_a_make_request_goes_to_its_error_then_to_its_message(
    live_server, login, page, size, manager, make_vehicle
):
    make_vehicle(Status.INCOMPLETE)  # a Ferrari: not activated
    login("mia")
    page.goto(live_server.url + reverse("vehicles:makes", args=["acme"]))
    ferrari = page.get_by_role("row", name=re.compile("^Ferrari"))
    ferrari.get_by_text("Request activation").click()
    page.get_by_label("Note for the operator about Ferrari").fill("   ")  # only spaces: no note
    press(page, page.get_by_role("button", name="Send request for Ferrari"))
    expect(page.get_by_role("alert")).to_contain_text("Write a note for the operator")
    assert focused(page).startswith('<div class="error-summary"')
    page.get_by_label("Note for the operator about Ferrari").fill("Our sports cars arrive next week.")
    press(page, page.get_by_role("button", name="Send request for Ferrari"))
    message = ferrari.get_by_text("Activation of Ferrari requested: an operator will complete it.")
    expect(message).to_be_visible()
    assert focused(page).startswith('<div class="banner banner-success message')


def test_without_javascript_select_all_matching_is_a_checkbox_and_the_filters_travel_with_it(
    live_server, browser, manager, fleet
):
    workspace = fleet["enabled"].workspace
    for party in (Party.PLATFORM, Party.PROVIDER):
        machine.approve(Vehicle.objects.filter(workspace=workspace, status=Status.PENDING), party, By.system("test"))
    context = browser.new_context(java_script_enabled=False, viewport=SIZES["desktop"])
    plain = context.new_page()
    plain.goto(f"{live_server.url}/accounts/login/")
    plain.get_by_label("Username").fill("mia")
    plain.get_by_label("Password").fill("password")
    plain.get_by_role("button", name="Log in").click()
    plain.goto(live_server.url + reverse("vehicles:list", args=["acme"]) + "?status=enabled")
    expect(plain.get_by_role("button", name="Dismiss")).to_have_count(0)  # nothing to dismiss, and no such button
    plain.get_by_role("checkbox", name="Select all 57 matching").check()
    plain.get_by_label("With the selected vehicles").select_option("disable")
    plain.get_by_role("button", name="Apply to selected").click()
    expect(plain.get_by_role("heading", name="Disable 57 of 57 matching vehicles?")).to_be_visible()
    plain.get_by_role("button", name="Approve").click()
    expect(plain.get_by_role("status")).to_contain_text("57 vehicles disabled.")
    assert Vehicle.objects.filter(workspace=workspace, status=Status.DISABLED).count() == 57
    assert status_of(fleet["incomplete"]) == Status.INCOMPLETE
    context.close()
