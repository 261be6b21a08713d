"""The submission board (issue 17): for each department and period, whether its data came
in on time, late, not at all, or wait for approval or a note; who sent them and when.

The rules, for a department's period (its own label, and for a quarter, half-year or year
also the data labels inside it; departments matched by `names.department_key`), over its
live (not deleted) uploads in `store.submission_log`'s order of versions:

- none: MISSING once the deadline (`core.calendar.deadline`) has passed, NOT_DUE before;
- the newest is pending approval: PENDING;
- none is published (the newest was sent back): RETURNED;
- published, notes required (`settings.notes_required`) and a red KPI of it without a
  note (`unexplained`): NOTES_NEEDED;
- else ON_TIME when the first published upload came by the deadline, LATE after it. An
  upload sent back does not count as submitted; an approved one counts from when it was
  uploaded. The bundled sample company (`schema.SAMPLE_UPLOADER`) is on time.

Who and when: for PENDING and RETURNED the newest upload, for the published statuses the
first published upload (the one that decided on time or late).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from kpi_engine.core.calendar import deadline
from kpi_engine.core.names import department_key, department_keys
from kpi_engine.core.periods import (
    DATA_GRAINS,
    containing,
    grain_of,
    is_label,
    is_ytd,
    months_of,
    ordinal,
    shift_period,
    within,
)
from kpi_engine.core.schema import PENDING as PENDING_STATE
from kpi_engine.core.schema import PUBLISHED, SAMPLE_UPLOADER
from kpi_engine.core.settings import Settings

ON_TIME, LATE, MISSING = "on_time", "late", "missing"
PENDING, RETURNED, NOTES_NEEDED, NOT_DUE = "pending", "returned", "notes_needed", "not_due"
# Most in need of someone's attention first: what the counts and legends list.
STATUSES: tuple[str, ...] = (MISSING, LATE, RETURNED, PENDING, NOTES_NEEDED, ON_TIME, NOT_DUE)
OVERDUE: tuple[str, ...] = (LATE, MISSING)  # what the Overview's warning counts

BOARD_COLUMNS = (
    "department",
    "period",
    "status",
    "deadline",
    "uploader",
    "uploaded_at",
    "upload_id",
    "reviewed_by",
    "reviewed_at",
)
_WHO = ["uploader", "uploaded_at", "upload_id", "reviewed_by", "reviewed_at"]
_KEYS = ["dept_key", "period"]


def _parts(labels: Iterable[object], periods: Sequence[str]) -> pd.DataFrame:
    """(label, period): each data label with each board period it makes up (itself, or the
    quarter, half-year or year it lies in)."""
    pairs = [
        (label, period)
        for label in dict.fromkeys(labels)
        if isinstance(label, str) and is_label(label) and not is_ytd(label)
        for period in periods
        if label == period or (grain_of(period) in DATA_GRAINS and within(label, period))
    ]
    return pd.DataFrame(pairs, columns=["label", "period"], dtype=object)


def _on_board(frame: pd.DataFrame, periods: Sequence[str], keys: Iterable[str]) -> pd.DataFrame:
    """`frame`'s rows of the board's departments, once per board period they make up."""
    frame = frame.assign(dept_key=department_keys(frame["department"]))
    frame = frame[frame["dept_key"].isin(set(keys)).to_numpy(bool)]
    parts = _parts(pd.unique(frame["period"].astype(object)), periods)
    return frame.rename(columns={"period": "label"}).merge(parts, on="label")


def submission_board(
    log: pd.DataFrame,
    departments: Sequence[str],
    periods: Sequence[str],
    settings: Settings,
    now: datetime,
    unexplained: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per department x period (in the given orders) with its status (module
    docstring), deadline (in `settings.time_zone`) and the upload behind the status:
    uploader, uploaded_at (UTC), upload_id, reviewed_by, reviewed_at (empty for MISSING
    and NOT_DUE). `log` is `store.submission_log`; `unexplained` the red KPIs without a
    note (department, period, kpi, kpi_key); `now` a time with a zone (naive: UTC)."""
    names: dict[str, str] = {}
    for name in departments:
        names.setdefault(department_key(name), name)  # the first spelling of each
    keys = list(names)
    periods = list(dict.fromkeys(periods))
    due = {p: deadline(p, settings) for p in periods}
    grid = pd.DataFrame(
        {
            "dept_key": np.repeat(np.array(keys, dtype=object), len(periods)),
            "period": np.tile(np.array(periods, dtype=object), len(keys)),
        }
    )
    grid["department"] = grid["dept_key"].map(names)
    grid["deadline"] = pd.to_datetime(grid["period"].map(due), utc=True).dt.tz_convert(
        settings.time_zone
    )

    rows = _on_board(
        log.assign(_order=np.arange(len(log)), state=log["state"].fillna(PUBLISHED)), periods, keys
    )
    live = rows[~rows["deleted"].astype(bool).to_numpy()]
    newest = live.sort_values("_order", kind="stable").drop_duplicates(_KEYS, keep="last")
    published = live[(live["state"] == PUBLISHED).to_numpy(bool)]
    first = published.sort_values(["uploaded_at", "_order"], kind="stable")
    first = first.drop_duplicates(_KEYS, keep="first")
    board = grid.merge(
        newest[[*_KEYS, "state", *_WHO]].rename(columns={c: f"newest_{c}" for c in _WHO}),
        on=_KEYS,
        how="left",
    ).merge(first[[*_KEYS, *_WHO]], on=_KEYS, how="left")

    notes = pd.Series(False, index=board.index)
    if settings.notes_required and unexplained is not None and len(unexplained):
        red = _on_board(unexplained[["department", "period"]], periods, keys)
        flagged = pd.MultiIndex.from_frame(red[_KEYS].drop_duplicates())
        notes = pd.Series(pd.MultiIndex.from_frame(board[_KEYS]).isin(flagged), index=board.index)

    at = pd.Timestamp(now)
    at = at.tz_localize("UTC") if at.tzinfo is None else at
    has_live = board["state"].notna().to_numpy()
    pending = (board["state"] == PENDING_STATE).to_numpy()
    has_published = board["upload_id"].notna().to_numpy()
    in_time = (board["uploaded_at"] <= board["deadline"]).to_numpy(bool) | (
        board["uploader"] == SAMPLE_UPLOADER
    ).to_numpy(bool)
    overdue = (board["deadline"] < at).to_numpy(bool)
    board["status"] = np.select(
        [~has_live & overdue, ~has_live, pending, ~has_published, notes.to_numpy(bool), in_time],
        [MISSING, NOT_DUE, PENDING, RETURNED, NOTES_NEEDED, ON_TIME],
        LATE,
    ).astype(object)

    # Who and when: the newest upload while it waits or was sent back.
    waiting = pd.Series(pending | (has_live & ~has_published), index=board.index)
    for column in _WHO:
        board[column] = board[column].where(~waiting, board[f"newest_{column}"])
    for column in ("uploader", "reviewed_by"):
        board[column] = board[column].astype(object).where(board[column].notna(), None)
    board["upload_id"] = board["upload_id"].astype("Int64")
    board["uploaded_at"] = pd.to_datetime(board["uploaded_at"], utc=True)
    board["reviewed_at"] = pd.to_datetime(board["reviewed_at"], utc=True)
    return board.loc[:, list(BOARD_COLUMNS)]


