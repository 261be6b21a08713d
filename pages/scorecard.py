"""Scorecard: one department, four perspective panels, each KPI with its trend. With a tree,
a unit's (or the group's) scorecard is its children's scores, each one a click away."""

import streamlit as st

from kpi_engine import PERSPECTIVES
from kpi_engine.charts import specs as charts
from kpi_engine.core import insights
from kpi_engine.i18n import (
    grade_text,
    percent_text,
    period_label,
    perspective_label,
    score_text,
    t,
)
from ui import data, derived, downloads, meeting, navigation, notes, org, state, tables, text, tiles
from ui import explain as why

navigation.require_shell()
choices = state.current()
lang, period, settings = choices.lang, choices.period, data.settings()
history = data.history(choices.grain)
place = org.here(lang)
if place.tree and (place.node is None or org.kind_of(place, place.node) == "unit"):
    seen = data.history_at(choices.grain, place.unit)
    st.title(text.md("org.scorecard_title", lang, unit=place.name(lang)))
    view = derived.of_card(insights.overview, seen, period, settings=settings)
    cols = st.columns(3)
    tiles.metric(
        cols[0],
        "organization",
        t(place.said("score"), lang),
        score_text(view.score),
        tables.delta_text(view.change),
        status=tiles.status_of(view.score, settings),
    )
    cols[1].metric(
        t(place.said("grade"), lang), grade_text(view.grade, view.coefficient), border=True
    )
    cols[2].metric(t("common.coverage", lang), percent_text(view.coverage), border=True)
    st.subheader(t("org.children", lang))
    rows = tables.only(seen.departments, org.chosen_and_above(place.tree, choices.departments))
    rows = rows[(rows["period"] == period).to_numpy(bool)]
    names = org.focus(rows, lang, key="scorecard")
    if rows.empty:
        st.info(t("common.no_rows", lang, period=period_label(period, lang)))
    elif names != []:  # no match: `org.focus` said so
        chosen = rows["department"].astype(str).tolist() if names is None else names
        org.children_table(place, seen, period, lang, settings, chosen, key="scorecard_children")
    st.stop()
departments = [  # stored names: the chosen ones (all when none is), in the order lists show
    d
    for d in data.shown_departments(choices.grain, period)
    if not choices.departments or d in choices.departments
]
shown = data.shown()
if place.node:  # a department of the tree: its breadcrumb above says which
    stored = place.node
else:
    stored = st.selectbox(
        t("common.department", lang),
        departments,
        format_func=shown,
        key=state.SCORECARD_DEPARTMENT,
    )
department = shown(stored)  # as `history` names it
st.title(text.md("scorecard.title", lang, department=department))
if period:
    downloads.reports(
        history,
        period,
        lang,
        settings,
        expected_departments=data.departments(),
        department=department,
    )

card = derived.of_card(tables.for_department, history, department, period, lang)
# In a meeting: the tiles (2x2) beside the perspective chart, then the four perspectives
# in a 2x2 grid, so that they fit on one 1920x1080 screen.
in_meeting = meeting.on()
head, chart_place = st.columns(2, gap="large") if in_meeting else (st.container(), None)
with head:
    cols = [c for _ in range(2) for c in st.columns(2)] if in_meeting else st.columns(4)
tiles.metric(
    cols[0],
    "department",
    t("scorecard.department_score", lang),
    score_text(card.score),
    tables.delta_text(card.change),
    status="red" if card.veto else tiles.status_of(card.score, settings),
    help=card.adjustment or None,
)
cols[1].metric(  # SPEC §5.9: the grade beside the score
    t("common.grade", lang),
    tables.grade_value(card.grade, card.coefficient, card.distribution_grade, lang),
    border=True,
)
cols[2].metric(t("common.coverage", lang), percent_text(card.coverage), border=True)
tiles.metric(
    cols[3],
    "collaboration",
    t("scorecard.collaboration_score", lang),
    score_text(card.collaboration),
    status=tiles.status_of(card.collaboration, settings),
    help=None if card.has_shared else t("scorecard.no_collaboration", lang),
)
if card.veto:  # why the score is the veto score (SPEC §5.6)
    st.error(text.plain(card.veto), icon=":material/block:")
if card.adjustment:  # the weighted score and the points beside the result (SPEC §5.7)
    st.caption(card.adjustment)
if card.weighting is not None:  # which rule scored the department (SPEC §5.3)
    st.caption(
        t("scorecard.weighting", lang, rule=t(f"weighting.rule_{card.weighting}", lang)),
        help=t(f"weighting.{card.weighting}_help", lang),
    )
kpis = derived.of_card(
    tables.kpi_rows, history, department, period, lang, settings, notes=notes.stored()
)
if kpis.empty:  # e.g. a sheet for other months: say so, and where its data is
    st.info(tables.no_rows_text(history, department, period, lang), icon=":material/info:")
    st.stop()
with chart_place or st.container():
    downloads.chart(
        derived.chart(charts.perspective_bars, card.perspectives, lang=lang, settings=settings),
        f"perspectives_{department}_{period}",
        lang,
        title=t("scorecard.title", lang, department=department),
        period=period,
    )
notes.unexplained_caption(kpis, lang)
shares = derived.of_card(tables.perspective_weights, history, department, period, settings)
tables_of = derived.shared_of_card(
    tables.styled_panels, history, department, period, lang, settings, notes=notes.stored()
)
panels = [c for _ in range(2) for c in st.columns(2, gap="large")] if in_meeting else None
for at, perspective in enumerate(PERSPECTIVES):
    score = card.perspectives.loc[card.perspectives["perspective"] == perspective, "score"]
    heading = perspective_label(perspective, lang)
    weight = t("scorecard.perspective_weight", lang, share=percent_text(shares.get(perspective)))
    panel = panels[at] if panels else st.container()
    panel.subheader(f"{heading} · {score_text(score.iloc[0] if len(score) else None)} · {weight}")
    drawn = tables_of.get(perspective)
    if drawn is None:  # no KPIs: an empty table would say "empty", in English
        panel.caption(t("scorecard.no_kpis_in_perspective", lang))
        continue
    panel.dataframe(
        drawn,
        hide_index=True,
        column_config=tables.kpi_columns(lang),
        column_order=meeting.kpi_column_order(drawn.data, lang),
        placeholder=tables.MISSING,
    )
# Veto KPIs, and bonus and penalty items: sections of their own, not perspectives.
for key, shown in (
    ("section.veto", derived.of_card(tables.veto_kpis, history, department, period, lang)),
    ("section.items", derived.of_card(tables.items, history, department, period, lang)),
):
    if not shown.empty:
        st.subheader(t(key, lang))
        st.dataframe(shown, hide_index=True, placeholder=tables.MISSING)
missing = int(kpis[t("common.score", lang)].isna().sum())
if missing == len(kpis):
    st.info(
        text.md(
            "scorecard.no_actuals", lang, department=department, period=period_label(period, lang)
        )
    )
elif missing:
    st.caption(t("scorecard.missing_count", lang, n=missing))
why.section(history, period, lang, settings, department=department)
notes.editor(history, stored, department, period, lang)  # 原因分析 / 改进措施
