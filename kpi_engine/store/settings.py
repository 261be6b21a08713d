"""Stored settings: a log of every change, the latest one in force. Each value is
versioned JSON (`codec`): settings stored by older or newer code load, fields it does not
know ignored, fields it lacks at their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor
from kpi_engine.core.settings import (
    DEFAULTS,
    HEATMAP_COLORS,
    SCRIPTS,
    WEIGHTINGS,
    Settings,
    known_time_zone,
    problems,
)
from kpi_engine.store import codec
from kpi_engine.store.audit import allowed, record
from kpi_engine.store.connection import reading, writing
from kpi_engine.store.schema import settings_log

FORMAT = 1  # of the stored JSON; values without a version are format 1 too


def _value(settings: Settings) -> dict:
    value = asdict(settings)
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in value.items()}


def _settings(text: str) -> Settings:
    """Stored settings; a choice this code does not know (newer code's), or a time zone this
    machine does not, is the default."""
    fields = codec.known_fields(Settings, text)
    for name, known in (
        ("weighting", WEIGHTINGS),
        ("heatmap_colors", HEATMAP_COLORS),
        ("script", SCRIPTS),
    ):
        if fields.get(name, getattr(DEFAULTS, name)) not in known:
            fields.pop(name)
    if not known_time_zone(str(fields.get("time_zone", DEFAULTS.time_zone))):
        fields.pop("time_zone")
    return Settings(**fields)


def save_settings(engine: Engine, settings: Settings, *, user: Actor) -> None:
    """Store new settings (the old ones stay in the log); unusable ones are refused."""
    user = allowed(user, access.SETTINGS)
    found = problems(settings)
    if found:
        raise ValueError(f"unusable settings: {', '.join(found)}")
    value = _value(settings)
    with writing(engine) as conn:
        conn.execute(
            settings_log.insert().values(
                value=codec.versioned(value, FORMAT), changed_by=user.name, changed_at=codec.now()
            )
        )
        record(conn, user.name, "settings", None, value)


def load_settings(engine: Engine) -> Settings:
    """The latest stored settings, else SPEC's defaults."""
    with reading(engine) as conn:
        text = conn.execute(
            sa.select(settings_log.c.value).order_by(settings_log.c.id.desc()).limit(1)
        ).scalar()
    return DEFAULTS if text is None else _settings(text)


def settings_history(engine: Engine) -> pd.DataFrame:
    """Every settings change, newest first: settings, changed_by, changed_at."""
    with reading(engine) as conn:
        rows = conn.execute(sa.select(settings_log).order_by(settings_log.c.id.desc())).all()
    return pd.DataFrame(
        [
            {
                "settings": _settings(r.value),
                "changed_by": r.changed_by,
                "changed_at": codec.utc(r.changed_at),
            }
            for r in rows
        ],
        columns=["settings", "changed_by", "changed_at"],
    )
