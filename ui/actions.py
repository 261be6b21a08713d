"""Meeting actions in the app (issue 17): the meeting-mode form that records them, the
Overview's list of last period's actions with their outcome, and the Actions page's
filters and closing (its download is `ui.downloads.actions`). The store is reached through `ui.data`; what the words and
outcomes are is `kpi_engine.reports.actions` and `kpi_engine.core.actions`.
"""

from __future__ import annotations

import datetime
import html
from functools import partial

import pandas as pd
import streamlit as st

from kpi_engine import Scorecard, Settings
from kpi_engine.charts.palette import ALL_STATUS_COLORS, BAND_TINTS
from kpi_engine.core.actions import MAX_WHAT, OUTCOME_STATUS, outcomes
from kpi_engine.core.names import department_key, kpi_text_keys
from kpi_engine.core.periods import grain_of, months_of, previous_period
from kpi_engine.core.schema import owner_mask
from kpi_engine.core.settings import DEFAULT_LIMITS
from kpi_engine.i18n import period_heading, period_label, status_label, t
from kpi_engine.i18n.script import shown_name
from kpi_engine.reports.actions import STATES, action_table, states
from ui import auth, data, text

# A target of the form: (department, KPI key, KPI name); None for the organisation's or
# the department's own score.
Target = tuple[str | None, str | None, str | None]
ORGANISATION: Target = (None, None, None)
WHAT, OWNER, DUE, TARGET = "action_what", "action_owner", "action_due", "action_target"
DUE_FOR = "action_due_period"  # the period the due date was set for


def default_due(period: str) -> datetime.date:
    """The end of the month after the period's last month: when next month's data are
    in and the next meeting can see the effect."""
    months = months_of(period) or [f"{period[:4]}-12"]
    return (pd.Period(months[-1], "M") + 1).end_time.date()


def targets(history: Scorecard, period: str) -> tuple[list[Target], frozenset[Target]]:
    """What an action can be for, in the order the form offers them, and which are red
    KPIs: the period's red KPIs first (what the meeting is about), then the organisation,
    each department, and the other KPIs. A shared KPI is offered under its owner."""
    kpis = history.kpis
    rows = kpis[((kpis["period"] == period) & owner_mask(kpis)).to_numpy(bool)]
    rows = rows[rows["score"].notna().to_numpy(bool)]
    keyed = rows.assign(_key=kpi_text_keys(rows).to_numpy(), _red=rows["status"] == "red")
    keyed = keyed.drop_duplicates(["department", "_key"], keep="last")
    keyed = keyed.sort_values(["_red", "department"], ascending=[False, True], kind="stable")
    offered: list[Target] = [
        (str(d), str(k), str(n))
        for d, k, n in zip(keyed["department"], keyed["_key"], keyed["kpi_name"], strict=True)
    ]
    red = int(keyed["_red"].sum())
    departments = history.departments
    names = sorted(departments.loc[departments["period"] == period, "department"].astype(str))
    ordered = [*offered[:red], ORGANISATION, *((d, None, None) for d in names), *offered[red:]]
    return ordered, frozenset(offered[:red])


def _target_text(target: Target, red: frozenset[Target], lang: str) -> str:
    department, _, kpi = target
    if department is None:
        return t("common.organization", lang)
    if kpi is None:
        return department
    key = "actions.target_red" if target in red else "actions.target_kpi"
    return t(key, lang, department=department, kpi=kpi, status=status_label("red", lang))


def _add(period: str, lang: str) -> None:
    """The form's callback: store the action, then empty the form for the next one."""
    department, kpi_key, kpi = st.session_state[TARGET]
    what = st.session_state.get(WHAT, "")
    added = data.add_action(
        period=period,
        department=department,
        kpi_key=kpi_key,
        kpi=kpi,
        what=what,
        owner=st.session_state.get(OWNER, ""),
        due=st.session_state.get(DUE) or default_due(period),
    )
    if added:
        st.session_state[WHAT] = st.session_state[OWNER] = ""
        st.toast(text.md("actions.added", lang, what=what.strip()), icon=":material/task_alt:")


