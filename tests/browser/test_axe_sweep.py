"""The axe sweep (issue 15): every page and dialog at desktop (1366×900) and phone (390×844) width, with 0 serious or
critical axe-core violations, no page scrolling sideways on a phone, and a screenshot of each main page at both
widths in test-results/screenshots/<test>/ (CI keeps them as artifacts).

One live server, one login per role (manager, viewer, operator); the collected violations are asserted at the end,
so that one run reports every page that fails.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events import webhooks
from fleet.models import ApiClient, Role
from tests import chain_support
from tests.factories import MembershipFactory
from tests.states import LONG_AGO
from vehicles.choices import Status
from vehicles.importing import jobs
from vehicles.models import ImportJob, Reading
from vehicles.status.machine import By

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.browser

# The innermost elements that stick out of the page on the right: what makes a page scroll sideways, named in the
# failure.
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const out = (el) => el.getBoundingClientRect().right > width + 1;
  return [...document.body.querySelectorAll("*")]
    .filter((el) => out(el) && ![...el.children].some(out))
    .slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join(".")
      + " " + (el.textContent || "").trim().slice(0, 40));
}"""

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def sweep_data(workspace, other_workspace, manager, viewer, operator, make_vehicle, simulated, webhook_settings):
    MembershipFactory(workspace=other_workspace, user=manager, role=Role.MANAGER)  # so that the list has two
    enabled = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    for status in (Status.PENDING, Status.INCOMPLETE, Status.DISABLED, Status.ERROR, Status.ENABLED):
        make_vehicle(status)
    now = timezone.now()
    Reading.objects.bulk_create(
        Reading(
            vin=enabled.vin,
            recorded_at=now - timedelta(hours=3 * i),
            odometer_km=179_708 - 35 * i,
            latitude=48.137 + i / 1000,
            longitude=11.576,
            fuel_level=60 + i % 30,
            ignition=i % 2 == 0,
            speed_kmh=40.0,
        )
        for i in range(40)
    )
    job = ImportJob.objects.create(
        workspace=workspace, created_by=manager, source=ImportJob.Source.CSV, filename="fleet.csv"
    )
    text = (
        "vin,odometer,odometer_unit,make\n"
        f"{enabled.vin},10,km,BMW\n"
        "WBA3A5C51CF25665X,12.5,km,BMW\n"
        "WP0ZZZ99ZTS392124,100,km,Porshe\n"
        "ZFFZZZ99ZTS392124,1,mi,\n"
        "SHORT,,,\n"
    )
    jobs.import_file(job, io.BytesIO(text.encode()), By.manager(manager))
    ApiClient.issue(workspace, "ERP", created_by=manager)
    webhook, _ = webhooks.create(workspace.pk, "http://127.0.0.1:9/hook", ["vehicle.status_changed"], "ERP hook")
    return {"enabled": enabled, "job": job, "webhook": webhook}


def test_every_page_and_dialog_has_no_serious_axe_violation_at_both_widths(
    live_server, page, login, axe, screenshot, workspace, sweep_data, settings
):
    base = live_server.url
    ws = f"/workspaces/{workspace.slug}"
    enabled, job, webhook = sweep_data["enabled"], sweep_data["job"], sweep_data["webhook"]
    found = {}
    sideways = {}

    def check(name, context=None, shot=True):
        width = page.viewport_size["width"]
        label = f"{name} @ {width}px"
        violations = axe(context)
        if violations:
            found[label] = violations
        if width < 500:
            extra = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if extra > 0:
                sideways[label] = (extra, page.evaluate(WIDE_ELEMENTS))
        if shot:
            screenshot(f"{name}-{'phone' if width < 500 else 'desktop'}")

    def visit(name, path, ready=None):
        page.goto(base + path)
        page.wait_for_load_state()
        if ready:
            page.wait_for_selector(ready)
        check(name)

    def each_width(pages):
        for width, height in WIDTHS.values():
            page.set_viewport_size({"width": width, "height": height})
            pages()

    # Before login.
    each_width(lambda: visit("login", "/accounts/login/"))

    # The manager: every workspace page, the dialogs, the error page of an unknown URL.
    login("mia")

    def manager_pages():
        visit("workspaces", "/workspaces/")
        visit("vin-table", f"{ws}/vehicles/")
        page.get_by_role("button", name=f"Actions for {enabled.vin}", exact=True).click()
        page.get_by_role("menuitem", name="Disable", exact=True).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        check("row-dialog", "#dialog-slot")
        dialog.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        page.get_by_role("checkbox", name=f"Select {enabled.vin}").check()
        page.get_by_role("button", name="Apply to selected").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        check("bulk-dialog", "#dialog-slot")
        page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
        visit("vehicle-page", f"{ws}/vehicles/{enabled.vin}/")
        visit("upload", f"{ws}/upload/")
        visit("import-report", f"{ws}/upload/imports/{job.pk}/")
        visit("imports", f"{ws}/upload/imports/")
        visit("makes", f"{ws}/makes/")
        visit("activity", f"{ws}/activity/")
        visit("api-access", f"{ws}/api-access/")
        visit("webhook-edit", f"{ws}/api-access/webhooks/{webhook.pk}/edit/")
        visit("404", "/workspaces/no-such-workspace/vehicles/")
        visit("api-docs", "/api/docs/", ready=".opblock")  # once Swagger UI has drawn the operations

    each_width(manager_pages)

    # The viewer: the 403 page of a page it may not use.
    login("vic")
    each_width(lambda: visit("403", f"{ws}/upload/"))

    # The operator: the admin's change list of vehicles.
    login("opal")
    each_width(lambda: visit("admin-vehicles", "/admin/vehicles/vehicle/"))

    assert (found, sideways) == ({}, {}), (
        "serious or critical axe violations:\n"
        + "\n".join(f"{k}: {v}" for k, v in found.items())
        + f"\npages that scroll sideways on a phone (extra px): {sideways}"
    )
