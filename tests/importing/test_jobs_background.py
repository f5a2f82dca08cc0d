"""Large files go to the task worker (`db_worker --batch`, run for real); a failure or a killed worker in the
middle leaves nothing behind, and running the import again ends as one clean run would."""

import io
import os
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.factories import new_vin
from vehicles.importing import engine, jobs
from vehicles.models import ImportJob, StatusChange, Vehicle, VehicleCount
from vehicles.status import machine

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def background(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_BACKGROUND_ROWS = 5


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def upload(client, workspace, text, name="fleet.csv"):
    file = io.BytesIO(text.encode())
    file.name = name
    response = client.post(reverse("vehicles:upload-csv", args=[workspace.slug]), {"file": file})
    assert response.status_code == 302
    return ImportJob.objects.get(filename=name)


def big_file(rows=40):
    # Ferrari (not activated: Incomplete) and an unknown maker (Error): no approval chain starts.
    vins = [new_vin("ZFF") if i % 4 else new_vin("9ZZ") for i in range(rows)]
    return "vin,odometer\n" + "".join(f"{vin},{i * 10}\n" for i, vin in enumerate(vins)) + f"{vins[0]},\nbad,\n"


def state_of(workspace):
    vehicles = sorted(
        Vehicle.all_objects.filter(workspace=workspace).values_list(
            "vin", "status", "make_id", "odometer", "deleted_at"
        )
    )
    history = Counter(
        StatusChange.objects.filter(vehicle__workspace=workspace).values_list(
            "vehicle__vin", "from_status", "to_status"
        )
    )
    counts = {(c.make_key, c.status): c.count for c in VehicleCount.objects.filter(workspace=workspace, count__gt=0)}
    return vehicles, history, counts


def test_a_large_file_is_imported_by_the_worker_and_its_report_appears(client, workspace, manager):
    client.force_login(manager)
    job = upload(client, workspace, big_file())
    page = reverse("vehicles:import", args=[workspace.slug, job.pk])
    assert "Waiting for the task worker" in client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert not Vehicle.objects.exists()

    run_worker()

    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED
    assert job.counts["outcomes"] == {"added": 40, "re-added": 0, "duplicate": 0, "repeated": 1, "invalid": 1}
    assert (job.processed_rows, job.total_rows) == (42, 42)
    assert Vehicle.objects.filter(workspace=workspace).count() == 40
    assert not job.file and not jobs.progress_path(job.pk).exists()
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "Rows by outcome" in fragment and "every 1s" not in fragment
    assert "Problem rows (42)" in fragment  # 2 not added, and 40 added as Incomplete or Error (warnings)
    assert "2 rows not added; 40 added with a warning" in fragment


@pytest.fixture
def interrupted_import(client, workspace, manager, monkeypatch, fail_on_call):
    """interrupted_import(name, call, error): the manager uploads a large file and the worker imports it in batches
    of 8 rows, the `call`-th call of `machine.Uploads.<name>` raising `error`. Checks that the workspace is as it was
    and the job has no problem rows; returns the job (refreshed), the file's text and the FailOnCall."""

    def run(name, call, error):
        client.force_login(manager)
        text = big_file()
        job = upload(client, workspace, text)
        monkeypatch.setattr(engine, "BATCH_ROWS", 8)
        failing = fail_on_call(machine.Uploads, name, call=call, error=error)
        before = state_of(workspace)

        run_worker()

        job.refresh_from_db()
        assert state_of(workspace) == before and not job.problems.exists()
        return job, text, failing

    return run


def retry_then_import_cleanly(client, workspace, other_workspace, job, text):
    """Run the failed import again through its page and the worker; returns the same file imported in one clean run
    into `other_workspace`, whose counts it must match."""
    client.post(reverse("vehicles:import-retry", args=[workspace.slug, job.pk]))
    run_worker()

    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED
    clean = ImportJob.objects.create(workspace=other_workspace, source=ImportJob.Source.CSV, filename="clean.csv")
    jobs.import_file(clean, io.BytesIO(text.encode()), jobs.by_for(job))
    assert job.counts == clean.counts
    return clean


def test_a_failure_in_the_worker_leaves_nothing_and_a_retry_ends_as_one_clean_run(
    client, workspace, other_workspace, interrupted_import
):
    job, text, failing = interrupted_import("insert_vehicles", call=3, error=OSError("disk full"))

    assert job.state == ImportJob.State.FAILED and "disk full" in job.error and "Nothing was added" in job.error
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED
    page = client.get(reverse("vehicles:import", args=[workspace.slug, job.pk])).content.decode()
    assert "The import failed" in page and "Run this import again" in page

    failing.restore()
    clean = retry_then_import_cleanly(client, workspace, other_workspace, job, text)
    mine, theirs = state_of(workspace), state_of(other_workspace)
    assert mine[0] == theirs[0] and mine[1] == theirs[1]
    assert sorted(mine[2].values()) == sorted(theirs[2].values())
    assert job.problems.count() == clean.problems.count() == 42


def test_a_killed_worker_leaves_a_stalled_import_that_can_be_run_again(client, workspace, manager, settings):
    client.force_login(manager)
    job = upload(client, workspace, big_file())
    # What a worker killed in the middle leaves: the job "running", its transaction never committed, an old
    # heartbeat.
    jobs.start(job, 42)
    jobs.write_progress(job.pk, 16)
    old = time.time() - settings.IMPORT_STALL_SECONDS - 5
    os.utime(jobs.progress_path(job.pk), (old, old))
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)
    page = reverse("vehicles:import", args=[workspace.slug, job.pk])

    text = client.get(page).content.decode()
    assert "This import stopped answering" in text and "Run this import again" in text
    assert not Vehicle.objects.exists()

    client.post(reverse("vehicles:import-retry", args=[workspace.slug, job.pk]))
    run_worker()

    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED
    assert Vehicle.objects.filter(workspace=workspace).count() == 40


