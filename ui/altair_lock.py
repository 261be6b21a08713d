"""Streamlit's lock around Altair's process-wide settings, for converting charts off its path.

Altair's data transformer and theme are global to the process, and `st.altair_chart` in
another session's thread switches the transformer to one that moves a chart's data out
of the spec (an empty chart or image then). Streamlit holds a private lock,
`streamlit.elements.vega_charts._altair_globals_lock`, while it does; converting a chart
under the same lock is safe from any thread. This module is the only code that names it
(tests/test_streamlit_private_api.py fails if it moves or Streamlit stops holding it).
"""

from __future__ import annotations

from typing import Any

from streamlit.elements import vega_charts

ALTAIR_GLOBALS = vega_charts._altair_globals_lock


def chart_dict(chart: Any) -> dict[str, Any]:
    """An Altair chart as a Vega-Lite dict with its data inline, whichever thread asks."""
    with ALTAIR_GLOBALS:
        return chart.to_dict()
