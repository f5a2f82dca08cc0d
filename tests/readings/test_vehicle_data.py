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
from vehicles.templatetags import charts
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
    assert "Latest odometer reading" in html and "Ignition" in html
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


@pytest.mark.django_db
def test_the_position_is_a_link_to_the_place_on_openstreetmap_and_no_map_is_loaded(make_vehicle, workspace, simulated):
    vehicle = make_vehicle(Status.ENABLED, ago=LONG_AGO)
    Reading.objects.create(
        vin=vehicle.vin, recorded_at=timezone.now(), odometer_km=179_708, latitude=48.137154, longitude=11.576124
    )

    html = render(vehicle, workspace)

    link = "https://www.openstreetmap.org/?mlat=48.13715&amp;mlon=11.57612#map=15/48.13715/11.57612"
    assert f'<a class="place-link" href="{link}"' in html
    assert '>48.13715, 11.57612<span class="visually-hidden"> on OpenStreetMap</span></a>' in html
    assert "<dt>Latest odometer reading</dt><dd>179,708 km" in html
    assert "<img" not in html and "tile" not in html


def _chart_readings(start, hours, odometer_from, odometer_to):
    return [
        Reading(
            vin="WBA3A5C51CF256651",
            recorded_at=start + timedelta(hours=hours * i / 20),
            odometer_km=odometer_from + (odometer_to - odometer_from) * i / 20,
            fuel_level=80 - i,
        )
        for i in range(21)
    ]


def _ticks(svg, kind):
    """The text of each tick label (an x tick's time and, under it, its date)."""
    texts = re.findall(rf'<text class="chart-tick chart-{kind}-tick"[^>]*>(.*?)</text>', svg)
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in texts]


@pytest.mark.parametrize(
    ("hours", "low", "high"),
    [(24 * 7, 4_017.0, 179_708.4), (5, 179_700.0, 179_731.7), (24, 12_345.0, 12_345.0)],
)
def test_the_chart_has_round_y_ticks_and_several_dated_x_ticks_at_both_widths(hours, low, high):
    start = datetime(2026, 11, 26, 13, 22, tzinfo=UTC)
    html = charts.reading_chart(_chart_readings(start, hours, low, high))

    for layout in ("wide", "narrow"):
        svg = re.search(rf'<svg id="reading-chart-{layout}".*?</svg>', html).group(0)
        y_values = [int(t.replace(",", "")) for t in _ticks(svg, "y")]
        assert len(y_values) >= 4
        step = y_values[1] - y_values[0]
        assert all(b - a == step for a, b in zip(y_values, y_values[1:], strict=False))
        assert str(step).rstrip("0") in ("1", "2", "25", "5"), step  # 1, 2, 2.5 or 5 × 10ⁿ
        assert y_values[0] <= low and y_values[-1] >= high
        x_labels = _ticks(svg, "x")
        assert len(x_labels) >= 3
        assert any(re.search(r"\d+ (Nov|Dec)", label) for label in x_labels), x_labels
        assert not re.search(r"\d\.\d", "".join(_ticks(svg, "y")))  # no unrounded values


def test_the_narrow_chart_keeps_its_text_readable_on_a_phone():
    html = charts.reading_chart(_chart_readings(datetime(2026, 11, 26, tzinfo=UTC), 48, 100, 900))
    wide = re.search(r'<svg id="reading-chart-wide"[^>]*viewBox="0 0 (\d+)', html).group(1)
    narrow = re.search(r'<svg id="reading-chart-narrow"[^>]*viewBox="0 0 (\d+)', html).group(1)
    # 12-unit text in a 360-unit chart drawn 358 px wide (a 390 px phone) stays about 12 px, not 6.
    assert (int(wide), int(narrow)) == (640, 360)
    assert 'class="chart-narrow"' in html and 'class="chart-wide"' in html
