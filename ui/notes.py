"""Notes on KPIs in the app (issue 17): the stored notes (cached per store revision), the
Scorecard's editor for a manager's own KPIs with each note's history, and the notes of a
heatmap cell's KPIs. The rules live in the engine's core.notes (and its store, reached through ui.data).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi_engine import Scorecard
from kpi_engine.core import periods
from kpi_engine.core.names import department_key, kpi_labels, kpi_text_keys
from kpi_engine.core.notes import has_note, with_notes
from kpi_engine.core.schema import owner_rows
from kpi_engine.core.scoring import RED
from kpi_engine.i18n import status_label, t
from kpi_engine.reports.tables import note_cell, of_perspective
from ui import data, derived, state, tables

# Widget keys (the UI contract): the KPI picked, the two parts, the save button.
KPI, CAUSE, MEASURE, SAVE = "note_kpi", "note_cause", "note_measure", "note_save"
_FILLED_FOR = "note_filled_for"
TOOLTIP_CHARS = 80  # a note in a heatmap tooltip: its start, the drill-down has it whole  # which KPI-period the two text areas were filled for


def stored() -> pd.DataFrame:
    """The note shown for every KPI and period (`ui.data.notes`, cached per revision)."""
    return data.notes()


def _choices(history: Scorecard, department: str, period: str) -> pd.DataFrame:
    """The department's own KPIs of the period (a shared KPI is noted by its owner), red
    first, then as the Scorecard lists them: kpi_key, kpi (as stored), name, status."""
    rows = history.kpis
    rows = owner_rows(rows[(rows["department"] == department) & (rows["period"] == period)])
    rows = rows[of_perspective(rows)]
    frame = pd.DataFrame(
        {
            "kpi_key": kpi_text_keys(rows).to_numpy(dtype=object),
            "kpi": kpi_labels(rows).to_numpy(dtype=object),
            "name": rows["kpi_name"].astype(str).to_numpy(dtype=object),
            "status": rows["status"].to_numpy(dtype=object),
        }
    )
    frame = frame.drop_duplicates("kpi_key")
    return frame.sort_values("status", key=lambda s: s.ne(RED), kind="stable")


def _save(stored_department: str, period: str, kpi_key: str, kpi: str) -> None:
    """The save button's callback: runs before the page is drawn again, so the table above
    the editor shows the new note at once."""
    lang = state.lang()
    saved = data.save_note(
        department=stored_department,
        period=period,
        kpi_key=kpi_key,
        kpi=kpi,
        cause=st.session_state.get(CAUSE, ""),
        measure=st.session_state.get(MEASURE, ""),
    )
    if saved:
        st.toast(t("notes.saved", lang), icon=":material/check:")


def editor(
    history: Scorecard, stored_department: str, department: str, period: str, lang: str
) -> None:
    """Under the Scorecard's tables: for a user who may write notes on this department, a
    KPI picker (red KPIs first), cause and measure prefilled with the note shown, a save
    button, and the note's versions. Notes are per month: a quarter or a year says so."""
    if not data.may_write_note(stored_department):
        return
    st.subheader(t("notes.editor_title", lang))
    if not periods.is_month(period):
        st.caption(t("notes.months_only", lang))
        return
    choices = derived.of_card(_choices, history, department, period)
    if choices.empty:
        return
    names = dict(zip(choices["kpi_key"], choices["name"], strict=True))
    status = dict(zip(choices["kpi_key"], choices["status"], strict=True))
    key = st.selectbox(
        t("notes.kpi", lang),
        list(choices["kpi_key"]),
        format_func=lambda k: t(
            "notes.kpi_option", lang, kpi=names[k], status=status_label(status[k], lang)
        ),
        key=KPI,
    )
    notes = stored()
    current = notes[
        (notes["dept_key"] == department_key(stored_department))
        & (notes["period"] == period)
        & (notes["kpi_key"] == key)
    ]
    cause, measure = (
        (current["cause"].iloc[-1], current["measure"].iloc[-1]) if len(current) else ("", "")
    )
    if st.session_state.get(_FILLED_FOR) != (stored_department, period, key):
        st.session_state[CAUSE], st.session_state[MEASURE] = cause, measure
        st.session_state[_FILLED_FOR] = (stored_department, period, key)
    st.text_area(t("notes.cause", lang), key=CAUSE, placeholder=t("notes.cause_hint", lang))
    st.text_area(t("notes.measure", lang), key=MEASURE, placeholder=t("notes.measure_hint", lang))
    kpi = str(choices.loc[choices["kpi_key"] == key, "kpi"].iloc[0])
    st.button(
        t("notes.save", lang),
        key=SAVE,
        on_click=_save,
        args=(stored_department, period, key, kpi),
        icon=":material/save:",
    )
    _history(stored_department, period, key, lang)


