"""On a phone (390×844): the VIN table's cards with their sort and select-all, the filters behind one button, the
navigation in one row, and the keyboard never lost in the hidden table head."""

import re

import pytest
from playwright.sync_api import expect

from vehicles.choices import Status

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def fleet(make_vehicle):
    return [make_vehicle(status) for status in (Status.ENABLED, Status.DISABLED, Status.PENDING, Status.INCOMPLETE)]


def test_the_phone_vin_table_sorts_selects_all_and_keeps_filters_behind_one_button(
    live_server, login, page, screenshot, manager, fleet
):
    page.set_viewport_size(PHONE)
    login("mia")
    expect(page.get_by_role("heading", name="Acme Fleet: vehicles")).to_be_visible()

    # The navigation is one row, and nothing on the page scrolls sideways.
    nav = page.get_by_role("navigation", name="Main")
    links = nav.get_by_role("link")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, tops
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    # The filters are one button until opened.
    status_filter = page.get_by_label("Status", exact=True)
    expect(status_filter).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(status_filter).to_be_visible()
    screenshot("filters-open")
    # Opened, they stay open over the table's redraws until used (a status count here).
    page.get_by_role("link", name=re.compile(r"^Disabled 1$")).click()
    expect(page.locator(".vin-table caption")).to_contain_text("1 vehicle match the filters")
    expect(status_filter).to_be_visible()
    status_filter.select_option("enabled")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".vin-table caption")).to_contain_text("1 vehicle match the filters")
    expect(page.get_by_text("Filters (in use)")).to_be_visible()
    expect(status_filter).to_be_hidden()  # collapsed again once the table is redrawn
    # Filters with a problem stay open: the field to put right is on screen.
    page.goto(f"{live_server.url}/workspaces/acme/vehicles/?status=nonsense")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem with the filters")
    expect(status_filter).to_be_visible()
    page.goto(f"{live_server.url}/workspaces/acme/vehicles/")

    # The table head is not shown and no Tab stops in it; sort and select-all are above the cards.
    head_links = page.locator(".vin-table thead a, .vin-table thead input")
    for i in range(head_links.count()):
        expect(head_links.nth(i)).to_be_hidden()
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("!!document.activeElement.closest('.vin-table thead')"))
    assert not any(focused)

    sort = page.get_by_role("navigation", name="Sort vehicles")
    sort.get_by_role("link", name=re.compile("^VIN")).click()
    expect(page).to_have_url(re.compile(r"sort=vin"))
    expect(
        page.get_by_role("navigation", name="Sort vehicles").get_by_role("link", name="VIN (ascending)")
    ).to_be_visible()
    shown = page.locator(".vin-table tbody th.vin").all_inner_texts()
    assert shown == sorted(v.vin for v in fleet)

    # The sort link used keeps the focus (static/fleet/focus.js), now saying its new order.
    assert page.evaluate("document.activeElement.id") == "phone-sort-vin"

    toggle = page.get_by_label("Select all on this page")
    toggle.check()
    boxes = page.locator('.vin-table tbody input[type=checkbox][name="vin"]')
    assert boxes.count() == len(fleet)
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    expect(page.locator("#select-all")).to_be_checked()  # the head's toggle (not shown) agrees
    expect(page.locator("#bulk-form").get_by_text(f"{len(fleet)} selected", exact=True)).to_be_visible()
    screenshot("selected")
    boxes.nth(0).uncheck()  # one row unticked: the page is no longer all selected
    expect(toggle).not_to_be_checked()
    expect(page.locator("#select-all")).not_to_be_checked()
