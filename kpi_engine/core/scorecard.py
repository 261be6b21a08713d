"""One call from tidy KPI rows to everything a page or a report shows for a period.

Pages, the CLI and reports all go through `build`, so a number on screen is the number
in the JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from kpi_engine.core import adjust, org, periods
from kpi_engine.core.adjust import vetoed
from kpi_engine.core.names import per_distinct
from kpi_engine.core.org import tree_of
from kpi_engine.core.rollup import (
    UNIT_COLUMNS,
    UNIT_PERSPECTIVE_COLUMNS,
    Cube,
    cube,
    expand_shared,
    no_rows,
    of_cube,
)
from kpi_engine.core.scoring import score, statuses
from kpi_engine.core.settings import DEFAULTS, DEPARTMENT, Settings


@dataclass(frozen=True)
class Scorecard:
    """Scored KPI rows (shared KPIs repeated under each partner) and their roll-ups."""

    kpis: pd.DataFrame
    perspectives: pd.DataFrame
    departments: pd.DataFrame
    organization: pd.DataFrame
    collaboration: pd.DataFrame
    organization_perspectives: pd.DataFrame  # period, perspective, score, coverage
    # The organisation tree's units (issue 18): unit, period, score, coverage, level,
    # parent, grade, coefficient; empty without a tree.
    units: pd.DataFrame = field(default_factory=lambda: no_rows(UNIT_COLUMNS))
    unit_perspectives: pd.DataFrame = field(
        default_factory=lambda: no_rows(UNIT_PERSPECTIVE_COLUMNS)
    )
    tree: org.Tree = org.EMPTY


def for_period(kpis: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """KPI rows of one period label; all rows if None.

    A month is its rows only (a quarterly KPI is not expected in a month). A coarser
    label (`YYYY-Qn`, `YYYY-Hn`, `YYYY`, `YYYY-YTD` / `YYYY-MM-YTD`, see `periods`)
    aggregates the rows of its months and of its finer periods (`periods.parts_of`)
    together with those reported at its own grain (SPEC §5.1).
    """
    if period is None:
        return kpis
    if periods.is_month(period):
        return kpis[kpis["period"] == period]
    parts = periods.parts_of(period, available=kpis["period"].dropna().unique())
    return periods.aggregate(kpis[kpis["period"].isin(parts)], parts, label=period)


def from_scored(
    scored: pd.DataFrame, *, settings: Settings, org: pd.DataFrame | None = None
) -> tuple[Scorecard, Cube]:
    """Scored rows -> shared KPIs expanded -> rolled up: the one path from scores to a
    scorecard (`build`, and what-if's baseline and KPI overrides). The cube beside it is
    the KPI level, which what-if re-weights without going back to the rows. Bonus and
    penalty items get their `points` here and no score (`adjust.with_points`). `org`'s
    edges (`schema.org_table`) place the departments in a tree (`core.org.tree_of`)."""
    expanded = expand_shared(adjust.with_points(scored))
    kpi_level = cube(expanded)
    tree = tree_of(org, kpi_level.departments.labels)
    ups = of_cube(kpi_level, settings, tree)
    card = Scorecard(
        expanded,
        ups.perspectives,
        ups.departments,
        ups.organization,
        ups.collaboration,
        ups.organization_perspectives,
        ups.units,
        ups.unit_perspectives,
        tree,
    )
    return card, kpi_level


def department_wide(departments: pd.DataFrame, period: str | None) -> list[str]:
    """The departments of a `Scorecard.departments` table scored department-wide in
    `period` (every period if None; SPEC §5.3), sorted: what the Overview names, and the
    departments What-if's perspective sliders do not move."""
    at = departments[(departments["weighting"] == DEPARTMENT).to_numpy(bool)]
    if period is not None:
        at = at[(at["period"] == period).to_numpy(bool)]
    return sorted(at["department"].astype(str).unique())


def department_statuses(departments: pd.DataFrame, *, settings: Settings) -> np.ndarray:
    """The status of each department row: its score's band, but red for a vetoed row
    whatever its score (the veto score is a setting, SPEC §5.6)."""
    return np.where(
        vetoed(departments), "red", statuses(departments["score"].astype(float), settings=settings)
    ).astype(object)


def build(
    kpis: pd.DataFrame,
    *,
    settings: Settings = DEFAULTS,
    period: str | None = None,
    org: pd.DataFrame | None = None,
) -> Scorecard:
    """Score, expand shared KPIs and roll up, for one period label or every month; with
    `org`'s edges, units too (issue 18)."""
    scored = score(for_period(kpis, period), settings=settings)
    card, _ = from_scored(scored, settings=settings, org=org)
    return card


# The texts of a scorecard's frames written by people (names, units, owners, partners,
# scoring rules, grade names, a form's extra columns, a written perspective): what a
# report cleans (`reports.tables.printable_history`) and what the UI shows in its script
# (`i18n.script`). Codes (period, status, direction, method, section) are not among them.
NAME_COLUMNS = (
    "department",
    "parent",  # a unit's parent unit (issue 18)
    "owner_department",
    "kpi_id",
    "kpi_name",
    "perspective",
    "unit",
    "owner",
    "shared_with",
    "rule",
    "grade",
    "distribution_grade",
)


def _text_cell(cell: object, func: Callable[[str], str]) -> object:
    """`func` of a text, of each partner in a tuple, of each text in a mapping (a veto's
    KPI name and unit, a form's extras); anything else as is."""
    if isinstance(cell, str):
        return func(cell)
    if isinstance(cell, tuple):
        return tuple(func(p) if isinstance(p, str) else p for p in cell)
    if isinstance(cell, dict):
        return {
            (func(k) if isinstance(k, str) else k): (func(v) if isinstance(v, str) else v)
            for k, v in cell.items()
        }
    return cell


def frame_with_texts(frame: pd.DataFrame, func: Callable[[str], str]) -> pd.DataFrame:
    """`frame` with `func` applied to every people-written text (`NAME_COLUMNS`, and the
    dicts of `veto` and `extras`), once per distinct value; numbers and codes untouched."""
    columns = {}
    for c in NAME_COLUMNS:
        if c in frame.columns:
            column = frame[c]
            shown = per_distinct(column, lambda v: _text_cell(v, func), same_if_unchanged=True)
            if shown is not column:  # a column already in the script is kept as it is
                columns[c] = shown.astype(column.dtype)
    for c in ("veto", "extras"):  # dicts (unhashable), in few rows: only those, one by one
        if c not in frame.columns or frame[c].dtype != object:
            continue  # a KPI row's `veto` is a flag, in every row: no text to convert
        filled = np.flatnonzero(frame[c].notna().to_numpy(bool))
        if len(filled):
            cells = frame[c].to_numpy(dtype=object, copy=True)
            for i in filled:  # one by one: a cell is a whole dict
                cells[i] = _text_cell(cells[i], func)
            columns[c] = pd.Series(cells, index=frame.index, dtype=object)
    return frame.assign(**columns)


def with_texts(
    card: Scorecard,
    func: Callable[[str], str],
    *,
    done: Mapping[str, pd.DataFrame] | None = None,
) -> Scorecard:
    """`card` with `func` applied to every frame's people-written texts (`frame_with_texts`);
    the frames `done` names are taken as they are (`func` applied already: a group's view
    shares the whole history's 1.8 M KPI rows, converted once)."""
    done = done or {}
    frames = {
        f.name: done[f.name] if f.name in done else frame_with_texts(getattr(card, f.name), func)
        for f in fields(card)
        if isinstance(getattr(card, f.name), pd.DataFrame)
    }
    return replace(card, **frames, tree=org.tree_with_texts(card.tree, func))
