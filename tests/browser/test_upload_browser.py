"""In a real browser: a manager goes from the VIN table to `Upload VINs`, adds one VIN, uploads a CSV file and
reads the report; a large file is imported by the worker while the page's progress bar polls for the report."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.chain_support import run_worker
from tests.factories import new_vin
from vehicles.choices import Status
from vehicles.models import ImportJob, Vehicle

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_manager_uploads_one_vin_then_a_csv_file_and_reads_the_report(
    live_server, login, page, screenshot, axe, workspace, manager, make_vehicle, tmp_path
):
    present = make_vehicle(Status.ENABLED)  # and BMW is activated
    login("mia")
    page.get_by_role("link", name="Upload VINs").click()
    expect(page.get_by_role("heading", name="Upload VINs", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Download an example CSV file")).to_be_visible()
    assert axe() == []
    screenshot("upload-page")

    one = new_vin("WBA")
    page.get_by_label("VIN", exact=True).fill(one.lower())
    page.get_by_label("Odometer (optional)").fill("12")
    page.get_by_role("button", name="Add VIN").click()
    # Beside the form (and read out through the page's one live region, #messages).
    one_vin = page.get_by_role("region", name="One VIN")
    expect(one_vin.get_by_text(f"VIN {one} added: its status is Pending.")).to_be_visible()
    page.get_by_label("VIN", exact=True).fill("WBA3A5C51CF25O651")
    page.get_by_role("button", name="Add VIN").click()
    expect(page.get_by_role("alert")).to_contain_text("VIN must not contain the letters I, O or Q (found O)")
    screenshot("one-vin-refused")

    good = new_vin("ZFF")
    path = tmp_path / "fleet.csv"
    path.write_text(f"VIN;Odometer\n{good};100\n{present.vin};\n=HYPERLINK(1);\n")
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload file").click()

    expect(page.get_by_role("heading", name="Report: 3 rows")).to_be_visible()
    outcomes = page.get_by_role("table", name="Rows by outcome")
    expect(outcomes.get_by_role("row", name="Added 1", exact=True)).to_be_visible()
    expect(outcomes.get_by_role("row", name="Already in this workspace 1")).to_be_visible()
    expect(outcomes.get_by_role("row", name="Invalid 1")).to_be_visible()
    statuses = page.get_by_role("table", name="Added and re-added VINs by status")
    expect(statuses.get_by_role("row", name="Incomplete 1")).to_be_visible()
    problems = page.get_by_role("table", name=re.compile("Problem rows"))
    # The summary's words, never raw codes; the Incomplete row is listed as a warning with its reason.
    expect(
        problems.get_by_role("row", name=re.compile(f"^2 {good} Warning: Added as Incomplete Make Ferrari"))
    ).to_be_visible()
    expect(problems.get_by_role("row", name=re.compile(f"^3 {present.vin} Already in this workspace"))).to_be_visible()
    expect(problems.get_by_role("row", name=re.compile(r"^4 =HYPERLINK\(1\) Invalid"))).to_be_visible()
    assert axe() == []
    screenshot("report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rows not added as CSV").click()
    assert download.value.suggested_filename == f"fleet-{timezone.localdate():%Y-%m-%d}-problems.csv"
    content = open(download.value.path()).read()
    assert content.splitlines()[0] == "line,VIN,Odometer,reason"
    assert "4,'=HYPERLINK(1),,\"VIN must be 16 or 17 characters" in content
    assert Vehicle.objects.get(vin=good).status == Status.INCOMPLETE


def test_a_large_file_shows_progress_until_the_worker_has_imported_it(
    live_server, login, page, screenshot, workspace, manager, settings, tmp_path
):
    settings.UPLOAD_BACKGROUND_ROWS = 5
    path = tmp_path / "big.csv"
    path.write_text("vin\n" + "".join(f"{new_vin('ZFF')}\n" for _ in range(30)))
    login("mia")
    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/upload/")
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload file").click()

    expect(page.get_by_text("Waiting for the task worker to start this import")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    screenshot("queued")

    run_worker()

    expect(page.get_by_role("heading", name="Report: 30 rows")).to_be_visible(timeout=10_000)
    page.get_by_role("link", name="Recent imports").first.click()
    expect(page.get_by_role("row", name=re.compile("big.csv mia Completed 30 30 0"))).to_be_visible()
    screenshot("recent-imports")
    assert ImportJob.objects.get().state == ImportJob.State.COMPLETED
