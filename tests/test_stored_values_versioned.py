"""Stored settings and scenarios carry the version of their format and load whatever code
wrote them: a field this code does not know is ignored, a field it has and the value
lacks takes its default, and a value written before versions (no `version`) loads."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine import DEFAULTS, store
from kpi_engine.core.settings import AUTO, WEIGHTINGS
from kpi_engine.core.whatif import AHP, Scenario
from tests.fixtures.make_store_dump import ADMIN_USER
from tests.fixtures.make_store_dump import SCENARIO as DUMPED

NOW = datetime(2026, 11, 30, tzinfo=UTC)
# Exactly as commit 31e2c00 stored them: no version.
SETTINGS_UNVERSIONED = (
    '{"amber_at": 80.0, "base_score": 60.0, "cap": 150.0, "department_weights": {"市场部": 2.0},'
    ' "green_at": 100.0, "perspective_weights": {"customer": 30.0, "financial": 30.0,'
    ' "internal_process": 25.0, "learning_growth": 15.0}}'
)
SCENARIO_UNVERSIONED = (
    '{"department_weights": {"市场部": 3.0}, "kpi_targets": [["市场部", "M-2", 80.0]],'
    ' "kpi_weights": [["市场部", "M-1", 2.0]], "method": "ahp", "name": "市场优先",'
    ' "perspective_weights": {"customer": 30.0, "financial": 40.0, "internal_process": 20.0,'
    ' "learning_growth": 10.0}}'
)
SCENARIO = replace(DUMPED, method=AHP)  # a method other than the default


def edited(text: str, **changes: object) -> str:
    """`text`'s JSON object with `changes` (None removes a field)."""
    value = json.loads(text)
    for name, new in changes.items():
        if new is None:
            value.pop(name)
        else:
            value[name] = new
    return json.dumps(value, ensure_ascii=False)


def stored_settings(engine: Engine, text: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            store.schema.settings_log.insert().values(value=text, changed_by="x", changed_at=NOW)
        )


def stored_scenario(engine: Engine, text: str) -> None:
    name = json.loads(text).get("name", "市场优先")
    with engine.begin() as conn:
        conn.execute(
            store.schema.scenarios.insert().values(
                name=name, value=text, saved_by="x", saved_at=NOW
            )
        )


def stored_values(engine: Engine, table: sa.Table) -> list[dict]:
    with engine.connect() as conn:
        return [json.loads(v) for v in conn.execute(sa.select(table.c.value)).scalars()]


# -- settings -------------------------------------------------------------------------------


def test_saved_settings_carry_their_format_version(engine):
    settings = DEFAULTS.with_(cap=150.0, department_weights={"市场部": 2.0})
    store.save_settings(engine, settings, user=ADMIN_USER)
    (value,) = stored_values(engine, store.schema.settings_log)
    assert value["version"] == store.settings.FORMAT == 1
    assert {k: v for k, v in value.items() if k != "version"} == {
        **json.loads(SETTINGS_UNVERSIONED),
        "weighting": AUTO,
        # fields added since, at their defaults; the grade table as lists of its rows
        "veto_score": DEFAULTS.veto_score,
        "bonus_limit": DEFAULTS.bonus_limit,
        "grades": [list(g) for g in DEFAULTS.grades],
        "forced_distribution": False,
        "heatmap_colors": DEFAULTS.heatmap_colors,
        "department_order": [],
        "script": DEFAULTS.script,
        "time_zone": DEFAULTS.time_zone,
        "deadline_workday": DEFAULTS.deadline_workday,
        "holidays": [],
        "workdays": [],
        "notes_required": False,
        "approval_required": False,
    }
    assert store.load_settings(engine) == settings


@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_the_weighting_rule_is_stored(engine, weighting):
    store.save_settings(engine, DEFAULTS.with_(weighting=weighting), user=ADMIN_USER)
    (value,) = stored_values(engine, store.schema.settings_log)
    assert value["weighting"] == weighting
    assert store.load_settings(engine).weighting == weighting


def test_settings_stored_before_the_weighting_rule_load_with_auto(engine):
    stored_settings(engine, edited(SETTINGS_UNVERSIONED, version=1))
    assert store.load_settings(engine).weighting == AUTO


def test_a_weighting_rule_this_code_does_not_know_loads_as_auto(engine):
    stored_settings(engine, edited(SETTINGS_UNVERSIONED, version=2, weighting="by_grade"))
    assert store.load_settings(engine) == DEFAULTS.with_(
        cap=150.0, department_weights={"市场部": 2.0}
    )


def test_settings_stored_before_versions_load(engine):
    stored_settings(engine, SETTINGS_UNVERSIONED)
    expected = DEFAULTS.with_(cap=150.0, department_weights={"市场部": 2.0})
    assert store.load_settings(engine) == expected
    assert list(store.settings_history(engine)["settings"]) == [expected]


def test_settings_with_a_field_this_code_does_not_know_load_without_it(engine):
    stored_settings(engine, edited(SETTINGS_UNVERSIONED, version=2, red_below=40.0))
    assert store.load_settings(engine) == DEFAULTS.with_(
        cap=150.0, department_weights={"市场部": 2.0}
    )


def test_settings_without_a_field_this_code_has_load_with_its_default(engine):
    stored_settings(engine, edited(SETTINGS_UNVERSIONED, amber_at=None, department_weights=None))
    loaded = store.load_settings(engine)
    assert loaded == DEFAULTS.with_(cap=150.0)
    assert loaded.amber_at == DEFAULTS.amber_at and loaded.department_weights == {}


# -- scenarios ------------------------------------------------------------------------------


def test_saved_scenarios_carry_their_format_version(engine):
    store.save_scenario(engine, SCENARIO, user=ADMIN_USER)
    (value,) = stored_values(engine, store.schema.scenarios)
    assert value["version"] == store.scenarios.FORMAT == 1
    assert {k: v for k, v in value.items() if k != "version"} == json.loads(SCENARIO_UNVERSIONED)
    assert list(store.list_scenarios(engine)["scenario"]) == [SCENARIO]


def test_scenarios_stored_before_versions_load(engine):
    stored_scenario(engine, SCENARIO_UNVERSIONED)
    assert list(store.list_scenarios(engine)["scenario"]) == [SCENARIO]


def test_a_scenario_with_fields_this_code_does_not_know_loads_without_them(engine):
    stored_scenario(engine, edited(SCENARIO_UNVERSIONED, version=7, sigma=0.2, notes="board"))
    assert list(store.list_scenarios(engine)["scenario"]) == [SCENARIO]


def test_a_scenario_without_fields_this_code_has_loads_with_their_defaults(engine):
    text = edited(SCENARIO_UNVERSIONED, kpi_targets=None, method=None, perspective_weights=None)
    stored_scenario(engine, text)
    (loaded,) = store.list_scenarios(engine)["scenario"]
    assert loaded == Scenario(
        name="市场优先", department_weights={"市场部": 3.0}, kpi_weights={("市场部", "M-1"): 2.0}
    )
    assert loaded.kpi_targets == {} and loaded.perspective_weights is None