def _history(stored_department: str, period: str, key: str, lang: str) -> None:
    """Every version of the note: who wrote what when, on the organisation's clock."""
    found = data.note_history(stored_department, period, key)
    if found.empty:
        return
    zone = data.settings().time_zone
    with st.expander(t("notes.history", lang, n=len(found))):
        shown = found.iloc[::-1]
        st.dataframe(
            pd.DataFrame(
                {
                    t("notes.version", lang): shown["version"].to_numpy(),
                    t("notes.author", lang): tables.uploader_names(
                        shown["author"], lang
                    ).to_numpy(),
                    t("notes.written_at", lang): tables.times(shown["written_at"], zone).to_numpy(),
                    t("notes.cause", lang): shown["cause"].to_numpy(),
                    t("notes.measure", lang): shown["measure"].to_numpy(),
                }
            ),
            hide_index=True,
            placeholder=tables.MISSING,
        )


def unexplained_caption(kpis: pd.DataFrame, lang: str) -> None:
    """Above the Scorecard's tables, when a note is required: how many red KPIs lack one."""
    column = t("notes.column", lang)
    if column in kpis.columns:
        n = int((kpis[column] == t("notes.needed", lang)).sum())
        if n:
            st.warning(t("notes.needed_count", lang, n=n), icon=":material/edit_note:")


def cell_table(
    history: Scorecard, department: str, perspective: str, period: str, lang: str
) -> None:
    """The heatmap drill-down's table: the cell's KPIs, status and note, author and time."""
    rows = history.kpis
    rows = rows[
        (rows["department"] == department)
        & (rows["perspective"] == perspective)
        & (rows["period"] == period)
    ]
    if rows.empty:
        return
    noted = with_notes(rows, stored())
    zone = data.settings().time_zone
    author = tables.uploader_names(noted["note_author"].fillna(""), lang)
    st.dataframe(
        pd.DataFrame(
            {
                t("common.kpi", lang): noted["kpi_name"].to_numpy(),
                t("common.score", lang): noted["score"].astype(float).round(1).to_numpy(),
                t("common.status", lang): [status_label(s, lang) for s in noted["status"]],
                t("notes.column", lang): [
                    note_cell(c, m, lang)
                    for c, m in zip(noted["cause"], noted["measure"], strict=True)
                ],
                t("notes.author", lang): [
                    a if n else "" for a, n in zip(author, has_note(noted), strict=True)
                ],
                t("notes.written_at", lang): tables.times(noted["note_at"], zone)
                .where(has_note(noted), "")
                .to_numpy(),
            }
        ),
        hide_index=True,
        placeholder=tables.MISSING,
    )


def cell_summaries(history: Scorecard, period: str, lang: str) -> pd.DataFrame:
    """Per heatmap cell (department, perspective) of `period`, its red KPIs' notes for the
    tooltip: how many of them are explained, and the first note. Once for every session
    showing the same card and notes (`derived.of_card`)."""
    return derived.of_card(_cell_summaries, history, period, lang, stored())


def _cell_summaries(
    history: Scorecard, period: str, lang: str, notes: pd.DataFrame
) -> pd.DataFrame:
    rows = history.kpis
    rows = owner_rows(rows[(rows["period"] == period) & (rows["status"] == RED)])
    if rows.empty:
        return pd.DataFrame(columns=["department", "perspective", "notes_text"])
    cell = ["department", "perspective"]
    noted = with_notes(rows, notes).assign(_noted=lambda f: has_note(f))
    # per cell (2,000 at 500 units), in order of appearance: its red KPIs, those
    # explained, and the first explained one's note (few cells have one)
    counts = noted.groupby(cell, sort=False, observed=True)["_noted"].agg(["size", "sum"])
    first = noted[noted["_noted"].to_numpy(bool)].drop_duplicates(cell).set_index(cell)
    whole = {
        at: note_cell(cause, measure, lang)
        for at, cause, measure in zip(first.index, first["cause"], first["measure"], strict=True)
    }
    shown = {
        at: note if len(note) <= TOOLTIP_CHARS else note[: TOOLTIP_CHARS - 1] + "…"
        for at, note in whole.items()
    }
    texts = [
        f"{t('notes.tooltip', lang, explained=int(n), red=int(size))} {shown.get(at, '')}".strip()
        for at, size, n in zip(counts.index, counts["size"], counts["sum"], strict=True)
    ]
    return pd.DataFrame(
        {
            "department": counts.index.get_level_values(0),
            "perspective": counts.index.get_level_values(1),
            "notes_text": texts,
        }
    )
