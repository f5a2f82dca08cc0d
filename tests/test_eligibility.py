"""The eligibility service (vehicles/eligibility.py) and the simulated provider's answers: eligible, refused by
the maker (the same rule and reason as its refusals), invalid and of no known make (not asked), in order, batched
per make, and nothing changed."""

import pytest

from tests.eligibility_support import REFUSAL_REASON, UNKNOWN_WMI, eligible_vin, refused_vin, snapshot
from tests.factories import activate, add_vehicle
from vehicles import eligibility
from vehicles.importing.engine import Entry
from vehicles.providers import Decision, ProviderUnavailable
from vehicles.providers.simulated import SimulatedProvider
from vehicles.status.machine import MAKE_NOT_FOUND


def test_it_answers_each_kind_of_vin_in_the_order_given(workspace):
    ok, refused, unknown = eligible_vin(), refused_vin("YV1"), eligible_vin(UNKNOWN_WMI)
    verdicts = eligibility.check_vins([refused, " " + ok.lower() + " ", "ABC", unknown, ok])
    assert [(v.vin, v.eligible, v.make, v.reason) for v in verdicts] == [
        (refused, False, "Volvo Cars", REFUSAL_REASON),
        (ok, True, "BMW", ""),
        ("ABC", False, None, "VIN must be 16 or 17 characters, not 3"),
        (unknown, False, None, MAKE_NOT_FOUND),
        (ok, True, "BMW", ""),
    ]
    assert eligibility.summary(verdicts) == {"eligible": 2, "ineligible": 3}


def test_the_provider_refuses_exactly_what_it_answers_not_eligible(settings):
    settings.SIMULATED_PROVIDER = {"DECISION_DELAY_SECONDS": 0, "REFUSE_VINS": ["WBA3A5C5XDF354621"]}
    vins = ["WBA3A5C5XDF354621", eligible_vin(), refused_vin(), eligible_vin("YV1")]
    provider = SimulatedProvider()
    decisions = {a.vin: a for a in provider.request_enablement(vins)}
    for answer in provider.check_eligibility(vins):
        decision = decisions[answer.vin]
        assert answer.eligible == (decision.decision != Decision.REFUSED)
        assert answer.reason == (decision.reason if not answer.eligible else "")


def test_invalid_and_unknown_make_vins_are_not_asked(workspace, monkeypatch):
    asked = []
    original = SimulatedProvider.check_eligibility

    def spy(self, vins):
        asked.append(list(vins))
        return original(self, vins)

    monkeypatch.setattr(SimulatedProvider, "check_eligibility", spy)
    ok = eligible_vin()
    eligibility.check_vins(["ABC", eligible_vin(UNKNOWN_WMI), ok, "WBAIOQ00000000000", ok])
    assert asked == [[ok]]  # once, however often it is given


def test_it_asks_each_make_in_batches(settings, monkeypatch):
    settings.PROVIDER_BATCH_SIZE = 3
    asked = []
    original = SimulatedProvider.check_eligibility
    monkeypatch.setattr(
        SimulatedProvider, "check_eligibility", lambda self, vins: asked.append(len(vins)) or original(self, vins)
    )
    verdicts = eligibility.check_vins([eligible_vin() for _ in range(7)] + [eligible_vin("YV1") for _ in range(2)])
    assert all(v.eligible for v in verdicts)
    assert sorted(asked) == [1, 2, 3, 3]


def test_a_named_make_and_an_odometer_are_judged_by_the_engines_rules(workspace):
    ok = eligible_vin()
    verdicts = eligibility.check(
        [
            Entry(vin=ok, make_name="volvo cars"),
            Entry(vin=ok, make_name="No Such Maker"),
            Entry(vin=ok, odometer="12x"),
            Entry(vin=ok, odometer="1200", odometer_unit="MI", line=5),
        ]
    )
    assert (verdicts[0].eligible, verdicts[0].make) == (True, "Volvo Cars")
    assert (verdicts[1].eligible, verdicts[1].reason) == (
        False,
        "Make not found: 'No Such Maker' is not the name of a known maker",
    )
    assert not verdicts[2].eligible and verdicts[2].reason.startswith("odometer must be a whole number")
    assert verdicts[3].eligible and (verdicts[3].entry.odometer, verdicts[3].entry.odometer_unit) == (1200, "mi")


def test_an_unreachable_provider_makes_the_vins_not_eligible_with_the_reason(settings):
    settings.SIMULATED_PROVIDER = {"OUTAGE": True}
    with pytest.raises(ProviderUnavailable):
        SimulatedProvider().check_eligibility([eligible_vin()])
    [verdict] = eligibility.check_vins([eligible_vin()])
    assert not verdict.eligible and verdict.reason.startswith("could not be checked")


def test_checking_adds_nothing_and_changes_nothing(workspace, other_workspace):
    activate(workspace, "BMW")
    present = add_vehicle(workspace, eligible_vin())
    theirs = add_vehicle(other_workspace, refused_vin())
    before = snapshot()
    vins = [present.vin, theirs.vin, eligible_vin("ZFF"), eligible_vin(UNKNOWN_WMI), "ABC", eligible_vin("SAL")]
    verdicts = eligibility.check([*(Entry(vin=v) for v in vins), Entry(vin=eligible_vin(), make_name="Tesla")])
    assert len(verdicts) == 7
    assert snapshot() == before
