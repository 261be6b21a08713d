"""A KPI's recent scores as a tiny SVG line in the colour of its latest status.

Streamlit's line-chart column draws every cell of a column in one colour, so the Scorecard
shows its sparklines as images instead (`st.column_config.ImageColumn` takes SVG data
URLs): each line in its own status colour (grey without a score), its latest point a dot,
and a dashed rule where green starts, so that a line above the rule reads as on target.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from kpi_engine.charts.palette import MISSING_COLOR, STATUS_COLORS
from kpi_engine.core.settings import Settings

WIDTH, HEIGHT, PAD = 100, 30, 3  # the image's own units; the column scales it
RULE_COLOR = "#9e9e9e"


def color_of(status: object) -> str:
    """The line's colour: the latest status's, grey when there is none."""
    return STATUS_COLORS.get(str(status), MISSING_COLOR)


def svg(scores: Sequence[float], status: object, settings: Settings) -> str:
    """The sparkline of `scores` (oldest first, already without gaps) on a fixed 0-cap
    scale, as SVG text; "" when there is nothing to draw."""
    if not scores:
        return ""
    cap = float(settings.cap)
    step = (WIDTH - 2 * PAD) / max(len(scores) - 1, 1)

    def y(score: float) -> float:
        return round(PAD + (HEIGHT - 2 * PAD) * (1 - min(max(score, 0.0), cap) / cap), 2)

    points = [(round(PAD + i * step, 2), y(s)) for i, s in enumerate(scores)]
    color = color_of(status)
    line = " ".join(f"{x},{v}" for x, v in points)
    last_x, last_y = points[-1]
    green = y(float(settings.green_at))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">'
        f'<line x1="0" y1="{green}" x2="{WIDTH}" y2="{green}" stroke="{RULE_COLOR}" '
        'stroke-width="0.8" stroke-dasharray="3,3"/>'
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2.8" fill="{color}"/>'
        "</svg>"
    )


def data_url(scores: Sequence[float], status: object, settings: Settings) -> str | None:
    """`svg` as a data URL for an image column; None (an empty cell) without scores."""
    drawn = svg(scores, status, settings)
    return f"data:image/svg+xml;utf8,{quote(drawn)}" if drawn else None
