"""Actions agreed in the meeting (issue 17): what is to be done, by whom, by when, for the
whole organisation, a department, or one of its KPIs; kept with who added it and who
closed it. The next period's Overview says whether the KPI recovered (`core.actions`).

    add_action(engine, period="2026-10", department="市场部", kpi_key="id:k1", kpi="客户满意度",
               what="走访前十大客户", owner="张伟", due=date(2026, 11, 30), user=leader)
    close_action(engine, action_id, user=leader, note="已完成")

Whoever may record actions (every role, leadership included) may add and close them; a
manager or an approver only for their own departments, so an organisation-wide action is
for the other roles. A closed period still takes actions: the meeting reviews a closed
month, and its actions are about the months after it.
"""

from __future__ import annotations

import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor, Forbidden
from kpi_engine.core.actions import MAX_WHAT
from kpi_engine.core.names import department_key, first_unsafe
from kpi_engine.core.periods import is_label
from kpi_engine.core.settings import DEFAULT_LIMITS
from kpi_engine.store import codec
from kpi_engine.store.audit import Refused, allowed, record
from kpi_engine.store.connection import reading, writing
from kpi_engine.store.schema import actions as table

ACTION_COLUMNS = (
    "id",
    "period",
    "department",
    "dept_key",
    "kpi",
    "kpi_key",
    "what",
    "owner",
    "due",
    "created_by",
    "created_at",
    "closed_by",
    "closed_at",
    "closing_note",
)
MAX_OWNER = DEFAULT_LIMITS.max_text  # a person's or a team's name, as long as a KPI owner's


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    """`value` stripped, or Refused naming the field: empty when required, too long, or
    holding a character no stored text may hold (`names.first_unsafe`)."""
    text = (value or "").strip()
    if required and not text:
        raise Refused("action_empty", f"an action needs its {field}", field=field)
    if len(text) > limit:
        raise Refused(
            "action_too_long",
            f"{field} is longer than {limit} characters",
            field=field,
            limit=limit,
        )
    unsafe = first_unsafe(text)
    if unsafe is not None:
        raise Refused("action_unsafe", f"{field} holds {unsafe}", field=field, char=unsafe)
    return text


def _may_act_for(user: Actor, department: str | None) -> None:
    """A manager or an approver acts for their own departments only: not for another
    department, nor for the whole organisation."""
    if user.role in access.DEPARTMENT_ROLES and (department is None or not user.owns(department)):
        raise Forbidden(
            "action_department",
            f"{user.name} may only record actions for {', '.join(user.departments)}",
            user=user.name,
            own=", ".join(user.departments),
        )


def add_action(
    engine: Engine,
    *,
    period: str,
    department: str | None,
    kpi_key: str | None,
    kpi: str | None,
    what: str,
    owner: str,
    due: datetime.date,
    user: Actor,
) -> int:
    """Record an action agreed in `period`'s meeting for `department` (None: the whole
    organisation) or one of its KPIs (`kpi_key` from `names.kpi_text_keys`, `kpi` its
    shown name); returns its id."""
    user = allowed(user, access.ACTION)
    if not is_label(period):
        raise Refused("action_period", f"{period!r} is not a period label", period=period)
    department = _text(department, "department", DEFAULT_LIMITS.max_text) if department else None
    _may_act_for(user, department)
    if department is None and kpi_key:
        raise Refused("action_kpi_without_department", "a KPI's action names its department")
    values = {
        "period": period,
        "dept_key": None if department is None else department_key(department),
        "department": department,
        "kpi_key": kpi_key or None,
        "kpi": (kpi or None) if kpi_key else None,
        "what": _text(what, "what", MAX_WHAT),
        "owner": _text(owner, "owner", MAX_OWNER),
        "due": due,
        "created_by": user.name,
        "created_at": codec.now(),
    }
    with writing(engine) as conn:
        action_id = conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()
        detail = {k: values[k] for k in ("period", "department", "kpi", "what", "owner")}
        record(conn, user.name, "action_add", None, {"id": action_id, **detail, "due": str(due)})
    return action_id


def close_action(engine: Engine, action_id: int, *, user: Actor, note: str = "") -> None:
    """Mark an action done, with an optional note on how it ended. Closing a closed one
    is refused naming who closed it (another session got there first)."""
    user = allowed(user, access.ACTION)
    note = _text(note, "note", MAX_WHAT, required=False)
    with writing(engine) as conn:
        found = conn.execute(sa.select(table).where(table.c.id == action_id)).first()
        if found is None:
            raise Refused("action_unknown", f"no action {action_id}", id=action_id)
        _may_act_for(user, found.department)
        if found.closed_at is not None:
            raise Refused(
                "already_closed",
                f"the action was already closed by {found.closed_by}",
                what=found.what,
                user=found.closed_by,
            )
        conn.execute(
            table.update()
            .where(table.c.id == action_id)
            .values(closed_by=user.name, closed_at=codec.now(), closing_note=note or None)
        )
        record(conn, user.name, "action_close", None, {"id": action_id, "note": note})


def actions(engine: Engine, *, period: str | None = None, open_only: bool = False) -> pd.DataFrame:
    """The stored actions, newest meeting first (then as added): `ACTION_COLUMNS`, `due` a
    date, times in UTC; those agreed in `period`, or still open, when asked."""
    query = sa.select(table).order_by(table.c.period.desc(), table.c.id)
    if period is not None:
        query = query.where(table.c.period == period)
    if open_only:
        query = query.where(table.c.closed_at.is_(None))
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame([r._mapping for r in rows], columns=list(ACTION_COLUMNS))
    for column in ("created_at", "closed_at"):
        frame[column] = [codec.utc(v) for v in frame[column]]
    return frame.astype({"id": "int64"})
