"""`manage.py check_eligibility WORKSPACE_SLUG VIN [VIN …]`: one line per VIN, in order, `VIN eligible` or
`VIN not eligible: REASON`; nothing changed; an unknown workspace is a clear non-zero exit."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.eligibility_support import REFUSAL_REASON, UNKNOWN_WMI, eligible_vin, refused_vin, snapshot
from tests.factories import add_vehicle
from vehicles.status.machine import MAKE_NOT_FOUND


def run(*args):
    out = StringIO()
    call_command("check_eligibility", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_one_line_per_vin_in_order(workspace):
    ok, refused, unknown = eligible_vin(), refused_vin(), eligible_vin(UNKNOWN_WMI)
    assert run(workspace.slug, refused, "abc", ok.lower(), unknown) == [
        f"{refused} not eligible: {REFUSAL_REASON}",
        "abc not eligible: VIN must be 16 or 17 characters, not 3",
        f"{ok} eligible",
        f"{unknown} not eligible: {MAKE_NOT_FOUND}",
    ]


def test_it_changes_nothing(workspace):
    present = add_vehicle(workspace, eligible_vin())
    ferrari = eligible_vin("ZFF")
    before = snapshot()
    assert run(workspace.slug, present.vin, ferrari) == [f"{present.vin} eligible", f"{ferrari} eligible"]
    assert snapshot() == before  # not even the Ferrari make was created


def test_an_unknown_workspace_is_refused_with_a_clear_message(workspace):
    with pytest.raises(CommandError, match="No workspace with slug 'nope'"):
        run("nope", eligible_vin())


def test_without_a_vin_it_exits_non_zero(workspace):
    with pytest.raises(CommandError):
        run(workspace.slug)
