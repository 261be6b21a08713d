"""Metric tiles in their status colour: a score's tile shows green, amber or red as the
charts do (`charts.palette`), so the headline numbers read like the bars below them.

`st.metric` takes no colour, so each tile sits in a keyed container (Streamlit gives it
the class `st-key-<key>`) and one small style sheet colours the tile's border, background
and icon by the status in that key. The icon's shape tells the status too (a tick, an
exclamation mark, the red marker's downward triangle, an empty circle), so the colour is
never the only sign; the label stays the plain label.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kpi_engine import Settings
from kpi_engine.charts.palette import ALL_STATUS_COLORS, BAND_TINTS, STATUS_ORDER
from kpi_engine.core.scoring import statuses
from kpi_engine.i18n import is_missing

PREFIX = "status_tile"
ICONS = {
    "green": ":material/check_circle:",
    "amber": ":material/error:",
    "red": ":material/arrow_drop_down_circle:",  # the red marker, ▼ (`palette.RED_MARK`)
    "missing": ":material/radio_button_unchecked:",
}
NO_TINT = "#f5f5f5"  # behind a missing score's tile
STYLE = "<style>{}</style>".format(
    "".join(
        f'[class*="st-key-{PREFIX}_{status}_"] [data-testid="stMetric"] '
        f"{{border-left: 0.45rem solid {color}; background: {BAND_TINTS.get(status, NO_TINT)};}}"
        f'[class*="st-key-{PREFIX}_{status}_"] [data-testid="stMetric"] '
        f'[data-testid="stMetricIcon"] {{color: {color};}}'
        for status, color in ((s, ALL_STATUS_COLORS[s]) for s in STATUS_ORDER)
    )
)


def status_of(score: object, settings: Settings) -> str:
    """A score's status under the settings' bands (`core.scoring.statuses`), `missing`
    when there is none."""
    if is_missing(score):
        return "missing"
    return str(statuses(pd.Series([score], dtype=float), settings=settings)[0])


def metric(
    place: DeltaGenerator,
    name: str,
    label: str,
    value: str,
    delta: str | None = None,
    *,
    status: str,
    help: str | None = None,
) -> None:
    """`st.metric` in `place`, bordered, tinted and with the icon of `status`. `name`
    makes the tile's key (unique on the page)."""
    with place.container(key=f"{PREFIX}_{status}_{name}"):
        st.html(STYLE)
        st.metric(label, value, delta, help=help, icon=ICONS[status], border=True)
