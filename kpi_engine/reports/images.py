"""Charts as image files (PNG, SVG) for downloads and the PDF report, via vl-convert.

vl-convert renders Vega-Lite without a browser. The charts name their font family in
their config (`charts.FONT`: Noto Sans CJK first); the font directory Debian's
fonts-noto-cjk installs is registered once, so Chinese is drawn with the same face as on
screen whether or not the renderer's own font scan found it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

from kpi_engine.core.names import printable

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


def _spec(chart: Spec) -> dict[str, Any]:
    _register_fonts()
    return _printable(chart if isinstance(chart, dict) else chart.to_dict())


def png(chart: Spec, *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes; `scale` 2 gives sharp images on slides and in print."""
    return vlc.vegalite_to_png(_spec(chart), scale=scale)


def svg(chart: Spec) -> str:
    """The chart as an SVG document (text stays text, in the chart's font family)."""
    return vlc.vegalite_to_svg(_spec(chart))
