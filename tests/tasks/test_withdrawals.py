"""A VIN that leaves Enabled (disabled or deleted by the fleet or the platform) is withdrawn from its make's provider
by the real task worker (`db_worker --batch`), per make in batches; the provider's own revocation is not echoed
back, a VIN still wanted in another workspace is kept, and a failing provider is retried, then given up, without
the request ever failing."""

import logging

import pytest
from django.urls import reverse
from django_tasks.base import TaskResultStatus

from tests import chain_support
from tests.chain_support import revoked_and_polled, run_worker
from tests.factories import WorkspaceFactory, activate, new_vin
from tests.states import disabled_counting_queries, enabled_in_bulk
from vehicles.choices import Event, Status
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.providers import simulated as simulated_provider
from vehicles.status import machine
from vehicles.status.machine import By

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)

SYSTEM = By.system("test")


@pytest.fixture(autouse=True)
def withdrawn():
    """What the simulated maker was told to withdraw during the test (its record, kept in this process)."""
    simulated_provider.WITHDRAWN.clear()
    yield simulated_provider.WITHDRAWN
    simulated_provider.WITHDRAWN.clear()


@pytest.fixture
def enabled(workspace, make_vehicle, simulated):
    """make_vehicle(Status.ENABLED) with the approval chain's own tasks already run (they withdraw nothing)."""

    def build(**kwargs):
        return make_vehicle(Status.ENABLED, **kwargs)

    return build


def tasks(name):
    return chain_support.task_results(name).order_by("enqueued_at", "id")


def test_a_vin_the_manager_disables_in_the_vin_table_is_withdrawn_from_its_provider(
    client, manager, enabled, withdrawn
):
    vehicle = enabled()
    run_worker()
    client.force_login(manager)

    response = client.post(
        reverse("vehicles:action", args=[vehicle.workspace.slug, vehicle.vin, "disable"]), {"seen_status": "enabled"}
    )

    assert response.status_code == 302
    assert withdrawn == [], "the request only enqueues"
    run_worker()
    assert withdrawn == [vehicle.vin]
    [done] = tasks("withdraw_vins")
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == {"withdrawn": 1, "failed": 0, "attempt": 1, "gave_up": False}


def test_a_deleted_enabled_vin_is_withdrawn_too(enabled, withdrawn):
    vehicle = enabled()
    machine.fire(vehicle, Event.DELETE, By.operator())

    run_worker()

    assert withdrawn == [vehicle.vin]


def test_vins_that_were_not_enabled_are_not_withdrawn(workspace, make_vehicle, simulated, withdrawn):
    incomplete, disabled = make_vehicle(Status.INCOMPLETE), make_vehicle(Status.DISABLED)
    run_worker()
    withdrawn.clear()  # the disabled one was withdrawn when it left Enabled

    machine.fire(incomplete, Event.DELETE, SYSTEM)
    machine.fire(disabled, Event.DELETE, SYSTEM)
    run_worker()

    assert withdrawn == []
    assert Vehicle.all_objects.get(pk=disabled.pk).is_deleted


def test_a_bulk_disable_is_withdrawn_per_make_in_batches(workspace, simulated, settings, withdrawn):
    settings.PROVIDER_BATCH_SIZE = 2
    activate(workspace, "BMW")
    activate(workspace, "Ferrari")
    workspace.auto_platform_approval = True
    workspace.save()
    vins = {"BMW": [new_vin("WBA") for _ in range(3)], "Ferrari": [new_vin("ZFF")]}
    add_vehicles(workspace, [Entry(vin=vin) for group in vins.values() for vin in group], SYSTEM)
    run_worker()
    assert Vehicle.objects.filter(workspace=workspace, status=Status.ENABLED).count() == 4

    machine.apply(Event.DISABLE, Vehicle.objects.filter(workspace=workspace), By.operator())
    run_worker()

    assert sorted(withdrawn) == sorted(vins["BMW"] + vins["Ferrari"])
    assert [done.return_value["batches"] for done in tasks("start_withdrawals")] == [3], "one task for the event"
    batches = sorted((make, sorted(batch)) for make, batch in (t.args_kwargs["args"] for t in tasks("withdraw_vins")))
    bmw = sorted(vins["BMW"])
    assert batches == [("BMW", bmw[:2]), ("BMW", bmw[2:]), ("Ferrari", vins["Ferrari"])]


