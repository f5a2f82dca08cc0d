"""In a real browser: a manager checks the eligibility of a CSV file before adding it (HTMX swaps the answer in),
reads the answer per VIN, then adds the eligible ones with one click and reads the import report; the typed VIN's
check works the same way, and with JavaScript off the checks are plain form posts."""

import re

import pytest
from playwright.sync_api import expect

from tests.eligibility_support import REFUSAL_REASON, UNKNOWN_WMI, eligible_vin, refused_vin
from tests.factories import activate
from vehicles.choices import Status
from vehicles.models import ImportJob, Vehicle

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_manager_checks_a_file_then_adds_the_eligible_ones(
    live_server, login, page, screenshot, axe, workspace, manager, tmp_path
):
    activate(workspace, "BMW")
    bmw, volvo, refused, unknown = eligible_vin(), eligible_vin("YV1"), refused_vin(), eligible_vin(UNKNOWN_WMI)
    path = tmp_path / "fleet.csv"
    path.write_text(f"vin,odometer,odometer_unit\n{bmw},1200,mi\n{refused},5,\n{volvo},,\nABC,,\n{unknown},,\n")
    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/upload/")
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.locator("#csv-file").get_by_role("button", name="Check eligibility").click()

    expect(page.get_by_role("heading", name="Eligibility of fleet.csv: 5 VINs checked")).to_be_visible()
    expect(page.locator("#eligibility-report")).to_be_focused()  # the answer, read from its start
    expect(page.locator("#eligibility-report").get_by_role("status")).to_have_text(
        "2 eligible, 3 not eligible. Nothing was added."
    )
    counts = page.get_by_role("table", name="VINs by answer")
    expect(counts.get_by_role("row", name="Eligible 2", exact=True)).to_be_visible()
    expect(counts.get_by_role("row", name="Not eligible 3")).to_be_visible()
    answers = page.get_by_role("table", name="Answer per VIN")
    expect(answers.get_by_role("row", name=re.compile(f"^2 {bmw} BMW Eligible"))).to_be_visible()
    expect(
        answers.get_by_role("row", name=re.compile(f"^3 {refused} BMW Not eligible {REFUSAL_REASON}"))
    ).to_be_visible()
    expect(answers.get_by_role("row", name=re.compile(r"^5 ABC .* Not eligible VIN must be 16 or 17"))).to_be_visible()
    expect(answers.get_by_role("row", name=re.compile(f"^6 {unknown} .* Not eligible Make not found"))).to_be_visible()
    assert "/eligibility/" not in page.url  # swapped in by HTMX: still the upload page
    assert not Vehicle.objects.exists()
    assert axe() == []
    screenshot("eligibility-of-a-file")

    page.get_by_role("button", name="Add the eligible ones").click()
    expect(page.get_by_role("heading", name="Report: 2 rows")).to_be_visible()
    outcomes = page.get_by_role("table", name="Rows by outcome")
    expect(outcomes.get_by_role("row", name="Added 2", exact=True)).to_be_visible()
    screenshot("eligible-ones-added")
    added = {v.vin: v for v in Vehicle.objects.filter(workspace=workspace)}
    assert set(added) == {bmw, volvo}
    assert (added[bmw].status, added[bmw].odometer, added[bmw].odometer_unit) == (Status.PENDING, 1200, "mi")
    assert added[volvo].status == Status.INCOMPLETE
    assert ImportJob.objects.get().filename == "fleet.csv"


def test_the_typed_vin_is_checked_then_added(live_server, login, page, workspace, manager):
    vin = eligible_vin()
    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/upload/")
    page.get_by_label("VIN", exact=True).fill(refused_vin())
    page.locator("#one-vin").get_by_role("button", name="Check eligibility").click()
    expect(page.get_by_role("table", name="Answer per VIN")).to_contain_text(REFUSAL_REASON)
    expect(page.locator("#eligibility-report")).to_be_focused()
    expect(page.get_by_text("No VIN is eligible: there is nothing to add.")).to_be_visible()

    page.get_by_label("VIN", exact=True).fill(vin)
    page.locator("#one-vin").get_by_role("button", name="Check eligibility").click()
    expect(
        page.get_by_role("table", name="Answer per VIN").get_by_role("row", name=f"{vin} BMW Eligible")
    ).to_be_visible()
    assert not Vehicle.objects.exists()
    page.get_by_role("button", name="Add the eligible ones").click()
    expect(page.get_by_role("heading", name="Report: 1 row")).to_be_visible()
    assert Vehicle.objects.get().vin == vin


def test_without_javascript_the_check_is_a_plain_post(live_server, browser, workspace, manager, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/upload/")
    vin = eligible_vin()
    path = tmp_path / "one.csv"
    path.write_text(f"vin\n{vin}\n")
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.locator("#csv-file").get_by_role("button", name="Check eligibility").click()
    expect(page.get_by_role("heading", name="Eligibility of one.csv: 1 VIN checked")).to_be_visible()
    assert page.url.endswith("/upload/eligibility/csv/")
    page.get_by_role("button", name="Add the eligible ones").click()
    expect(page.get_by_role("heading", name="Report: 1 row")).to_be_visible()
    assert Vehicle.objects.get().vin == vin
    context.close()
