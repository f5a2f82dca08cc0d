"""Activating a make moves all its Incomplete VINs to Pending and starts their chain in a constant number of
queries, whatever their number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from fleet.models import Make
from tests.factories import WorkspaceFactory
from vehicles.choices import Status
from vehicles.demo import make_vin
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.status.counts import make_counts
from vehicles.status.machine import By, activate_make

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def incomplete_ferraris(slug, count):
    workspace = WorkspaceFactory(slug=slug)
    add_vehicles(workspace, [Entry(vin=make_vin("ZFF", n, seed=3)) for n in range(count)], By.system("test"))
    assert Vehicle.objects.filter(workspace=workspace, status=Status.INCOMPLETE).count() == count
    return workspace


def activate(workspace, capture):
    ferrari = Make.objects.named("Ferrari")
    with capture(execute=True):  # the chain's receiver runs after commit: count its queries too
        return activate_make(workspace, ferrari, By.system("test"))


def test_activating_a_make_with_10000_incomplete_vins_runs_as_many_queries_as_with_100(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    small = incomplete_ferraris("small", 100)
    big = incomplete_ferraris("big", 10_000)

    with CaptureQueriesContext(connection) as baseline:
        assert len(activate(small, django_capture_on_commit_callbacks)) == 100
    with django_assert_max_num_queries(len(baseline)):
        moved = activate(big, django_capture_on_commit_callbacks)

    assert len(moved) == 10_000
    assert Vehicle.objects.filter(workspace=big, status=Status.PENDING).count() == 10_000
    ferrari = Make.objects.named("Ferrari")
    assert make_counts(big)[ferrari.pk][Status.PENDING] == 10_000
    assert make_counts(big)[ferrari.pk][Status.INCOMPLETE] == 0
    assert DBTaskResult.objects.filter(task_path="vehicles.tasks.approvals.start_approvals").count() == 2, (
        "one task per activation carries all its VINs to the worker"
    )
