"""Bad input for a CSV upload: each case a clear message, and nothing lost — a refused file adds nothing,
a bad row is reported with its line and reason while the good rows are added."""

import codecs
import io

import pytest
from django.urls import reverse

from tests.factories import new_vin
from vehicles.choices import DELETED, Event, Status
from vehicles.importing import jobs
from vehicles.importing.engine import ImportRefused, Outcome
from vehicles.models import ImportJob, StatusChange, Vehicle
from vehicles.status import machine
from vehicles.status.machine import By

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def run(workspace, content):
    """Import bytes as a CSV file; returns (summary, {line: (value, outcome, reason)}) of the rows not added."""
    job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.CSV, filename="test.csv")
    summary = jobs.import_file(job, io.BytesIO(content), By.system("test"))
    return summary, {p.line: (p.vin, p.outcome, p.reason) for p in job.problems.filter(status="")}


def refused(workspace, content):
    with pytest.raises(ImportRefused) as caught:
        run(workspace, content)
    assert not Vehicle.all_objects.exists() and not StatusChange.objects.exists()
    return str(caught.value)


def added(summary):
    return summary["outcomes"][Outcome.ADDED]


# --- The file as a whole refused -----------------------------------------------------------------------------


def test_an_empty_file_is_refused(workspace):
    assert refused(workspace, b"") == (
        "The file is empty: it needs a header row with a vin column and one VIN per row."
    )


def test_a_file_of_blank_lines_is_refused_as_empty(workspace):
    assert refused(workspace, b"\r\n\n  \n").startswith("The file is empty")


def test_a_header_without_data_rows_is_refused(workspace):
    assert refused(workspace, b"vin,odometer\n\n\n") == (
        "The file has a header row but no data rows: there is no VIN to add."
    )


def test_a_file_without_a_vin_column_is_refused_naming_the_columns_it_has(workspace):
    message = refused(workspace, f"chassis,km\n{new_vin()},12\n".encode())
    assert message.startswith("The file has no vin column")
    assert "'chassis', 'km'" in message


def test_a_file_naming_the_vin_column_twice_is_refused(workspace):
    assert refused(workspace, f"vin,VIN\n{new_vin()},{new_vin()}\n".encode()) == (
        "The header row names the column vin twice."
    )


def test_an_image_renamed_csv_is_refused(workspace):
    assert refused(workspace, PNG + b"\x00" * 100).startswith("This is not a CSV file: it looks like a PNG image.")


def test_an_excel_workbook_renamed_csv_is_refused(workspace):
    assert "Excel workbook" in refused(workspace, b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50)


