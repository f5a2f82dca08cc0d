"""The vehicle page's data section (templates/vehicles/_vehicle_data.html) and the simulated provider's readings."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from tests import chain_support
from tests.states import LONG_AGO
from vehicles.choices import Status
from vehicles.models import Reading
from vehicles.providers import provider_for
from vehicles.providers.simulated import SimulatedProvider, reading_at
from vehicles.views.vehicle_data import vehicle_data

simulated = chain_support.simulated  # the fixture


def render(vehicle, workspace):
    data = vehicle_data(vehicle, workspace)
    return render_to_string("vehicles/_vehicle_data.html", {"vehicle": vehicle, "workspace": workspace, "data": data})


@pytest.mark.django_db
def test_an_enabled_vehicle_shows_its_latest_reading_and_a_chart(make_vehicle, workspace, simulated):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)

    html = render(vehicle, workspace)

    assert "Vehicle status data" in html
    assert "Odometer" in html and "Ignition" in html
    assert "<svg" in html and "Odometer and fuel level over time" in html
    points = re.search(r'class="chart-line chart-odometer" points="([^"]+)"', html).group(1).split()
    assert len(points) == Reading.objects.filter(vin=vehicle.vin).count() >= 2
    heights = [float(p.split(",")[1]) for p in points]
    assert heights == sorted(heights, reverse=True), "the odometer line never goes down (y grows downwards)"


@pytest.mark.django_db
def test_a_disabled_vehicle_shows_a_notice_and_no_data(make_vehicle, workspace, simulated):
    vehicle = make_vehicle(Status.DISABLED, ago=LONG_AGO)
    Reading.objects.create(vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=123_456)

    html = render(vehicle, workspace)

    assert "This vehicle is disabled" in html
    assert "<svg" not in html and "123" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.PENDING, "waiting for the platform"),
        (Status.INCOMPLETE, "make is not activated"),
        (Status.ERROR, "Error"),
    ],
)
def test_a_vehicle_not_yet_enabled_says_why_there_is_no_data(make_vehicle, workspace, simulated, status, words):
    html = render(make_vehicle(status), workspace)

    assert words in html and "<svg" not in html


@pytest.mark.django_db
def test_a_vehicle_enabled_elsewhere_shows_no_data_in_a_workspace_where_it_is_disabled(
    make_vehicle, workspace, other_workspace, simulated
):
    enabled = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    disabled = make_vehicle(Status.DISABLED, ago=LONG_AGO, target_workspace=other_workspace, vin=enabled.vin)

    assert "<svg" in render(enabled, workspace)
    assert "This vehicle is disabled" in render(disabled, other_workspace)


def test_the_simulated_readings_are_deterministic_and_plausible():
    vin = "WBA3A5C51CF256651"
    start = datetime(2026, 11, 1, tzinfo=UTC)
    readings = [reading_at(vin, start + timedelta(minutes=10 * n)) for n in range(300)]

    assert reading_at(vin, start) == readings[0], "the same VIN at the same instant gives the same reading"
    odometers = [r.odometer_km for r in readings]
    assert odometers == sorted(odometers) and odometers[-1] > odometers[0], "the odometer only grows"
    assert len({(r.latitude, r.longitude) for r in readings}) > 10, "the position moves"
    assert all(0 <= r.fuel_level <= 100 and r.battery_level is None for r in readings)
    assert {r.ignition for r in readings} == {True, False}
    assert all((r.speed_kmh > 0) == r.ignition for r in readings)
    assert reading_at("5YJ3E1EA7KF317000", start).battery_level is not None, "a Tesla reports its battery"
    assert reading_at("WBA3A5C51CF256652", start) != readings[0], "each VIN has its own readings"


def test_the_simulated_provider_is_the_default_for_every_make(settings):
    settings.VEHICLE_PROVIDERS = {"default": "vehicles.providers.simulated.SimulatedProvider"}

    assert isinstance(provider_for("BMW"), SimulatedProvider)
    assert isinstance(provider_for(None), SimulatedProvider)


def test_a_make_can_have_its_own_provider(settings):
    settings.VEHICLE_PROVIDERS = {
        "default": "vehicles.providers.simulated.SimulatedProvider",
        "tesla": "tests.readings.test_gate.SlowProvider",
    }

    assert provider_for("Tesla").name == "slow"
    assert provider_for("BMW").name == "simulated"


@pytest.mark.django_db
def test_the_vehicle_page_includes_the_data_for_a_viewer_too(client, viewer, workspace, make_vehicle, simulated):
    from django.urls import reverse

    enabled = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    disabled = make_vehicle(Status.DISABLED, ago=LONG_AGO)
    client.force_login(viewer)

    page = client.get(reverse("vehicles:detail", args=[workspace.slug, enabled.vin]))
    assert page.status_code == 200
    assert "Vehicle status data" in page.text and "<svg" in page.text

    page = client.get(reverse("vehicles:detail", args=[workspace.slug, disabled.vin]))
    assert "This vehicle is disabled" in page.text and "<svg" not in page.text
