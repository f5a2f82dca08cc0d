"""What a VIN waits for, the makes' usual Pending times and the stuck mark (vehicles/status/waiting.py), with
controlled clocks: `backdate` moves a vehicle's history into the past, so a VIN approved now after being Pending
since `ago` took `ago` from Pending to Enabled."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.factories import activate, add_vehicle, new_vin
from tests.states import backdate, vehicle_in
from vehicles.choices import Party, Status
from vehicles.models import MakePendingMedian, Vehicle
from vehicles.status import machine, waiting
from vehicles.status.machine import By
from vehicles.tasks import medians

SYSTEM = By.system("test")
HOUR = dt.timedelta(hours=1)


def enabled_after(workspace, pending_for, ended_ago=None, wmi="WBA"):
    """A VIN that was Pending for `pending_for`, then Enabled (`ended_ago` in the past, or now)."""
    vehicle = add_vehicle(workspace, new_vin(wmi))
    assert vehicle.status == Status.PENDING
    backdate(vehicle, pending_for)
    machine.approve_one(vehicle, Party.PLATFORM, SYSTEM)
    machine.approve_one(vehicle, Party.PROVIDER, SYSTEM)
    assert vehicle.status == Status.ENABLED
    return backdate(vehicle, ended_ago) if ended_ago else vehicle


def pending_since(workspace, ago, wmi="WBA"):
    return backdate(add_vehicle(workspace, new_vin(wmi)), ago)


# --- waiting_for and next_step, for every status and approval combination


def test_incomplete_waits_for_its_make_activation(make_vehicle):
    w = waiting.of(make_vehicle(Status.INCOMPLETE))
    assert (w.waiting_for, w.stuck, w.since) == ("make_activation", False, None)
    assert "Makes page" in w.next_step


def test_pending_without_any_approval_waits_for_both(make_vehicle):
    vehicle = make_vehicle(Status.PENDING)
    w = waiting.of(vehicle)
    assert w.waiting_for == "both_approvals"
    assert w.since == vehicle.status_changed_at
    assert w.next_step.startswith("Nothing to do")


def test_pending_with_the_platforms_approval_waits_for_the_provider(make_vehicle):
    vehicle = machine.approve_one(make_vehicle(Status.PENDING), Party.PLATFORM, SYSTEM)
    assert vehicle.status == Status.PENDING
    assert waiting.of(vehicle).waiting_for == "provider_approval"
    assert "carmaker's approval is awaited" in waiting.of(vehicle).next_step


def test_pending_with_the_providers_approval_waits_for_the_platform(make_vehicle):
    vehicle = machine.approve_one(make_vehicle(Status.PENDING), Party.PROVIDER, SYSTEM)
    assert waiting.of(vehicle).waiting_for == "platform_approval"
    assert "platform's approval is awaited" in waiting.of(vehicle).next_step


def test_an_approval_of_an_earlier_round_does_not_count(make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)
    machine.fire(vehicle, "disable", SYSTEM)
    machine.fire(vehicle, "enable", SYSTEM)  # the chain runs again: both approvals are asked again
    assert vehicle.status == Status.PENDING
    assert waiting.of(vehicle).waiting_for == "both_approvals"


@pytest.mark.parametrize("status", [Status.DISABLED, Status.ERROR])
def test_disabled_and_error_wait_for_a_manager(make_vehicle, status):
    vehicle = make_vehicle(status, vin=new_vin("WBA"))  # Error: refused by the provider, with a make
    w = waiting.of(vehicle)
    assert (w.waiting_for, w.stuck) == ("manager", False)
    assert "enable it" in w.next_step.lower()


def test_an_error_without_a_make_says_to_upload_again(make_vehicle):
    w = waiting.of(make_vehicle(Status.ERROR))
    assert w.waiting_for == "manager"
    assert "upload it again" in w.next_step
    assert w.phrase.startswith("Make not found")  # the row shows the reason


def test_enabled_waits_for_nothing(make_vehicle):
    w = waiting.of(make_vehicle(Status.ENABLED))
    assert (w.waiting_for, w.next_step, w.stuck, w.since, w.phrase) == (None, None, False, None, "")


# --- the usual time per make: the median Pending → Enabled over 30 days, from 5 cases


def test_the_median_of_an_odd_number_of_cases_is_the_middle_one(workspace, bmw_active):
    for hours in (1, 2, 3, 10, 20):
        enabled_after(workspace, hours * HOUR)
    computed = waiting.refresh_medians()
    [(median, cases)] = computed.values()
    assert cases == 5
    assert median == pytest.approx(3 * 3600, abs=5)
    row = MakePendingMedian.objects.get(make=bmw_active)
    assert (row.cases, round(row.median_seconds / 60)) == (5, 180)


def test_the_median_of_an_even_number_is_the_mean_of_the_two_middle_ones(workspace, bmw_active):
    for hours in (1, 2, 3, 4, 5, 6):
        enabled_after(workspace, hours * HOUR)
    [(median, cases)] = waiting.refresh_medians().values()
    assert cases == 6 and median == pytest.approx(3.5 * 3600, abs=5)


def test_only_changes_into_enabled_within_30_days_count(workspace, bmw_active):
    for hours in (1, 1, 1, 1, 1):
        enabled_after(workspace, hours * HOUR)
    for _ in range(3):  # long ago: outside the window, whatever they took
        enabled_after(workspace, 100 * HOUR, ended_ago=dt.timedelta(days=31))
    [(median, cases)] = waiting.refresh_medians().values()
    assert cases == 5 and median == pytest.approx(3600, abs=5)


def test_the_time_counts_from_the_last_entry_into_pending(workspace, bmw_active):
    """A VIN enabled, disabled, enabled again: its second round is timed from its second entry into Pending."""
    vehicle = enabled_after(workspace, 50 * HOUR, ended_ago=dt.timedelta(days=40))
    machine.fire(vehicle, "disable", SYSTEM)
    machine.fire(vehicle, "enable", SYSTEM)
    backdate(vehicle, 2 * HOUR)  # the whole history moves: the first round stays 40 days back, outside
    machine.approve_one(vehicle, Party.PLATFORM, SYSTEM)
    machine.approve_one(vehicle, Party.PROVIDER, SYSTEM)
    [(median, cases)] = waiting.refresh_medians().values()
    assert cases == 1 and median == pytest.approx(2 * 3600, abs=5)


def test_each_make_has_its_own_median(workspace, bmw_active):
    activate(workspace, "Volvo Cars")
    for hours in (1, 1, 1, 1, 1):
        enabled_after(workspace, hours * HOUR)
    for hours in (5, 6, 7, 8, 9):
        enabled_after(workspace, hours * HOUR, wmi="YV1")
    computed = waiting.refresh_medians()
    by_name = {MakePendingMedian.objects.get(make_id=m).make.name: round(v[0] / 3600) for m, v in computed.items()}
    assert by_name == {"BMW": 1, "Volvo Cars": 7}


def test_a_refresh_replaces_the_table_and_drops_makes_without_cases(workspace, bmw_active):
    for _ in range(5):
        enabled_after(workspace, HOUR)
    waiting.refresh_medians()
    assert MakePendingMedian.objects.count() == 1
    waiting.refresh_medians(now=timezone.now() + dt.timedelta(days=31))  # every case has left the window
    assert MakePendingMedian.objects.count() == 0


def test_fewer_than_five_cases_give_no_usual_time(workspace, bmw_active):
    for _ in range(4):
        enabled_after(workspace, HOUR)
    waiting.refresh_medians()
    assert MakePendingMedian.objects.get().cases == 4  # kept, but not used
    assert waiting.usual_times() == {}
    w = waiting.of(pending_since(workspace, 2 * HOUR))
    assert w.usual_seconds is None and "usually" not in w.phrase


def test_a_pending_vin_says_how_long_its_make_usually_takes(workspace, bmw_active):
    for _ in range(5):
        enabled_after(workspace, 48 * HOUR)
    waiting.refresh_medians()
    w = waiting.of(pending_since(workspace, 3 * HOUR))
    assert w.usual_seconds == pytest.approx(48 * 3600, abs=5)
    assert w.phrase == "Waiting for both approvals · usually 2 days"
    assert w.pending_for == "3 hours" and not w.stuck


# --- stuck: longer than 3 × the median, or than PENDING_STUCK_AFTER_HOURS without one


def test_without_a_median_a_vin_pending_longer_than_48_hours_is_stuck(workspace, bmw_active):
    fresh, old = pending_since(workspace, 47 * HOUR), pending_since(workspace, 49 * HOUR)
    assert not waiting.of(fresh).stuck
    w = waiting.of(old)
    assert w.stuck and w.phrase == "Stuck: pending 2 days"
    assert "contact the platform's support" in w.next_step
    assert set(waiting.stuck(Vehicle.objects.all())) == {old}


def test_the_hours_come_from_the_setting(workspace, bmw_active, settings):
    settings.PENDING_STUCK_AFTER_HOURS = 10
    fresh, old = pending_since(workspace, 9 * HOUR), pending_since(workspace, 11 * HOUR)
    assert (waiting.of(fresh).stuck, waiting.of(old).stuck) == (False, True)
    assert list(waiting.stuck(Vehicle.objects.all())) == [old]


def test_with_a_median_a_vin_is_stuck_after_three_times_it(workspace, bmw_active):
    activate(workspace, "Volvo Cars")
    for _ in range(5):
        enabled_after(workspace, 2 * HOUR)  # BMW usually takes 2 hours: stuck after 6
    waiting.refresh_medians()
    bmw_fresh, bmw_stuck = pending_since(workspace, 5 * HOUR), pending_since(workspace, 7 * HOUR)
    volvo_fresh = pending_since(workspace, 7 * HOUR, wmi="YV1")  # no median: 48 hours
    volvo_stuck = pending_since(workspace, 50 * HOUR, wmi="YV1")
    marks = {v.vin: waiting.of(v).stuck for v in (bmw_fresh, bmw_stuck, volvo_fresh, volvo_stuck)}
    assert marks == {bmw_fresh.vin: False, bmw_stuck.vin: True, volvo_fresh.vin: False, volvo_stuck.vin: True}
    assert set(waiting.stuck(Vehicle.objects.all())) == {bmw_stuck, volvo_stuck}
    assert waiting.stuck_count(workspace) == 2


def test_stuck_for_given_makes_uses_each_makes_own_cutoff(workspace, bmw_active):
    """The table's make filter gives the makes' ids: the condition is then the same as the general one, limited to
    those makes (and no make selects nothing)."""
    activate(workspace, "Volvo Cars")
    for _ in range(5):
        enabled_after(workspace, 2 * HOUR)  # BMW: stuck after 6 hours
    waiting.refresh_medians()
    bmw_fresh, bmw_stuck = pending_since(workspace, 5 * HOUR), pending_since(workspace, 7 * HOUR)
    volvo_fresh, volvo_stuck = (
        pending_since(workspace, 7 * HOUR, wmi="YV1"),
        pending_since(workspace, 50 * HOUR, wmi="YV1"),
    )
    everyone = Vehicle.objects.all()
    assert set(waiting.stuck(everyone, makes=[bmw_fresh.make_id])) == {bmw_stuck}
    assert set(waiting.stuck(everyone, makes=[volvo_fresh.make_id])) == {volvo_stuck}
    assert set(waiting.stuck(everyone, makes=[bmw_fresh.make_id, volvo_fresh.make_id])) == {bmw_stuck, volvo_stuck}
    assert set(waiting.stuck(everyone, makes=[])) == set()


def test_a_slow_makes_median_lets_its_vins_wait_longer_than_48_hours(workspace, bmw_active):
    for _ in range(5):
        enabled_after(workspace, 30 * HOUR)  # stuck after 90 hours
    waiting.refresh_medians()
    vehicle = pending_since(workspace, 60 * HOUR)
    assert not waiting.of(vehicle).stuck
    assert list(waiting.stuck(Vehicle.objects.all())) == []


def test_only_pending_vins_are_ever_stuck(workspace, make_vehicle):
    for status in (Status.INCOMPLETE, Status.ENABLED, Status.DISABLED, Status.ERROR):
        make_vehicle(status, ago=dt.timedelta(days=10))
    assert list(waiting.stuck(Vehicle.objects.all())) == []
    assert not any(waiting.of(v).stuck for v in Vehicle.objects.all())


def test_the_stuck_count_is_capped(workspace, bmw_active):
    for _ in range(3):
        pending_since(workspace, 50 * HOUR)
    assert waiting.stuck_count(workspace, cap=2) == 3  # "more than 2"
    assert waiting.stuck_count(workspace) == 3


def test_annotating_a_page_costs_one_query(workspace, bmw_active, django_assert_num_queries):
    vehicles = [pending_since(workspace, h * HOUR) for h in (1, 50)] + [vehicle_in(workspace, Status.ENABLED)]
    with django_assert_num_queries(1):
        waiting.annotate(vehicles)
    assert [v.waiting.stuck for v in vehicles] == [False, True, False]


# --- the timeline of the vehicle page


def test_the_timeline_of_an_enabled_vin_has_every_step_with_its_time(workspace, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)
    steps = waiting.timeline(vehicle, vehicle.history.all())
    assert [s.label for s in steps] == [
        "Uploaded",
        "Make activated",
        "Platform approved",
        "Carmaker approved",
        "Enabled",
    ]
    assert all(s.done for s in steps)
    assert steps[1].note == "already activated when the VIN was uploaded"
    assert steps[2].at == vehicle.platform_approved_at and steps[4].at == vehicle.status_changed_at


def test_the_timeline_marks_the_step_a_pending_vin_waits_for(workspace, make_vehicle):
    vehicle = machine.approve_one(make_vehicle(Status.PENDING), Party.PLATFORM, SYSTEM)
    steps = waiting.timeline(vehicle, vehicle.history.all())
    assert [(s.label, s.done, s.current) for s in steps][2:] == [
        ("Platform approved", True, False),
        ("Carmaker approved", False, True),
        ("Enabled", False, False),
    ]


def test_the_timeline_of_an_activated_make_has_the_activation_time(workspace, make_vehicle):
    vehicle = make_vehicle(Status.INCOMPLETE)
    steps = waiting.timeline(vehicle, vehicle.history.all())
    assert (steps[1].done, steps[1].current) == (False, True)
    machine.activate_make(workspace, vehicle.make, SYSTEM)
    vehicle.refresh_from_db()
    steps = waiting.timeline(vehicle, vehicle.history.all())
    assert steps[1].done and steps[1].at == vehicle.status_changed_at
    assert steps[2].current


def test_the_timeline_of_a_refused_vin_ends_with_the_reason(workspace, make_vehicle):
    vehicle = make_vehicle(Status.ERROR, vin=new_vin("WBA"))
    steps = waiting.timeline(vehicle, vehicle.history.all())
    assert steps[-1].label == "Error" and "not recognised" in steps[-1].note
    assert not steps[4].done


def test_a_second_round_does_not_show_the_first_rounds_enablement(workspace, make_vehicle):
    vehicle = make_vehicle(Status.DISABLED)
    machine.fire(vehicle, "enable", SYSTEM)
    steps = waiting.timeline(vehicle, vehicle.history.all())
    assert [s.done for s in steps] == [True, True, False, False, False]


# --- the refresh: a worker task that comes back, a command


def test_the_refresh_task_rewrites_the_medians_and_schedules_itself_again(workspace, bmw_active, settings):
    settings.PENDING_MEDIAN_REFRESH_SECONDS = 600
    for _ in range(5):
        enabled_after(workspace, HOUR)
    assert medians.refresh_pending_medians.call() == {"makes": 1}
    assert MakePendingMedian.objects.get().cases == 5
    [next_run] = DBTaskResult.objects.filter(
        task_path=medians.refresh_pending_medians.module_path, status=TaskResultStatus.READY
    )
    assert next_run.run_after > timezone.now() + dt.timedelta(seconds=500)


def test_a_vin_becoming_enabled_makes_sure_the_refresh_is_scheduled(
    workspace, bmw_active, django_capture_on_commit_callbacks
):
    path = medians.refresh_pending_medians.module_path
    with django_capture_on_commit_callbacks(execute=True):
        enabled_after(workspace, HOUR)
        enabled_after(workspace, HOUR)
    assert DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).count() == 1


def test_the_command_prints_each_makes_usual_time(workspace, bmw_active, capsys):
    for _ in range(5):
        enabled_after(workspace, 3 * HOUR)
    call_command("refresh_pending_medians")
    out = capsys.readouterr().out
    assert "Usual Pending times computed for 1 make(s)." in out
    assert "BMW: usually 3 hours (5 cases)" in out


def test_the_command_schedules_the_refresh_once(db, capsys):
    call_command("refresh_pending_medians", "--schedule")
    call_command("refresh_pending_medians", "--schedule")
    out = capsys.readouterr().out
    assert "The periodic refresh is scheduled." in out and "already scheduled" in out


def test_human_durations():
    assert [waiting.human_duration(s) for s in (10, 60 * 40, 3 * 3600, 47 * 3600, 5 * 86400)] == [
        "1 minute",
        "40 minutes",
        "3 hours",
        "47 hours",
        "5 days",
    ]
