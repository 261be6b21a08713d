"""Overview: the organisation at a glance for the chosen period."""

import streamlit as st

from kpi_engine.charts import specs as charts
from kpi_engine.core import insights
from kpi_engine.core.scorecard import department_wide
from kpi_engine.i18n import (
    grade_text,
    percent_text,
    period_heading,
    period_label,
    perspective_label,
    score_text,
    t,
)
from kpi_engine.reports.tables import adjusted_departments, quota_sentence
from ui import (
    actions,
    data,
    derived,
    downloads,
    meeting,
    navigation,
    org,
    state,
    submissions,
    tables,
    text,
    tiles,
)
from ui import explain as why

navigation.require_shell()
choices = state.current()
lang, period, settings = choices.lang, choices.period, data.settings()
in_meeting = meeting.on()  # one screen: tiles, ranking and warnings side by side
if not in_meeting:  # in a meeting the stepper above says the period and grain
    st.title(period_heading(period, lang) if period else t("app.title", lang))
history = data.history(choices.grain)
place = org.here(lang)  # with a tree: the breadcrumb, and the unit whose children are listed
seen = data.history_at(choices.grain, place.unit) if place.tree else history
actions.last_actions(history, period, lang, settings, choices.departments)  # what was agreed
if period and not in_meeting:  # in a meeting, at the foot of the page
    downloads.reports(history, period, lang, settings, expected_departments=data.departments())
# The tiles follow the sidebar's department filter: the chosen departments' own roll-up
# (`insights.of_departments`), and the caption says whose numbers they are.
# With a tree they are the unit's (or the group's) own scores, and the filter narrows the
# lists below to the units holding a chosen department.
chosen = choices.departments
tiled = seen if place.tree else data.chosen_history(choices.grain, chosen)
view = derived.of_card(insights.overview, tiled, period, settings=settings)
if place.tree:
    scope = text.md("org.scope_node", lang, node=place.name(lang))
elif chosen:
    scope = text.md(
        "overview.scope_chosen", lang, departments=t("common.list_sep", lang).join(chosen)
    )
else:
    scope = t("overview.scope_all", lang)
listed = org.chosen_and_above(place.tree, chosen)
previous = t("overview.previous_period", lang, period=period_label(view.previous, lang))
st.caption(f"{scope} · {previous}")
cols = st.columns(6)
tiles.metric(
    cols[0],
    "organization",
    t(
        place.said("score")
        if place.tree
        else ("overview.chosen_score" if chosen else "overview.org_score"),
        lang,
    ),
    score_text(view.score),
    tables.delta_text(view.change),
    status=tiles.status_of(view.score, settings),
    help=t("common.coverage", lang) + f" {percent_text(view.coverage)}",
)
cols[1].metric(
    t(
        place.said("grade")
        if place.tree
        else ("overview.chosen_grade" if chosen else "overview.org_grade"),
        lang,
    ),
    grade_text(view.grade, view.coefficient),
    border=True,
)
for col, row in zip(cols[2:], view.perspectives.itertuples(), strict=True):
    tiles.metric(
        col,
        str(row.perspective),
        perspective_label(row.perspective, lang),
        score_text(row.score),
        tables.delta_text(row.change),
        status=tiles.status_of(row.score, settings),
    )

counts = {s: view.status_counts.get(s, 0) for s in ("green", "amber", "red", "missing")}
if in_meeting:  # one screen: the ranking chart, and beside it the KPI counts and warnings
    ranking, side = st.columns([3, 2], gap="large")
    side.markdown(
        " · ".join(
            f"{tables.status_badge(s, lang)} {t('overview.kpi_count', lang, n=n)}"
            for s, n in counts.items()
        )
    )
else:  # the warnings come below the ranking's table
    for col, (status, n) in zip(st.columns(4), counts.items(), strict=True):
        col.metric(tables.status_badge(status, lang), t("overview.kpi_count", lang, n=n))
    ranking, side = st.container(), None
heading = t("org.node_scores" if place.tree else "overview.department_scores", lang)
ranking.subheader(heading)
scores = tables.only(seen.departments, listed)
with ranking:  # at 500 units: a search box and the best and worst ten (`org.focus`)
    names = org.focus(scores[(scores["period"] == period).to_numpy(bool)], lang, key="overview")
scores = org.keep(scores, names)
if (scores["period"] == period).any():
    with ranking:
        downloads.chart(
            derived.chart(
                charts.department_bars, scores, lang=lang, settings=settings, period=period
            ),
            f"department_scores_{period}",
            lang,
            title=heading,
            period=period,
        )
    # The ranking with each department's grade (SPEC §5.9); with the forced distribution
    # on, its grade by the quotas beside the grade by score, and who the quotas move.
    shown = listed if names is None else names
    org.children_table(place, seen, period, lang, settings, shown, key="overview_children")
    if settings.forced_distribution:
        st.info(quota_sentence(scores, period, lang), icon=":material/leaderboard:")
elif names != []:  # no match: `org.focus` said so
    ranking.info(t("common.no_rows", lang, period=period_label(period, lang)))
adjusted = derived.of_card(adjusted_departments, seen, period, settings=settings)
adjusted = org.keep(tables.only(adjusted, listed), names)
if not adjusted.empty:  # bonus, penalty and veto beside the scores (SPEC §5.6, §5.7)
    st.markdown(f"**{t('overview.adjustments', lang)}**")
    for line in tables.veto_lines(adjusted, lang):
        st.error(text.plain(line), icon=":material/block:")
    st.dataframe(tables.adjustments(adjusted, lang), hide_index=True, placeholder=tables.MISSING)
wide = department_wide(scores, period)
if wide:  # which rule scored each department (SPEC §5.3)
    st.caption(
        t("overview.department_wide", lang, departments=t("common.list_sep", lang).join(wide))
    )

side = side or st.container()
side.subheader(t("overview.early_warnings", lang))
found = derived.of_card(
    insights.early_warnings, seen, period, expected_departments=org.expected(place)
)
found = tables.only(found, listed)
below = () if place.unit == place.top else tuple(org.expected(place))  # a unit's own
submissions.warning_link(side, choices.grain, period, lang, choices.departments or below)
if found.empty:
    side.success(t("overview.no_warnings", lang))
else:
    side.dataframe(
        tables.warnings(found, lang, period), hide_index=True, placeholder=tables.MISSING
    )

left, right = st.columns(2)
for col, key, frame in (
    (left, "overview.best_movers", view.best_movers),
    (right, "overview.worst_movers", view.worst_movers),
):
    with col:
        st.subheader(t(key, lang))
        if view.previous_score is None:
            st.info(t("overview.no_previous", lang))
        else:
            st.dataframe(
                tables.movers(tables.only(frame, choices.departments), lang),
                hide_index=True,
                placeholder=tables.MISSING,
            )
why.section(tiled, period, lang, settings)
if period and in_meeting:
    downloads.reports(history, period, lang, settings, expected_departments=data.departments())
