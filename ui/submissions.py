"""The submission board (issue 17): department x period, on time, late, missing or waiting,
with who sent the data and when; its line among the Overview's early warnings; and the
monthly cycle's settings (deadline, holidays, make-up days, notes and approval).

The grid is one HTML table inside `st.container(key="board")`: each cell's first line is
the status word (`board.status_<status>`) on its status colour (`charts.palette`), the
second who uploaded and when, on the organisation's clock; the deadline and the review are
in the cell's tooltip. Sizes are in rem, so meeting mode's larger root type scales it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kpi_engine import Settings
from kpi_engine.charts.palette import AMBER, BAND_TINTS, GREEN, MISSING_COLOR, RED
from kpi_engine.core import submissions as board
from kpi_engine.core.names import department_key, display_names, in_department_order
from kpi_engine.core.notes import unexplained
from kpi_engine.core.org import Tree
from kpi_engine.core.periods import is_ytd
from kpi_engine.core.settings import MAX_DEADLINE_WORKDAY, problems
from kpi_engine.i18n import period_label, t
from ui import auth, data, meeting, org, runs, tables

PAGE = "pages/submissions.py"
NO_TINT = "#f5f5f5"
# Late and missing red, waiting on someone amber, on time green, not due grey.
COLORS = {
    board.MISSING: (RED, BAND_TINTS["red"]),
    board.LATE: (RED, BAND_TINTS["red"]),
    board.RETURNED: (AMBER, BAND_TINTS["amber"]),
    board.PENDING: (AMBER, BAND_TINTS["amber"]),
    board.NOTES_NEEDED: (AMBER, BAND_TINTS["amber"]),
    board.ON_TIME: (GREEN, BAND_TINTS["green"]),
    board.NOT_DUE: (MISSING_COLOR, NO_TINT),
}
# The same colours where Markdown names them (a count's dot).
MARKDOWN_COLORS = {
    status: {RED: "red", AMBER: "orange", GREEN: "green"}.get(color, "gray")
    for status, (color, _) in COLORS.items()
}
STYLE = """<style>
.kpi-board { border-collapse: separate; border-spacing: 0.25rem; width: 100%;
  table-layout: fixed; font-size: 1rem; }
