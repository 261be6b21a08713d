"""Notes on KPIs (issue 17): why a KPI is where it is (原因分析) and what is done about it
(改进措施), one per KPI and period, as the store keeps them (`store.notes`).

    with_notes(rows, notes)                # KPI rows + cause, measure, note_author, note_at
    unexplained(kpi_scores, notes, settings)   # red KPIs without a note: the one rule of
                                               # "a note is required" (settings.notes_required)

A note belongs to a KPI of a department (`names.department_key` + `names.kpi_text_keys`)
and a period; a shared KPI's note is its owner's, shown on every partner's copy too.
"""

from __future__ import annotations

import math

import pandas as pd

from kpi_engine.core.names import department_keys, first_unsafe, kpi_text_keys
from kpi_engine.core.schema import owner_rows
from kpi_engine.core.scoring import RED, statuses
from kpi_engine.core.settings import Settings

# The two parts of a note, as columns of a loaded KPI frame (an upload's 原因分析 and
# 改进措施 columns) and of the store's notes table.
NOTE_COLUMNS: tuple[str, str] = ("cause", "measure")
MAX_NOTE_CHARS = 2000  # each part: a paragraph or two, not a report
NOTES_COLUMNS = (
    "dept_key",
    "department",
    "period",
    "kpi_key",
    "kpi",
    "cause",
    "measure",
    "author",
    "written_at",
    "upload_id",
    "version",
)
UNEXPLAINED_COLUMNS = ("department", "period", "kpi", "kpi_key")


def note_text(value: object) -> str:
    """A note cell or field as text: missing is "", outer blanks stripped, line breaks as
    `\\n` (a note may have several lines; nothing else invisible is kept by `problem`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def problem(text: str) -> tuple[str, dict[str, object]] | None:
    """Why a note part cannot be stored, as a message code and its parameters: too long,
    or a character no writer may be given (`names.first_unsafe`; line breaks and tabs
    are allowed in a note). None when it can."""
    if len(text) > MAX_NOTE_CHARS:
        return "note_too_long", {"limit": MAX_NOTE_CHARS, "length": len(text)}
    unsafe = first_unsafe(text.replace("\n", " ").replace("\t", " "))
    return None if unsafe is None else ("note_unsafe", {"char": unsafe})


def _keys(rows: pd.DataFrame) -> pd.DataFrame:
    """Each KPI row's note key: its owner's department (a shared copy shows its owner's
    note), the period and the KPI."""
    owner = rows["department"]
    if "owner_department" in rows.columns:
        owner = rows["owner_department"].where(rows["owner_department"].notna(), owner)
    return pd.DataFrame(
        {
            "_dept": department_keys(owner).to_numpy(),
            "_period": rows["period"].astype(object).to_numpy(),
            "_kpi": kpi_text_keys(rows).to_numpy(),
        },
        index=rows.index,
    )


def with_notes(rows: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """`rows` (KPI rows: department, period, kpi_id, kpi_name) with `cause` and `measure`
    ("" without a note), `note_author` and `note_at` (None / NaT) of each KPI's newest note.
    Rows keep their order and index."""
    rows = rows.drop(columns=["cause", "measure", "note_author", "note_at"], errors="ignore")
    keys = _keys(rows)
    found = (
        notes.rename(
            columns={
                "dept_key": "_dept",
                "period": "_period",
                "kpi_key": "_kpi",
                "author": "note_author",
                "written_at": "note_at",
            }
        )[["_dept", "_period", "_kpi", "cause", "measure", "note_author", "note_at"]]
        .drop_duplicates(["_dept", "_period", "_kpi"], keep="last")
        .astype({"_period": object})
    )
    merged = keys.merge(found, on=["_dept", "_period", "_kpi"], how="left")
    return rows.assign(
        cause=pd.Series(
            merged["cause"].fillna("").to_numpy(dtype=object), index=rows.index, dtype=object
        ),
        measure=pd.Series(
            merged["measure"].fillna("").to_numpy(dtype=object), index=rows.index, dtype=object
        ),
        note_author=pd.Series(  # object: pandas would make a text column with NaN for None
            [a if isinstance(a, str) else None for a in merged["note_author"]],
            index=rows.index,
            dtype=object,
        ),
        note_at=pd.to_datetime(merged["note_at"], utc=True).to_numpy(),
    )


def has_note(rows: pd.DataFrame) -> pd.Series:
    """Rows of `with_notes` that carry a note (a cause or a measure)."""
    return rows["cause"].astype(bool) | rows["measure"].astype(bool)


def unexplained(kpi_scores: pd.DataFrame, notes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Red KPIs (`scoring.statuses` of their score under `settings`) that have no note, one
    row per KPI and period (owners' rows only: a shared KPI is explained once, by its
    owner): department, period, kpi (its name), kpi_key. What `settings.notes_required`
    asks for before a submission counts as complete."""
    owned = owner_rows(kpi_scores)
    red = owned[statuses(owned["score"], settings=settings) == RED]
    if red.empty:
        return pd.DataFrame(columns=list(UNEXPLAINED_COLUMNS))
    explained = with_notes(red, notes)
    missing = explained[~has_note(explained).to_numpy(dtype=bool)]
    keys = kpi_text_keys(missing)
    frame = pd.DataFrame(
        {
            "department": missing["department"].to_numpy(dtype=object),
            "period": missing["period"].to_numpy(dtype=object),
            "kpi": missing["kpi_name"].to_numpy(dtype=object),
            "kpi_key": keys.to_numpy(dtype=object),
        }
    )
    return frame.drop_duplicates().reset_index(drop=True)
