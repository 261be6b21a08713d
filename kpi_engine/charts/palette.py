"""The status palette, written once: the charts, the reports (workbook and PDF) and the
app's tables colour a status, its band and a missing score alike.

The three status colours and the missing grey are told apart by lightness as well as hue,
so they survive greyscale print and red-green colour blindness: red darkest (CIELAB L* 40),
green (57), amber (75), missing grey (92), each at least 15 L* from the next; under a
simulated protanopia or deuteranopia (Machado et al. 2009) every pair stays more than 35
CIE76 ΔE apart (tests/test_status_colours.py checks both). The green leans to blue-green
and the amber to orange for that reason. Red also carries a marker (`RED_MARK`), so its
meaning never rests on colour alone.

Hex strings (`#rrggbb`); a writer that wants another form converts them (`rgb`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

RED, AMBER, GREEN = "#ba150b", "#f4a909", "#309b75"
MISSING_COLOR = "#e8e8e8"  # no score: grey, never a status colour
STATUS_COLORS: Mapping[str, str] = MappingProxyType({"red": RED, "amber": AMBER, "green": GREEN})
# Every status a score can have, missing included, in the order a legend lists them.
STATUS_ORDER: tuple[str, ...] = ("green", "amber", "red", "missing")
ALL_STATUS_COLORS: Mapping[str, str] = MappingProxyType({**STATUS_COLORS, "missing": MISSING_COLOR})
RED_MARK = "▼"  # beside a red value: red is never told by colour alone
# The optional heatmap gradient (`Settings.heatmap_colors`): ColorBrewer RdYlGn stops,
# 0 to the cap, with the pale green where green starts.
LIGHT_GREEN = "#d9ef8b"
SCALE: tuple[str, ...] = ("#d73027", "#fdae61", LIGHT_GREEN, "#1a9850")
# Light tints of the status colours, for a band or a cell behind dark text.
BAND_TINTS: Mapping[str, str] = MappingProxyType(
    {"red": "#f8d3cf", "amber": "#fdebc8", "green": "#d3ede3"}
)


def rgb(color: str) -> tuple[int, int, int]:
    """`#rrggbb` as an (r, g, b) triple of 0-255 (fpdf2's colours)."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