def test_a_revocation_by_the_provider_is_not_withdrawn_back(workspace, enabled, simulated, settings, withdrawn):
    vehicle = enabled()
    run_worker()

    revoked_and_polled(vehicle, simulated, settings)

    assert vehicle.status == Status.DISABLED
    assert withdrawn == []
    assert not tasks("start_withdrawals").exists()


def test_a_vin_still_enabled_in_another_workspace_is_not_withdrawn(workspace, enabled, withdrawn):
    vehicle = enabled()
    elsewhere = enabled(target_workspace=WorkspaceFactory(slug="beta"), vin=vehicle.vin)
    run_worker()

    machine.fire(vehicle, Event.DISABLE, SYSTEM)
    run_worker()

    assert withdrawn == []
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.ENABLED
    assert tasks("start_withdrawals").get().return_value == {"vins": 1, "kept": 1, "batches": 0}


def test_a_vin_still_pending_in_another_workspace_is_not_withdrawn(workspace, enabled, make_vehicle, withdrawn):
    """VINs are found through the workspaces that have any in that status (the kept counts) and the live
    (workspace, vin) index, as there is no index on every row's VIN."""
    vehicle = enabled()
    other = WorkspaceFactory(slug="beta")
    activate(other, vehicle.make.name)
    elsewhere = make_vehicle(Status.PENDING, target_workspace=other, vin=vehicle.vin)

    machine.fire(vehicle, Event.DISABLE, SYSTEM)
    run_worker()

    assert withdrawn == []
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.PENDING  # no platform approval: it waits, still wanted
    assert tasks("start_withdrawals").get().return_value == {"vins": 1, "kept": 1, "batches": 0}


def test_a_failing_provider_is_retried_then_given_up_and_the_change_stands(
    client, manager, enabled, simulated, withdrawn, caplog
):
    vehicle = enabled()
    run_worker()
    simulated["UNREACHABLE_VINS"].append(vehicle.vin)  # PROVIDER_MAX_ATTEMPTS is 3 in tests
    client.force_login(manager)

    response = client.post(
        reverse("vehicles:action", args=[vehicle.workspace.slug, vehicle.vin, "delete"]), {"seen_status": "enabled"}
    )
    with caplog.at_level(logging.WARNING, logger="vehicles.tasks.approvals"):
        run_worker()

    assert response.status_code == 302
    assert Vehicle.all_objects.get(pk=vehicle.pk).is_deleted
    assert withdrawn == []
    attempts = list(tasks("withdraw_vins"))
    assert [t.status for t in attempts] == [TaskResultStatus.SUCCESSFUL] * 3, "a failure never fails the task"
    assert [t.return_value["attempt"] for t in attempts] == [1, 2, 3]
    assert attempts[-1].return_value["gave_up"] is True
    assert "giving up" in caplog.text and vehicle.vin in caplog.text


class FlakyProvider(simulated_provider.SimulatedProvider):
    """The simulated maker, whose system fails the first withdrawal it is asked for (a transient outage)."""

    failures_left = 0

    def withdraw(self, vins):
        if FlakyProvider.failures_left:
            FlakyProvider.failures_left -= 1
            raise simulated_provider.ProviderUnavailable("the maker's system is restarting")
        super().withdraw(vins)


def test_a_provider_that_fails_once_is_retried_and_withdraws(enabled, settings, withdrawn):
    vehicle = enabled()
    run_worker()
    settings.VEHICLE_PROVIDERS = {"default": f"{__name__}.FlakyProvider"}
    FlakyProvider.failures_left = 1

    machine.fire(vehicle, Event.DISABLE, SYSTEM)
    run_worker()

    assert withdrawn == [vehicle.vin]
    assert [t.return_value["withdrawn"] for t in tasks("withdraw_vins")] == [0, 1]


def test_leaving_enabled_adds_one_query_whatever_the_number_of_vins(workspace, simulated):
    small, large = enabled_in_bulk(workspace, 3), enabled_in_bulk(workspace, 300)

    few, many = disabled_counting_queries(small), disabled_counting_queries(large)

    assert len(many) == len(few)
    enqueued = [q for q in many.captured_queries if "django_tasks_database_dbtaskresult" in q["sql"].lower()]
    assert len(enqueued) == 1, "the receiver enqueues one task, after the commit"
    assert tasks("start_withdrawals").count() == 2
    assert set(Vehicle.objects.filter(workspace=workspace).values_list("status", flat=True)) == {Status.DISABLED}
