"""The import engine (`vehicles.importing.engine`): one outcome per entry, bulk writes that match the status machine."""

from collections import Counter

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import Event as LoggedEvent
from fleet.models import Make
from tests.factories import activate, add_vehicle, new_vin
from vehicles.choices import DELETED, Actor, Event, Party, Status
from vehicles.importing import engine
from vehicles.importing.engine import Entry, ImportRun, Outcome, add_vehicles, summarise
from vehicles.models import StatusChange, Vehicle, VehicleCount
from vehicles.status import counts, machine
from vehicles.status.machine import MAKE_NOT_FOUND, By, entered_pending

SYSTEM = By.system("test")


def kept_counts(workspace):
    return {
        (row.make_key, row.status): row.count for row in VehicleCount.objects.filter(workspace=workspace, count__gt=0)
    }


def true_counts(workspace):
    return dict(
        Counter((v.make_id or 0, v.status) for v in Vehicle.objects.filter(workspace=workspace).only("make", "status"))
    )


def test_a_new_vin_of_an_activated_make_is_added_pending_with_its_history(workspace, manager, bmw_active):
    vin = new_vin("WBA")

    [result] = add_vehicles(workspace, [Entry(vin=vin, odometer=1200, odometer_unit="mi", line=2)], By.manager(manager))

    assert (result.outcome, result.status) == (Outcome.ADDED, Status.PENDING)
    vehicle = Vehicle.objects.get(pk=result.vehicle_id)
    assert (vehicle.vin, vehicle.status, vehicle.make.name) == (vin, Status.PENDING, "BMW")
    assert (vehicle.odometer, vehicle.odometer_unit, vehicle.approval_round) == (1200, "mi", 1)
    [change] = vehicle.history.all()
    assert (change.event, change.from_status, change.to_status) == (Event.UPLOAD, "", Status.PENDING)
    assert (change.actor, change.user, change.actor_name) == (Actor.USER, manager, "mia")
    assert kept_counts(workspace) == {(bmw_active.pk, Status.PENDING): 1}


def test_a_vin_whose_make_is_not_activated_is_added_incomplete(workspace):
    [result] = add_vehicles(workspace, [Entry(vin=new_vin("ZFF"))], SYSTEM)

    assert (result.outcome, result.status) == (Outcome.ADDED, Status.INCOMPLETE)
    assert Vehicle.objects.get(pk=result.vehicle_id).make.name == "Ferrari"


def test_a_vin_whose_make_cannot_be_found_is_added_in_error_with_the_reason(workspace):
    [result] = add_vehicles(workspace, [Entry(vin=new_vin("9ZZ"))], SYSTEM)

    vehicle = Vehicle.objects.get(pk=result.vehicle_id)
    assert (result.status, vehicle.status, vehicle.make, vehicle.error_reason) == (
        Status.ERROR,
        Status.ERROR,
        None,
        MAKE_NOT_FOUND,
    )
    assert vehicle.history.get().reason == MAKE_NOT_FOUND
    assert kept_counts(workspace) == {(0, Status.ERROR): 1}


def test_lowercase_and_padded_vins_are_normalised(workspace):
    vin = new_vin("ZFF")

    [result] = add_vehicles(workspace, [Entry(vin=f"  {vin.lower()} ")], SYSTEM)

    assert result.outcome == Outcome.ADDED
    assert Vehicle.objects.get(pk=result.vehicle_id).vin == vin


def test_a_named_make_is_matched_without_regard_to_case_and_wins_over_the_vins_own(workspace, bmw_active):
    [result] = add_vehicles(workspace, [Entry(vin=new_vin("9ZZ"), make_name="bmw")], SYSTEM)

    assert (result.outcome, result.status) == (Outcome.ADDED, Status.PENDING)
    assert Vehicle.objects.get(pk=result.vehicle_id).make == bmw_active


def test_an_unknown_named_make_is_a_make_not_found_the_vin_goes_to_error_and_no_make_is_created(workspace):
    makes = Make.objects.count()

    [result] = add_vehicles(workspace, [Entry(vin=new_vin("WBA"), make_name="Trabbi Deluxe", line=4)], SYSTEM)

    assert (result.outcome, result.status) == (Outcome.ADDED, Status.ERROR)
    vehicle = Vehicle.objects.get()
    reason = "Make not found: 'Trabbi Deluxe' is not the name of a known maker"
    assert (vehicle.make, vehicle.error_reason, vehicle.history.get().reason) == (None, reason, reason)
    assert Make.objects.count() == makes


