"""In a real browser: a manager uploads a CSV file with names, plates and labels, filters the VIN table by a label
(a chip that can be removed) and searches by plate."""

import pytest
from playwright.sync_api import expect

from tests.factories import new_vin

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_manager_uploads_details_filters_by_label_and_searches_by_plate(
    live_server, login, page, screenshot, workspace, manager, tmp_path
):
    courier, van, bus = new_vin("WBA"), new_vin("ZFF"), new_vin("YV1")
    path = tmp_path / "details.csv"
    path.write_text(
        "vin,name,license_plate,labels\n"
        f"{courier},Courier North,b-cn 100,Depot-North|EV\n"
        f"{van},Van South,m-vs 200,depot-north\n"
        f"{bus},Bus,HH-B 300,\n"
    )
    login("mia")
    page.get_by_role("link", name="Upload VINs").click()
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_role("heading", name="Report: 3 rows")).to_be_visible()

    page.goto(f"{live_server.url}/workspaces/{workspace.slug}/vehicles/")
    table = page.get_by_role("table")
    expect(table.get_by_role("row", name=f"{courier}")).to_contain_text("Courier North")
    expect(table.get_by_role("row", name=f"{courier}")).to_contain_text("B-CN 100")

    table.get_by_role("row", name=f"{courier}").get_by_role("link", name="EV").click()
    expect(page.get_by_role("link", name="Remove label filter EV")).to_be_visible()
    expect(page.get_by_role("row", name=courier)).to_be_visible()
    expect(page.get_by_role("row", name=van)).to_have_count(0)
    screenshot("label-filter-chip")

    page.get_by_role("link", name="Remove label filter EV").click()
    expect(page.get_by_role("link", name="Remove label filter EV")).to_have_count(0)
    expect(page.get_by_role("row", name=van)).to_be_visible()
    expect(page.get_by_role("row", name=bus)).to_be_visible()

    page.get_by_label("Search").fill("m-vs")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row", name=van)).to_be_visible()
    expect(page.get_by_role("row", name=courier)).to_have_count(0)
    expect(page.get_by_role("row", name=bus)).to_have_count(0)
    assert "q=m-vs" in page.url
    screenshot("search-by-plate")
