"""Notes on KPIs (issue 17): a manager's 原因分析 (cause) and 改进措施 (measure) for a KPI
and period, written on the Scorecard or in an upload's 说明 / 改进措施 columns.

    save_note(engine, department=, period=, kpi_key=, kpi=, cause=, measure=, user=)
    notes(engine)                  # the newest note of each KPI-period, with its version
    note_history(engine, department, period, kpi_key)   # every version, oldest first

Versioned like uploads: each save is a new row, never an update, so who wrote what when
is kept; the newest row of a KPI-period is the note shown, and a row with neither cause
nor measure clears it. A closed period's notes do not change (`closures.require_open`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor
from kpi_engine.core import names
from kpi_engine.core import notes as rules
from kpi_engine.core.notes import NOTE_COLUMNS, NOTES_COLUMNS
from kpi_engine.store import codec
from kpi_engine.store.audit import Refused, allowed, record
from kpi_engine.store.closures import require_open
from kpi_engine.store.connection import reading, writing
from kpi_engine.store.schema import notes as notes_table

_STORED = tuple(c for c in NOTES_COLUMNS if c != "version")  # the table's columns


def _checked(text: object, part: str) -> str:
    """A note part as stored, or Refused (`data.note_too_long`, `data.note_unsafe`)."""
    value = rules.note_text(text)
    found = rules.problem(value)
    if found is not None:
        code, params = found
        raise Refused(code, f"the note's {part}: {code} {params}", part=part, **params)
    return value


def save_note(
    engine: Engine,
    *,
    department: str,
    period: str,
    kpi_key: str,
    kpi: str,
    cause: str,
    measure: str,
    user: Actor,
) -> int:
    """Store a new version of a KPI's note for `period` and return its id; empty cause and
    measure clear the note. The same text as the note shown stores nothing (its id is
    returned). Raises `access.Forbidden` (no NOTE permission, or a manager's or approver's
    department that is not theirs) and `Refused` (a closed period, a note too long or
    holding a character no report can print)."""
    user = allowed(user, access.NOTE)
    if not user.owns(department):
        raise access.Forbidden(
            "not_own_department",
            f"{user.name} may only write notes for {', '.join(user.departments)}",
            user=user.name,
            own=", ".join(user.departments),
            department=department,
        )
    cause, measure = _checked(cause, "cause"), _checked(measure, "measure")
    key = names.department_key(department)
    with writing(engine) as conn:
        require_open(conn, [period])
        newest = _newest(conn, [(key, period)])
        same = newest[newest["kpi_key"] == kpi_key]
        if len(same) and (same["cause"].iloc[0], same["measure"].iloc[0]) == (cause, measure):
            return int(same["id"].iloc[0])
        note_id = conn.execute(
            notes_table.insert().values(
                dept_key=key,
                department=department,
                period=period,
                kpi_key=kpi_key,
                kpi=kpi,
                cause=cause,
                measure=measure,
                author=user.name,
                written_at=codec.now(),
                upload_id=None,
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # an insert always has its key
        detail = {"department": department, "period": period, "kpi": kpi, "id": note_id}
        record(conn, user.name, "note", None, detail)
    return int(note_id)


def from_upload(
    conn: Connection, kpis: pd.DataFrame, dept_keys: list[str], upload_id: int, uploader: str
) -> int:
    """Inside an upload's transaction: its rows' notes (the optional `cause` / `measure`
    columns the parser read from 说明 / 改进措施) as new versions, by the uploader. Empty
    cells write nothing (they do not clear a note written on the Scorecard), nor does a
    note that says what the one shown says. Returns how many were stored."""
    present = [c for c in NOTE_COLUMNS if c in kpis.columns]
    if kpis.empty or not present:
        return 0
    parts = {
        c: kpis[c] if c in kpis.columns else pd.Series("", index=kpis.index) for c in NOTE_COLUMNS
    }
    frame = pd.DataFrame(
        {
            "dept_key": np.asarray(dept_keys, dtype=object),
            "department": kpis["department"].to_numpy(dtype=object),
            "period": kpis["period"].to_numpy(dtype=object),
            "kpi_key": names.kpi_text_keys(kpis).to_numpy(dtype=object),
            "kpi": names.kpi_labels(kpis).to_numpy(dtype=object),
            **{
                c: names.per_distinct(s, rules.note_text).to_numpy(dtype=object)
                for c, s in parts.items()
            },
        }
    )
    frame = frame[(frame["cause"] != "") | (frame["measure"] != "")]
    frame = frame.drop_duplicates(["dept_key", "period", "kpi_key"], keep="last")
    if frame.empty:
        return 0
    keys = set(zip(frame["dept_key"], frame["period"], strict=True))
    shown = _newest(conn, keys)[["dept_key", "period", "kpi_key", "cause", "measure"]]
    same = frame.merge(shown, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    frame = frame[~same]
    if frame.empty:
        return 0
    written = frame.assign(author=uploader, written_at=codec.now(), upload_id=upload_id)
    conn.execute(
        notes_table.insert(),
        [{str(k): v for k, v in r.items()} for r in written.to_dict("records")],
    )
    record(conn, uploader, "note", upload_id, {"notes": len(frame)})
    return len(frame)


def _newest(conn: Connection, keys: Iterable[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The newest row of each (dept_key, period, kpi_key), cleared ones included, with
    `version` (how many rows it has) and `id`; optionally only those of (dept_key, period)
    `keys`."""
    grouped = sa.select(
        sa.func.max(notes_table.c.id).label("id"), sa.func.count().label("version")
    ).group_by(notes_table.c.dept_key, notes_table.c.period, notes_table.c.kpi_key)
    if keys is not None:
        wanted = sorted(set(keys))
        if not wanted:
            return _frame([], with_id=True)
        grouped = grouped.where(sa.tuple_(notes_table.c.dept_key, notes_table.c.period).in_(wanted))
    newest = grouped.subquery()
    query = (
        sa.select(*(notes_table.c[c] for c in _STORED), newest.c.version, newest.c.id)
        .join(newest, newest.c.id == notes_table.c.id)
        .order_by(notes_table.c.id)
    )
    return _frame(list(conn.execute(query).all()), with_id=True)