.kpi-board th { font-weight: 600; text-align: left; padding: 0.25rem 0.5rem; }
.kpi-board th.dept { width: 11rem; }
.kpi-board th.unit { padding-top: 0.75rem; border-bottom: 1px solid #d0d0d8; }
.kpi-board td { padding: 0.35rem 0.5rem; border-radius: 0.3rem; vertical-align: top;
  color: #262730; line-height: 1.3; }
.kpi-board .word { font-weight: 700; display: block; }
.kpi-board .who { font-size: 0.8rem; color: #31333f; display: block; }
</style>"""


def now() -> datetime:
    """The board's clock (a function, so that what is due is decided in one place)."""
    return datetime.now(UTC)


def _board_grain(grain: str, period: str) -> tuple[str, str]:
    """The grain and last period the board shows: year to date is a run of months, so its
    board is the months' up to the view's last month."""
    if is_ytd(period):
        return "month", period[:7]
    return grain, period


def departments(chosen: tuple[str, ...] = (), under: Sequence[str] | None = None) -> list[str]:
    """The departments expected to report (stored names): those with KPI rows and those
    with a live upload (one waiting for approval too), only those chosen in the sidebar
    when any and those `under` a unit of the tree when given; a manager's or approver's
    own first, then the settings' order, then by name."""
    named = _expected(data.uploads_revision())
    expected = tables.only(pd.DataFrame({"department": named}), chosen)
    if under is not None:
        expected = tables.only(expected, under) if under else expected.iloc[:0]
    listed = in_department_order(expected["department"], order=data.settings().department_order)
    who = auth.actor()
    return board.own_first(listed, [d for d in listed if who.owns(d)])


@runs.cache_by_name(st.cache_data, show_spinner=False, max_entries=8)
def _expected(uploads: tuple[str, data.Revision]) -> list[str]:
    """Every department with KPI rows or a live upload, one spelling each: once per
    change of the uploads (`uploads`) for every session."""
    log = data.submission_log()
    sent = log.loc[~log["deleted"].to_numpy(bool), "department"]
    return list(display_names([*data.departments(), *pd.unique(sent.astype(object))]).values())


def _partly_own() -> bool:
    """Whether the user acts for some departments only (a manager or an approver)."""
    who = auth.actor()
    return bool(who.departments) and not all(who.owns(d) for d in data.departments())


def frame(
    grain: str, period: str, chosen: tuple[str, ...] = (), under: Sequence[str] | None = None
) -> pd.DataFrame:
    """The board for the sidebar's grain and period (`core.submissions`), of the
    departments `under` a unit when given."""
    settings = data.settings()
    grain, period = _board_grain(grain, period)
    labels = data.period_labels().get(grain, [])
    shown = board.shown_periods(labels, period, settings, now())
    return board.submission_board(
        data.submission_log(),
        departments(chosen, under),
        shown,
        settings,
        now(),
        _unexplained(grain, shown, settings),
    )


def _unexplained(grain: str, periods: list[str], settings: Settings) -> pd.DataFrame | None:
    """Red KPIs of `periods` without a note (`core.notes.unexplained`), when the settings
    require notes: what keeps a submission from counting as complete."""
    if not settings.notes_required:
        return None
    kpis = data.history(grain).kpis
    return unexplained(kpis[kpis["period"].isin(periods).to_numpy(bool)], data.notes(), settings)


def _cells(found: pd.DataFrame, lang: str, zone: str) -> pd.Series:
    """Every cell of the board as HTML, column by column (500 departments are thousands of
    cells): the status word on its colour, who uploaded and when, and in the tooltip the
    deadline, the upload and the review on the organisation's clock."""
    status = found["status"]
    colors = status.map(lambda s: COLORS[s][0])
    tints = status.map(lambda s: COLORS[s][1])
    words = status.map(lambda s: html.escape(t(f"board.status_{s}", lang)))
    sent = found["uploader"].notna().to_numpy()
    names = tables.uploader_names(found["uploader"], lang)
    local = pd.to_datetime(found["uploaded_at"], utc=True).dt.tz_convert(zone)
    who = (names.astype(str) + " · " + local.dt.strftime("%m-%d %H:%M")).where(sent, "")
    deadline = tables.times(found["deadline"], zone).to_numpy()
    uploaded = tables.times(found["uploaded_at"], zone).to_numpy()
    reviewed = tables.times(found["reviewed_at"], zone).to_numpy()
    uploader, reviewer = names.to_numpy(), found["reviewed_by"].to_numpy()
    looked = found["reviewed_by"].notna().to_numpy()

    def tip(i: int) -> str:
        lines = [t("board.deadline", lang, time=deadline[i])]
        if sent[i]:
            lines.append(t("board.uploaded", lang, user=uploader[i], time=uploaded[i]))
        if looked[i]:
            lines.append(t("board.reviewed", lang, user=reviewer[i], time=reviewed[i]))
        return "\n".join(lines)

    tips = map(tip, range(len(found)))
    return pd.Series(
        [
            f'<td style="background:{tint};border-left:0.35rem solid {color}"'
            f' title="{html.escape(tip)}">'
            f'<span class="word">{word}</span><span class="who">{html.escape(name) or "&nbsp;"}</span>'
            "</td>"
            for tint, color, tip, word, name in zip(tints, colors, tips, words, who, strict=True)
        ],
        index=found.index,
        dtype=object,
    )


def grid(found: pd.DataFrame, lang: str, zone: str, tree: Tree | None = None) -> str:
    """The board as an HTML table: a row per department, a column per period, newest right;
    with a tree, the departments grouped under a heading row per unit."""
    periods = list(dict.fromkeys(found["period"]))
    shown = data.shown()
    head = "".join(f"<th>{html.escape(period_label(p, lang))}</th>" for p in periods)
    cells = _cells(found, lang, zone)
    rows = {
        str(department): (
            f'<tr><th class="dept">{html.escape(shown(str(department)))}</th>{"".join(body)}</tr>'
        )
        for department, body in cells.groupby(found["department"], sort=False)
    }
    units = _units(list(rows), tree)
    if len(set(units.values())) > 1:  # more than one unit: each unit's departments together
        grouped: dict[str, list[str]] = {}
        for department, row in rows.items():
            grouped.setdefault(units[department], []).append(row)
        span = len(periods) + 1
        rows = {
            unit: f'<tr><th class="unit" colspan="{span}">{html.escape(shown(unit))}</th></tr>'
            + "".join(body)
            for unit, body in grouped.items()
        }
    department = html.escape(t("common.department", lang))
    return (
        f'{STYLE}<table class="kpi-board"><thead><tr><th class="dept">{department}</th>{head}'
        f"</tr></thead><tbody>{''.join(rows.values())}</tbody></table>"
    )


def _units(departments: list[str], tree: Tree | None) -> dict[str, str]:
    """Each department's unit in `tree` (by identity), "" for one outside it or without a
    tree: the board's groups."""
    if not tree:
        return dict.fromkeys(departments, "")
    parents = {department_key(d): unit for d, unit in tree.parent.items()}
    return {d: parents.get(department_key(d)) or "" for d in departments}


# What someone has to act on: everything but on time and not yet due.
ATTENTION = tuple(s for s in board.STATUSES if s not in (board.ON_TIME, board.NOT_DUE))


def narrowed(found: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows a long board shows. Up to `org.FEW` departments, all of them; beyond, a
    search box (part of a name, either script) and a switch to those with something to act
    on in any period shown, with how many of how many departments show."""
    names = found["department"]
    total = names.nunique()
    if total <= org.FEW:
        return found
    search_at, only = st.columns([3, 2], vertical_alignment="bottom")
    query = org.search(search_at, lang, key="board")
    keep = org.like(names, query)
    if only.toggle(t("board.only_attention", lang), key="board_attention"):
        keep = keep & names.isin(names[found["status"].isin(ATTENTION).to_numpy(bool)]).to_numpy(
            bool
        )
    kept = found[keep]
    shown = kept["department"].nunique()
    if not shown and query.strip():
        org.no_match(query, lang)
    elif not shown:
        st.success(t("board.none_to_act", lang), icon=":material/task_alt:")
    elif shown < total:
        st.caption(t("org.found_count", lang, shown=shown, total=total))
    return kept


def show(grain: str, period: str | None, lang: str, chosen: tuple[str, ...] = ()) -> None:
    """The page: the rule, counts per status for the chosen period, the grid."""
    settings = data.settings()
    if not meeting.on():  # on the wall: the grid, not the rule
        st.caption(
            t("board.intro", lang, n=settings.deadline_workday, zone=settings.time_zone)
            + (" " + t("board.own_first", lang) if _partly_own() else "")
        )
    if not period or not data.departments():
        st.info(t("board.empty", lang))
        return
    place = org.here(lang)
    found = frame(grain, period, chosen, org.expected(place) if place.tree else None)
    last = _board_grain(grain, period)[1]
    st.subheader(t("board.counts", lang, period=period_label(last, lang)))
    counts = board.counts(found, last)
    if meeting.on():  # one line, so that the grid fits the wall's screen
        st.markdown(
            " · ".join(
                f":{MARKDOWN_COLORS[status]}[●] {t(f'board.status_{status}', lang)} **{n}**"
                for status, n in counts.items()
            )
        )
    else:
        for col, (status, n) in zip(st.columns(len(counts)), counts.items(), strict=True):
            col.metric(t(f"board.status_{status}", lang), n, border=True)
    found = narrowed(found, lang)
    if found.empty:
        return
    with st.container(key="board"):
        st.html(grid(found, lang, settings.time_zone, place.tree))


def warning_link(
    place: DeltaGenerator,
    grain: str,
    period: str | None,
    lang: str,
    chosen: tuple[str, ...] = (),
) -> None:
    """The Overview's early-warning line: how many departments (of those chosen in the
    sidebar, when any) are late or missing for the period, linked to the board; nothing
    when none is."""
    if not period or not data.departments():
        return
    grain, period = _board_grain(grain, period)
    at = now().replace(second=0, microsecond=0)
    n = _overdue(data.uploads_revision(), tuple(departments()), period, data.settings(), at)
    if n:
        place.page_link(
            PAGE,
            label=t("board.overview_link", lang, n=n, period=period_label(period, lang)),
            icon=":material/fact_check:",
        )


@runs.cache_by_name(st.cache_data, show_spinner=False, max_entries=64)
def _overdue(
    uploads: tuple[str, data.Revision],
    departments: tuple[str, ...],
    period: str,
    settings: Settings,
    at: datetime,
) -> int:
    """How many of `departments` are late or missing for `period` at `at` (a minute):
    the board worked out once a minute for every session, not on every Overview run
    (deadlines are days apart). `uploads` is what the board's log is read at."""
    found = board.submission_board(data.submission_log(), list(departments), [period], settings, at)
    return int(found["status"].isin(board.OVERDUE).sum())


def _dates(value: str) -> tuple[str, ...]:
    """A text area's dates, one a line, in order without repeats (blank lines skipped);
    `settings.problems` checks each."""
    return tuple(sorted({line.strip() for line in value.splitlines() if line.strip()}))


def cycle_settings(current: Settings, editable: bool, lang: str) -> None:
    """The Settings page's monthly cycle: deadline working day, holidays and make-up
    working days, notes required, approval required; saved like every setting."""
    st.subheader(t("settings.cycle", lang))
    st.caption(t("settings.cycle_hint", lang))
    with st.form("settings_cycle"):
        day, notes, approval = st.columns(3)
        workday = day.number_input(
            t("settings.deadline_workday", lang),
            min_value=1,
            max_value=MAX_DEADLINE_WORKDAY,
            value=int(current.deadline_workday),
            step=1,
            key="settings_deadline_workday",
        )
        flags = {
            name: col.toggle(
                t(f"settings.{name}", lang),
                value=getattr(current, name),
                help=t(f"settings.{name}_hint", lang),
                key=f"settings_{name}",
            )
            for col, name in ((notes, "notes_required"), (approval, "approval_required"))
        }
        days = {  # one ISO date a line
            name: col.text_area(
                t(f"settings.{name}", lang),
                "\n".join(getattr(current, name)),
                help=t(f"settings.{name}_hint", lang),
                placeholder=example,
                key=f"settings_{name}",
            )
            for col, (name, example) in zip(
                st.columns(2), (("holidays", "2026-10-01"), ("workdays", "2026-10-10")), strict=True
            )
        }
        saved = st.form_submit_button(
            t("settings.save_cycle", lang),
            icon=":material/save:",
            disabled=not editable,
            key="settings_cycle_save",
        )
    if not saved:
        return
    chosen = current.with_(
        deadline_workday=int(workday),
        **{name: bool(value) for name, value in flags.items()},
        **{name: _dates(value) for name, value in days.items()},
    )
    found = problems(chosen)
    for problem in found:
        st.error(t(f"settings.problem_{problem}", lang), icon=":material/error:")
    if found:
        return
    if chosen == current:
        st.info(t("settings.unchanged", lang))
    elif data.save_settings(chosen):
        st.success(t("settings.saved", lang))
