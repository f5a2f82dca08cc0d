"""Vehicle details and labels (SPEC.md "Vehicle details and labels", issue 14): the rules, the CSV upload, the
one-VIN form, the edit form, the VIN table's `q` and `label`, the export and the admin."""

import csv
import io
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Event, EventType
from tests.factories import add_vehicle, new_vin
from vehicles import details
from vehicles.importing.csvfile import read_entries
from vehicles.importing.engine import ImportRun, Outcome, add_vehicles
from vehicles.models import Label, Vehicle, VehicleLabel
from vehicles.status.machine import By


def csv_entries(text):
    return list(read_entries(io.BytesIO(text.encode())))


def run_csv(workspace, text):
    """(results, problem rows): rows not added, and rows added as warnings (Error, Incomplete: BMW is not
    activated in most of these tests' workspaces) left out."""
    problems, results = [], []
    ImportRun(workspace, By.system("test"), on_problems=problems.extend, on_results=results.extend).run(
        csv_entries(text)
    )
    return results, [p for p in problems if p[2] not in (Outcome.ADDED, Outcome.READDED)]


def labels_of(vehicle):
    return sorted(VehicleLabel.objects.filter(vehicle_id=vehicle.pk).values_list("label__name", flat=True))


# --- The rules (vehicles/details.py) ---


@pytest.mark.parametrize(
    "value, message",
    [
        ("x" * 101, "name must be at most 100 characters, not 101"),
        ("Van\x001", "name must not contain control characters"),
        ("Van\t1", "name must not contain control characters"),
    ],
)
def test_a_name_is_at_most_100_characters_without_control_characters(value, message):
    with pytest.raises(ValueError, match=message):
        details.clean_name(value)


@pytest.mark.parametrize("nothing", [None, ""])
def test_a_detail_given_as_nothing_is_what_its_cleaner_makes_of_nothing(nothing):
    """clean_details skips the cleaners for an empty field (most rows of an import): the same answer as theirs."""
    for field in details.FIELDS:
        assert details.clean_details({field: nothing}) == ({field: details.CLEANERS[field](nothing)}, {})


@pytest.mark.parametrize(
    "text", ["Courier \u00e9\u00df", "tab\there", "nul\x00", "line\u2028sep", "bom\ufeff", "lone \ud800"]
)
def test_control_characters_are_refused_whatever_else_the_text_holds(text):
    has_control = any(unicodedata.category(c) in ("Cc", "Cs") for c in text)
    if has_control:
        with pytest.raises(ValueError, match="control characters"):
            details.clean_name(text)
    else:
        assert details.clean_name(text) == text.strip()


def test_a_name_is_trimmed_and_kept_as_given():
    assert details.clean_name("  Courier Nord 7 ") == "Courier Nord 7"
    assert details.clean_name("x" * 100) == "x" * 100
    assert details.clean_name(None) == ""


def test_a_plate_is_at_most_20_characters_and_stored_upper_case():
    assert details.clean_license_plate(" b-fl 1234 ") == "B-FL 1234"
    assert details.clean_license_plate("A" * 20) == "A" * 20
    with pytest.raises(ValueError, match="at most 20 characters, not 21"):
        details.clean_license_plate("A" * 21)
    with pytest.raises(ValueError, match="control characters"):
        details.clean_license_plate("AB\n12")


@pytest.mark.parametrize(
    "value, message",
    [
        ("depot|" + "x" * 41, "must be at most 40 characters, not 41"),
        ("depot#1", "may contain only letters, digits, space, _, . and -"),
        ("a||b", "a label must not be empty"),
        ("|".join(f"l{i}" for i in range(21)), "at most 20 labels, not 21"),
        (["ok", 5], "label must be text"),
        (7, "labels must be a list"),
    ],
)
def test_labels_follow_the_rules(value, message):
    with pytest.raises(ValueError, match=message):
        details.clean_labels(value)


def test_labels_are_trimmed_compared_without_regard_to_case_and_kept_as_first_given():
    assert details.clean_labels(" Depot-North | EV |depot-north| ev_2.b ") == ["Depot-North", "EV", "ev_2.b"]
    assert details.clean_labels(["Zone 1", "zone 1", "Ölwechsel"]) == ["Zone 1", "Ölwechsel"]
    assert details.clean_labels("|".join(f"l{i}" for i in range(20))) == [f"l{i}" for i in range(20)]
    assert details.clean_labels("x" * 40) == ["x" * 40]
    assert details.clean_labels("") == [] and details.clean_labels(None) == []


# --- CSV upload ---


