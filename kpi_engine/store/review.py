"""Approving uploads (issue 17): with `Settings.approval_required` a manager's upload waits
as `pending` until an approver of its departments (or an admin) approves it, which makes it
the version shown to everyone, or sends it back with a comment, after which nobody sees it.

    pending(engine, viewer=approver)             # what waits for them
    approve(engine, upload_id, user=approver, comment="ok")
    send_back(engine, upload_id, user=approver, comment="2 月的数据")
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy.engine import Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor
from kpi_engine.core.schema import PENDING, PUBLISHED, RETURNED
from kpi_engine.store import codec
from kpi_engine.store.audit import Refused, allowed, record
from kpi_engine.store.closures import require_open
from kpi_engine.store.connection import writing
from kpi_engine.store.schema import uploads
from kpi_engine.store.uploads import _get_upload, _next_seq, history, may_review, one_data_change


def pending(engine: Engine, viewer: Actor | None = None) -> pd.DataFrame:
    """The uploads waiting for approval, newest first (`history`'s columns): all of them,
    or those `viewer` may approve or send back (`may_review`: an approver's departments,
    all for an admin, none for anyone else): their review queue."""
    found = history(engine)
    waiting = found[(found["state"] == PENDING) & ~found["deleted"].astype(bool)]
    if viewer is not None:
        waiting = waiting[waiting["departments"].map(lambda d: may_review(viewer, d)).astype(bool)]
    return waiting.reset_index(drop=True)


def approve(engine: Engine, upload_id: int, *, user: Actor, comment: str = "") -> None:
    """Publish a pending upload: it becomes the newest version of what it covers (the
    next seq, as a restore), shown to everyone."""
    _review(engine, upload_id, user, PUBLISHED, comment)


def send_back(engine: Engine, upload_id: int, *, user: Actor, comment: str) -> None:
    """Return a pending upload to its uploader, saying why (the comment is required): it
    is shown to no one, and the manager uploads a corrected file."""
    if not comment.strip():
        raise Refused("comment_required", "say why the upload is sent back: nothing changed")
    _review(engine, upload_id, user, RETURNED, comment)


def _review(engine: Engine, upload_id: int, user: Actor, state: str, comment: str) -> None:
    """One transaction: the role, the departments, a pending upload, an open period; then
    the new state, who reviewed it when and why, and the audit entry."""
    user = allowed(user, access.APPROVE)
    with writing(engine) as conn:
        one_data_change(conn)
        found = _get_upload(conn, upload_id)
        departments = json.loads(found.departments)
        if not may_review(user, departments):
            raise access.Forbidden(
                "review_departments",
                f"{user.name} may only review uploads of {', '.join(user.departments)}",
                user=user.name,
                own=", ".join(user.departments),
                departments=", ".join(d for d in departments if not user.owns(d)),
            )
        if found.deleted_at is not None or found.state != PENDING:
            was = "deleted" if found.deleted_at is not None else (found.state or PUBLISHED)
            raise Refused(
                "not_pending",
                f"{found.name} is not waiting for approval: it is {was}",
                file=found.name,
                state=was,
                user=found.deleted_by or found.reviewed_by or found.uploader,
            )
        require_open(conn, json.loads(found.periods))
        values = {
            "state": state,
            "reviewed_by": user.name,
            "reviewed_at": codec.now(),
            "review_comment": comment,
        }
        if state == PUBLISHED:
            values["seq"] = _next_seq(conn)
        conn.execute(uploads.update().where(uploads.c.id == upload_id).values(**values))
        action = "approve" if state == PUBLISHED else "send_back"
        record(conn, user.name, action, upload_id, {"comment": comment})
