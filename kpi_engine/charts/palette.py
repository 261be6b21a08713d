"""The status palette, written once: the charts, the reports (workbook and PDF) and the
app's tables colour a status, its band and a missing score alike.

Hex strings (`#rrggbb`); a writer that wants another form converts them (`rgb`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# ColorBrewer RdYlGn stops: the status colours, plus the pale green where green starts.
RED, AMBER, LIGHT_GREEN, GREEN = "#d73027", "#fdae61", "#d9ef8b", "#1a9850"
SCALE: tuple[str, ...] = (RED, AMBER, LIGHT_GREEN, GREEN)  # the score scale, 0 to the cap
STATUS_COLORS: Mapping[str, str] = MappingProxyType({"red": RED, "amber": AMBER, "green": GREEN})
# Light tints of the status colours, for a band or a cell behind dark text.
BAND_TINTS: Mapping[str, str] = MappingProxyType(
    {"red": "#f8d3cf", "amber": "#fdebc8", "green": "#d5eed2"}
)
MISSING_COLOR = "#d9d9d9"  # no score: grey, never a status colour


def rgb(color: str) -> tuple[int, int, int]:
    """`#rrggbb` as an (r, g, b) triple of 0-255 (fpdf2's colours)."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