def _frame(rows: list, *, with_id: bool = False) -> pd.DataFrame:
    columns = [*NOTES_COLUMNS, *(["id"] if with_id else [])]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    stamps = pd.Series([codec.utc(v) for v in frame["written_at"]], dtype=object)
    frame["written_at"] = pd.to_datetime(stamps, utc=True)
    frame["upload_id"] = frame["upload_id"].astype("Int64")
    frame["version"] = frame["version"].astype("int64")
    return frame


def notes(engine: Engine, periods: Iterable[str] | None = None) -> pd.DataFrame:
    """The note shown for each KPI and period (its newest version, unless that cleared
    it), oldest first: `core.notes.NOTES_COLUMNS`; `version` counts its saves from 1.
    Only `periods` when given."""
    with reading(engine) as conn:
        found = _newest(conn)
    if periods is not None:
        found = found[found["period"].isin(list(periods))]
    found = found[(found["cause"] != "") | (found["measure"] != "")]
    return found.drop(columns="id").reset_index(drop=True)


def note_history(engine: Engine, department: str, period: str, kpi_key: str) -> pd.DataFrame:
    """Every version of one KPI's note for `period`, oldest first (cleared ones too):
    `NOTES_COLUMNS`, `version` 1, 2, ..."""
    query = (
        sa.select(*(notes_table.c[c] for c in _STORED))
        .where(
            notes_table.c.dept_key == names.department_key(department),
            notes_table.c.period == period,
            notes_table.c.kpi_key == kpi_key,
        )
        .order_by(notes_table.c.id)
    )
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    return _frame([(*r, i + 1) for i, r in enumerate(rows)])
