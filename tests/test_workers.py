"""The task worker's lease (fleet.workers): a RUNNING task whose worker stopped beating is enqueued again when
it is safe to retry (the import) and marked failed otherwise; an import with no progress shows "stalled".

The worker is run for real (`db_worker --batch`: one heartbeat, one recovery pass, then the queue); the
processes killed for real are in tests/deploy/test_worker_failures.py (PostgreSQL)."""

import io
import os
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fleet.workers import lease
from fleet.workers.models import WorkerHeartbeat
from vehicles.importing import jobs as import_jobs
from vehicles.models import ImportJob, Vehicle
from vehicles.tasks.reports import forget_expired_reports

from .factories import new_vin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def background(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_BACKGROUND_ROWS = 5


def run_worker(*args):
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", *args, verbosity=0)


def upload(client, workspace, rows=40):
    text = "vin,odometer\n" + "".join(f"{new_vin('ZFF')},{i}\n" for i in range(rows))
    file = io.BytesIO(text.encode())
    file.name = "fleet.csv"
    assert client.post(reverse("vehicles:upload-csv", args=[workspace.slug]), {"file": file}).status_code == 302
    return ImportJob.objects.get(filename="fleet.csv")


def seen(worker_id, seconds_ago):
    at = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker_id=worker_id, host="gone", pid=1, started_at=at, last_seen_at=at)


def left_running_by(worker_ids, task=None, seconds_ago=3600):
    """What a worker killed in the middle of a task leaves: the task RUNNING under its id."""
    rows = DBTaskResult.objects.filter(pk=task.id) if task else DBTaskResult.objects.all()
    rows.update(
        status=TaskResultStatus.RUNNING,
        worker_ids=worker_ids,
        started_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def test_the_import_of_a_vanished_worker_is_enqueued_again_and_ends_exactly(client, workspace, manager, settings):
    client.force_login(manager)
    job = upload(client, workspace)
    import_jobs.start(job, 40)
    import_jobs.write_progress(job.pk, 10)
    seen("dead-1", seconds_ago=settings.WORKER_LOST_AFTER_SECONDS + 5)
    left_running_by(["dead-1"])

    run_worker("--worker-id", "alive-1")

    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED, job.error
    assert Vehicle.objects.filter(workspace=workspace).count() == 40
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["dead-1", "alive-1"]
    assert not DBTaskResult.objects.running().exists()


def test_a_task_claimed_by_a_worker_never_seen_is_lost_too(client, workspace, manager):
    client.force_login(manager)
    upload(client, workspace)
    left_running_by(["never-seen"])

    assert lease.recover_lost() == {"requeued": 1, "failed": 0}
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY


def test_a_lost_task_that_is_not_safe_to_retry_is_marked_failed(db):
    result = forget_expired_reports.enqueue()
    seen("dead-2", seconds_ago=120)
    left_running_by(["dead-2"], result)

    assert lease.recover_lost() == {"requeued": 0, "failed": 1}

    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == TaskResultStatus.FAILED and task.finished_at is not None
    assert task.exception_class_path == "fleet.workers.lease.WorkerLost"
    assert "dead-2" in task.traceback and "not safe to retry" in task.traceback


def test_a_task_lost_as_many_times_as_allowed_is_failed(client, workspace, manager, settings):
    client.force_login(manager)
    upload(client, workspace)
    left_running_by([f"dead-{n}" for n in range(settings.WORKER_MAX_ATTEMPTS)])

    assert lease.recover_lost() == {"requeued": 0, "failed": 1}
    assert "gave up after 3 attempts" in DBTaskResult.objects.get().traceback


def test_the_task_of_a_live_worker_is_left_running(client, workspace, manager):
    client.force_login(manager)
    upload(client, workspace)
    seen("busy-1", seconds_ago=1)
    left_running_by(["busy-1"])

    assert lease.recover_lost() == {"requeued": 0, "failed": 0}
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING


def test_a_task_just_claimed_is_given_one_period_before_it_counts_as_lost(client, workspace, manager):
    client.force_login(manager)
    upload(client, workspace)
    left_running_by(["starting-1"], seconds_ago=2)

    assert lease.recover_lost() == {"requeued": 0, "failed": 0}


def test_a_worker_writes_its_heartbeat_and_removes_it_when_it_stops(db):
    lease.beat("w-1")
    assert lease.live_worker_ids() == {"w-1"}
    row = WorkerHeartbeat.objects.get()
    assert row.pid == os.getpid() and row.host

    run_worker("--worker-id", "w-2")  # a clean exit removes its own row

    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"w-1"}