def test_a_csv_with_names_plates_and_labels_adds_them(workspace, bmw_active):
    vin1, vin2 = new_vin(), new_vin()
    results, problems = run_csv(
        workspace,
        f"vin;name;license_plate;labels\n{vin1};Courier 1;b-fl 1;depot-north|EV\n{vin2};;;ev\n",
    )
    assert problems == [] and [r.outcome for r in results] == [Outcome.ADDED, Outcome.ADDED]
    first, second = Vehicle.objects.get(vin=vin1), Vehicle.objects.get(vin=vin2)
    assert (first.name, first.name_key, first.license_plate) == ("Courier 1", "COURIER 1", "B-FL 1")
    assert labels_of(first) == ["EV", "depot-north"] and labels_of(second) == ["EV"]
    assert list(Label.objects.filter(workspace=workspace).values_list("name", flat=True)) == ["depot-north", "EV"]


@pytest.mark.parametrize(
    "cells, reason",
    [
        ("x" * 101 + ";;", "name must be at most 100 characters"),
        (";" + "P" * 21 + ";", "license plate must be at most 20 characters"),
        (";;a|b$", "label 'b$' may contain only"),
        (";;" + "y" * 41, "must be at most 40 characters"),
        (";;" + "|".join(f"l{i}" for i in range(21)), "at most 20 labels"),
    ],
)
def test_invalid_details_make_the_row_invalid_with_its_reason(workspace, cells, reason):
    good, bad = new_vin(), new_vin()
    results, problems = run_csv(workspace, f"vin;name;license_plate;labels\n{good};;;\n{bad};{cells}\n")
    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.INVALID]
    assert len(problems) == 1 and problems[0][0] == 3 and problems[0][2] == Outcome.INVALID
    assert reason in problems[0][4]
    assert not Vehicle.all_objects.filter(vin=bad).exists() and Vehicle.objects.filter(vin=good).exists()


def test_an_invalid_odometer_and_invalid_details_are_reported_together(workspace):
    results, problems = run_csv(workspace, f"vin,odometer,labels\n{new_vin()},-3,a#\n")
    assert "odometer must be a whole number" in problems[0][4] and "label 'a#'" in problems[0][4]


def test_re_uploading_a_present_vin_with_other_details_is_a_duplicate_and_changes_nothing(workspace):
    vehicle = add_vehicle(workspace, name="Old", license_plate="OLD 1", labels=["old"])
    results, _ = run_csv(workspace, f"vin,name,license_plate,labels\n{vehicle.vin},New,NEW 1,new\n")
    assert results[0].outcome == Outcome.DUPLICATE
    vehicle.refresh_from_db()
    assert (vehicle.name, vehicle.license_plate, labels_of(vehicle)) == ("Old", "OLD 1", ["old"])
    assert not Label.objects.filter(key="new").exists()