def test_binary_data_is_refused(workspace):
    assert refused(workspace, b"vin\n" + bytes(range(256)) * 4).startswith(
        "This is not a CSV file: it contains binary data."
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_refused_saying_how_to_save_it(workspace, encoding):
    content = f"vin\n{new_vin()}\n".encode(encoding)

    message = refused(workspace, content)

    assert message.startswith("The file is encoded as UTF-16")
    assert "CSV UTF-8" in message


def test_a_latin1_file_is_refused_with_the_line_and_nothing_is_added_not_even_the_rows_before_it(workspace):
    content = f"vin,make\n{new_vin('ZFF')},\n{new_vin('ZFF')},Citroën\n".encode("latin-1")

    message = refused(workspace, content)

    assert message.startswith("The file is not UTF-8 text: line 3 has a byte (0xEB)")


def test_a_latin1_header_is_refused(workspace):
    assert refused(workspace, "vin,Kilomètres\n".encode("latin-1")).startswith("The file is not UTF-8 text")


# --- Accepted forms of a file --------------------------------------------------------------------------------


def test_a_utf8_file_with_a_bom_is_read(workspace):
    vin = new_vin("ZFF")
    summary, problems = run(workspace, codecs.BOM_UTF8 + f"VIN,Make\n{vin},Ferrari\n".encode())

    assert (added(summary), problems) == (1, {})
    assert Vehicle.objects.get().vin == vin


def test_a_semicolon_delimited_file_with_column_names_in_any_case_and_order_is_read(workspace):
    vin = new_vin("ZFF")
    summary, _ = run(workspace, f"Odometer;ODOMETER_UNIT;Vin\n1.234;km;x\n120;mi;{vin}\n".encode())

    assert summary["outcomes"] == {"added": 1, "re-added": 0, "duplicate": 0, "repeated": 0, "invalid": 1}
    vehicle = Vehicle.objects.get()
    assert (vehicle.vin, vehicle.odometer, vehicle.odometer_unit) == (vin, 120, "mi")


def test_quoted_fields_and_extra_columns_are_read(workspace):
    vin = new_vin("ZFF")
    content = f'"note, with comma","vin","odometer","colour"\n"a ""quoted"" note, and more","{vin}","42","red"\n'

    summary, problems = run(workspace, content.encode())

    assert (added(summary), problems) == (1, {})
    assert Vehicle.objects.get().odometer == 42


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file(workspace):
    content = f"vin\n\n{new_vin('ZFF')}\n\n ,\nNOT-A-VIN\n".encode()

    summary, problems = run(workspace, content)

    assert added(summary) == 1
    assert problems == {6: ("NOT-A-VIN", Outcome.INVALID, "VIN must be 16 or 17 characters, not 9")}


def test_a_multiline_quoted_cell_reports_the_line_its_row_starts_on(workspace):
    content = f'vin,note\n{new_vin("ZFF")},"two\nlines"\nBAD,x\n'.encode()

    _, problems = run(workspace, content)

    assert list(problems) == [4]


def test_windows_line_endings_are_read(workspace):
    summary, _ = run(workspace, f"vin\r\n{new_vin('ZFF')}\r\n{new_vin('ZFF')}\r\n".encode())

    assert added(summary) == 2


# --- Bad rows: reported, the others added ---------------------------------------------------------------------


def test_bad_vins_are_reported_with_line_value_and_reason_and_the_good_rows_are_added(workspace):
    good = new_vin("ZFF")
    content = "\n".join(
        [
            "vin",
            "WBA3A5C51CF2566",  # 15 characters
            "WBA3A5C51CF2566512",  # 18
            "WBA3A5C51CF25O651",  # O
            "WBAI3A5C51CF25651",  # I
            "WBA3A5C51CQ256651",  # Q
            f"  {good.lower()}  ",  # padded and lower case: accepted
        ]
    ).encode()

    summary, problems = run(workspace, content)

    assert added(summary) == 1 and Vehicle.objects.get().vin == good
    assert problems == {
        2: ("WBA3A5C51CF2566", "invalid", "VIN must be 16 or 17 characters, not 15"),
        3: ("WBA3A5C51CF2566512", "invalid", "VIN must be 16 or 17 characters, not 18"),
        4: ("WBA3A5C51CF25O651", "invalid", "VIN must not contain the letters I, O or Q (found O)"),
        5: ("WBAI3A5C51CF25651", "invalid", "VIN must not contain the letters I, O or Q (found I)"),
        6: ("WBA3A5C51CQ256651", "invalid", "VIN must not contain the letters I, O or Q (found Q)"),
    }


def test_bad_odometers_and_units_are_reported(workspace):
    vins = [new_vin("ZFF") for _ in range(6)]
    rows = ["-10,km", "12.5,km", "99999999999999999999,km", "lots,km", "100,miles", "2000000,mi"]
    content = ("vin,odometer,odometer_unit\n" + "\n".join(f"{v},{r}" for v, r in zip(vins, rows, strict=True))).encode()

    summary, problems = run(workspace, content)

    assert added(summary) == 1
    assert {line: reason for line, (_, _, reason) in problems.items()} == {
        2: "odometer must be a whole number from 0 to 2,000,000, not '-10'",
        3: "odometer must be a whole number from 0 to 2,000,000, not '12.5'",
        4: "odometer must be at most 2,000,000, not 99,999,999,999,999,999,999",
        5: "odometer must be a whole number from 0 to 2,000,000, not 'lots'",
        6: "odometer unit must be km or mi, not 'miles'",
    }
    assert Vehicle.objects.get().odometer == 2_000_000


def test_the_same_vin_twice_in_a_file_is_added_once_and_the_repeat_reported(workspace):
    vin = new_vin("ZFF")

    summary, problems = run(workspace, f"vin\n{vin}\n{vin.lower()}\n".encode())

    assert added(summary) == 1
    assert problems == {3: (vin, "repeated", f"VIN {vin} is repeated in the file (first on line 2)")}


def test_a_vin_already_in_the_workspace_is_reported_as_a_duplicate_and_left_as_it_is(workspace, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)

    summary, problems = run(workspace, f"vin,odometer\n{vehicle.vin},5\n".encode())

    assert summary["outcomes"]["duplicate"] == 1
    assert problems == {2: (vehicle.vin, "duplicate", f"VIN {vehicle.vin} is already in this workspace")}
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.odometer) == (Status.ENABLED, None)


