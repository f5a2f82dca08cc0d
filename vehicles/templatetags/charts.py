"""The vehicle page's server-side SVG chart of status data (the view asks the gate: vehicles/views/vehicle_data.py).

{% load charts %}
{% reading_chart data.history %}               → a <figure> of odometer and fuel/battery over time

The chart is drawn twice, for a wide and for a narrow screen (CSS shows one: `.chart-wide`, `.chart-narrow`), so
that its text keeps a readable size at both widths: an SVG scaled down to a phone's width scales its labels down
with it (640 units in 360 px make 11 px text 6 px). Each has "nice" ticks: at least four y ticks at round steps
(1, 2, 2.5 or 5 × 10ⁿ km) and x ticks at round times (hours or days, in UTC), each labelled with its date.
"""

import math
from datetime import UTC, datetime, timedelta

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

HEIGHT = 260
TOP, BOTTOM = 16, 44
# (viewBox width, left margin, right margin, most x ticks) per layout; the text is 12 units in both.
LAYOUTS = {"wide": (640, 72, 52, 7), "narrow": (360, 64, 44, 4)}
MIN_Y_TICKS = 4
TIME_STEPS = (
    [timedelta(minutes=m) for m in (5, 10, 15, 30)]
    + [timedelta(hours=h) for h in (1, 2, 3, 6, 12)]
    + [timedelta(days=d) for d in (1, 2, 3, 7, 14, 28)]
)


def _scale(value, low, high, out_low, out_high):
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) * (out_high - out_low) / (high - low)


def nice_step(span, ticks):
    """A round step (1, 2, 2.5 or 5 × 10ⁿ, at least 1) that cuts `span` in about `ticks - 1` parts."""
    raw = max(span / max(ticks - 1, 1), 1e-9)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return max(factor * magnitude, 1)
    return max(10 * magnitude, 1)


def _smaller_step(step):
    """The next round step below `step` (5 → 2.5 → 2 → 1 → 0.5 …)."""
    magnitude = 10 ** math.floor(math.log10(step))
    factor = round(step / magnitude, 2)
    return {1: 0.5, 2: 1, 2.5: 2, 5: 2.5}.get(factor, 1) * magnitude


def nice_ticks(low, high, ticks=5):
    """Round tick values covering low..high: at least MIN_Y_TICKS of them (at steps of at least 1), the first
    ≤ low, the last ≥ high. A flat line gets the four kilometres around it."""
    if high - low < 1:
        low = max(low - 2, 0) if low >= 0 else low - 2
        high = low + 4
    step = nice_step(high - low, ticks)
    while True:
        first, last = math.floor(low / step) * step, math.ceil(high / step) * step
        count = round((last - first) / step) + 1
        if count >= MIN_Y_TICKS or step <= 1:
            break
        step = max(_smaller_step(step), 1)
    values = [first + i * step for i in range(count)]
    return [int(v) if float(v).is_integer() else round(v, 2) for v in values]


def time_ticks(start, end, most):
    """Round moments between start and end, and their step: the finest step of TIME_STEPS (whole minutes, hours
    or UTC days; weeks from Mondays) that gives at most `most` ticks. A span too short for two of them gets its
    start and end (step None)."""
    epoch = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight UTC: every step is aligned on it
    for step in TIME_STEPS:
        moment = epoch + math.ceil((start - epoch) / step) * step
        ticks = []
        while moment <= end and len(ticks) <= most:
            ticks.append(moment)
            moment += step
        if len(ticks) <= most:
            break
    if len(ticks) < 2:
        return [start, end], None
    return ticks, step


def _tick_label(moment, step):
    moment = moment.astimezone(UTC)
    if step is None:
        return f"{moment.day} {moment:%b %H:%M}"
    if step >= timedelta(days=1) or (moment.hour == 0 and moment.minute == 0):
        return f"{moment.day} {moment:%b}"
    return f"{moment:%H:%M}"


def _tick_sublabel(moment, step, previous):
    """The date under an hour tick, when the day changes (or on the first tick)."""
    if step is None or step >= timedelta(days=1):
        return ""
    moment = moment.astimezone(UTC)
    if previous is None or previous.astimezone(UTC).date() != moment.date():
        return "" if moment.hour == 0 else f"{moment.day} {moment:%b}"
    return ""