def test_a_running_import_shows_its_progress(client, workspace, manager):
    client.force_login(manager)
    job = upload(client, workspace, big_file())
    jobs.start(job, 42)
    jobs.write_progress(job.pk, 21)

    fragment = client.get(
        reverse("vehicles:import", args=[workspace.slug, job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "Importing: 21 of about 42 rows read and checked." in fragment
    assert 'value="50"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert "Run this import again" not in fragment


def test_running_a_finished_import_again_changes_nothing(client, workspace, manager):
    client.force_login(manager)
    job = upload(client, workspace, big_file())
    run_worker()
    before = state_of(workspace)

    jobs.run_job(job.pk)

    assert state_of(workspace) == before


def test_a_worker_stopped_dead_in_the_middle_leaves_nothing_and_the_retry_ends_as_one_clean_run(
    client, workspace, other_workspace, interrupted_import
):
    """SystemExit escapes every `except Exception`: what is left is what a killed worker leaves."""
    from datetime import timedelta

    from django.utils import timezone

    job, text, dying = interrupted_import("insert_history", call=4, error=SystemExit("killed"))

    assert job.state == ImportJob.State.RUNNING  # nobody lived to say otherwise
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(minutes=10))
    assert (
        "This import stopped answering"
        in client.get(reverse("vehicles:import", args=[workspace.slug, job.pk])).content.decode()
    )

    dying.restore()
    retry_then_import_cleanly(client, workspace, other_workspace, job, text)
    assert state_of(workspace)[:2] == state_of(other_workspace)[:2]


@pytest.mark.django_db(transaction=True)
def test_the_page_the_command_and_the_worker_fail_an_import_with_one_text(
    client, manager, workspace, bmw_active, monkeypatch, tmp_path, settings
):
    """One lifecycle (importing.jobs.run): an unexpected error fails the job with the same words on every road."""

    def failing(self, workspace_id, new):
        raise OSError("disk full")

    monkeypatch.setattr(machine.Uploads, "insert_vehicles", failing)
    before = state_of(workspace)
    client.force_login(manager)
    client.raise_request_exception = False
    small = "vin\n" + "".join(f"{new_vin()}\n" for _ in range(3))
    file = io.BytesIO(small.encode())
    file.name = "small.csv"
    assert client.post(reverse("vehicles:upload-csv", args=[workspace.slug]), {"file": file}).status_code == 500
    path = tmp_path / "small.csv"
    path.write_text(small)
    with pytest.raises(OSError):
        call_command("import_vins", workspace.slug, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    upload(client, workspace, big_file())
    run_worker()

    assert sorted(ImportJob.objects.values_list("source", "state")) == sorted(
        [(ImportJob.Source.CSV, "failed"), (ImportJob.Source.COMMAND, "failed"), (ImportJob.Source.CSV, "failed")]
    )
    assert set(ImportJob.objects.values_list("error", flat=True)) == {
        "The import stopped: OSError: disk full. Nothing was added; it may be retried."
    }
    assert state_of(workspace) == before