def test_a_vin_deleted_earlier_comes_back_with_the_details_uploaded_now(workspace, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old", labels=["old"])
    from vehicles.choices import Event as Ev
    from vehicles.status import machine

    machine.fire(vehicle, Ev.DELETE, By.system("test"))
    [result] = add_vehicles(
        workspace, [details_entry(vehicle.vin, name="New", license_plate="n 1", labels=["new"])], By.system("t")
    )
    assert result.outcome == Outcome.READDED
    vehicle.refresh_from_db()
    assert (vehicle.name, vehicle.license_plate, labels_of(vehicle)) == ("New", "N 1", ["new"])


def details_entry(vin, **kwargs):
    from vehicles.importing.engine import Entry

    return Entry(vin=vin, **kwargs)


# --- The one-VIN form ---


def test_the_one_vin_form_adds_the_details(client, manager, workspace):
    client.force_login(manager)
    vin = new_vin()
    data = {"vin": vin, "name": "Van 3", "license_plate": "m-ab 3", "labels": "north, EV|north"}
    response = client.post(reverse("vehicles:upload-vin", args=[workspace.slug]), data)
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(vin=vin)
    assert (vehicle.name, vehicle.license_plate, labels_of(vehicle)) == ("Van 3", "M-AB 3", ["EV", "north"])


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "n" * 101, "Name must be at most 100 characters"),
        ("license_plate", "P" * 21, "License plate must be at most 20 characters"),
        ("labels", "ok, not/ok", "may contain only letters"),
        ("labels", ",".join(f"l{i}" for i in range(21)), "at most 20 labels"),
    ],
)
def test_the_one_vin_form_refuses_invalid_details_and_adds_nothing(client, manager, workspace, field, value, message):
    client.force_login(manager)
    vin = new_vin()
    response = client.post(reverse("vehicles:upload-vin", args=[workspace.slug]), {"vin": vin, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Vehicle.all_objects.filter(vin=vin).exists()


# --- The edit form on the vehicle page ---


def edit_url(vehicle):
    return reverse("vehicles:edit", args=[vehicle.workspace.slug, vehicle.vin])


def detail_url(vehicle):
    return reverse("vehicles:detail", args=[vehicle.workspace.slug, vehicle.vin])


def test_a_manager_sees_the_form_and_an_edit_changes_details_never_the_status(client, manager, make_vehicle):
    vehicle = make_vehicle("disabled", name="Old", labels=["keep", "drop"])
    history = vehicle.history.count()
    client.force_login(manager)
    page = client.get(detail_url(vehicle)).content.decode()
    assert "Edit details" in page and 'value="keep, drop"' in page or 'value="drop, keep"' in page
    data = {
        "name": "New name",
        "license_plate": "ab 12",
        "labels": "KEEP, added",
        "odometer": "120",
        "odometer_unit": "mi",
    }
    response = client.post(edit_url(vehicle), data)
    assert response.status_code == 302 and response["Location"].startswith(detail_url(vehicle))
    vehicle.refresh_from_db()
    assert (vehicle.name, vehicle.license_plate, vehicle.odometer, vehicle.odometer_unit) == (
        "New name",
        "AB 12",
        120,
        "mi",
    )
    assert labels_of(vehicle) == ["added", "keep"]  # "keep" kept as first given
    assert vehicle.status == "disabled" and vehicle.history.count() == history
    event = Event.objects.get(type=EventType.VEHICLE_UPDATED)
    assert event.data == {
        "vin": vehicle.vin,
        "changed": ["name", "license_plate", "labels", "odometer", "odometer_unit"],
    }
    assert event.actor == "user" and event.actor_name == manager.get_username()
    assert event.created_at == vehicle.details_changed_at


def test_saving_the_same_details_records_nothing(client, manager, make_vehicle):
    vehicle = make_vehicle("pending", name="Same", labels=["a"])
    client.force_login(manager)
    client.post(edit_url(vehicle), {"name": "Same", "labels": "A", "odometer": "", "odometer_unit": "km"})
    assert not Event.objects.filter(type=EventType.VEHICLE_UPDATED).exists()
    vehicle.refresh_from_db()
    assert vehicle.details_changed_at is None


def test_an_invalid_edit_shows_the_errors_and_changes_nothing(client, manager, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old")
    client.force_login(manager)
    response = client.post(edit_url(vehicle), {"name": "x" * 101, "labels": "bad!", "odometer": "3000000"})
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page
    assert "Name must be at most 100" in page and "may contain only letters" in page and "at most 2,000,000" in page
    vehicle.refresh_from_db()
    assert vehicle.name == "Old" and not Event.objects.filter(type=EventType.VEHICLE_UPDATED).exists()


def test_a_viewer_sees_no_form_and_gets_403_on_post(client, viewer, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old")
    client.force_login(viewer)
    assert "Edit details" not in client.get(detail_url(vehicle)).content.decode()
    assert client.post(edit_url(vehicle), {"name": "Hacked"}).status_code == 403
    vehicle.refresh_from_db()
    assert vehicle.name == "Old"


def test_an_outsider_gets_404_and_the_edit_is_post_only(client, outsider, manager, make_vehicle):
    vehicle = make_vehicle("enabled", name="Old")
    client.force_login(outsider)
    assert client.post(edit_url(vehicle), {"name": "Hacked"}).status_code == 404
    client.force_login(manager)
    assert client.get(edit_url(vehicle)).status_code == 405
    vehicle.refresh_from_db()
    assert vehicle.name == "Old"


def test_the_activity_log_says_what_was_edited(client, manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    client.force_login(manager)
    client.post(edit_url(vehicle), {"name": "Renamed", "odometer_unit": "km"})
    page = client.get(reverse("vehicles:activity", args=[vehicle.workspace.slug])).content.decode()
    assert f"{vehicle.vin} details edited" in page


# --- The VIN table: q and label ---


def table(client, workspace, **params):
    response = client.get(reverse("vehicles:list", args=[workspace.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def named(workspace, other_workspace):
    return {
        "courier": add_vehicle(workspace, name="Courier North", license_plate="B-CN 100", labels=["Depot-1", "EV"]),
        "van": add_vehicle(workspace, wmi="ZFF", name="Van South", license_plate="M-VS 200", labels=["depot-1"]),
        "plain": add_vehicle(workspace, wmi="YV1"),
        "rival": add_vehicle(other_workspace, name="Courier Rival", license_plate="B-CN 999", labels=["depot-1"]),
    }


def shown(page, vehicles):
    return {key for key, vehicle in vehicles.items() if vehicle.vin in page}


def test_the_table_shows_names_plates_and_labels(client, manager, workspace, named):
    client.force_login(manager)
    page = table(client, workspace)
    assert "Courier North" in page and "B-CN 100" in page and ">Depot-1</a>" in page and ">EV</a>" in page


@pytest.mark.parametrize(
    "q, expected",
    [
        ("courier", {"courier"}),  # name prefix, any case
        ("VAN s", {"van"}),
        ("b-cn", {"courier"}),  # plate prefix, any case; the rival workspace's B-CN 999 is not shown
        ("m-vs 2", {"van"}),
        ("north", set()),  # a prefix, not a substring
        ("", {"courier", "van", "plain"}),
    ],
)
def test_the_search_box_finds_by_name_or_plate_prefix_within_the_workspace(
    client, manager, workspace, named, q, expected
):
    client.force_login(manager)
    assert shown(table(client, workspace, q=q), named) == expected


def test_the_search_box_finds_by_vin_prefix(client, manager, workspace, named):
    client.force_login(manager)
    assert shown(table(client, workspace, q=named["plain"].vin[:6].lower()), named) == {"plain"}
    assert 'aria-describedby="filter-q-hint"' in table(client, workspace) and ">Search</label>" in table(
        client, workspace
    )


def test_the_label_filter_takes_every_label_given_without_regard_to_case(client, manager, workspace, named):
    client.force_login(manager)
    assert shown(table(client, workspace, label="DEPOT-1"), named) == {"courier", "van"}
    assert shown(table(client, workspace, label=["depot-1", "ev"]), named) == {"courier"}
    assert shown(table(client, workspace, label="nosuch"), named) == set()
    assert shown(table(client, workspace, label="ev", q="van"), named) == set()


def test_each_label_filter_is_a_chip_that_removes_it(client, manager, workspace, named):
    client.force_login(manager)
    page = table(client, workspace, label=["depot-1", "EV"], q="cour")
    assert 'aria-label="Remove label filter depot-1"' in page and 'aria-label="Remove label filter EV"' in page
    assert "?label=EV&amp;q=cour" in page and "?label=depot-1&amp;q=cour" in page


def test_a_label_of_another_workspace_selects_nothing_here(client, manager, workspace, other_workspace):
    add_vehicle(other_workspace, labels=["secret"])
    client.force_login(manager)
    assert "No vehicles match these filters" in table(client, workspace, label="secret")


def test_labels_cost_one_query_per_page_whatever_the_number_of_rows(client, manager, workspace):
    client.force_login(manager)
    for i in range(3):
        add_vehicle(workspace, labels=[f"l{i}", "common"])
    with CaptureQueriesContext(connection) as few:
        table(client, workspace)
    for i in range(10):
        add_vehicle(workspace, labels=[f"m{i}", "common"])
    with CaptureQueriesContext(connection) as many:
        table(client, workspace, label="common")
        table(client, workspace)
    assert len(many) - len(few) <= len(few) + 3  # the filtered page adds its probe queries only


def test_the_filtered_page_does_not_count_with_the_kept_counts(client, manager, workspace, named):
    client.force_login(manager)
    page = table(client, workspace, q="courier")
    assert "1\n      vehicle match the filters" in page or "1 vehicle" in " ".join(page.split())


# --- Export and admin ---


def test_the_export_fills_name_plate_and_labels(client, manager, workspace, named):
    client.force_login(manager)
    response = client.get(reverse("vehicles:export", args=[workspace.slug]), {"label": "ev"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-3:] == ["name", "license_plate", "labels"]
    assert rows[1:] == [
        [
            named["courier"].vin,
            "BMW",
            "",
            "",
            "km",
            "incomplete",  # BMW is not activated in this workspace
            rows[1][6],
            "",
            "Courier North",
            "B-CN 100",
            "Depot-1|EV",
        ]
    ]


def test_the_admin_searches_by_plate_and_name_and_filters_by_label(admin_client, named):
    url = reverse("admin:vehicles_vehicle_changelist")
    assert shown(admin_client.get(url, {"q": "b-cn"}).content.decode(), named) == {"courier", "rival"}
    assert shown(admin_client.get(url, {"q": "van s"}).content.decode(), named) == {"van"}
    page = admin_client.get(url, {"label": "ev"}).content.decode()
    assert shown(page, named) == {"courier"}
