"""Charts as image files (PNG, SVG) for downloads and the PDF report, via vl-convert.

vl-convert renders Vega-Lite without a browser. The charts name their font family in
their config (`charts.FONT`: Noto Sans CJK first); the font directory Debian's
fonts-noto-cjk installs is registered once, so Chinese is drawn with the same face as on
screen whether or not the renderer's own font scan found it.
"""

from __future__ import annotations

import struct
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

from kpi_engine.core.names import printable
from kpi_engine.i18n import period_label

# Where Debian's fonts-noto-cjk puts Noto Sans CJK (.ttc collections with CFF outlines).
FONT_DIR = Path("/usr/share/fonts/opentype/noto")

Spec = alt.TopLevelMixin | dict[str, Any]


@cache
def _register_fonts() -> None:
    """Tell vl-convert about the CJK font directory, once per process."""
    if FONT_DIR.is_dir():
        vlc.register_font_directory(str(FONT_DIR))


def _printable(node: Any) -> Any:
    """The spec with every string made printable (`names.printable`): vl-convert aborts
    the process on a control character in a label."""
    if isinstance(node, str):
        return printable(node)
    if isinstance(node, dict):
        return {_printable(k): _printable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_printable(v) for v in node]
    return node


TITLE_SIZE = 16  # px: a chart title above the axis labels' 12


def chart_title(name: str, period: str, lang: str) -> str:
    """What an exported chart is called: its name and the period (`部门得分 · 2026-10`)."""
    return f"{name} · {period_label(period, lang)}"


def _spec(chart: Spec, title: str | None = None) -> dict[str, Any]:
    """The chart as a Vega-Lite dict for vl-convert; with `title` (`chart_title`) on top,
    left-aligned, so a file saved or pasted elsewhere says what and when it shows."""
    _register_fonts()
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    if title is not None:
        heading = {"text": title, "anchor": "start", "fontSize": TITLE_SIZE, "offset": 12}
        spec = {**spec, "title": heading}
    return _printable(spec)


def png(chart: Spec, *, scale: float = 2.0, title: str | None = None) -> bytes:
    """The chart as PNG bytes; `scale` 2 gives sharp images on slides and in print."""
    return vlc.vegalite_to_png(_spec(chart, title), scale=scale)


def svg(chart: Spec, *, title: str | None = None) -> str:
    """The chart as an SVG document (text stays text, in the chart's font family)."""
    return vlc.vegalite_to_svg(_spec(chart, title))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header chunk."""
    return struct.unpack(">II", data[16:24])
