"""The transition table, tested exhaustively from itself: every status × every event."""

import pytest

from tests.factories import activate, add_vehicle, make_named, new_vin
from tests.states import disabled_counting_queries, enabled_in_bulk, vehicle_in
from vehicles.choices import DELETED, Event, Party, Status
from vehicles.models import StatusChange, Vehicle
from vehicles.status import machine
from vehicles.status.machine import (
    MAKE_NOT_FOUND,
    TRANSITIONS,
    By,
    TransitionNotAllowed,
    activate_make,
    apply,
    approve,
    manager_actions_for,
)

ALL_STATES = [*Status.values, DELETED]
SYSTEM = By.system("test")


def snapshot(vehicle):
    return Vehicle.all_objects.filter(pk=vehicle.pk).values().get()


def vehicle_with_known_make(workspace, status):
    """Error from a refusal (its make is known and active), so Enable leads to Pending."""
    if status == Status.ERROR:
        return vehicle_in(workspace, status, vin=new_vin("WBA"))
    return vehicle_in(workspace, status)


@pytest.mark.parametrize("event", list(TRANSITIONS))
@pytest.mark.parametrize("state", ALL_STATES)
def test_every_event_from_every_status(workspace, state, event):
    vehicle = vehicle_with_known_make(workspace, state)
    if event == Event.ACTIVATE_MAKE:
        # Incomplete vehicles are Ferrari (never activated); others are BMW.
        activate(workspace, vehicle.make.name) if vehicle.make and vehicle.make.name != "Ferrari" else None
    before = snapshot(vehicle)
    history_before = StatusChange.objects.filter(vehicle=vehicle).count()
    transition = TRANSITIONS[event]
    allowed = state in transition.sources

    changed = apply(event, Vehicle.all_objects.filter(pk=vehicle.pk), SYSTEM, reason="because")

    after = snapshot(vehicle)
    history = StatusChange.objects.filter(vehicle=vehicle).order_by("-id")
    if allowed:
        assert changed == [vehicle.pk]
        expected = transition.target
        if expected == DELETED:
            assert after["deleted_at"] is not None
            assert after["status"] == before["status"]
        else:
            assert after["status"] == expected
        assert history.count() == history_before + 1
        row = history.first()
        assert (row.event, row.from_status, row.to_status) == (event, state, expected)
        assert row.actor == SYSTEM.actor and row.actor_name == "test"
    else:
        assert changed == []
        assert after == before
        assert history.count() == history_before


@pytest.mark.parametrize("event", list(TRANSITIONS))
@pytest.mark.parametrize("state", ALL_STATES)
def test_a_refused_event_raises_naming_vin_status_and_event(workspace, state, event):
    vehicle = vehicle_with_known_make(workspace, state)
    if state in TRANSITIONS[event].sources:
        return  # allowed: covered above
    before = snapshot(vehicle)
    with pytest.raises(TransitionNotAllowed) as raised:
        machine.fire(vehicle, event, SYSTEM)
    message = str(raised.value)
    assert vehicle.vin in message
    assert (Status(state).label if state != DELETED else "deleted") in message
    assert TRANSITIONS[event].past_tense in message
    assert snapshot(vehicle) == before


def test_the_row_menu_offers_what_the_table_allows():
    assert manager_actions_for(Status.ENABLED) == [Event.DISABLE, Event.DELETE]
    assert manager_actions_for(Status.DISABLED) == [Event.ENABLE, Event.DELETE]
    assert manager_actions_for(Status.ERROR) == [Event.ENABLE, Event.DELETE]
    assert manager_actions_for(Status.INCOMPLETE) == [Event.DELETE]
    assert manager_actions_for(Status.PENDING) == []


def test_either_approval_alone_keeps_a_vin_pending(workspace, make_vehicle):
    one, other = make_vehicle("pending"), make_vehicle("pending")
    machine.approve_one(one, Party.PLATFORM, SYSTEM)
    machine.approve_one(other, Party.PROVIDER, SYSTEM)
    assert one.status == other.status == Status.PENDING


