"""The approval chain end to end, with the real task worker (`db_worker --batch`) and the simulated provider."""

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fleet.models import MakeActivation
from tests import chain_support
from tests.chain_support import revoked_and_polled, run_worker, uploaded_with_automatic_approval
from tests.factories import add_vehicle, make_named, new_vin
from vehicles.choices import Actor, Event, Party, Status
from vehicles.models import Reading, StatusChange
from vehicles.readings import fetch, gate
from vehicles.status import machine
from vehicles.status.machine import By, activate_make
from vehicles.tasks import approvals, readings

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def tasks_named(name):
    return chain_support.task_results(name)


def last_change(vehicle):
    return StatusChange.objects.filter(vehicle=vehicle).order_by("-at", "-id").first()


def test_nothing_changes_without_a_worker(workspace, bmw_active, simulated):
    vehicle = add_vehicle(workspace)

    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING
    assert vehicle.provider_approved_at is None and vehicle.platform_approved_at is None
    assert tasks_named("start_approvals").filter(status=TaskResultStatus.READY).count() == 1


def test_an_uploaded_vin_is_enabled_once_provider_and_platform_approve_and_its_data_can_be_read(
    workspace, bmw_active, operator, simulated
):
    vehicle = add_vehicle(workspace)

    run_worker()
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING, "the provider's approval alone keeps it Pending"
    assert vehicle.provider_approved_at is not None

    machine.approve_one(vehicle, Party.PLATFORM, By.operator(operator))
    assert vehicle.status == Status.ENABLED
    enabled_by = last_change(vehicle)
    assert (enabled_by.event, enabled_by.from_status, enabled_by.to_status) == (Event.APPROVE, "pending", "enabled")

    readable = gate.vehicle_for_data(workspace, vehicle.vin)
    reading = gate.current_reading(readable)
    assert reading is not None and reading.odometer_km > 0
    # The first fetch brings the provider's recent history too, but only what was recorded since the VIN became
    # Enabled here may be read (SPEC.md's gate): the reading of the fetch itself.
    assert Reading.objects.filter(vin=vehicle.vin).count() >= 2
    assert list(gate.readings(readable)) == [reading]


def test_automatic_platform_approval_enables_without_an_operator_and_fetches_the_first_readings(
    workspace, bmw_active, simulated
):
    vehicle = uploaded_with_automatic_approval(workspace)

    assert vehicle.status == Status.ENABLED
    assert Reading.objects.filter(vin=vehicle.vin).exists(), "the worker fetched readings once it was Enabled"
    assert last_change(vehicle).actor == Actor.PROVIDER


def test_a_vin_the_provider_refuses_goes_to_error_with_the_reason(workspace, bmw_active, simulated):
    vehicle = add_vehicle(workspace)
    simulated["REFUSE_VINS"].append(vehicle.vin)

    run_worker()

    vehicle.refresh_from_db()
    assert vehicle.status == Status.ERROR
    assert vehicle.error_reason == "Refused by the provider: VIN not recognised by the maker"
    change = last_change(vehicle)
    assert (change.actor, change.to_status, change.reason) == (Actor.PROVIDER, "error", vehicle.error_reason)


def test_the_default_rule_refuses_vins_ending_in_7(workspace, bmw_active, simulated):
    simulated["REFUSE_LAST_CHARACTERS"] = "7"
    refused = add_vehicle(workspace, vin="WBA3A5C51CF256657")
    approved = add_vehicle(workspace, vin="WBA3A5C51CF256658")

    run_worker()

    refused.refresh_from_db()
    approved.refresh_from_db()
    assert refused.status == Status.ERROR
    assert approved.status == Status.PENDING and approved.provider_approved_at is not None


def test_a_provider_that_keeps_failing_is_retried_then_the_vin_goes_to_error(workspace, bmw_active, simulated):
    vehicle = add_vehicle(workspace)
    other = add_vehicle(workspace)
    simulated["UNREACHABLE_VINS"].append(vehicle.vin)

    run_worker()

    vehicle.refresh_from_db()
    other.refresh_from_db()
    assert vehicle.status == Status.ERROR
    assert vehicle.error_reason.startswith("Provider simulated unreachable after 3 attempt(s):")
    assert last_change(vehicle).actor == Actor.SYSTEM
    attempts = sorted(
        t.args_kwargs["kwargs"].get("attempt", 1)
        for t in tasks_named("request_enablement")
        if [vehicle.pk, vehicle.approval_round] in t.args_kwargs["args"][1]
    )
    assert attempts == [1, 2, 3], "one request and two retries (PROVIDER_MAX_ATTEMPTS = 3)"
    assert other.provider_approved_at is not None, "one failing VIN never holds back the others"