def meeting_form(period: str | None, lang: str) -> None:
    """In meeting mode, for whoever may record actions: an "Add action" popover for the
    period on the wall."""
    if period is None or not auth.actor().may(auth.ACTION):
        return
    offered, red = targets(data.history(grain_of(period)), period)
    with st.popover(t("actions.add_title", lang), icon=":material/add_task:", width="stretch"):
        st.caption(t("actions.period_of", lang, period=period_heading(period, lang)))
        st.selectbox(
            t("actions.target", lang),
            offered,
            format_func=lambda o: _target_text(o, red, lang),
            key=TARGET,
            help=t("actions.add_help", lang),
        )
        st.text_input(t("actions.what", lang), key=WHAT, max_chars=MAX_WHAT)
        st.text_input(t("actions.owner", lang), key=OWNER, max_chars=DEFAULT_LIMITS.max_text)
        if st.session_state.get(DUE_FOR) != period:  # another period: its own default
            st.session_state[DUE_FOR] = period
            st.session_state[DUE] = default_due(period)
        st.date_input(t("actions.due", lang), key=DUE)
        st.button(
            t("actions.add", lang),
            key="action_add",
            on_click=_add,
            args=(period, lang),
            type="primary",
            icon=":material/add_task:",
        )


def _badge(outcome: str, lang: str) -> str:
    """The outcome word on its status tint, in its status colour (grey for no data)."""
    status = OUTCOME_STATUS[outcome]
    color = ALL_STATUS_COLORS[status]
    tint = BAND_TINTS.get(status, ALL_STATUS_COLORS["missing"])
    ink = color if status != "missing" else "#555555"
    word = html.escape(t(f"actions.outcome_{outcome}", lang))
    return (
        f"<span style='background:{tint};color:{ink};border:1px solid {color};"
        f"border-radius:0.4rem;padding:0.05rem 0.5rem;font-weight:600'>{word}</span>"
    )


def _chosen(actions: pd.DataFrame, departments: tuple[str, ...]) -> pd.DataFrame:
    """The chosen departments' actions and the organisation's (all when none is chosen)."""
    if not departments:
        return actions
    keys = {department_key(d) for d in departments}
    return actions[(actions["dept_key"].isna() | actions["dept_key"].isin(keys)).to_numpy(bool)]


def last_actions(
    history: Scorecard, period: str | None, lang: str, settings: Settings, departments: tuple
) -> None:
    """At the top of the Overview: the actions agreed in the previous period's meeting
    and, for each, whether its KPI (or department, or the organisation) recovered in
    `period`. Nothing when there are none."""
    if period is None:
        return
    before = previous_period(period)
    found = _chosen(data.actions(), departments)
    found = found[(found["period"] == before).to_numpy(bool)]
    if found.empty:
        return
    checked = outcomes(found, history, settings, period)
    with st.container(key="last_actions", border=True):
        st.markdown(f"**{text.md('actions.last_title', lang, period=period_label(before, lang))}**")
        for row in checked.to_dict("records"):
            line = _line(row, lang, settings)
            st.markdown(f"{_badge(str(row['outcome']), lang)} {line}", unsafe_allow_html=True)


def _line(row: dict, lang: str, settings: Settings) -> str:
    """An action in one Markdown line: whom it is for (the department and KPI as the
    user's script shows them, else the organisation), what, owner and due date."""
    name = partial(shown_name, lang=lang, script=settings.script)
    department, kpi = row["department"], row["kpi"]
    target = name(department) if isinstance(department, str) else t("common.organization", lang)
    if isinstance(kpi, str):
        target = f"{target} · {name(kpi)}"
    due = pd.Timestamp(row["due"]).strftime("%Y-%m-%d")
    return text.md(
        "actions.last_line", lang, target=target, what=row["what"], owner=row["owner"], due=due
    )