def test_a_worker_releases_its_own_task_after_a_database_error_ended_it(client, workspace, manager):
    client.force_login(manager)
    upload(client, workspace)
    lease.beat("me")
    left_running_by(["me"])

    assert lease.recover_own("me") == {"requeued": 1, "failed": 0}


# --- "stalled" on the import page


def _age_progress(job, seconds):
    old = time.time() - seconds
    os.utime(import_jobs.progress_path(job.pk), (old, old))


def test_an_import_without_progress_for_30_seconds_shows_stalled_with_retry(client, workspace, manager, settings):
    assert settings.IMPORT_STALL_SECONDS == 30
    client.force_login(manager)
    job = upload(client, workspace)
    import_jobs.start(job, 40)
    import_jobs.write_progress(job.pk, 10)
    page = reverse("vehicles:import", args=[workspace.slug, job.pk])

    _age_progress(job, 25)
    fresh = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    _age_progress(job, 31)
    stalled = client.get(page, HTTP_HX_REQUEST="true").content.decode()

    assert "Importing: 10 of about 40 rows" in fresh and "stopped answering" not in fresh
    assert "Run this import again" not in fresh
    assert 'data-state="stalled"' in stalled and "no\n      progress for more than 30 seconds" in stalled
    assert "Run this import again" in stalled
    # It keeps following the job: when a worker takes the import up again, the page shows it.
    assert 'hx-trigger="every 5s"' in stalled


def test_a_stalled_import_taken_up_again_shows_its_progress_again(client, workspace, manager):
    client.force_login(manager)
    job = upload(client, workspace)
    import_jobs.start(job, 40)
    import_jobs.write_progress(job.pk, 10)
    _age_progress(job, 60)
    page = reverse("vehicles:import", args=[workspace.slug, job.pk])
    assert "stopped answering" in client.get(page, HTTP_HX_REQUEST="true").content.decode()

    import_jobs.start(job, 40)  # what the worker that takes it up does first
    import_jobs.write_progress(job.pk, 0)

    fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "stopped answering" not in fragment and "Importing: 0 of about 40 rows" in fragment


def test_a_queued_import_says_when_no_worker_has_been_seen(client, workspace, manager):
    client.force_login(manager)
    job = upload(client, workspace)
    page = reverse("vehicles:import", args=[workspace.slug, job.pk])

    nobody = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    lease.beat("w-1")
    somebody = client.get(page, HTTP_HX_REQUEST="true").content.decode()

    assert "No task worker has been seen for 30 seconds" in nobody
    assert "Waiting for the task worker" in somebody and "No task worker has been seen" not in somebody


def test_a_lost_import_run_again_after_another_run_finished_it_changes_nothing(client, workspace, manager):
    """A worker taken for lost that was only slow: its task runs again, finds the job completed, adds nothing."""
    client.force_login(manager)
    job = upload(client, workspace)
    run_worker()
    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED
    counts = job.counts

    import_jobs.run_job(job.pk)
    import_jobs.start(job, 40)

    job.refresh_from_db()
    assert job.state == ImportJob.State.COMPLETED and job.counts == counts
    assert Vehicle.objects.filter(workspace=workspace).count() == 40
