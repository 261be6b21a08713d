"""Saved what-if scenarios: each save is a new row, the latest of a name is listed, a
delete hides the name (its rows stay). Each value is versioned JSON (`codec`): scenarios
saved by older or newer code load, fields this code does not know ignored, fields it
lacks at their defaults."""

from __future__ import annotations

import dataclasses

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor
from kpi_engine.core.whatif import Scenario
from kpi_engine.store import codec
from kpi_engine.store.audit import allowed, record
from kpi_engine.store.connection import reading, writing
from kpi_engine.store.schema import scenarios

FORMAT = 1  # of the stored JSON; values without a version are format 1 too
# Overrides keyed by (department, KPI): JSON has no tuple keys, so [department, KPI, value].
KEYED = ("kpi_weights", "kpi_targets")


def _value(scenario: Scenario) -> dict:
    value = {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario)}
    for name in KEYED:
        value[name] = [[d, k, v] for (d, k), v in value[name].items()]
    return value


def _scenario(text: str) -> Scenario:
    value = codec.known_fields(Scenario, text)
    for name in KEYED:
        if name in value:
            value[name] = {(d, k): v for d, k, v in value[name]}
    return Scenario(**value)


def save_scenario(engine: Engine, scenario: Scenario, *, user: Actor) -> None:
    """Store a named what-if scenario; saving a name again keeps the latest."""
    user = allowed(user, access.SCENARIO)
    text = codec.versioned(_value(scenario), FORMAT)
    with writing(engine) as conn:
        conn.execute(
            scenarios.insert().values(
                name=scenario.name, value=text, saved_by=user.name, saved_at=codec.now()
            )
        )
        record(conn, user.name, "scenario", None, {"name": scenario.name})


def delete_scenario(engine: Engine, name: str, *, user: Actor) -> None:
    """Remove a saved scenario from the list (its versions stay in the table and the log)."""
    user = allowed(user, access.SCENARIO)
    with writing(engine) as conn:
        found = conn.execute(
            scenarios.update()
            .where(scenarios.c.name == name, scenarios.c.deleted_at.is_(None))
            .values(deleted_at=codec.now())
        ).rowcount
        if not found:
            raise KeyError(f"no scenario {name!r}")
        record(conn, user.name, "scenario_delete", None, {"name": name})


def list_scenarios(engine: Engine) -> pd.DataFrame:
    """The latest version of each saved scenario by name: name, scenario, saved_by, saved_at."""
    latest = (
        sa.select(sa.func.max(scenarios.c.id))
        .where(scenarios.c.deleted_at.is_(None))
        .group_by(scenarios.c.name)
    )
    query = sa.select(scenarios).where(scenarios.c.id.in_(latest)).order_by(scenarios.c.name)
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(
        [
            {
                "name": r.name,
                "scenario": _scenario(r.value),
                "saved_by": r.saved_by,
                "saved_at": codec.utc(r.saved_at),
            }
            for r in rows
        ],
        columns=["name", "scenario", "saved_by", "saved_at"],
    )