def test_a_whole_provider_outage_is_retried_with_backoff(workspace, bmw_active, simulated, settings):
    settings.PROVIDER_RETRY_BACKOFF_SECONDS = 60
    simulated["OUTAGE"] = True
    vehicle = add_vehicle(workspace)

    run_worker()

    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING, "not given up after one failure"
    retry = tasks_named("request_enablement").get(status=TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after is not None and retry.run_after > retry.enqueued_at


def test_a_provider_that_decides_later_is_asked_again_after_its_delay(workspace, bmw_active, simulated):
    simulated["DECISION_DELAY_SECONDS"] = 30
    vehicle = add_vehicle(workspace)

    run_worker()

    vehicle.refresh_from_db()
    assert vehicle.provider_approved_at is None
    check = tasks_named("request_enablement").get(status=TaskResultStatus.READY)
    assert check.args_kwargs["kwargs"] == {"attempt": 1, "check": True}
    assert (check.run_after - check.enqueued_at).total_seconds() >= 29


def test_a_late_answer_for_an_earlier_round_does_not_count(workspace, bmw_active, operator, simulated):
    vehicle = add_vehicle(workspace)
    first_round = vehicle.approval_round
    machine.refuse_one(vehicle, Party.PLATFORM, By.operator(operator), "wrong fleet")
    machine.fire(vehicle, Event.ENABLE, By.operator(operator))
    assert vehicle.status == Status.PENDING and vehicle.approval_round == first_round + 1

    approvals.request_enablement.call("BMW", [[vehicle.pk, first_round]])

    vehicle.refresh_from_db()
    assert vehicle.provider_approved_at is None


def test_a_vin_the_provider_revokes_is_disabled_and_its_data_refused(workspace, bmw_active, simulated, settings):
    vehicle = uploaded_with_automatic_approval(workspace)
    assert vehicle.status == Status.ENABLED

    revoked_and_polled(vehicle, simulated, settings)

    assert vehicle.status == Status.DISABLED
    change = last_change(vehicle)
    assert (change.event, change.actor) == (Event.DISABLE, Actor.PROVIDER)
    with pytest.raises(gate.DataNotAvailable) as refused:
        gate.vehicle_for_data(workspace, vehicle.vin)
    assert refused.value.code == "vehicle_disabled"


def test_a_revocation_seen_while_reading_data_disables_the_vehicle(workspace, make_vehicle, simulated, settings):
    vehicle = make_vehicle(Status.ENABLED)
    simulated["REVOKE_VINS"].append(vehicle.vin)

    with pytest.raises(gate.DataNotAvailable):
        gate.current_reading(gate.vehicle_for_data(workspace, vehicle.vin))

    vehicle.refresh_from_db()
    assert vehicle.status == Status.DISABLED


def test_an_incomplete_vin_becomes_pending_when_its_make_is_activated_then_enabled(workspace, operator, simulated):
    workspace.auto_platform_approval = True
    workspace.save()
    vehicle = add_vehicle(workspace, new_vin("ZFF"))
    assert vehicle.status == Status.INCOMPLETE
    run_worker()
    vehicle.refresh_from_db()
    assert vehicle.status == Status.INCOMPLETE, "nothing happens to it before its make is activated"

    activate_make(workspace, make_named("Ferrari"), By.operator(operator))
    vehicle.refresh_from_db()
    assert vehicle.status == Status.PENDING
    assert MakeActivation.objects.get(workspace=workspace, make__name="Ferrari").is_active

    run_worker()
    vehicle.refresh_from_db()
    assert vehicle.status == Status.ENABLED


def test_the_periodic_poll_fetches_stale_enabled_vins_and_comes_back_later(workspace, make_vehicle, simulated):
    enabled = make_vehicle(Status.ENABLED)
    disabled = make_vehicle(Status.DISABLED)

    readings.poll_readings.enqueue()
    run_worker()

    assert Reading.objects.filter(vin=enabled.vin).exists()
    assert not Reading.objects.filter(vin=disabled.vin).exists()
    assert readings.poll_task_scheduled(), "the poll has scheduled its next run"
    assert fetch.stale_vins() == []


def test_poll_readings_fetches_now_and_says_what_it_did(workspace, make_vehicle, simulated):
    from io import StringIO

    from django.core.management import call_command

    enabled = make_vehicle(Status.ENABLED)
    out = StringIO()

    call_command("poll_readings", stdout=out)

    assert "1 stale Enabled VIN(s)" in out.getvalue()
    assert Reading.objects.filter(vin=enabled.vin).count() >= 2

    call_command("poll_readings", "--schedule", stdout=out)
    assert readings.poll_task_scheduled()


class BrokenProvider:
    """An integration with a bug: every call raises something that is not ProviderUnavailable."""

    name = "broken"

    def request_enablement(self, vins):
        raise KeyError("status")

    def fetch_status(self, vin, since=None):
        raise KeyError("odometer")


def test_a_provider_with_a_bug_is_treated_as_a_failure_and_never_leaves_a_vin_pending(
    workspace, bmw_active, simulated, settings
):
    settings.VEHICLE_PROVIDERS = {"default": "tests.tasks.test_approvals.BrokenProvider"}
    vehicle = add_vehicle(workspace)

    run_worker()

    vehicle.refresh_from_db()
    assert vehicle.status == Status.ERROR
    assert "unexpected provider error (KeyError" in vehicle.error_reason
    assert not tasks_named("request_enablement").filter(status=TaskResultStatus.FAILED).exists()


def test_the_periodic_poll_restarts_the_chain_of_a_vin_whose_task_was_lost(workspace, bmw_active, simulated, settings):
    settings.PROVIDER_RESUME_AFTER_SECONDS = 0
    vehicle = add_vehicle(workspace)
    DBTaskResult.objects.all().delete()  # the queue was purged: nothing will ask the provider

    readings.poll_readings.enqueue(reschedule=False)
    run_worker()

    vehicle.refresh_from_db()
    assert vehicle.provider_approved_at is not None


def test_the_periodic_poll_leaves_a_chain_under_way_alone(workspace, bmw_active, simulated, settings):
    settings.PROVIDER_RESUME_AFTER_SECONDS = 0
    add_vehicle(workspace)  # its start_approvals task is queued

    assert approvals.resume_stalled() == 0