def _svg(points, levels, level, level_name, summary, chart_id, layout):
    width, left, right, most_x = LAYOUTS[layout]
    plot_right, plot_bottom = width - right, HEIGHT - BOTTOM
    start, end = points[0].recorded_at, points[-1].recorded_at
    span = max((end - start).total_seconds(), 1)
    y_values = nice_ticks(min(r.odometer_km for r in points), max(r.odometer_km for r in points))
    odo_low, odo_high = y_values[0], y_values[-1]

    def x_at(moment):
        return round(left + (moment - start).total_seconds() / span * (plot_right - left), 1)

    def y_odo(value):
        return round(_scale(value, odo_low, odo_high, plot_bottom, TOP), 1)

    odometer_line = " ".join(f"{x_at(r.recorded_at)},{y_odo(r.odometer_km)}" for r in points)
    level_line = " ".join(
        f"{x_at(r.recorded_at)},{round(_scale(level(r), 0, 100, plot_bottom, TOP), 1)}" for r in levels
    )
    y_grid = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart-tick chart-y-tick" x="{}" y="{}" text-anchor="end">{}</text>',
        ((left, plot_right, y_odo(v), y_odo(v), left - 6, y_odo(v) + 4, f"{v:,}") for v in y_values),
    )
    level_ticks = format_html_join(
        "",
        '<text class="chart-tick chart-level-tick" x="{}" y="{}" text-anchor="start">{}%</text>',
        ((plot_right + 6, round(_scale(p, 0, 100, plot_bottom, TOP), 1) + 4, p) for p in (0, 25, 50, 75, 100)),
    )
    moments, step = time_ticks(start, end, most_x)
    x_ticks = []
    previous = None
    for moment in moments:
        x = x_at(moment)
        x_ticks.append(
            format_html(
                '<line class="chart-grid chart-x-grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
                '<text class="chart-tick chart-x-tick" x="{x}" y="{label_y}" text-anchor="middle">'
                '<tspan x="{x}">{label}</tspan><tspan x="{x}" dy="14">{sublabel}</tspan></text>',
                x=x,
                top=TOP,
                bottom=plot_bottom,
                label_y=plot_bottom + 16,
                label=_tick_label(moment, step),
                sublabel=_tick_sublabel(moment, step, previous),
            )
        )
        previous = moment
    level_svg = format_html('<polyline class="chart-line chart-level" points="{}"/>', level_line) if levels else ""
    svg_id = f"{chart_id}-{layout}"
    return format_html(
        '<svg id="{id}" class="chart-{layout}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">Odometer and {level_lower} level over time</title>'
        '<desc id="{id}-desc">{summary}</desc>'
        "{y_grid}{level_ticks}{x_ticks}"
        '<polyline class="chart-line chart-odometer" points="{odometer}"/>'
        "{level_svg}"
        "</svg>",
        id=svg_id,
        layout=layout,
        w=width,
        h=HEIGHT,
        level_lower=level_name.lower(),
        summary=summary,
        y_grid=y_grid,
        level_ticks=level_ticks if levels else "",
        x_ticks=format_html_join("", "{}", ((tick,) for tick in x_ticks)),
        odometer=odometer_line,
        level_svg=level_svg,
    )


@register.simple_tag
def reading_chart(history, chart_id="reading-chart"):
    """An inline SVG line chart of odometer (left axis, km) and fuel or battery level (right axis, %)."""
    points = [r for r in history if r.odometer_km is not None]
    if len(points) < 2:
        return format_html('<p class="muted">{}</p>', "Not enough readings yet for a chart.")

    def level(r):
        return r.battery_level if r.battery_level is not None else r.fuel_level

    levels = [r for r in points if level(r) is not None]
    electric = any(r.battery_level is not None for r in levels)
    level_name = "Battery" if electric else "Fuel"
    start, end = points[0].recorded_at, points[-1].recorded_at
    summary = (
        f"Odometer from {points[0].odometer_km:,.0f} km to {points[-1].odometer_km:,.0f} km "
        f"between {start:%d %b %Y %H:%M} and {end:%d %b %Y %H:%M} UTC"
    )
    if levels:
        summary += f"; {level_name.lower()} level from {level(levels[0]):.0f}% to {level(levels[-1]):.0f}%"
    charts = [_svg(points, levels, level, level_name, summary, chart_id, layout) for layout in LAYOUTS]
    return format_html(
        '<figure class="reading-chart">{wide}{narrow}'
        '<figcaption><span class="legend legend-odometer">Odometer (km, left axis)</span> '
        '{level_legend}<span class="muted">Times in UTC.</span></figcaption>'
        "</figure>",
        wide=charts[0],
        narrow=charts[1],
        level_legend=format_html('<span class="legend legend-level">{} level (%, right axis)</span> ', level_name)
        if levels
        else "",
    )