def test_a_vin_already_in_the_workspace_is_a_duplicate_and_nothing_changes(workspace, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)
    history = vehicle.history.count()
    before = kept_counts(workspace)

    [result] = add_vehicles(workspace, [Entry(vin=vehicle.vin, odometer=5)], SYSTEM)

    assert (result.outcome, result.vehicle_id) == (Outcome.DUPLICATE, vehicle.pk)
    assert result.reason == f"VIN {vehicle.vin} is already in this workspace"
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.odometer, vehicle.history.count()) == (Status.ENABLED, None, history)
    assert kept_counts(workspace) == before


def test_the_same_vin_in_another_workspace_is_added_there(workspace, other_workspace, make_vehicle):
    vehicle = make_vehicle(Status.ENABLED)

    [result] = add_vehicles(other_workspace, [Entry(vin=vehicle.vin)], SYSTEM)

    assert result.outcome == Outcome.ADDED
    assert Vehicle.objects.filter(vin=vehicle.vin).count() == 2


def test_a_deleted_vin_comes_back_pending_with_its_history_and_earlier_approvals_do_not_count(workspace, make_vehicle):
    vehicle = make_vehicle(DELETED)  # was Enabled, then disabled and deleted
    history = vehicle.history.count()

    [result] = add_vehicles(workspace, [Entry(vin=vehicle.vin, odometer=77)], SYSTEM)

    assert (result.outcome, result.status, result.vehicle_id) == (Outcome.READDED, Status.PENDING, vehicle.pk)
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.deleted_at, vehicle.odometer) == (Status.PENDING, None, 77)
    assert vehicle.platform_approved_at is None and vehicle.provider_approved_at is None
    assert vehicle.approval_round == 2
    assert vehicle.history.count() == history + 1
    latest = vehicle.history.first()
    assert (latest.from_status, latest.to_status, latest.event) == (DELETED, Status.PENDING, Event.UPLOAD)
    assert kept_counts(workspace) == true_counts(workspace)


def test_a_deleted_vin_of_a_make_not_activated_comes_back_incomplete(workspace, make_vehicle):
    vehicle = make_vehicle(Status.INCOMPLETE)
    machine.fire(vehicle, Event.DELETE, SYSTEM)

    [result] = add_vehicles(workspace, [Entry(vin=vehicle.vin)], SYSTEM)

    assert (result.outcome, result.status) == (Outcome.READDED, Status.INCOMPLETE)


def test_a_vin_repeated_in_the_input_is_reported_with_its_first_line(workspace):
    vin = new_vin("ZFF")

    results = add_vehicles(workspace, [Entry(vin=vin, line=2), Entry(vin=vin.lower(), line=7)], SYSTEM)

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.REPEATED]
    assert results[1].reason == f"VIN {vin} is repeated in the file (first on line 2)"
    assert Vehicle.objects.filter(vin=vin).count() == 1


@pytest.mark.parametrize(
    "vin, odometer, unit, reason",
    [
        ("WBA3A5C51CF25665", None, "km", ""),
        ("WBA3A5C51CF2566", None, "km", "VIN must be 16 or 17 characters, not 15"),
        ("WBA3A5C51CF2566512", None, "km", "VIN must be 16 or 17 characters, not 18"),
        ("WBA3A5C51CF25I651", None, "km", "VIN must not contain the letters I, O or Q (found I)"),
        ("WBA3A5C51CF25665!", None, "km", "VIN may contain only the letters A-Z (without I, O, Q) and the digits 0-9"),
        ("", None, "km", "VIN is empty"),
        ("WBA3A5C51CF256651", "-1", "km", "odometer must be a whole number from 0 to 2,000,000, not '-1'"),
        ("WBA3A5C51CF256651", -1, "km", "odometer must be a whole number from 0 to 2,000,000, not '-1'"),
        ("WBA3A5C51CF256651", "12.5", "km", "odometer must be a whole number from 0 to 2,000,000, not '12.5'"),
        ("WBA3A5C51CF256651", "2000001", "km", "odometer must be at most 2,000,000, not 2,000,001"),
        ("WBA3A5C51CF256651", "lots", "km", "odometer must be a whole number from 0 to 2,000,000, not 'lots'"),
        ("WBA3A5C51CF256651", "10", "miles", "odometer unit must be km or mi, not 'miles'"),
        ("WBA3A5C51CF256651", "2000000", "MI", ""),
        ("WBA3A5C51CF256651", "0", "", ""),
    ],
)
def test_each_entry_is_validated_with_a_reason_saying_what_is_wrong(workspace, vin, odometer, unit, reason):
    [result] = add_vehicles(workspace, [Entry(vin=vin, odometer=odometer, odometer_unit=unit)], SYSTEM)

    assert result.reason == reason
    assert result.outcome == (Outcome.INVALID if reason else Outcome.ADDED)
    assert Vehicle.objects.count() == (0 if reason else 1)


