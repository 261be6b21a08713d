"""Heatmap: department x perspective for the period; click a cell to see its KPIs."""

import streamlit as st

from kpi_engine.charts import specs as charts
from kpi_engine.i18n import period_label, perspective_label, score_text, t
from ui import data, downloads, navigation, notes, state, tables, text

navigation.require_shell()
choices = state.current()
lang, period, settings = choices.lang, choices.period, data.settings()
history = data.history(choices.grain)
st.title(t("heatmap.title", lang))
st.caption(t("heatmap.hint", lang))

cells = tables.only(history.perspectives, choices.departments)
picked = None
if (cells["period"] == period).any():
    chart = charts.heatmap(
        cells,
        lang=lang,
        settings=settings,
        period=period,
        departments=history.departments,
        notes=notes.cell_summaries(history, period, lang),
    )
    event = downloads.chart(
        chart,
        f"heatmap_{period}",
        lang,
        title=t("heatmap.title", lang),
        period=period,
        on_select="rerun",
        key="heatmap",
    )
    picked = tables.picked(event, "cell")
    if picked is None:
        st.info(t("heatmap.no_selection", lang))
else:
    st.info(t("common.no_rows", lang, period=period_label(period, lang)))
if picked is not None:
    department, perspective = picked["department"], picked["perspective"]
    st.subheader(
        text.md(
            "heatmap.drilldown_title",
            lang,
            department=department,
            perspective=perspective_label(perspective, lang),
        )
    )
    card = tables.for_department(history, str(department), period, lang)
    st.caption(  # the department's own score and grade (SPEC §5.9) above its KPIs
        t(
            "heatmap.department_grade",
            lang,
            score=score_text(card.score),
            grade=tables.grade_value(card.grade, card.coefficient, card.distribution_grade, lang),
        )
    )
    if card.veto:  # the department's veto and points beside its cells (SPEC §5.6, §5.7)
        st.error(text.plain(card.veto), icon=":material/block:")
    if card.adjustment:
        st.caption(card.adjustment)
    drill = charts.drilldown(
        history.kpis,
        department,
        lang=lang,
        settings=settings,
        period=period,
        perspective=perspective,
    )
    drill_title = t(
        "heatmap.drilldown_title",
        lang,
        department=department,
        perspective=perspective_label(perspective, lang),
    )
    downloads.chart(drill, f"drilldown_{period}", lang, title=drill_title, period=period)
    notes.cell_table(history, str(department), str(perspective), period, lang)

st.subheader(t("heatmap.department_months", lang))
year = tables.only(data.year_scores(period), choices.departments)
if year.empty:
    st.info(t("common.no_rows", lang, period=period_label(period, lang)))
else:
    downloads.chart(
        charts.department_months(year, lang=lang, settings=settings),
        f"department_months_{period}",
        lang,
        title=t("heatmap.department_months", lang),
        period=period,
    )