def test_both_approvals_enable_a_vin_with_one_history_row(workspace, make_vehicle):
    vehicle = make_vehicle("pending")
    machine.approve_one(vehicle, Party.PROVIDER, By.provider("simulated"))
    machine.approve_one(vehicle, Party.PLATFORM, By.operator())
    assert vehicle.status == Status.ENABLED
    row = vehicle.history.first()
    assert (row.event, row.from_status, row.to_status, row.actor) == ("approve", "pending", "enabled", "operator")


def test_an_approval_for_an_earlier_round_does_not_count(workspace, make_vehicle):
    vehicle = make_vehicle("disabled")
    old_round = vehicle.approval_round
    machine.fire(vehicle, Event.ENABLE, SYSTEM)
    assert vehicle.status == Status.PENDING and vehicle.approval_round == old_round + 1
    qs = Vehicle.objects.filter(pk=vehicle.pk)
    recorded, enabled = approve(qs, Party.PROVIDER, By.provider(), approval_round=old_round)
    assert recorded == [] and enabled == []
    vehicle.refresh_from_db()
    assert vehicle.provider_approved_at is None


def test_enable_runs_the_whole_chain_again(workspace, make_vehicle):
    vehicle = make_vehicle("disabled")
    assert vehicle.platform_approved_at and vehicle.provider_approved_at
    machine.fire(vehicle, Event.ENABLE, SYSTEM)
    assert vehicle.status == Status.PENDING
    assert vehicle.platform_approved_at is None and vehicle.provider_approved_at is None


def test_enable_goes_to_incomplete_when_the_make_is_no_longer_active(workspace, make_vehicle):
    vehicle = make_vehicle("disabled")
    workspace.make_activations.filter(make=vehicle.make).delete()
    machine.fire(vehicle, Event.ENABLE, SYSTEM)
    assert vehicle.status == Status.INCOMPLETE


def test_enabling_an_error_vin_without_a_make_is_refused_and_records_nothing(workspace, make_vehicle):
    """Error → Error would change nothing: refused with the reason, no history row, no count touched."""
    vehicle = make_vehicle("error")
    assert vehicle.make is None and vehicle.error_reason == MAKE_NOT_FOUND
    rows, changed_at = vehicle.history.count(), vehicle.status_changed_at
    with pytest.raises(TransitionNotAllowed) as refused:
        machine.fire(vehicle, Event.ENABLE, SYSTEM)
    assert "no make can be found for it" in str(refused.value)
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.history.count(), vehicle.status_changed_at) == (Status.ERROR, rows, changed_at)
    assert machine.apply(Event.ENABLE, Vehicle.objects.filter(pk=vehicle.pk), SYSTEM) == []


def test_a_refusal_records_the_reason(workspace, make_vehicle):
    vehicle = make_vehicle("pending")
    machine.refuse_one(vehicle, Party.PLATFORM, By.operator(), "fleet contract expired")
    assert vehicle.status == Status.ERROR
    assert vehicle.error_reason == "Refused by the platform: fleet contract expired"
    assert vehicle.history.first().reason == vehicle.error_reason


def test_activating_a_make_moves_only_its_incomplete_vins(workspace, other_workspace):
    ferraris = [add_vehicle(workspace, wmi="ZFF") for _ in range(3)]
    elsewhere = add_vehicle(other_workspace, wmi="ZFF")
    volvo = add_vehicle(workspace, wmi="YV1")
    moved = activate_make(workspace, make_named("Ferrari"), By.operator())
    assert sorted(moved) == sorted(v.pk for v in ferraris)
    assert set(Vehicle.objects.filter(pk__in=moved).values_list("status", flat=True)) == {Status.PENDING}
    elsewhere.refresh_from_db(), volvo.refresh_from_db()
    assert elsewhere.status == volvo.status == Status.INCOMPLETE


def test_bulk_events_run_a_constant_number_of_queries(workspace, django_assert_max_num_queries):
    small, large = enabled_in_bulk(workspace, 5), enabled_in_bulk(workspace, 500)
    few, many = disabled_counting_queries(small), disabled_counting_queries(large)
    assert len(many) == len(few)
    assert set(large.values_list("status", flat=True)) == {Status.DISABLED}
