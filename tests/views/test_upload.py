"""The upload page, the one-VIN form, the CSV form, the import report, the problems download and recent imports."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import new_vin
from vehicles.choices import Status
from vehicles.models import ImportJob, Vehicle

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(name, workspace, *args):
    return reverse(f"vehicles:{name}", args=[workspace.slug, *args])


def csv_file(text, name="vins.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


# --- The upload page ------------------------------------------------------------------------------------------


def test_the_vin_table_links_to_the_upload_page_for_a_manager(client, workspace, manager):
    client.force_login(manager)

    response = client.get(url("list", workspace))

    assert f'href="{url("upload", workspace)}"' in response.content.decode()
    assert "Upload VINs" in response.content.decode()


def test_the_upload_page_shows_both_forms_the_columns_and_an_example_file(client, workspace, manager):
    client.force_login(manager)

    response = client.get(url("upload", workspace))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="vin"' in page and 'name="odometer"' in page and 'name="odometer_unit"' in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    for column in ("vin", "odometer", "odometer_unit", "make"):
        assert f"<code>{column}</code>" in page
    assert "/static/fleet/example.csv" in page
    assert response["Vary"].count("HX-Request") == 1


def test_the_example_file_imports_cleanly(workspace, bmw_active):
    from pathlib import Path

    from vehicles.importing import jobs
    from vehicles.status.machine import By

    job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.CSV)
    example = Path(__file__).resolve().parents[2] / "static" / "fleet" / "example.csv"
    with open(example, "rb") as binary:
        summary = jobs.import_file(job, binary, By.system("test"))

    assert summary["outcomes"]["added"] == 3 and not job.problems.filter(status="").exists()
    assert set(job.problems.values_list("status", flat=True)) == {"incomplete"}  # Ford and Tesla: warnings


def test_a_viewer_cannot_open_the_upload_page(client, workspace, viewer):
    client.force_login(viewer)

    assert client.get(url("upload", workspace)).status_code == 403


def test_an_outsider_gets_404_for_the_upload_page(client, workspace, outsider):
    client.force_login(outsider)

    assert client.get(url("upload", workspace)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, workspace):
    response = client.get(url("upload", workspace))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_upload_page_does_not_accept_a_post(client, workspace, manager):
    client.force_login(manager)

    assert client.post(url("upload", workspace)).status_code == 405


# --- One VIN by form ----------------------------------------------------------------------------------------


def test_a_manager_adds_one_vin_with_its_odometer(client, workspace, manager, bmw_active):
    client.force_login(manager)
    vin = new_vin("WBA")

    response = client.post(
        url("upload-vin", workspace), {"vin": f" {vin.lower()}", "odometer": "1200", "odometer_unit": "mi"}, follow=True
    )

    vehicle = Vehicle.objects.get()
    assert (vehicle.vin, vehicle.status, vehicle.odometer, vehicle.odometer_unit) == (vin, Status.PENDING, 1200, "mi")
    assert response.redirect_chain[-1][0] == url("upload", workspace)
    assert f"VIN {vin} added: its status is Pending." in response.content.decode()
    assert vehicle.history.get().actor_name == "mia"


def test_the_htmx_form_answers_its_fragment_with_the_new_status(client, workspace, manager):
    client.force_login(manager)
    vin = new_vin("ZFF")

    response = client.post(url("upload-vin", workspace), {"vin": vin, "odometer": "", "odometer_unit": "km"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="one-vin"') and "<html" not in page
    assert f"VIN {vin} added: its status is Incomplete." in page
    assert response["Vary"].count("HX-Request") == 1


def test_an_invalid_vin_is_refused_with_the_reason_and_nothing_is_added(client, workspace, manager):
    client.force_login(manager)

    response = client.post(url("upload-vin", workspace), {"vin": "WBA3A5C51CF25O651", "odometer": "-4"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "VIN must not contain the letters I, O or Q (found O)" in page
    assert "Odometer must be a whole number from 0 to 2,000,000, not &#x27;-4&#x27;" in page
    assert not Vehicle.objects.exists()


def test_a_vin_already_in_the_workspace_is_refused_as_a_duplicate(client, workspace, manager, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)
    history = vehicle.history.count()
    client.force_login(manager)

    response = client.post(url("upload-vin", workspace), {"vin": vehicle.vin, "odometer_unit": "km"}, **HTMX)

    assert f"VIN {vehicle.vin} is already in this workspace" in response.content.decode()
    vehicle.refresh_from_db()
    assert vehicle.status == Status.ENABLED and vehicle.history.count() == history


def test_a_viewer_cannot_add_a_vin(client, workspace, viewer):
    client.force_login(viewer)

    response = client.post(url("upload-vin", workspace), {"vin": new_vin("ZFF"), "odometer_unit": "km"})

    assert response.status_code == 403 and not Vehicle.objects.exists()


def test_an_outsider_cannot_add_a_vin(client, workspace, outsider):
    client.force_login(outsider)

    response = client.post(url("upload-vin", workspace), {"vin": new_vin("ZFF"), "odometer_unit": "km"})

    assert response.status_code == 404 and not Vehicle.objects.exists()


def test_the_one_vin_form_does_not_answer_a_get(client, workspace, manager):
    client.force_login(manager)

    assert client.get(url("upload-vin", workspace)).status_code == 405


# --- A CSV file ---------------------------------------------------------------------------------------------------


def test_a_small_file_is_imported_at_once_and_the_report_shows_counts_and_every_problem(
    client, workspace, manager, make_vehicle
):
    present = make_vehicle(Status.ENABLED)  # BMW is activated by it
    client.force_login(manager)
    good, incomplete = new_vin("WBA"), new_vin("ZFF")
    text = f"vin,odometer\n{good},10\n{incomplete},\n{present.vin},\n{good},\nSHORT,\n{new_vin('ZFF')},1.5\n"

    response = client.post(url("upload-csv", workspace), {"file": csv_file(text)}, follow=True)

    job = ImportJob.objects.get()
    assert response.redirect_chain[-1][0] == url("import", workspace, job.pk)
    assert (job.state, job.source, job.filename, job.created_by) == ("completed", "csv", "vins.csv", manager)
    assert job.counts["outcomes"] == {"added": 2, "re-added": 0, "duplicate": 1, "repeated": 1, "invalid": 2}
    assert job.counts["statuses"]["pending"] == 1 and job.counts["statuses"]["incomplete"] == 1
    page = response.content.decode()
    assert "Problem rows (5)" in page  # 4 not added, and the Incomplete one as a warning
    for fragment in (
        "Added as Incomplete",
        "Make Ferrari is not activated for this workspace",
        f"VIN {present.vin} is already in this workspace",
        f"VIN {good} is repeated in the file (first on line 2)",
        "VIN must be 16 or 17 characters, not 5",
        "odometer must be a whole number from 0 to 2,000,000, not &#x27;1.5&#x27;",
    ):
        assert fragment in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no polling
    assert set(Vehicle.objects.values_list("vin", flat=True)) == {present.vin, good, incomplete}


def test_a_refused_file_is_shown_on_the_upload_page_and_nothing_is_added(client, workspace, manager):
    client.force_login(manager)

    response = client.post(url("upload-csv", workspace), {"file": csv_file("serial\nABC\n")})

    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem with the file" in page and "The file has no vin column" in page
    assert "Nothing was added." in page
    assert not Vehicle.objects.exists()


def test_a_file_with_no_data_rows_is_refused_and_recorded_as_refused(client, workspace, manager):
    client.force_login(manager)

    response = client.post(url("upload-csv", workspace), {"file": csv_file("vin\n\n")})

    assert "The file has a header row but no data rows" in response.content.decode()
    assert ImportJob.objects.get().state == ImportJob.State.REFUSED


def test_the_csv_form_needs_a_file(client, workspace, manager):
    client.force_login(manager)

    response = client.post(url("upload-csv", workspace), {})

    assert response.status_code == 400 and "Choose a CSV file to upload" in response.content.decode()


def test_a_viewer_cannot_upload_a_file(client, workspace, viewer):
    client.force_login(viewer)

    response = client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{new_vin()}\n")})

    assert response.status_code == 403 and not Vehicle.objects.exists() and not ImportJob.objects.exists()


def test_an_outsider_cannot_upload_a_file(client, workspace, outsider):
    client.force_login(outsider)

    response = client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{new_vin()}\n")})

    assert response.status_code == 404 and not Vehicle.objects.exists()


def test_the_csv_form_does_not_answer_a_get(client, workspace, manager):
    client.force_login(manager)

    assert client.get(url("upload-csv", workspace)).status_code == 405


def test_a_large_file_goes_to_the_worker_and_its_page_polls_a_progress_bar(
    client, workspace, manager, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_BACKGROUND_ROWS = 3
    client.force_login(manager)
    text = "vin\n" + "".join(f"{new_vin('ZFF')}\n" for _ in range(5))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("upload-csv", workspace), {"file": csv_file(text)}, follow=True)

    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.QUEUED and job.total_rows == 5 and job.file
    assert DBTaskResult.objects.filter(
        task_path="vehicles.tasks.imports.import_vins_file", args_kwargs__args=[str(job.pk)]
    )
    page = response.content.decode()
    assert f'hx-get="{url("import", workspace, job.pk)}"' in page and 'hx-trigger="every 1s"' in page
    assert "Waiting for the task worker" in page and "<progress" in page
    assert not Vehicle.objects.exists()


def test_the_report_answers_htmx_with_its_status_fragment(client, workspace, manager):
    client.force_login(manager)
    client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{new_vin('ZFF')}\n")})
    job = ImportJob.objects.get()

    response = client.get(url("import", workspace, job.pk), **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="import-status"') and "<html" not in page
    assert "Rows by outcome" in page
    assert response["Vary"].count("HX-Request") == 1


def test_a_viewer_may_read_reports_and_recent_imports_but_an_outsider_may_not(
    client, workspace, manager, viewer, outsider
):
    client.force_login(manager)
    client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{new_vin('ZFF')}\nbad\n")})
    job = ImportJob.objects.get()
    pages = [url("import", workspace, job.pk), url("imports", workspace), url("import-problems", workspace, job.pk)]

    client.force_login(viewer)
    assert [client.get(page).status_code for page in pages] == [200, 200, 200]
    client.force_login(outsider)
    assert [client.get(page).status_code for page in pages] == [404, 404, 404]


def test_a_report_of_another_workspace_is_not_found(client, workspace, other_workspace, manager):
    job = ImportJob.objects.create(workspace=other_workspace, source=ImportJob.Source.CSV)
    client.force_login(manager)

    assert client.get(url("import", workspace, job.pk)).status_code == 404


def test_recent_imports_list_the_workspaces_imports_newest_first(client, workspace, manager):
    client.force_login(manager)
    client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{new_vin('ZFF')}\n", name="first.csv")})
    client.post(url("upload-csv", workspace), {"file": csv_file("vin\nbad\n", name="second.csv")})

    page = client.get(url("imports", workspace)).content.decode()

    assert page.index("second.csv") < page.index("first.csv")
    assert "Completed" in page


def test_the_problems_download_lists_every_problem_row(client, workspace, manager):
    client.force_login(manager)
    vin = new_vin("ZFF")
    client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{vin}\n{vin}\nbad\n")})
    job = ImportJob.objects.get()

    response = client.get(url("import-problems", workspace, job.pk))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = timezone.localdate(job.created_at).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="vins-{day}-problems.csv"'
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "line,vin,reason",
        f"3,{vin},VIN {vin} is repeated in the file (first on line 2)",
        '4,bad,"VIN must be 16 or 17 characters, not 3"',
    ]


def test_the_problems_download_keeps_every_column_and_can_be_fixed_and_uploaded_again(
    client, workspace, manager, bmw_active
):
    client.force_login(manager)
    good, bad_odometer, bad_vin = new_vin("WBA"), new_vin("WBA"), new_vin("WBA")
    text = (
        "VIN;Odometer;odometer_unit;Make;note\n"
        f"{good};12;km;BMW;ok\n"
        f"{bad_odometer};12.5;mi;BMW;=cmd()\n"
        f"{bad_vin[:-1]}O;7;km;bmw;typo\n"
    )
    client.post(url("upload-csv", workspace), {"file": csv_file(text, "fleet.csv")})
    job = ImportJob.objects.get()

    response = client.get(url("import-problems", workspace, job.pk))

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "line,VIN,Odometer,odometer_unit,Make,note,reason"
    assert lines[1].startswith(f"3,{bad_odometer},12.5,mi,BMW,'=cmd(),\"odometer must be a whole number")
    assert lines[2].startswith(f"4,{bad_vin[:-1]}O,7,km,bmw,typo,")
    assert len(lines) == 3

    fixed = "\n".join(lines).replace(",12.5,", ",12,").replace(f"{bad_vin[:-1]}O", bad_vin) + "\n"
    client.post(url("upload-csv", workspace), {"file": csv_file(fixed, "fleet-fixed.csv")})
    second = ImportJob.objects.get(filename="fleet-fixed.csv")

    assert second.counts["outcomes"] == {"added": 2, "re-added": 0, "duplicate": 0, "repeated": 0, "invalid": 0}
    assert not second.problems.exists()
    fixed_vehicle = Vehicle.objects.get(vin=bad_odometer)
    assert (fixed_vehicle.odometer, fixed_vehicle.odometer_unit, fixed_vehicle.make.name) == (12, "mi", "BMW")
    assert Vehicle.objects.get(vin=bad_vin).status == Status.PENDING


def test_rows_added_into_error_are_listed_as_warnings_with_the_reports_words(client, workspace, manager):
    client.force_login(manager)
    unknown, porsche_typo = new_vin("WBA"), new_vin("WP0")
    text = f"vin,make\n{unknown},Moskvich\n{porsche_typo},Porshe\nSHORT,\n"

    response = client.post(url("upload-csv", workspace), {"file": csv_file(text)}, follow=True)

    page = response.content.decode()
    job = ImportJob.objects.get()
    assert job.counts["statuses"]["error"] == 2
    assert "Problem rows (3)" in page
    assert page.count("Added as Error") == 2
    assert "did you mean &#x27;Porsche car&#x27;" in page
    assert "Moskvich" in page and "is not the name of a known maker" in page
    problem_cells = page[page.index('class="problem-rows') :]
    for code in (">invalid<", ">repeated<", ">duplicate<", ">added<"):
        assert code not in problem_cells
    assert ">Invalid<" in problem_cells
    assert Vehicle.objects.get(vin=porsche_typo).status == Status.ERROR


def test_a_failed_import_can_be_retried_by_a_manager(client, workspace, manager, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    job = ImportJob.objects.create(
        workspace=workspace, created_by=manager, source=ImportJob.Source.CSV, state=ImportJob.State.FAILED
    )
    job.file.save("x.csv", ContentFile(f"vin\n{new_vin('ZFF')}\n"))
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("import-retry", workspace, job.pk), follow=True)

    job.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED
    assert "The import will run again" in response.content.decode()
    assert DBTaskResult.objects.filter(task_path="vehicles.tasks.imports.import_vins_file").count() == 1


def test_a_completed_import_is_not_run_again(client, workspace, manager):
    client.force_login(manager)
    client.post(url("upload-csv", workspace), {"file": csv_file(f"vin\n{new_vin('ZFF')}\n")})
    job = ImportJob.objects.get()

    response = client.post(url("import-retry", workspace, job.pk), follow=True)

    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED
    assert "only a failed or stalled import can be retried" in response.content.decode()
    assert not DBTaskResult.objects.exists()


def test_a_viewer_cannot_retry_an_import(client, workspace, viewer):
    job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.CSV, state=ImportJob.State.FAILED)
    client.force_login(viewer)

    assert client.post(url("import-retry", workspace, job.pk)).status_code == 403
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED


def test_retry_does_not_answer_a_get(client, workspace, manager):
    job = ImportJob.objects.create(workspace=workspace, source=ImportJob.Source.CSV, state=ImportJob.State.FAILED)
    client.force_login(manager)

    assert client.get(url("import-retry", workspace, job.pk)).status_code == 405
