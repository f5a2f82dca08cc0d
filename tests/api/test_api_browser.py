"""In a real browser: a manager creates and revokes API credentials; the API reference works offline."""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from fleet.models import ApiClient

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_hashing")]


def test_a_manager_creates_credentials_sees_the_secret_once_and_revokes_them(
    live_server, login, page, screenshot, axe, workspace, manager
):
    login("mia")
    page.get_by_role("link", name="API access").click()
    expect(page.get_by_role("heading", name="API access")).to_be_visible()
    page.get_by_label("Name").fill("ERP")
    page.get_by_role("button", name="Create credentials").click()
    expect(page.get_by_role("heading", name="Credentials “ERP” created")).to_be_visible()
    secret = page.locator("#new-client-secret").inner_text()
    assert len(secret) > 20
    assert axe() == []
    screenshot("secret-shown-once")

    page.reload()  # a GET: the secret is gone
    expect(page.get_by_text(secret)).to_have_count(0)
    page.get_by_role("link", name="Revoke ERP").click()
    expect(page.get_by_role("heading", name="Revoke the credentials “ERP”?")).to_be_visible()
    assert ApiClient.objects.get().revoked_at is None  # asking is not revoking
    assert axe() == []
    page.get_by_role("button", name="Revoke “ERP”").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    expect(page.get_by_role("row", name=re.compile("^ERP"))).to_contain_text("Revoked")
    screenshot("revoked")
    assert ApiClient.objects.get().revoked_at is not None


def test_the_api_reference_renders_without_any_outside_request(live_server, page, screenshot, db, csp_violations):
    # Redoc's sidebar always tries to show Redocly's logo from its CDN: the policy blocks it before any request.
    csp_violations.allow("https://cdn.redoc.ly/redoc/logo-mini.svg")
    outside = []

    def only_local(route):
        if urlparse(route.request.url).hostname not in ("localhost", "127.0.0.1"):
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", only_local)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("Get Vehicle Status: the latest reading").first).to_be_visible(timeout=15_000)
    expect(page.get_by_role("link", name="Download the Postman collection")).to_be_visible()
    screenshot("swagger-ui")
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.get_by_role("heading", name="Get Vehicle Status: the latest reading").first).to_be_visible(
        timeout=15_000
    )
    screenshot("redoc")
    assert outside == []
