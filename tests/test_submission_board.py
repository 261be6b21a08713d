"""The submission board: each department's period is on time, late, missing, not due,
pending approval, sent back or waiting for notes, from the store's log of uploads; with
who sent it and when; a manager's own departments first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi_engine import store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core import submissions as board
from kpi_engine.core.calendar import deadline
from kpi_engine.core.schema import PENDING, PUBLISHED, RETURNED, SAMPLE_UPLOADER
from kpi_engine.core.settings import Settings
from kpi_engine.store.schema import uploads
from tests.store_files import monthly

SETTINGS = Settings()
ADMIN_USER = Actor("王磊", ADMIN)
SEPTEMBER_DUE = deadline("2026-09", SETTINGS)  # 2026-10-07 23:59:59.999999 +08:00
AFTER = SEPTEMBER_DUE + pd.Timedelta(days=30)
BEFORE = SEPTEMBER_DUE - pd.Timedelta(hours=1)


def entry(
    department: str,
    *,
    at: pd.Timestamp,
    period: str = "2026-09",
    state: str | None = PUBLISHED,
    uploader: str = "李娜",
    deleted: bool = False,
    upload_id: int = 1,
    reviewed_by: str | None = None,
) -> dict[str, object]:
    """One row of `store.submission_log`."""
    return {
        "dept_key": department,
        "department": department,
        "period": period,
        "upload_id": upload_id,
        "uploader": uploader,
        "uploaded_at": at.tz_convert("UTC"),
        "state": state,
        "reviewed_by": reviewed_by,
        "reviewed_at": at.tz_convert("UTC") if reviewed_by else pd.NaT,
        "deleted": deleted,
    }


def log(*rows: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(store.submissions.LOG_COLUMNS))
    frame["uploaded_at"] = pd.to_datetime(frame["uploaded_at"], utc=True)
    frame["reviewed_at"] = pd.to_datetime(frame["reviewed_at"], utc=True)
    return frame


def status(found: pd.DataFrame, department: str, period: str = "2026-09") -> str:
    row = found[(found["department"] == department) & (found["period"] == period)]
    assert len(row) == 1
    return str(row["status"].iloc[0])


def test_each_status_from_the_log():
    minute = pd.Timedelta(minutes=1)
    entries = log(
        entry("财务部", at=BEFORE, upload_id=1),
        entry("财务部", at=AFTER, upload_id=2, uploader="王磊"),  # a later correction
        entry("销售部", at=SEPTEMBER_DUE + minute, upload_id=3),
        entry("采购部", at=BEFORE, upload_id=4, state=PENDING),
        entry("行政部", at=BEFORE, upload_id=5, state=RETURNED, reviewed_by="张伟"),
        entry("人力部", at=BEFORE, upload_id=6, deleted=True),  # deleted: as if never sent
        entry("研发部", at=BEFORE, upload_id=7, state=None),  # NULL: published
        entry("生产部", at=AFTER + pd.Timedelta(days=300), upload_id=8, uploader=SAMPLE_UPLOADER),
    )
    unexplained = pd.DataFrame(
        {"department": ["研发"], "period": ["2026-09"], "kpi": ["K-1"], "kpi_key": ["id:k-1"]}
    )
    departments = ["财务部", "销售部", "采购部", "行政部", "人力部", "研发部", "生产部", "质量部"]
    found = board.submission_board(
        entries,
        departments,
        ["2026-09"],
        SETTINGS.with_(notes_required=True),
        AFTER.to_pydatetime(),
        unexplained=unexplained,
    )
    assert list(found.columns) == list(board.BOARD_COLUMNS)
    assert list(found["department"]) == departments
    assert dict(zip(found["department"], found["status"], strict=True)) == {
        "财务部": board.ON_TIME,  # the first upload came in time
        "销售部": board.LATE,  # a minute after the end of the 5th working day
        "采购部": board.PENDING,
        "行政部": board.RETURNED,
        "人力部": board.MISSING,
        "研发部": board.NOTES_NEEDED,  # matched by department key: 研发 is 研发部
        "生产部": board.ON_TIME,  # the bundled sample company
        "质量部": board.MISSING,
    }
    first = found.set_index("department")
    assert first.loc["财务部", "uploader"] == "李娜" and first.loc["财务部", "upload_id"] == 1
    assert first.loc["行政部", "reviewed_by"] == "张伟"
    assert first.loc["质量部", "uploader"] is None and pd.isna(first.loc["质量部", "uploaded_at"])
    assert (found["deadline"] == SEPTEMBER_DUE).all()
    # notes are not asked for unless the setting says so
    relaxed = board.submission_board(
        entries, departments, ["2026-09"], SETTINGS, AFTER, unexplained=unexplained
    )
    assert status(relaxed, "研发部") == board.ON_TIME


def test_before_the_deadline_nothing_sent_is_not_due_yet():
    entries = log(entry("财务部", at=BEFORE))
    found = board.submission_board(entries, ["财务部", "销售部"], ["2026-09"], SETTINGS, BEFORE)
    assert list(found["status"]) == [board.ON_TIME, board.NOT_DUE]
    after = board.submission_board(entries, ["财务部", "销售部"], ["2026-09"], SETTINGS, AFTER)
    assert list(after["status"]) == [board.ON_TIME, board.MISSING]


def test_a_pending_correction_and_an_approval_after_a_send_back():
    entries = log(
        entry("财务部", at=BEFORE, upload_id=1),
        entry("财务部", at=AFTER, upload_id=2, state=PENDING, uploader="王磊"),
        # sent back in time, sent again late and approved: late
        entry("销售部", at=BEFORE, upload_id=3, state=RETURNED),
        entry("销售部", at=AFTER, upload_id=4, reviewed_by="张伟"),
    )
    found = board.submission_board(entries, ["财务部", "销售部"], ["2026-09"], SETTINGS, AFTER)
    rows = found.set_index("department")
    assert rows.loc["财务部", "status"] == board.PENDING
    assert rows.loc["财务部", "uploader"] == "王磊"  # the upload waiting
    assert rows.loc["销售部", "status"] == board.LATE
    assert rows.loc["销售部", "upload_id"] == 4


def test_a_quarter_counts_its_months_and_is_due_after_the_last():
    entries = log(entry("财务部", at=BEFORE, period="2026-08"))
    found = board.submission_board(
        entries, ["财务部", "销售部"], ["2026-Q3", "2026-Q4"], SETTINGS, AFTER
    )
    assert list(found["status"]) == [board.ON_TIME, board.NOT_DUE, board.MISSING, board.NOT_DUE]
    assert found["deadline"].iloc[0] == SEPTEMBER_DUE


def test_own_departments_first_each_group_in_its_order():
    listed = ["财务部", "销售部", "采购部", "行政部"]
    assert board.own_first(listed, ["行政", "銷售部"]) == ["销售部", "行政部", "财务部", "采购部"]
    assert board.own_first(listed, []) == listed


def test_counts_list_every_status():
    entries = log(entry("财务部", at=BEFORE))
    found = board.submission_board(entries, ["财务部", "销售部"], ["2026-09"], SETTINGS, AFTER)
    counts = board.counts(found, "2026-09")
    assert list(counts) == list(board.STATUSES)
    assert counts[board.ON_TIME] == 1 and counts[board.MISSING] == 1 and sum(counts.values()) == 2


def test_the_periods_shown_run_on_to_the_latest_that_has_ended():
    months = [f"2026-{m:02d}" for m in range(1, 11)]
    now = pd.Timestamp("2026-12-01 10:00", tz="Asia/Shanghai")
    assert board.shown_periods(months, "2026-10", SETTINGS, now) == [
        f"2026-{m:02d}" for m in range(6, 12)
    ]
    assert board.shown_periods(months, "2026-03", SETTINGS, now) == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    quarters = ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert board.shown_periods(quarters, "2026-Q3", SETTINGS, now) == quarters


def test_many_rows_take_the_vectorised_path():
    rng = np.random.default_rng(17)
    departments = [f"部门{i:03d}" for i in range(200)]
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    n = 50_000
    dept = rng.integers(0, 200, n)
    month = rng.integers(0, 12, n)
    due = {m: deadline(m, SETTINGS) for m in months}
    offset = pd.to_timedelta(rng.integers(-20, 5, n), unit="D")
    at = pd.DatetimeIndex([due[months[m]] for m in month]).tz_convert("UTC") + offset
    frame = pd.DataFrame(
        {
            "dept_key": [departments[d] for d in dept],
            "department": [departments[d] for d in dept],
            "period": [months[m] for m in month],
            "upload_id": np.arange(n),
            "uploader": "李娜",
            "uploaded_at": at,
            "state": rng.choice([PUBLISHED, PENDING, RETURNED], n, p=[0.8, 0.1, 0.1]),
            "reviewed_by": None,
            "reviewed_at": pd.NaT,
            "deleted": rng.random(n) < 0.05,
        }
    )
    found = board.submission_board(
        frame, departments, months, SETTINGS, AFTER + pd.Timedelta(days=400)
    )
    assert len(found) == 200 * 12
    # every cell against the rule, one cell at a time
    for _, cell in found.sample(60, random_state=1).iterrows():
        mine = frame[
            (frame["department"] == cell["department"])
            & (frame["period"] == cell["period"])
            & ~frame["deleted"]
        ]
        published = mine[mine["state"] == PUBLISHED]
        if mine.empty:
            expected = board.MISSING
        elif mine["state"].iloc[-1] == PENDING:
            expected = board.PENDING
        elif published.empty:
            expected = board.RETURNED
        elif published["uploaded_at"].min() <= due[cell["period"]]:
            expected = board.ON_TIME
        else:
            expected = board.LATE
        assert cell["status"] == expected, cell


def test_the_store_log_has_a_row_per_upload_and_department_period(engine):
    first = monthly("市场部", month=9).save(engine)
    monthly("市場部", month=9, actual=70).save(engine, "王磊")  # the same department again
    deleted = monthly("财务部", month=10).save(engine)
    store.delete(engine, deleted.upload_id, user=ADMIN_USER)
    with engine.begin() as conn:  # what the approval helper writes (REVIEW): read it back
        conn.execute(uploads.update().where(uploads.c.id == first.upload_id).values(state=RETURNED))
    found = store.submission_log(engine)
    assert list(found.columns) == list(store.submissions.LOG_COLUMNS)
    assert list(found["upload_id"]) == [first.upload_id, first.upload_id + 1, deleted.upload_id]
    assert list(found["department"]) == ["市场部", "市场部", "财务部"]  # as first stored
    assert list(found["state"]) == [RETURNED, PUBLISHED, PUBLISHED]  # NULL read as published
    assert list(found["deleted"]) == [False, False, True]
    assert list(found["uploader"]) == ["王磊", "王磊", "王磊"]
    assert str(found["uploaded_at"].dt.tz) == "UTC"
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar()
    assert stored == 3
    shown = board.submission_board(
        found, ["市场部", "财务部"], ["2026-09", "2026-10"], SETTINGS, AFTER
    )
    assert shown.set_index(["department", "period"]).loc[("市场部", "2026-09"), "upload_id"] == (
        first.upload_id + 1
    )
