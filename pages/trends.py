"""Trends: chosen KPIs, departments or the organisation over the periods of the chosen
grain (months for year to date, which has one label a year); with a tree, the children of
the unit looked at and its own score."""

import pandas as pd
import streamlit as st

from kpi_engine.charts import specs as charts
from kpi_engine.i18n import period_label, t
from ui import data, derived, downloads, navigation, org, state, tables

navigation.require_shell()
choices = state.current()
lang, settings = choices.lang, data.settings()
grain = "month" if choices.grain == "ytd" else choices.grain  # one year-to-date per year
st.title(t("page.trends", lang))
place = org.here(lang)
history = data.history_at(grain, place.unit)
listed = org.chosen_and_above(place.tree, choices.departments)

levels = ("kpi", "department", "organization")
level = (
    st.segmented_control(
        t("trends.level", lang),
        levels,
        format_func=lambda v: t(
            f"org.trend_{v}" if place.tree and v != "kpi" else f"trends.level_{v}", lang
        ),
        key=state.TREND_LEVEL,
        default="department",
    )
    or "department"
)
options = derived.of_card(
    tables.trend_options, history, level, listed, period=choices.period, settings=settings
)
named = "org.children" if place.tree else "common.department"
keys = ()
if level != "organization":
    keys = st.multiselect(
        t("trends.choose_kpi", lang) if level == "kpi" else t(named, lang),
        list(options),
        default=derived.of_card(
            tables.trend_defaults,
            history,
            level,
            options,
            departments=[d for d in listed if d in options] if place.tree else listed,
            period=choices.period,
            settings=settings,
        ),
        format_func=options.get,
        key=f"{state.TREND_KEYS}_{level}",
    )
series, frame, table = derived.of_card(
    tables.trend_frames, history, level, list(keys), settings, lang
)

if series.empty:
    st.info(t("common.no_rows", lang, period=period_label(choices.period, lang)))
    st.stop()
if level == "kpi":
    st.subheader(t("trends.actual_vs_target", lang))
    units = pd.Series(charts.trend_units(frame), index=frame.index)
    indexed = False
    if units.nunique() > 1:  # a chart per unit (full width each), or one indexed chart
        indexed = st.toggle(
            t("trends.indexed", lang), key=state.TREND_INDEXED, help=t("trends.index_help", lang)
        )
        if not indexed:
            st.caption(t("trends.unit_panels_note", lang))
    parts = [frame] if indexed else [frame[units == u] for u in pd.unique(units)]
    for n, part in enumerate(parts):
        downloads.chart(
            derived.chart(charts.actual_vs_target, part, lang=lang, indexed=indexed),
            f"actual_vs_target_{n + 1}" if n else "actual_vs_target",
            lang,
            title=t("trends.actual_vs_target", lang),
            period=choices.period,
        )
st.subheader(t("trends.score_bands", lang))
downloads.chart(
    derived.chart(charts.score_bands, frame, lang=lang, settings=settings),
    "score_bands",
    lang,
    title=t("trends.score_bands", lang),
    period=choices.period,
)
st.caption(t("trends.projection_note", lang))
st.dataframe(table, hide_index=True, placeholder=tables.MISSING)
