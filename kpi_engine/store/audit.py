"""Who may change the store and who did: the role check every write starts with, the
audit log every write ends with, and the revision numbers caches of stored data are
keyed by."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth import users
from kpi_engine.auth.roles import Actor
from kpi_engine.store import codec
from kpi_engine.store.connection import reading
from kpi_engine.store.schema import audit

# Audit actions by what they change, so a cache of one kind outlives changes of another.
DATA_ACTIONS = ("upload", "restore", "delete", "undo_delete", "approve", "send_back")
SETTINGS_ACTIONS = ("settings",)
SCENARIO_ACTIONS = ("scenario", "scenario_delete")
# The monthly cycle (issue 17): notes on KPIs, closing and reopening periods, meeting actions.
NOTE_ACTIONS = ("note",)
PERIOD_ACTIONS = ("close_period", "reopen_period")
ACTION_ACTIONS = ("action_add", "action_close")


class Refused(ValueError):
    """A change that does not apply to what is stored as it now stands (another session may
    have changed it, or an admin closed the period): deleting a deleted upload, undoing the
    delete of a live one, an upload for a closed month. `code` and `params` name the message
    for the catalogs (`data.<code>`); str() is English."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def allowed(actor: Actor, action: str) -> Actor:
    """The actor as the users file says now, if they may do `action`: a user removed or
    given a lower role since signing in is refused here, whatever their session holds
    (`users.current_actor`). Raises access.Forbidden."""
    actor = users.current_actor(actor)
    access.require(actor, action)
    return actor


def record(conn: Connection, user: str, action: str, upload_id: int | None, detail: object) -> None:
    """Log `action` inside the write transaction that does it."""
    conn.execute(
        audit.insert().values(
            at=codec.now(),
            user=user,
            action=action,
            upload_id=upload_id,
            detail=None if detail is None else codec.to_json(detail),
        )
    )


def audit_log(engine: Engine) -> pd.DataFrame:
    """Who did what when, newest first: at, user, action, upload_id, detail (dict or None)."""
    with reading(engine) as conn:
        rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc())).all()
    return pd.DataFrame(
        [
            {
                "at": codec.utc(r.at),
                "user": r.user,
                "action": r.action,
                "upload_id": r.upload_id,
                "detail": None if r.detail is None else json.loads(r.detail),
            }
            for r in rows
        ],
        columns=["at", "user", "action", "upload_id", "detail"],
    )


def revisions(engine: Engine) -> dict[str, int]:
    """Every action's last audit entry, in one query: a page run reads this once and keys
    all its caches by it (`latest`), instead of one query per kind of change."""
    query = sa.select(audit.c.action, sa.func.max(audit.c.id)).group_by(audit.c.action)
    with reading(engine) as conn:
        return {str(action): int(last) for action, last in conn.execute(query).all()}


def latest(last: Mapping[str, int], actions: Iterable[str] | None = None) -> int:
    """The revision of `actions` (all when None) from every action's last entry
    (`revisions`): the largest of theirs, 0 when none was logged."""
    found = last.values() if actions is None else (last.get(action, 0) for action in actions)
    return max(found, default=0)


def revision(engine: Engine, actions: Iterable[str] | None = None) -> int:
    """A number that changes whenever anything stored changes (the last audit entry), or
    only what `actions` change: what a cache of stored data is keyed by."""
    return latest(revisions(engine), actions)
