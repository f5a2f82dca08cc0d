"""In a real browser, under the site's Content-Security-Policy: every main page loads and works with no CSP
violation (the `page` fixture fails any browser test on one), and an injected inline script is really refused —
so the listener would see a violation if a page had one."""

import pytest
from playwright.sync_api import expect

from vehicles.choices import Status

pytestmark = pytest.mark.browser


def test_an_inline_script_is_refused_and_reported(live_server, page, csp_violations, db):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__inlineRan = true";
            document.head.appendChild(script);
            const button = document.createElement("button");
            button.setAttribute("onclick", "window.__handlerRan = true");
            document.body.appendChild(button);
            button.click();
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => [window.__inlineRan, window.__handlerRan]") == [None, None]
    assert any("script-src" in v for v in csp_violations)
    csp_violations.allow("script-src")  # expected here: this test made them


def test_the_main_pages_load_without_any_csp_violation(
    live_server, login, page, screenshot, manager, workspace, make_vehicle, operator, csp_violations
):
    vehicle = make_vehicle(Status.ENABLED)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    login("mia")
    expect(page.get_by_role("heading", name="Acme Fleet: vehicles")).to_be_visible()
    # The inline script with the nonce ran (the `js` class), htmx loaded and injected no style element.
    assert page.evaluate("() => document.documentElement.classList.contains('js')")
    assert page.evaluate("() => typeof htmx === 'object' && document.querySelectorAll('style').length") == 0
    screenshot("vin-table")

    # The row menu and the confirmation dialog (htmx + static/fleet/table.js) still work.
    page.get_by_role("button", name=f"Actions for {vehicle.vin}", exact=True).click()
    page.get_by_role("menuitem", name="Disable", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    for path, heading in [
        (f"/workspaces/{workspace.slug}/vehicles/{vehicle.vin}/", vehicle.vin),
        (f"/workspaces/{workspace.slug}/upload/", "Upload VINs"),
        (f"/workspaces/{workspace.slug}/makes/", "Makes"),
        (f"/workspaces/{workspace.slug}/api-access/", "API access"),
        ("/workspaces/", "Workspaces"),
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        screenshot(path.strip("/").replace("/", "-"))

    page.goto(f"{base}/api/docs/")
    expect(page.get_by_text("Get Vehicle Status: the latest reading").first).to_be_visible(timeout=15_000)
    screenshot("swagger-ui")
    csp_violations.allow("https://cdn.redoc.ly/redoc/logo-mini.svg")  # Redoc's CDN logo, blocked on purpose
    page.goto(f"{base}/api/redoc/")
    expect(page.get_by_role("heading", name="Get Vehicle Status: the latest reading").first).to_be_visible(
        timeout=15_000
    )
    screenshot("redoc")
    assert csp_violations.unexpected() == []


def test_the_admin_and_the_lockout_page_have_no_csp_violation(live_server, page, screenshot, operator, manager):
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("opal")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{base}/admin/vehicles/vehicle/")
    page.wait_for_load_state("networkidle")
    screenshot("admin-vehicles")

    page.context.clear_cookies()  # logged out again: eleven wrong passwords for mia
    page.goto(f"{base}/accounts/login/")
    for n in range(11):
        page.get_by_label("Username").fill("mia")
        page.get_by_label("Password").fill(f"wrong-{n}")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed logins")
    screenshot("locked-out")
