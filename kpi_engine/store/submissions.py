"""Who submitted what when: every upload of every department-period, for the submission
board (`core.submissions.submission_board`)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine.core.names import display_names
from kpi_engine.core.schema import PUBLISHED
from kpi_engine.store import codec
from kpi_engine.store.connection import reading
from kpi_engine.store.schema import coverage, uploads
from kpi_engine.store.uploads import _first_names

LOG_COLUMNS = (
    "dept_key",
    "department",
    "period",
    "upload_id",
    "uploader",
    "uploaded_at",
    "state",
    "reviewed_by",
    "reviewed_at",
    "deleted",
)


def submission_log(engine: Engine) -> pd.DataFrame:
    """One row per upload and department-period it covers (deleted uploads too, marked),
    in the order of versions (the newest last: a restore makes an upload newest again).
    `department` is the name first stored (as every page shows it); `state` is
    core.schema's, NULL read as published; times are UTC."""
    query = (
        sa.select(
            coverage.c.dept_key,
            coverage.c.department,
            coverage.c.period,
            uploads.c.id,
            uploads.c.uploader,
            uploads.c.uploaded_at,
            uploads.c.state,
            uploads.c.reviewed_by,
            uploads.c.reviewed_at,
            uploads.c.deleted_at.is_not(None),
        )
        .join(uploads, uploads.c.id == coverage.c.upload_id)
        .order_by(uploads.c.seq, coverage.c.dept_key, coverage.c.period)
    )
    with reading(engine) as conn:
        rows = conn.execute(query).all()
        first = _first_names(conn)
    # column by column (a row at a time, pandas asks each row whether it is a named tuple:
    # 0.2 s of 18,000 rows at 500 units); a time without a zone is UTC, as `codec.utc` says
    log = codec.frame(rows, LOG_COLUMNS)
    shown = display_names(log["department"], preferred=first)
    return log.assign(
        department=log["dept_key"].map(shown).astype(object),
        upload_id=log["upload_id"].astype("int64"),
        uploaded_at=pd.to_datetime(log["uploaded_at"], utc=True),
        state=log["state"].fillna(PUBLISHED).astype(object),
        reviewed_at=pd.to_datetime(log["reviewed_at"], utc=True),
        deleted=log["deleted"].astype(bool),
    )