def test_everything_wrong_with_a_row_is_said_at_once(workspace):
    [result] = add_vehicles(workspace, [Entry(vin="ABC", odometer="x", odometer_unit="km")], SYSTEM)

    assert result.reason == (
        "VIN must be 16 or 17 characters, not 3; odometer must be a whole number from 0 to 2,000,000, not 'x'"
    )


def test_results_come_in_the_order_given_across_batches(workspace, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_ROWS", 3)
    vins = [new_vin("ZFF") for _ in range(5)]
    entries = [Entry(vin=v) for v in vins] + [Entry(vin="bad"), Entry(vin=vins[0]), Entry(vin=new_vin("9ZZ"))]

    results = add_vehicles(workspace, entries, SYSTEM)

    assert [r.outcome for r in results] == [Outcome.ADDED] * 5 + [Outcome.INVALID, Outcome.REPEATED, Outcome.ADDED]
    assert [r.entry for r in results] == entries
    assert summarise(results)["outcomes"] == {
        "added": 6,
        "re-added": 0,
        "duplicate": 0,
        "repeated": 1,
        "invalid": 1,
    }


def test_pending_vins_are_announced_after_commit(workspace, bmw_active, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, vehicle_ids, **kwargs):
        received.append((sender, sorted(vehicle_ids)))

    entered_pending.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            results = add_vehicles(workspace, [Entry(vin=new_vin("WBA")), Entry(vin=new_vin("ZFF"))], SYSTEM)
    finally:
        entered_pending.disconnect(receiver)

    assert received == [(Event.UPLOAD, [results[0].vehicle_id])]


def test_new_vehicle_ids_do_not_reuse_those_of_removed_rows(workspace):
    first = add_vehicle(workspace, new_vin("ZFF"))
    Vehicle.all_objects.filter(pk=first.pk).delete()  # a hard delete (cascade), e.g. a workspace removed …
    LoggedEvent.objects.filter(workspace=workspace).delete()  # … which takes its events with it

    [result] = add_vehicles(workspace, [Entry(vin=new_vin("ZFF"))], SYSTEM)

    assert result.vehicle_id > first.pk


def test_a_failure_in_the_middle_of_an_import_leaves_the_database_as_before(
    workspace, make_vehicle, monkeypatch, fail_on_call
):
    deleted = make_vehicle(DELETED)
    present = make_vehicle(Status.ENABLED)
    snapshot = (
        sorted(Vehicle.all_objects.values_list("pk", "vin", "status", "deleted_at", "approval_round")),
        StatusChange.objects.count(),
        kept_counts(workspace),
        Make.objects.count(),
    )
    monkeypatch.setattr(engine, "BATCH_ROWS", 4)
    failing = fail_on_call(machine.Uploads, "insert_history", call=2, error=RuntimeError("power cut"))
    entries = [Entry(vin=deleted.vin), Entry(vin=present.vin)] + [Entry(vin=new_vin(w)) for w in ["WBA", "ZFF"] * 5]

    with pytest.raises(RuntimeError, match="power cut"):
        add_vehicles(workspace, entries, SYSTEM)

    assert len(failing.calls) == 2  # the first batch had been written when it failed
    assert snapshot == (
        sorted(Vehicle.all_objects.values_list("pk", "vin", "status", "deleted_at", "approval_round")),
        StatusChange.objects.count(),
        kept_counts(workspace),
        Make.objects.count(),
    )


def test_an_import_takes_a_constant_number_of_queries_whatever_its_size(workspace, bmw_active):
    from django.test.utils import CaptureQueriesContext

    add_vehicle(workspace, new_vin("WBA"))  # not a fresh workspace: existence lookups run

    def queries(n):
        with CaptureQueriesContext(connection) as captured:
            add_vehicles(workspace, [Entry(vin=new_vin("WBA")) for _ in range(n)], SYSTEM)
        return len(captured)

    assert queries(3) == queries(300)


# --- Any mix of rows: the counts add up and the database matches them ---------------------------------------

POOL = [("WBA", 1), ("WBA", 2), ("ZFF", 3), ("ZFF", 4), ("9ZZ", 5), ("WBA", 6)]
VINS = [new_vin(wmi) for wmi, _ in POOL]
INVALID = ["", "WBA", "WBA3A5C51CF2566512", "WBA3A5C51CF25I651", "=SUM(A1)", "@cmd"]

rows_strategy = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(VINS), st.sampled_from([None, 0, 1500, "12", "-3", "1.5", "9999999"]), st.just("km")),
        st.tuples(st.sampled_from(VINS).map(lambda v: f" {v.lower()}"), st.just(None), st.sampled_from(["mi", "x"])),
        st.tuples(st.sampled_from(INVALID), st.just(None), st.just("km")),
    ),
    max_size=25,
)
before_strategy = st.lists(st.sampled_from(["absent", "live", "deleted"]), min_size=len(VINS), max_size=len(VINS))


