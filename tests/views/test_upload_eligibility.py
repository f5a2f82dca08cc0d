"""`Check eligibility` on the upload page (the typed VIN, the chosen CSV file) and `Add the eligible ones`:
answers per VIN in the import report's layout, nothing added by the check, exactly the eligible rows added by the
click (with their odometer and make from the file); managers only; HTMX and plain POST alike."""

import io
import re
from html import unescape

import pytest
from django.core import signing
from django.urls import reverse

from fleet.models import Membership, Role
from tests.eligibility_support import REFUSAL_REASON, UNKNOWN_WMI, eligible_vin, refused_vin, snapshot
from tests.factories import activate, add_vehicle
from vehicles.choices import Status
from vehicles.models import ImportJob, Vehicle
from vehicles.status.machine import MAKE_NOT_FOUND
from vehicles.views import eligibility as views

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(name, workspace):
    return reverse(f"vehicles:{name}", args=[workspace.slug])


def csv_file(text, name="fleet.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


def answers(page):
    """(VIN, answer, reason) of each row of the per-VIN table."""
    rows = re.findall(r'<tr data-eligible="(true|false)">(.*?)</tr>', page, re.S)
    found = []
    for eligible, row in rows:
        cells = [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        found.append((eligible == "true", *cells))
    return found


def rows_field(page):
    return unescape(re.search(r'name="rows" value="([^"]+)"', page).group(1))


def test_checking_a_file_answers_each_row_and_adds_nothing(client, workspace, manager):
    client.force_login(manager)
    ok, refused, unknown = eligible_vin(), refused_vin("YV1"), eligible_vin(UNKNOWN_WMI)
    before = snapshot()
    text = (
        f"vin,odometer,make\n{ok},1200,\n{refused},,\nABC,,\n{unknown},,\n{ok[:-1]}2,12x,\n{ok[:-1]}3,,Nowhere Motors\n"
    )

    response = client.post(url("eligibility-csv", workspace), {"file": csv_file(text)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Eligibility of fleet.csv: 6 VINs checked" in page
    assert "1 eligible, 5 not eligible. Nothing was added." in page
    assert answers(page) == [
        (True, "2", ok, "BMW", "Eligible", ""),
        (False, "3", refused, "Volvo Cars", "Not eligible", REFUSAL_REASON),
        (False, "4", "ABC", "—", "Not eligible", "VIN must be 16 or 17 characters, not 3"),
        (False, "5", unknown, "—", "Not eligible", MAKE_NOT_FOUND),
        (
            False,
            "6",
            f"{ok[:-1]}2",
            "BMW",
            "Not eligible",
            "odometer must be a whole number from 0 to 2,000,000, not '12x'",
        ),
        (
            False,
            "7",
            f"{ok[:-1]}3",
            "—",
            "Not eligible",
            "Make not found: 'Nowhere Motors' is not the name of a known maker",
        ),
    ]
    assert "Add the eligible ones" in page
    assert snapshot() == before


def test_add_the_eligible_ones_adds_exactly_those_with_their_file_columns(client, workspace, manager):
    activate(workspace, "Volvo Cars")
    client.force_login(manager)
    bmw, volvo, refused = eligible_vin(), eligible_vin("YV1"), refused_vin()
    text = f"vin;odometer;odometer_unit;make\n{bmw};1200;mi;\n{refused};5;;\n{volvo};;;volvo cars\nABC;;;\n"
    page = client.post(url("eligibility-csv", workspace), {"file": csv_file(text)}).content.decode()

    response = client.post(url("eligibility-add", workspace), {"rows": rows_field(page)})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "vehicles:import", args=[workspace.slug, job.pk]
    )
    assert (job.state, job.source, job.filename, job.created_by) == ("completed", "csv", "fleet.csv", manager)
    assert job.counts["outcomes"]["added"] == 2 and job.counts["outcomes"]["invalid"] == 0
    added = {v.vin: v for v in Vehicle.objects.filter(workspace=workspace).select_related("make")}
    assert set(added) == {bmw, volvo}
    assert (added[bmw].odometer, added[bmw].odometer_unit, added[bmw].status) == (1200, "mi", Status.INCOMPLETE)
    assert (added[volvo].make.name, added[volvo].status) == ("Volvo Cars", Status.PENDING)
    report = client.get(response["Location"]).content.decode()
    assert "Report: 2 rows" in report


def test_a_vin_added_meanwhile_is_reported_as_a_duplicate(client, workspace, manager):
    client.force_login(manager)
    vin = eligible_vin()
    page = client.post(url("eligibility-csv", workspace), {"file": csv_file(f"vin\n{vin}\n")}).content.decode()
    add_vehicle(workspace, vin)
    client.post(url("eligibility-add", workspace), {"rows": rows_field(page)})
    assert ImportJob.objects.get().counts["outcomes"]["duplicate"] == 1
    assert Vehicle.objects.filter(workspace=workspace, vin=vin).count() == 1


def test_checking_the_typed_vin_answers_it_and_adds_nothing(client, workspace, manager):
    client.force_login(manager)
    before = snapshot()
    for typed, expected in (
        (refused_vin(), ("Not eligible", REFUSAL_REASON)),
        ("wba1", ("Not eligible", "VIN must be 16 or 17 characters, not 4")),
        (eligible_vin(UNKNOWN_WMI), ("Not eligible", MAKE_NOT_FOUND)),
        ("", ("Not eligible", "VIN is empty")),
    ):
        page = client.post(url("eligibility-vin", workspace), {"vin": typed, "odometer": ""}).content.decode()
        [row] = answers(page)
        assert row[3:] == expected, typed
        assert "Add the eligible ones" not in page and "No VIN is eligible" in page
    assert snapshot() == before


def test_the_typed_vin_is_added_by_one_click_with_its_odometer(client, workspace, manager):
    client.force_login(manager)
    vin = eligible_vin()
    page = client.post(
        url("eligibility-vin", workspace), {"vin": f" {vin.lower()} ", "odometer": "42", "odometer_unit": "km"}
    ).content.decode()
    assert answers(page) == [(True, vin, "BMW", "Eligible", "")]
    assert not Vehicle.objects.exists()
    client.post(url("eligibility-add", workspace), {"rows": rows_field(page)})
    vehicle = Vehicle.objects.get()
    assert (vehicle.vin, vehicle.odometer, ImportJob.objects.get().source) == (vin, 42, "form")


def test_htmx_answers_the_report_fragment(client, workspace, manager):
    client.force_login(manager)
    response = client.post(url("eligibility-vin", workspace), {"vin": eligible_vin()}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and response["Vary"].count("HX-Request") == 1
    assert page.lstrip().startswith('<section id="eligibility-report"')
    assert "<html" not in page and "Add the eligible ones" in page
    response = client.post(url("eligibility-csv", workspace), {"file": csv_file(f"vin\n{eligible_vin()}\n")}, **HTMX)
    assert response.content.decode().lstrip().startswith('<section id="eligibility-report"')


def test_the_upload_page_offers_both_checks(client, workspace, manager):
    client.force_login(manager)
    page = client.get(url("upload", workspace)).content.decode()
    assert page.count(">Check eligibility</button>") == 2
    assert f'formaction="{url("eligibility-vin", workspace)}"' in page
    assert f'formaction="{url("eligibility-csv", workspace)}"' in page


def test_a_refused_file_says_why_and_checks_nothing(client, workspace, manager):
    client.force_login(manager)
    for upload, message in (
        (csv_file("make\nBMW\n"), "The file has no vin column"),
        (csv_file("vin\n"), "The file has a header row but no data rows"),
    ):
        response = client.post(url("eligibility-csv", workspace), {"file": upload})
        assert response.status_code == 400 and message in unescape(response.content.decode())
    response = client.post(url("eligibility-csv", workspace), {})
    assert response.status_code == 400 and "Choose a CSV file to upload" in response.content.decode()


def test_a_file_over_the_limit_is_refused_with_a_clear_message(client, workspace, manager, settings):
    settings.API_VIN_LIMIT = 3
    client.force_login(manager)
    text = "vin\n" + "".join(f"{eligible_vin()}\n" for _ in range(4))
    response = client.post(url("eligibility-csv", workspace), {"file": csv_file(text)})
    assert response.status_code == 400
    assert "more than 3 rows: eligibility is checked for at most 3 rows at a time" in response.content.decode()


def test_a_tampered_expired_or_foreign_field_adds_nothing(client, workspace, other_workspace, manager, outsider):
    client.force_login(manager)
    page = client.post(url("eligibility-csv", workspace), {"file": csv_file(f"vin\n{eligible_vin()}\n")})
    token = rows_field(page.content.decode())
    before = snapshot()
    for bad in (token[:-2] + "xx", "", "nonsense"):
        response = client.post(url("eligibility-add", workspace), {"rows": bad}, follow=True)
        assert "This check has expired or is not valid" in response.content.decode()
    # another user (a manager elsewhere, made a manager here too) cannot replay it
    Membership.objects.create(workspace=workspace, user=outsider, role=Role.MANAGER)
    client.force_login(outsider)
    client.post(url("eligibility-add", workspace), {"rows": token})
    assert snapshot() == before


def test_the_field_expires(client, workspace, manager, monkeypatch):
    client.force_login(manager)
    token = rows_field(
        client.post(url("eligibility-csv", workspace), {"file": csv_file(f"vin\n{eligible_vin()}\n")}).content.decode()
    )
    monkeypatch.setattr(views, "ELIGIBLE_ROWS_MAX_AGE", -1)
    response = client.post(url("eligibility-add", workspace), {"rows": token}, follow=True)
    assert "This check has expired" in response.content.decode() and not Vehicle.objects.exists()
    with pytest.raises(signing.BadSignature):
        views.unsign_rows(workspace, manager, token)


@pytest.mark.parametrize("name", ["eligibility-vin", "eligibility-csv", "eligibility-add"])
def test_a_viewer_gets_403_and_an_outsider_404(client, workspace, viewer, outsider, name):
    before = snapshot()
    data = {"vin": eligible_vin(), "file": csv_file(f"vin\n{eligible_vin()}\n"), "rows": "x"}
    client.force_login(viewer)
    assert client.post(url(name, workspace), data).status_code == 403
    client.force_login(outsider)
    assert client.post(url(name, workspace), data).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["eligibility-vin", "eligibility-csv", "eligibility-add"])
def test_get_is_not_allowed(client, workspace, manager, name):
    client.force_login(manager)
    assert client.get(url(name, workspace)).status_code == 405
