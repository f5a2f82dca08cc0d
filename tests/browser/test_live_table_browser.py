"""In a real browser: the VIN table follows changes made elsewhere (SPEC.md "The live table") — a Pending row
turns Enabled on screen after the `approve` command runs outside the page, another row's open menu stays open
and focused, the counts follow, the change is announced, and a hidden tab stops asking."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from vehicles.choices import Status

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fast_interval(settings):
    settings.LIVE_TABLE_INTERVAL_SECONDS = 1


def test_a_pending_row_turns_enabled_on_screen_while_another_row_s_menu_stays_open(
    live_server, login, page, axe, manager, make_vehicle, workspace
):
    pending = make_vehicle(Status.PENDING)
    enabled = make_vehicle(Status.ENABLED)
    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/")
    counts = page.get_by_role("navigation", name="Vehicles by status")
    expect(counts.get_by_role("link", name=re.compile(r"^Enabled 1$"))).to_be_visible()
    page.get_by_role("checkbox", name=f"Select {pending.vin}").check()
    menu_button = page.get_by_role("button", name=f"Actions for {enabled.vin}", exact=True)
    menu_button.click()
    disable = page.get_by_role("menuitem", name="Disable", exact=True)
    expect(disable).to_be_focused()

    call_command("approve", workspace.slug, pending.vin, "--by", "platform", verbosity=0)
    call_command("approve", workspace.slug, pending.vin, "--by", "provider", verbosity=0)

    row = page.locator(f"#vehicle-{pending.pk}")
    expect(row).to_contain_text("Enabled", timeout=10_000)
    expect(counts.get_by_role("link", name=re.compile(r"^Enabled 2$"))).to_be_visible()
    expect(page.locator("#live-announcer")).to_have_text(f"{pending.vin} is now Enabled")
    expect(disable).to_be_visible()  # the other row's menu is still open …
    expect(disable).to_be_focused()  # … and still has the focus
    expect(page.get_by_role("checkbox", name=f"Select {pending.vin}")).to_be_checked()  # the selection is kept
    page.keyboard.press("Escape")
    assert axe() == []


def test_a_hidden_tab_stops_asking_and_starts_again_when_shown(live_server, login, page, manager, workspace):
    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/vehicles/live/" in request.url else None)
    page.wait_for_timeout(2500)
    assert len(asked) >= 1
    page.evaluate(
        """() => {
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    )
    page.wait_for_timeout(300)
    before = len(asked)
    page.wait_for_timeout(3000)
    assert len(asked) == before  # no request while hidden
    page.evaluate(
        """() => {
        Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    )
    page.wait_for_timeout(1500)
    assert len(asked) > before


def test_the_vehicle_page_follows_its_own_changes(live_server, login, page, manager, make_vehicle, workspace):
    pending = make_vehicle(Status.PENDING)
    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/{pending.vin}/")
    summary = page.locator(".summary-list").first
    expect(summary).to_contain_text("Pending")
    call_command("approve", workspace.slug, pending.vin, "--by", "platform", verbosity=0)
    call_command("approve", workspace.slug, pending.vin, "--by", "provider", verbosity=0)
    expect(summary).to_contain_text("Enabled", timeout=10_000)
    expect(page.locator(".history-table tbody tr").first).to_contain_text("Enabled")
