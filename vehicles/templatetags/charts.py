"""The vehicle page's server-side SVG chart of status data (the view asks the gate: vehicles/views/vehicle_data.py).

{% load charts %}
{% reading_chart data.history %}               → an inline <svg> of odometer and fuel/battery over time
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 52, 16, 40


def _scale(value, low, high, out_low, out_high):
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) * (out_high - out_low) / (high - low)


def _nice_range(low, high):
    if high - low < 1:
        return low - 1, high + 1
    return low, high


@register.simple_tag
def reading_chart(history, chart_id="reading-chart"):
    """An inline SVG line chart of odometer (left axis, km) and fuel or battery level (right axis, %)."""
    points = [r for r in history if r.odometer_km is not None]
    if len(points) < 2:
        return format_html('<p class="muted">{}</p>', "Not enough readings yet for a chart.")
    start, end = points[0].recorded_at, points[-1].recorded_at
    span = max((end - start).total_seconds(), 1)
    odo_low, odo_high = _nice_range(min(r.odometer_km for r in points), max(r.odometer_km for r in points))
    plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def x(r):
        return round(LEFT + (r.recorded_at - start).total_seconds() / span * (plot_right - LEFT), 1)

    def y_odo(r):
        return round(_scale(r.odometer_km, odo_low, odo_high, plot_bottom, TOP), 1)

    def level(r):
        return r.battery_level if r.battery_level is not None else r.fuel_level

    levels = [r for r in points if level(r) is not None]
    electric = any(r.battery_level is not None for r in levels)
    level_name = "Battery" if electric else "Fuel"
    odometer_line = " ".join(f"{x(r)},{y_odo(r)}" for r in points)
    level_line = " ".join(f"{x(r)},{round(_scale(level(r), 0, 100, plot_bottom, TOP), 1)}" for r in levels)

    grid = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>'
        '<text class="chart-tick" x="{}" y="{}" text-anchor="start">{}%</text>',
        (
            (
                LEFT,
                plot_right,
                y,
                y,
                LEFT - 6,
                y + 4,
                f"{round(_scale(y, plot_bottom, TOP, odo_low, odo_high)):,}",
                plot_right + 6,
                y + 4,
                round(_scale(y, plot_bottom, TOP, 0, 100)),
            )
            for y in (TOP, (TOP + plot_bottom) / 2, plot_bottom)
        ),
    )
    summary = (
        f"Odometer from {points[0].odometer_km:,.0f} km to {points[-1].odometer_km:,.0f} km "
        f"between {start:%d %b %Y %H:%M} and {end:%d %b %Y %H:%M} UTC"
    )
    if levels:
        summary += f"; {level_name.lower()} level from {level(levels[0]):.0f}% to {level(levels[-1]):.0f}%"
    level_svg = format_html('<polyline class="chart-line chart-level" points="{}"/>', level_line) if levels else ""
    return format_html(
        '<figure class="reading-chart">'
        '<svg id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">Odometer and {level_lower} level over time</title>'
        '<desc id="{id}-desc">{summary}</desc>'
        "{grid}"
        '<polyline class="chart-line chart-odometer" points="{odometer}"/>'
        "{level_svg}"
        '<text class="chart-axis" x="{left}" y="{label_y}" text-anchor="start">{start_label}</text>'
        '<text class="chart-axis" x="{right}" y="{label_y}" text-anchor="end">{end_label}</text>'
        "</svg>"
        '<figcaption><span class="legend legend-odometer">Odometer (km, left axis)</span> '
        '<span class="legend legend-level">{level_name} level (%, right axis)</span></figcaption>'
        "</figure>",
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        level_lower=level_name.lower(),
        level_name=level_name,
        summary=summary,
        grid=grid,
        odometer=odometer_line,
        level_svg=level_svg,
        left=LEFT,
        right=plot_right,
        label_y=HEIGHT - 12,
        start_label=f"{start:%d %b %H:%M}",
        end_label=f"{end:%d %b %H:%M}",
    )
