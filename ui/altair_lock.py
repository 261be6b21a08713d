"""Streamlit's lock around Altair's process-wide settings, for converting charts off its path.

Altair's data transformer and theme are global to the process, and `st.altair_chart` in
another session's thread switches the transformer to one that moves a chart's data out
of the spec (an empty chart or image then). Streamlit holds a private lock,
`streamlit.elements.vega_charts._altair_globals_lock`, while it does; converting a chart
under the same lock is safe from any thread. This module is the only code that names it
(tests/test_streamlit_private_api.py fails if it moves or Streamlit stops holding it).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import altair as alt
from streamlit.elements import vega_charts

ALTAIR_GLOBALS = vega_charts._altair_globals_lock


def chart_dict(chart: Any) -> dict[str, Any]:
    """An Altair chart as a Vega-Lite dict with its data inline, whichever thread asks,
    without Altair's check against the schema (`shown_dict`)."""
    with ALTAIR_GLOBALS:
        return chart.to_dict(validate=False)


def shown_dict(chart: Any) -> dict[str, Any]:
    """An Altair chart as `st.altair_chart` sends it (Altair's default theme off), for
    `st.vega_lite_chart`, without Altair's check of the whole spec against the Vega-Lite
    schema: run on every chart of every session's every rerun, that check took a ninth
    of the server's CPU under load (README "A hundred viewers"). The charts are built by
    `kpi_engine.charts`, whose specs the tests check. Data inline, however many rows."""
    with ALTAIR_GLOBALS:
        plain = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with plain, alt.data_transformers.enable("default", max_rows=None):
            return chart.to_dict(validate=False)
