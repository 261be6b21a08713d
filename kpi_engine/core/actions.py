"""What became of the actions agreed in a meeting (issue 17): in the next period, did the
KPI recover, or the department's or the organisation's score for an action on either?

Scores and statuses are read from a scored history (`insights.history`, what every page
shows): a KPI's own status, a department's and the organisation's score put in its band
by `scoring.statuses`, the one rule of bands. Actions are `store.actions` frames.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from kpi_engine.core.names import department_keys, kpi_text_keys
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import Settings

RECOVERED, IMPROVED, NOT_RECOVERED, NO_DATA = "recovered", "improved", "not_recovered", "no_data"
OUTCOMES: tuple[str, ...] = (RECOVERED, IMPROVED, NOT_RECOVERED, NO_DATA)
# The status an outcome is coloured as, so it reads like a score: recovered green,
# improved amber, not recovered red, no data grey.
OUTCOME_STATUS: Mapping[str, str] = MappingProxyType(
    {RECOVERED: "green", IMPROVED: "amber", NOT_RECOVERED: "red", NO_DATA: "missing"}
)
MAX_WHAT = 500  # characters of an action or its closing note: a sentence or two, read aloud
_NONE = ""  # the key of "no department" (the organisation) or "no KPI" (the department)


def _targets(history: Scorecard, settings: Settings) -> pd.DataFrame:
    """Every score an action can be about, one row per period and target: period,
    dept_key, kpi_key ("" for a department's or the organisation's own score), score,
    status. A KPI shared with partners is listed under each, as its scorecards list it."""
    kpis = history.kpis[history.kpis["score"].notna().to_numpy(bool)]
    kpi_rows = pd.DataFrame(
        {
            "period": kpis["period"].astype(object).to_numpy(),
            "dept_key": department_keys(kpis["department"]).to_numpy(),
            "kpi_key": kpi_text_keys(kpis).to_numpy(),
            "score": kpis["score"].to_numpy(float),
            "status": kpis["status"].astype(object).to_numpy(),
        }
    )
    departments = history.departments
    department_rows = pd.DataFrame(
        {
            "period": departments["period"].astype(object).to_numpy(),
            "dept_key": department_keys(departments["department"]).to_numpy(),
            "kpi_key": _NONE,
            "score": departments["score"].to_numpy(float),
        }
    )
    org = history.organization
    org_rows = pd.DataFrame(
        {
            "period": org["period"].astype(object).to_numpy(),
            "dept_key": _NONE,
            "kpi_key": _NONE,
            "score": org["score"].to_numpy(float),
        }
    )
    rolled = pd.concat([department_rows, org_rows], ignore_index=True)
    rolled["status"] = statuses(rolled["score"], settings=settings)
    both = pd.concat([kpi_rows, rolled], ignore_index=True)
    both = both[both["score"].notna().to_numpy(bool)]
    return both.drop_duplicates(["period", "dept_key", "kpi_key"], keep="last")


def outcomes(
    actions: pd.DataFrame, history: Scorecard, settings: Settings, next_period: str
) -> pd.DataFrame:
    """`actions` with `outcome`: in `next_period`, the action's KPI (or its department's,
    or the organisation's score) is green (recovered), has a higher score than in the
    action's own period though not green (improved), neither (not_recovered), or has no
    score (no_data). `history` holds both periods, as `ui.data.history(grain)` does."""
    targets = _targets(history, settings).set_index(["period", "dept_key", "kpi_key"])
    dept = actions["dept_key"].astype(object).where(actions["dept_key"].notna(), _NONE)
    kpi = actions["kpi_key"].astype(object).where(actions["kpi_key"].notna(), _NONE)
    now = targets.reindex(pd.MultiIndex.from_arrays([[next_period] * len(actions), dept, kpi]))
    before = targets.reindex(
        pd.MultiIndex.from_arrays([actions["period"].astype(object), dept, kpi])
    )
    score, status = now["score"].to_numpy(float), now["status"].to_numpy(object)
    up = score > before["score"].to_numpy(float)  # False where either is missing
    outcome = np.select(
        [np.isnan(score), status == "green", up],
        [NO_DATA, RECOVERED, IMPROVED],
        default=NOT_RECOVERED,
    )
    return actions.assign(outcome=outcome.astype(object))


def due_actions(actions: pd.DataFrame, on: datetime.date) -> pd.DataFrame:
    """The open actions due on or before `on`, the longest overdue first (then as added):
    what a reminder lists."""
    due = pd.to_datetime(actions["due"])
    found = actions[(actions["closed_at"].isna() & (due <= pd.Timestamp(on))).to_numpy(bool)]
    return (
        found.assign(_due=due[found.index])
        .sort_values(["_due", "id"], kind="stable")
        .drop(columns="_due")
    )
