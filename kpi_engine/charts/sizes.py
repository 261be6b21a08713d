"""Chart type and size for the room: one function scales a finished chart for meeting mode.

The builders (`specs`) draw for a desk screen: 11-13 px text and heights that suit a page
of 16 px type. Meeting mode sets 22 px root type, so a chart must grow with it, and every
chart alike. Rather than a size argument on every builder (and every page's call),
`scaled` takes a builder's finished chart as its Vega-Lite dict and returns a copy in which

- every font size, in the config (axis, legend, header, title, mark defaults) and on any
  mark or axis that sets its own, is multiplied by `factor` and is at least `min_font`
  px, including the Vega-Lite defaults a builder leaves alone; label limits, offsets and
  legend symbols grow with it, so bigger labels keep their room;
- a view's height and width in px grow with the type (`factor`): Streamlit fits the
  whole chart, axes and legends included, into that size, so the plot keeps its share
  as the text grows, and trend charts get their height;
- a step (the room of one bar or heatmap row) grows by `space`, less than the type: a
  row needs a little more room for 18 px text, not half as much again, and the
  Overview's ranking must still fit on the first screen beside the warnings.

Tooltips keep the browser's size. The data (`datasets`, `data`) is shared with the input,
never copied: a cached spec (the What-if page's templates) stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TypeSize:
    """How much larger than the builders' sizes a chart is drawn, and its smallest text."""

    factor: float  # text
    min_font: float  # px
    space: float  # steps (a bar's or a row's room)


NORMAL = TypeSize(factor=1.0, min_font=0.0, space=1.0)
# 12 px axis labels -> 18 px (for 22 px root type); a 28 px bar row -> 35 px.
MEETING = TypeSize(factor=1.5, min_font=18.0, space=1.25)

# Vega-Lite's own font sizes where a chart's config leaves them out (the defaults of
# Vega's axis, legend, header and title, and of a text mark), so they grow too.
DEFAULT_FONTS: dict[str, dict[str, float]] = {
    "axis": {"labelFontSize": 10, "titleFontSize": 11},
    "legend": {"labelFontSize": 10, "titleFontSize": 11},
    "header": {"labelFontSize": 10, "titleFontSize": 11},
    "title": {"fontSize": 13, "subtitleFontSize": 12},
    "text": {"fontSize": 11},
}
# Keys whose number is a length that grows with the type (px), and areas (px²: a point's
# or a legend symbol's size) that grow with its square.
LENGTHS = ("labelLimit", "titleLimit", "gradientLength", "titleY", "dx", "dy", "labelPadding")
AREAS = ("size", "symbolSize")
SKIP = ("data", "datasets")  # shared, not walked: a chart's rows never hold sizes


def _font(value: float, size: TypeSize) -> float:
    return max(round(value * size.factor, 1), size.min_font)


def _size(key: str, value: Any, size: TypeSize) -> Any:
    """One key's value, scaled when it is a font size, a length or a view size."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and (key == "fontSize" or key.endswith("FontSize")):
        return _font(value, size)
    if number and key in LENGTHS:
        return round(value * size.factor, 1)
    if number and key in AREAS:
        return round(value * size.factor**2, 1)
    if key in ("height", "width"):
        if number:
            return round(value * size.factor)
        if isinstance(value, dict) and isinstance(value.get("step"), int | float):
            return {**value, "step": round(value["step"] * size.space)}
        return value  # "container", or a bar mark's {"band": ...}: relative already
    return _walk(value, size)


def _walk(node: Any, size: TypeSize) -> Any:
    if isinstance(node, dict):
        return {k: v if k in SKIP else _size(k, v, size) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, size) for v in node]
    return node


def scaled(spec: dict[str, Any], size: TypeSize = MEETING) -> dict[str, Any]:
    """A copy of a finished chart's Vega-Lite dict with its text and sizes scaled by
    `size` (see the module's docstring); the input is left unchanged."""
    if size == NORMAL:
        return spec
    config = dict(spec.get("config", {}))
    for part, defaults in DEFAULT_FONTS.items():
        config[part] = {**defaults, **config.get(part, {})}
    return _walk({**spec, "config": config}, size)
