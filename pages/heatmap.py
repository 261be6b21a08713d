"""Heatmap: department x perspective for the period; click a cell to see its KPIs. With a
tree: the children of the unit looked at, and a unit's cell goes down to that unit."""

import streamlit as st

from kpi_engine.charts import specs as charts
from kpi_engine.i18n import period_label, perspective_label, score_text, t
from ui import data, derived, downloads, navigation, notes, org, state, tables, text

navigation.require_shell()
choices = state.current()
lang, period, settings = choices.lang, choices.period, data.settings()
st.title(t("org.heatmap_title" if data.tree() else "heatmap.title", lang))
place = org.here(lang)
history = data.history_at(choices.grain, place.unit)
st.caption(t("org.heatmap_hint" if place.tree else "heatmap.hint", lang))

listed = org.chosen_and_above(place.tree, choices.departments)
cells = tables.only(history.perspectives, listed)
now = tables.only(history.departments, listed)
names = org.focus(now[(now["period"] == period).to_numpy(bool)], lang, key="heatmap")
cells = org.keep(cells, names)
picked = None
if (cells["period"] == period).any():
    chart = derived.chart(
        charts.heatmap,
        cells,
        lang=lang,
        settings=settings,
        period=period,
        departments=history.departments,
        notes=notes.cell_summaries(history, period, lang),
        rows="org_child" if place.tree else "department",
    )
    event = downloads.chart(
        chart,
        f"heatmap_{period}",
        lang,
        title=t("org.heatmap_title" if place.tree else "heatmap.title", lang),
        period=period,
        on_select="rerun",
        key=org.fresh("heatmap") if place.tree else "heatmap",
    )
    picked = tables.picked(event, "cell")
    if picked is not None and org.kind_of(place, str(picked["department"])) == "unit":
        org.moved(org.stored_name(place, str(picked["department"])))  # a unit's cell: go down
        st.rerun()
    if picked is None:
        st.info(t("heatmap.no_selection", lang))
elif names != []:  # no match: `org.focus` said so
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
    card = derived.of_card(tables.for_department, history, str(department), period, lang)
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

st.subheader(t("org.heatmap_months" if place.tree else "heatmap.department_months", lang))
year = org.keep(tables.only(data.year_scores(period, place.unit), listed), names)
if year.empty:
    st.info(t("common.no_rows", lang, period=period_label(period, lang)))
else:
    downloads.chart(
        derived.chart(
            charts.department_months,
            year,
            lang=lang,
            settings=settings,
            rows="org_child" if place.tree else "department",
        ),
        f"department_months_{period}",
        lang,
        title=t("org.heatmap_months" if place.tree else "heatmap.department_months", lang),
        period=period,
    )
