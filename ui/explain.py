"""The "why the score moved" section of the Overview and the Scorecard: the waterfall of
`core.explain.explain` between the chosen period and the one before, and its parts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from kpi_engine import store
from kpi_engine.charts import waterfall
from kpi_engine.core import periods
from kpi_engine.core.explain import change, explain, score_of, settings_then
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.settings import Settings
from kpi_engine.i18n import period_label, points_change_text, t
from ui import data, downloads, tables


@st.cache_data(show_spinner=False, max_entries=32)
def _previous_settings(url: str, changed: int, period: str, time_zone: str) -> Settings | None:
    return settings_then(data.settings_history(), period, time_zone)


def previous_settings(period: str, settings: Settings) -> Settings | None:
    """The settings in force at the end of `period` (None: the defaults then, or the
    store unreadable), read once per change of the stored settings."""
    changed = store.revision(data.engine(), store.SETTINGS_ACTIONS)
    return _previous_settings(store.database_url(), changed, period, settings.time_zone)


def section(
    history: Scorecard,
    period: str | None,
    lang: str,
    settings: Settings,
    *,
    department: str | None = None,
) -> None:
    """Heading, a caption with the change, the waterfall and its parts as a table: for
    the organisation of `history` (None) or one department as `history` names it."""
    if not period:
        return
    st.subheader(t("explain.title", lang))
    previous = periods.previous_period(period)
    words = {"previous": period_label(previous, lang), "period": period_label(period, lang)}
    before = previous_settings(previous, settings) or Settings()
    parts = explain(
        history, period, department=department, settings=settings, previous_settings=before
    )
    now = score_of(history, period, department)
    if np.isnan(now) or np.isnan(score_of(history, previous, department)):
        st.info(t("explain.no_previous", lang, **words), icon=":material/info:")
        return
    if parts.empty:
        st.caption(t("explain.no_change", lang, **words))
        return
    total = change(parts)
    top = waterfall.TOP
    st.caption(t("explain.caption", lang, change=points_change_text(total, lang), top=top, **words))
    organisation = department is None
    chart = waterfall.waterfall(
        parts,
        before=now - total,
        lang=lang,
        start=words["previous"],
        end=words["period"],
        with_department=organisation,
    )
    name = f"score_change_{department or 'organisation'}_{period}"
    downloads.chart(chart, name, lang, title=t("explain.title", lang), period=period)
    shown = waterfall.labelled(parts, lang, with_department=organisation)
    table = pd.DataFrame(
        {
            t("explain.part", lang): shown["label"],
            t("explain.kind", lang): [t(f"explain.kind_{k}", lang) for k in shown["kind"]],
            t("explain.points", lang): [points_change_text(p, lang) for p in shown["points"]],
        }
    )
    st.dataframe(table, hide_index=True, placeholder=tables.MISSING)