def expected_outcomes(rows, before):
    outcomes, seen = [], set()
    for vin, odometer, unit in rows:
        vin = vin.strip().upper()
        valid_odometer = odometer is None or (str(odometer).isdigit() and int(odometer) <= 2_000_000)
        if vin not in VINS or not valid_odometer or unit not in ("km", "mi"):
            outcomes.append(Outcome.INVALID)
        elif vin in seen:
            outcomes.append(Outcome.REPEATED)
        else:
            seen.add(vin)
            outcomes.append(
                {"absent": Outcome.ADDED, "live": Outcome.DUPLICATE, "deleted": Outcome.READDED}[before[vin]]
            )
    return outcomes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, before_states=before_strategy, batch=st.sampled_from([2, 5, 10_000]))
def test_any_mix_of_rows_yields_counts_that_add_up_and_a_database_that_matches(
    workspace, monkeypatch, rows, before_states, batch
):
    monkeypatch.setattr(engine, "BATCH_ROWS", batch)
    with transaction.atomic():
        activate(workspace, "BMW")
        before = dict(zip(VINS, before_states, strict=True))
        for vin, state in before.items():
            if state != "absent":
                vehicle = add_vehicle(workspace, vin)
                if state == "deleted":
                    if vehicle.status == Status.PENDING:
                        machine.refuse_one(vehicle, Party.PROVIDER, SYSTEM, "test")
                    machine.fire(vehicle, Event.DELETE, SYSTEM)
        history_before = StatusChange.objects.count()
        problems = []
        entries = [Entry(vin=v, odometer=o, odometer_unit=u, line=i + 2) for i, (v, o, u) in enumerate(rows)]
        results = []
        summary = ImportRun(workspace, SYSTEM, on_results=results.extend, on_problems=problems.extend).run(entries)

        assert [r.outcome for r in results] == expected_outcomes(rows, before)
        assert sum(summary["outcomes"].values()) == len(rows)
        assert summary == summarise(results)
        written = summary["outcomes"][Outcome.ADDED] + summary["outcomes"][Outcome.READDED]
        assert sum(summary["statuses"].values()) == written
        not_added = [p for p in problems if not p[3]]
        assert len(not_added) == len(rows) - written
        warnings = [p for p in problems if p[3]]
        assert len(warnings) == summary["statuses"][Status.ERROR] + summary["statuses"][Status.INCOMPLETE]
        live = set(Vehicle.objects.filter(workspace=workspace).values_list("vin", flat=True))
        added = {r.entry.vin for r in results if r.outcome in (Outcome.ADDED, Outcome.READDED)}
        assert live == {v for v, s in before.items() if s == "live"} | added
        assert StatusChange.objects.count() == history_before + written
        for result in results:
            if result.status:
                assert Vehicle.objects.get(pk=result.vehicle_id).status == result.status
        assert kept_counts(workspace) == true_counts(workspace)
        transaction.set_rollback(True)


def test_counts_kept_by_an_import_match_a_recount(workspace, bmw_active):
    add_vehicles(workspace, [Entry(vin=new_vin(w)) for w in ("WBA", "ZFF", "9ZZ", "WBA")], SYSTEM)
    kept = kept_counts(workspace)

    counts.recount(workspace)

    assert kept == kept_counts(workspace)