def today(settings: Settings) -> datetime.date:
    """Today on the organisation's clock: what "overdue" is measured against."""
    return pd.Timestamp.now(tz=settings.time_zone).date()


def filters(actions: pd.DataFrame, lang: str, on: datetime.date) -> pd.DataFrame:
    """The Actions page's filters (state, department, meeting period), side by side; the
    actions they keep."""
    shown = data.shown()
    state_col, department_col, period_col = st.columns(3)
    picked_states = state_col.multiselect(
        t("actions.filter_state", lang),
        STATES,
        format_func=lambda s: t(f"actions.state_{s}", lang),
        key="actions_filter_state",
        placeholder=t("actions.filter_all", lang),
    )
    departments = sorted(actions["department"].dropna().astype(str).unique())
    picked_departments = department_col.multiselect(
        t("actions.filter_department", lang),
        [None, *departments],
        format_func=lambda d: t("common.organization", lang) if d is None else shown(d),
        key="actions_filter_department",
        placeholder=t("actions.filter_all", lang),
    )
    labels = list(dict.fromkeys(actions["period"].astype(str)))
    picked_periods = period_col.multiselect(
        t("actions.filter_period", lang),
        labels,
        format_func=lambda p: period_label(p, lang),
        key="actions_filter_period",
        placeholder=t("actions.filter_all", lang),
    )
    keep = pd.Series(True, index=actions.index)
    if picked_states:
        keep &= pd.Series(states(actions, on), index=actions.index).isin(picked_states)
    if picked_departments:
        keys = {department_key(d) for d in picked_departments if d is not None}
        keep &= actions["dept_key"].isin(keys) | (
            actions["dept_key"].isna() & (None in picked_departments)
        )
    if picked_periods:
        keep &= actions["period"].isin(picked_periods)
    return actions[keep.to_numpy(bool)]


def listing(actions: pd.DataFrame, lang: str, settings: Settings, on: datetime.date) -> None:
    """The filtered actions as a table (`reports.actions.action_table`)."""
    table = action_table(actions, lang, script=settings.script, zone=settings.time_zone, on=on)
    st.dataframe(table, hide_index=True)


def _close(action_id: int, what: str, lang: str) -> None:
    note = st.session_state.get(f"action_note_{action_id}", "")
    if data.close_action(action_id, note):
        st.toast(text.md("actions.closed", lang, what=what), icon=":material/task_alt:")


def closing(actions: pd.DataFrame, lang: str, settings: Settings, on: datetime.date) -> None:
    """One line per open action among `actions` the user may close: what it is, a note
    and a Close button (`action_close_<id>`)."""
    who = auth.actor()
    if not who.may(auth.ACTION):
        return
    mine = actions[actions["closed_at"].isna().to_numpy(bool)]
    bound = who.role in auth.DEPARTMENT_ROLES  # not the organisation's, nor others'
    mine = mine[[who.owns(d) if isinstance(d, str) else not bound for d in mine["department"]]]
    if mine.empty:
        return
    mine = mine.sort_values(["due", "id"], kind="stable")
    st.subheader(t("actions.to_close", lang))
    late = states(mine, on)
    for row, now in zip(mine.to_dict("records"), late, strict=True):
        action_id = int(row["id"])
        with st.container(border=True):
            about, note, button = st.columns([6, 3, 1], vertical_alignment="bottom")
            flag = f" · **{t('actions.state_overdue', lang)}**" if now == "overdue" else ""
            about.markdown(_line(row, lang, settings) + flag)
            note.text_input(
                t("actions.close_note", lang), key=f"action_note_{action_id}", max_chars=MAX_WHAT
            )
            button.button(
                t("actions.close", lang),
                key=f"action_close_{action_id}",
                on_click=_close,
                args=(action_id, str(row["what"]), lang),
                icon=":material/task_alt:",
                width="stretch",
            )