def test_a_deleted_vin_comes_back_pending_or_incomplete(workspace, make_vehicle):
    was_enabled = make_vehicle(DELETED)
    incomplete = make_vehicle(Status.INCOMPLETE)
    machine.fire(incomplete, Event.DELETE, By.system("test"))

    summary, problems = run(workspace, f"vin\n{was_enabled.vin}\n{incomplete.vin}\n".encode())

    assert problems == {}
    assert summary["outcomes"]["re-added"] == 2
    assert summary["statuses"][Status.PENDING] == summary["statuses"][Status.INCOMPLETE] == 1
    was_enabled.refresh_from_db(), incomplete.refresh_from_db()
    assert (was_enabled.status, incomplete.status) == (Status.PENDING, Status.INCOMPLETE)


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_cell_starting_with_a_formula_character_is_invalid_and_kept_as_plain_text(workspace, formula):
    summary, problems = run(workspace, f'vin\n"{formula.replace(chr(34), chr(34) * 2)}"\n'.encode())

    assert summary["outcomes"]["invalid"] == 1
    assert problems[2][0] == formula


def test_a_nul_character_further_down_the_file_is_refused_with_its_line(workspace):
    content = b"vin\n" + f"{new_vin('ZFF')}\n".encode() * 5000 + b"AB\x00CD\n"

    assert refused(workspace, content).startswith("Line 5002 contains a NUL character")


def test_a_huge_cell_is_refused_as_not_a_csv_file(workspace):
    content = b"vin\n" + b"A" * 20_000 + b"\n"

    assert refused(workspace, content) == "Line 2 has a cell longer than 10,000 characters: is this a CSV file?"


# --- Through the page: formulas are never executed, the problems CSV neutralises them; size limit ------------


def test_formula_cells_are_shown_as_text_and_neutralised_in_the_problems_csv(client, workspace, manager):
    client.force_login(manager)
    content = b"vin,odometer\n=cmd|' /C calc'!A0,1\n\"+SUM(1,2)\",2\n-3,3\n@here,4\n"
    upload = io.BytesIO(content)
    upload.name = "evil.csv"

    response = client.post(reverse("vehicles:upload-csv", args=[workspace.slug]), {"file": upload}, follow=True)

    assert "=cmd|&#x27; /C calc&#x27;!A0" in response.content.decode()
    job = ImportJob.objects.get()
    download = client.get(reverse("vehicles:import-problems", args=[workspace.slug, job.pk]))
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert lines[0] == "line,vin,odometer,reason"
    assert lines[1].startswith("2,'=cmd|' /C calc'!A0,1,")
    assert lines[2].startswith('3,"\'+SUM(1,2)",2,')
    assert lines[3].startswith("4,'-3,3,")
    assert lines[4].startswith("5,'@here,4,")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, workspace, manager, settings, monkeypatch):
    from django.http import multipartparser

    settings.UPLOAD_MAX_BYTES = 100_000

    def never(*args, **kwargs):
        raise AssertionError("the request body was parsed")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", never)
    client.force_login(manager)
    upload = io.BytesIO(b"vin\n" + f"{new_vin('ZFF')}\n".encode() * 12_000)
    upload.name = "big.csv"

    response = client.post(reverse("vehicles:upload-csv", args=[workspace.slug]), {"file": upload})

    assert response.status_code == 413
    assert "files of at most 97.7 KB are accepted" in response.content.decode()
    assert not Vehicle.objects.exists() and not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused_by_the_command_before_it_is_read(workspace, settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.UPLOAD_MAX_BYTES = 1000
    path = tmp_path / "big.csv"
    path.write_bytes(b"vin\n" + f"{new_vin('ZFF')}\n".encode() * 100)

    with pytest.raises(
        CommandError,
        match=r"refused, nothing was added: The file is 1\.8 KB; files of at most 1,000 bytes are accepted\.",
    ):
        call_command("import_vins", workspace.slug, str(path))
    assert not Vehicle.objects.exists()
