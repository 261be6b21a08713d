"""The actions agreed in meetings as people read them (issue 17): one table for the Actions
page, its Excel download, and the actions in the period's workbook and PDF, so that every
place says the same words (`actions.*` in the catalogs).

A period's report holds the actions agreed in its own meeting and those of the meeting
before it, the latter with their outcome in the period (`core.actions.outcomes`): what the
next meeting opens with.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from kpi_engine.core.actions import outcomes
from kpi_engine.core.names import department_key
from kpi_engine.core.periods import previous_period
from kpi_engine.core.schema import ANONYMOUS
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.settings import Settings
from kpi_engine.i18n import MISSING, is_missing, period_label, t, text_or_missing
from kpi_engine.i18n.script import shown_name

OPEN, OVERDUE, CLOSED = "open", "overdue", "closed"
STATES: tuple[str, ...] = (OPEN, OVERDUE, CLOSED)


def states(actions: pd.DataFrame, on: datetime.date | None = None) -> np.ndarray:
    """Each action's state: closed, overdue (open and due before `on`), else open."""
    closed = actions["closed_at"].notna().to_numpy(bool)
    late = np.zeros(len(actions), bool)
    if on is not None:
        late = (pd.to_datetime(actions["due"]) < pd.Timestamp(on)).to_numpy(bool)
    return np.select([closed, late], [CLOSED, OVERDUE], default=OPEN).astype(object)


def of_department(actions: pd.DataFrame, department: str | None) -> pd.DataFrame:
    """A department's actions (its KPIs' and its own); every action when None."""
    if department is None:
        return actions
    return actions[(actions["dept_key"] == department_key(department)).to_numpy(bool)]


def for_report(
    actions: pd.DataFrame,
    history: Scorecard,
    period: str,
    *,
    settings: Settings,
    department: str | None = None,
) -> pd.DataFrame:
    """The actions a report of `period` lists: its own meeting's, and the previous
    meeting's with their `outcome` in `period` (None for the period's own)."""
    mine = of_department(actions, department)
    earlier = mine[(mine["period"] == previous_period(period)).to_numpy(bool)]
    own = mine[(mine["period"] == period).to_numpy(bool)].assign(outcome=None)
    checked = outcomes(earlier, history, settings, period)
    return pd.concat([checked, own], ignore_index=True)


def _person(name: object, lang: str) -> str:
    """Who added or closed an action: their name; anyone in open mode in words."""
    return t("data.anonymous_uploader", lang) if name == ANONYMOUS else text_or_missing(name)


def _local_day(value: object, zone: str) -> str:
    if is_missing(value):
        return MISSING
    return f"{pd.Timestamp(value).tz_convert(zone):%Y-%m-%d}"  # type: ignore[arg-type]


def action_table(
    actions: pd.DataFrame,
    lang: str,
    *,
    script: str,
    zone: str,
    on: datetime.date | None = None,
) -> pd.DataFrame:
    """`actions` as text in `lang`: the meeting's period, whom it is for (a department,
    else the organisation) and the KPI, what, owner, due date, state (overdue as of `on`),
    who added and closed it (the day on the organisation's clock, `zone`) and how it ended;
    with the outcome where `actions` has one. Names in the user's script (`script`)."""
    organisation = t("common.organization", lang)

    def name(value: object) -> str:
        return MISSING if is_missing(value) else shown_name(str(value), lang, script)

    table = pd.DataFrame(
        {
            t("common.period", lang): [period_label(p, lang) for p in actions["period"]],
            t("actions.target", lang): [
                organisation if is_missing(d) else name(d) for d in actions["department"]
            ],
            t("common.kpi", lang): [name(k) for k in actions["kpi"]],
            t("actions.what", lang): actions["what"].astype(object).to_numpy(),
            t("actions.owner", lang): actions["owner"].astype(object).to_numpy(),
            t("actions.due", lang): [f"{pd.Timestamp(d):%Y-%m-%d}" for d in actions["due"]],
            t("actions.state", lang): [t(f"actions.state_{s}", lang) for s in states(actions, on)],
            t("actions.created_by", lang): [_person(v, lang) for v in actions["created_by"]],
            t("actions.closed_by", lang): [_person(v, lang) for v in actions["closed_by"]],
            t("actions.closed_on", lang): [_local_day(v, zone) for v in actions["closed_at"]],
            t("actions.closing_note", lang): [text_or_missing(v) for v in actions["closing_note"]],
        }
    )
    if "outcome" in actions:
        table[t("actions.outcome", lang)] = [
            MISSING if is_missing(o) else t(f"actions.outcome_{o}", lang)
            for o in actions["outcome"]
        ]
    return table
