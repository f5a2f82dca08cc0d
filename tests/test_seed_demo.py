"""seed_demo shows the approval chain's results: every status, the provider's refusal and revocation, an
activation request, and status data for the vehicles that have been Enabled."""

from io import StringIO

import pytest
from django.core.management import call_command

from fleet.models import MakeActivation
from tests import chain_support
from vehicles.choices import Actor, Status
from vehicles.models import Reading, StatusChange, Vehicle
from vehicles.readings import gate

simulated = chain_support.simulated  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, simulated):
    simulated["REFUSE_LAST_CHARACTERS"] = "7"  # the documented default rule
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    settings.DEBUG = False
    return out.getvalue()


def demo_vehicles():
    return Vehicle.objects.filter(workspace__slug="demo-fleet")


def test_the_demo_has_every_status_through_the_real_machinery(demo):
    counts = {status: demo_vehicles().filter(status=status).count() for status in Status.values}

    assert all(counts.values()), counts
    assert "Enabled" in demo and "readings" in demo
    refused = demo_vehicles().filter(status=Status.ERROR, error_reason__startswith="Refused by the provider")
    assert refused.exists() and all(v.vin.endswith("7") for v in refused)
    assert StatusChange.objects.filter(
        vehicle__workspace__slug="demo-fleet", to_status=Status.DISABLED, actor=Actor.PROVIDER
    ).exists(), "one vehicle was revoked by the provider"


def test_the_demo_has_an_activation_request_for_the_incomplete_make(demo):
    request = MakeActivation.objects.get(workspace__slug="demo-fleet", make__name="Ferrari")

    assert request.state == MakeActivation.State.REQUESTED
    assert request.requested_by.username == "manager" and request.note
    assert demo_vehicles().filter(make__name="Ferrari", status=Status.INCOMPLETE).count() == 7


def test_every_enabled_demo_vehicle_has_a_week_of_readings_and_disabled_ones_keep_theirs(demo):
    for vehicle in demo_vehicles().filter(status=Status.ENABLED):
        assert gate.readings(gate.vehicle_for_data(vehicle.workspace, vehicle.vin)).count() >= 7 * 24
    disabled = demo_vehicles().filter(status=Status.DISABLED).first()
    assert Reading.objects.filter(vin=disabled.vin).exists()
    with pytest.raises(gate.DataNotAvailable):
        gate.vehicle_for_data(disabled.workspace, disabled.vin)


def test_the_demo_leaves_automatic_platform_approval_off(demo):
    assert not Vehicle.objects.filter(workspace__auto_platform_approval=True).exists()