def own_first(departments: Iterable[str], own: Iterable[str]) -> list[str]:
    """`departments` with those of `own` (a manager's or approver's, matched by
    `names.department_key`) first, each group keeping its order."""
    mine = {department_key(d) for d in own}
    listed = list(dict.fromkeys(departments))
    return [d for d in listed if department_key(d) in mine] + [
        d for d in listed if department_key(d) not in mine
    ]


def counts(board: pd.DataFrame, period: str) -> dict[str, int]:
    """How many departments have each status in `period`, every status listed."""
    found = board.loc[(board["period"] == period).to_numpy(bool), "status"].value_counts()
    return {status: int(found.get(status, 0)) for status in STATUSES}


def shown_periods(
    labels: Sequence[str], period: str, settings: Settings, now: datetime, *, count: int = 6
) -> list[str]:
    """The `count` periods of `period`'s grain (a data grain) the board shows, oldest first,
    none before the first of `labels` (the grain's periods with data): up to `period`, or,
    when `period` is the latest with data, up to the latest period that has ended by `now`
    on the organisation's clock (its data are due or soon will be), so that a month
    nobody has sent yet is on the board."""
    grain = grain_of(period)
    end = period
    if not labels or ordinal(period) >= max(ordinal(p) for p in labels):
        local = pd.Timestamp(now)
        local = (local if local.tzinfo else local.tz_localize("UTC")).tz_convert(settings.time_zone)
        last_month = shift_period(f"{local.year:04d}-{local.month:02d}", -1)
        ended = containing(last_month, grain)
        if months_of(ended)[-1] != last_month:
            ended = shift_period(ended, -1)
        end = max(period, ended, key=ordinal)
    first = min((ordinal(p) for p in labels), default=ordinal(period))
    steps = range(max(ordinal(end) - count + 1, min(first, ordinal(period))), ordinal(end) + 1)
    return [shift_period(end, n - ordinal(end)) for n in steps]
