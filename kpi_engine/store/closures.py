"""Closing a period after review (issue 17): once an admin closes a month, nothing stored
for it changes (uploads, deletes, restores, notes) until an admin reopens it. The table is
a log: each close or reopen is a row, the newest row of a period says where it stands.

    close_period(engine, "2026-10", user=admin)
    require_open(conn, ["2026-10"])      # inside a write: Refused naming who closed it
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor
from kpi_engine.store import codec
from kpi_engine.store.audit import Refused, allowed, record
from kpi_engine.store.connection import reading, writing
from kpi_engine.store.schema import closures

CLOSED_COLUMNS = ("period", "closed_by", "closed_at", "comment")


def _newest() -> sa.Select:
    """Each period's newest closure row."""
    latest = sa.select(sa.func.max(closures.c.id)).group_by(closures.c.period)
    return sa.select(closures).where(closures.c.id.in_(latest.scalar_subquery()))


def _closed(conn: Connection, periods: Iterable[str] | None = None) -> pd.DataFrame:
    query = _newest()
    if periods is not None:
        query = query.where(closures.c.period.in_(sorted(set(periods))))
    rows = [r for r in conn.execute(query.order_by(closures.c.period)).all() if r.closed]
    return pd.DataFrame(
        [(r.period, r.user, codec.utc(r.at), r.comment) for r in rows],
        columns=list(CLOSED_COLUMNS),
    )


def closed_periods(engine: Engine) -> pd.DataFrame:
    """The periods closed now, oldest first: period, closed_by, closed_at, comment."""
    with reading(engine) as conn:
        return _closed(conn)


def require_open(conn: Connection, periods: Iterable[str]) -> None:
    """Inside a write transaction: refuse it when any of `periods` is closed, naming the
    first closed one, who closed it and when, so a manager knows whom to ask."""
    closed = _closed(conn, periods)
    if len(closed):
        first = closed.iloc[0]
        raise Refused(
            "period_closed",
            f"{first['period']} was closed by {first['closed_by']}: ask an admin to reopen it",
            period=first["period"],
            user=first["closed_by"],
            at=first["closed_at"],
        )


def close_period(engine: Engine, period: str, *, user: Actor, comment: str = "") -> None:
    """Close `period` (admins). Closing a closed period is refused: it keeps who closed it."""
    _set(engine, period, user, closed=True, comment=comment)


def reopen_period(engine: Engine, period: str, *, user: Actor, comment: str = "") -> None:
    """Reopen a closed period (admins); reopening an open one is refused."""
    _set(engine, period, user, closed=False, comment=comment)


def _set(engine: Engine, period: str, user: Actor, *, closed: bool, comment: str) -> None:
    user = allowed(user, access.CLOSE)
    with writing(engine) as conn:
        now_closed = _closed(conn, [period])
        if closed and len(now_closed):
            require_open(conn, [period])
        if not closed and not len(now_closed):
            raise Refused("period_open", f"{period} is not closed", period=period)
        conn.execute(
            closures.insert().values(
                period=period, closed=closed, user=user.name, at=codec.now(), comment=comment
            )
        )
        action = "close_period" if closed else "reopen_period"
        record(conn, user.name, action, None, {"period": period, "comment": comment})
