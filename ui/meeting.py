"""Meeting mode: the scorecard on the wall of a leadership meeting.

Large type, the sidebar out of the way, and a previous/next stepper over the periods of the
chosen grain. It is switched on by a sidebar toggle or by `?meeting=1` in a link, and the
URL follows the toggle, so the address bar can be copied into a calendar invite.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from kpi_engine.i18n import period_heading, t
from ui import actions, state

KEY = "meeting"  # session-state key of the toggle, and the query parameter
TRUE = ("1", "true", "on", "yes")

# Type scaled for a room (rem units follow the root size); Streamlit's menu and deploy
# button are hidden, the header's sidebar button stays so the mode can be left.
STYLE = """
<style>
html { font-size: 22px; }
h1 { font-size: 2rem !important; padding-top: 0 !important; }
[data-testid="stMetricValue"] { font-size: 3rem; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; }
[data-testid="stToolbarActions"], [data-testid="stMainMenu"], [data-testid="stAppDeployButton"] {
  display: none;
}
[data-testid="stHeader"] { background: transparent; }
.block-container { padding-top: 2.5rem; max-width: 100%; }
</style>
"""


def on() -> bool:
    """Whether this session is in meeting mode; a `?meeting=1` link switches it on."""
    if KEY not in st.session_state:
        st.session_state[KEY] = st.query_params.get(KEY, "").lower() in TRUE
    if st.session_state[KEY]:
        st.query_params[KEY] = "1"  # page switches drop the query string: keep it
    return bool(st.session_state[KEY])


def _follow_toggle() -> None:
    if st.session_state[KEY]:
        st.query_params[KEY] = "1"
    else:
        st.query_params.pop(KEY, None)


def toggle(lang: str) -> None:
    st.sidebar.toggle(
        t("meeting.toggle", lang), key=KEY, on_change=_follow_toggle, help=t("meeting.help", lang)
    )


def _step(labels: list[str], by: int) -> None:
    at = labels.index(st.session_state[state.PERIOD])
    st.session_state[state.PERIOD] = labels[min(max(at + by, 0), len(labels) - 1)]


def stage(labels: list[str], lang: str) -> None:
    """Large type and the period stepper above every page."""
    st.html(STYLE)
    period = st.session_state.get(state.PERIOD)
    if period not in labels:
        return
    at = labels.index(period)
    # one row: the action popover beside the stepper keeps the page's first screen for charts
    back, shown, forward, action = st.columns([1, 3, 1, 1], vertical_alignment="center")
    back.button(
        t("meeting.previous", lang),
        icon=":material/chevron_left:",
        on_click=_step,
        args=(labels, -1),
        disabled=at == 0,
        key="meeting_previous",
        width="stretch",
    )
    name = html.escape(period_heading(period, lang))  # `2026年10月 · 月度`
    shown.markdown(f"<h2 style='text-align:center;margin:0'>{name}</h2>", unsafe_allow_html=True)
    forward.button(
        t("meeting.next", lang),
        icon=":material/chevron_right:",
        on_click=_step,
        args=(labels, 1),
        disabled=at == len(labels) - 1,
        key="meeting_next",
        width="stretch",
    )
    with action:
        actions.meeting_form(period, lang)  # the actions agreed for the period on the wall


# The Scorecard's KPI columns read in a meeting, where the four perspectives stand side by
# side in a 2x2 grid; the other columns (weights, anchors, owner, rules) stay on the desk.
COMPACT_KPI_COLUMNS = (
    "common.kpi",
    "common.actual",
    "common.target",
    "common.unit",
    "common.score",
    "common.status",
    "notes.column",  # why a KPI is red, beside it, in the meeting too
    "scorecard.trend",
)


def kpi_column_order(frame: pd.DataFrame, lang: str) -> list[str] | None:
    """`st.dataframe`'s `column_order` for a KPI table: the compact set in meeting mode,
    every column (None) otherwise."""
    if not on():
        return None
    keep = {t(key, lang) for key in COMPACT_KPI_COLUMNS}
    return [c for c in frame.columns if c in keep]
