"""The sheet's own numbers against the engine's, and numbers that look like a unit slip
(SPEC §5.10). Warnings only: the engine's number stands, and the manager sees each one,
with its cell, before the rows are imported.

- A column of the sheet's own result (`得分`, `加权得分`, `完成率`; `aliases.RESULT_ALIASES`)
  is compared with the engine's number for the row: its score (`core.scoring.score`, the
  one scoring function, with default settings), its score × weight as a share, or
  actual / target for a higher-is-better KPI. A KPI scored by its own rule (SPEC §5.8)
  agrees when its 得分 or 加权得分 is its score (× weight) or its points.
- An actual more than `SCALE` times its target, or less than a `SCALE`th of it.
- Weights written as percent strings beside plain numbers above 1 in one sheet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpi_engine.core import scoring
from kpi_engine.core.names import per_distinct
from kpi_engine.core.schema import ANCHORS, WARNING
from kpi_engine.ingest import values
from kpi_engine.ingest.issues import Issue, column_letter

if TYPE_CHECKING:
    from kpi_engine.ingest.load import SheetPlan
    from kpi_engine.ingest.validate import _Report

TOLERANCE = 0.5  # points, or percentage points, that a sheet's own number may differ by
SCALE = 20.0  # an actual this many times its target (or this fraction of it) is suspect
# A completion column whose plain numbers go above this is written in percent (95 = 95 %);
# else its plain numbers are shares (0.95), as Excel's percent cells are read.
PERCENT_COMPLETION = 5.0


def check(
    rows: pd.DataFrame, raw: pd.DataFrame, plans: Sequence[SheetPlan], report: _Report
) -> None:
    """Warn, on the accepted `rows` (typed, of `validate`), about numbers that look like a
    unit slip and about the sheet's own results (in `raw`, the stacked cells, as
    `_own_<kind>`) that differ from the engine's by more than TOLERANCE."""
    if rows.empty:
        return
    where = _Where.of(rows)
    _far_from_target(rows, where, report)
    own = [c for c in raw.columns if c.startswith("_own_")]
    if own:
        _compare(rows, raw.loc[rows.index, own], where, report)


@dataclass(frozen=True)
class _Where:
    """Where each row stands (plan index, Excel row, month column), read once."""

    plan: np.ndarray
    row: np.ndarray
    month: np.ndarray

    @classmethod
    def of(cls, rows: pd.DataFrame) -> _Where:
        columns = ("_plan", "row", "_month_column")
        return cls(*(rows[c].to_numpy(dtype=np.int64) for c in columns))

    def warn(
        self,
        report: _Report,
        at: int,
        column: str | None,
        value: object,
        code: str,
        **params: object,
    ) -> None:
        """A warning about the cell of row position `at` under `column`."""
        plan = report.plans[self.plan[at]]
        report.issues.append(
            Issue.of(
                WARNING, plan.file, plan.sheet, int(self.row[at]), column, value, code, **params
            )
        )


def _number(value: float) -> str:
    """A number as the message shows it: up to two decimals, thousands grouped."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _percent(share: float) -> str:
    return f"{_number(share * 100)}%"


def _is_percent_text(cell: object) -> bool:
    """A cell written as a percent string (`20%`, `２０％`), read as a share of 1."""
    return isinstance(cell, str) and "%" in unicodedata.normalize("NFKC", cell)


def _far_from_target(rows: pd.DataFrame, where: _Where, report: _Report) -> None:
    """An actual more than SCALE times its target, or less than a SCALEth of it (a
    range's middle where there is no target). A zero on either side is no unit slip."""
    actual = rows["actual"].astype(float).to_numpy()
    middle = (rows["target_low"].astype(float) + rows["target_high"].astype(float)) / 2
    target = rows["target"].astype(float).where(rows["target"].notna(), middle).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(actual / target)
    usable = (actual != 0) & (target != 0) & np.isfinite(ratio)
    raw = rows["_raw_actual"].to_numpy()
    for mask, code in (
        (usable & (ratio > SCALE), "actual_far_above"),
        (usable & (ratio < 1 / SCALE), "actual_far_below"),
    ):
        for at in np.flatnonzero(mask):
            plan = report.plans[where.plan[at]]
            column = report.column_label(plan, "actual", int(where.month[at]), 0)
            where.warn(
                report,
                int(at),
                column,
                raw[at],
                code,
                actual=_number(actual[at]),
                target=_number(target[at]),
            )


# What scoring reads of a row: the anchors, and a rule with what it needs (SPEC §5.8).
_SCORED = ("direction", "actual", *ANCHORS, "rule", "section", "weight", "full_points", "unit")


def _compare(rows: pd.DataFrame, own: pd.DataFrame, where: _Where, report: _Report) -> None:
    """Each filled result cell against the engine's number for its row. A KPI scored by its
    own rule may show its points instead of a score out of 100 (得分 10 of 满分 20, or a
    加权得分 that is the points): either number agrees with the engine."""
    scored = scoring.score(rows[[c for c in _SCORED if c in rows.columns]])
    engine = scored["score"].astype(float)
    points = scored["points"].astype(float)
    ruled = (scored["method"] == scoring.RULE).to_numpy(dtype=bool)
    for column in own.columns:
        kind = column.removeprefix("_own_")
        cells = own[column]
        written = values.parse_numbers(cells)["value"]
        percent = per_distinct(cells, _is_percent_text).astype(bool)
        if kind == "score":
            expected = engine
        elif kind == "weighted_score":
            expected = engine * _weight_shares(rows)
        else:  # completion: actual / target, higher-is-better KPIs with a positive target
            higher = rows["direction"].eq(scoring.HIGHER) & rows["target"].gt(0)
            expected = (rows["actual"] / rows["target"]).where(higher)
            plain = written.where(~percent).abs().gt(PERCENT_COMPLETION)
            in_percent = plain.groupby(rows["_plan"]).transform("any")
            written = written.where(percent | ~in_percent, written / 100)
        scale = 100.0 if kind == "completion" else 1.0  # percentage points
        off = (written - expected).abs() * scale > TOLERANCE + 1e-9
        by_rule = ruled & (kind != "completion")
        as_points = ((written - points).abs() <= TOLERANCE + 1e-9).to_numpy()
        differs = off.to_numpy() & ~(by_rule & as_points)
        as_text = _percent if kind == "completion" else _number
        shown, computed, raw = (x.to_numpy() for x in (written, expected, cells))
        for at in np.flatnonzero(differs):
            plan = report.plans[where.plan[at]]
            grid = plan.results[(int(where.month[at]), kind)]
            rule_params = (
                {
                    "points": _number(points.iloc[at]),
                    "full": _number(scored["full_points"].iloc[at]),
                }
                if by_rule[at]
                else {}
            )
            where.warn(
                report,
                int(at),
                plan.headers[grid] if grid < len(plan.headers) else None,
                raw[at],
                f"own_rule_{kind}_differs" if by_rule[at] else f"own_{kind}_differs",
                written=as_text(shown[at]),
                engine=as_text(computed[at]),
                cell=f"{column_letter(grid)}{where.row[at]}",
                **rule_params,
            )


def _weight_shares(rows: pd.DataFrame) -> pd.Series:
    """Each weight as a share of 1, as the sheet means it: a percent string (`20%`) is one
    already; plain numbers are out of 100 in a sheet where some plain weight is above 1,
    else shares (0.2). NaN where the sheet wrote no weight (a weighted score then has
    nothing to be checked against)."""
    weight = rows["weight"].astype(float)
    raw = rows["_raw_weight"]
    percent = per_distinct(raw, _is_percent_text).astype(bool)
    above_one = (weight.gt(1) & ~percent).groupby(rows["_plan"]).transform("any")
    share = weight.where(percent | ~above_one, weight / 100)
    return share.where(~values.is_missing(raw))


def mixed_weights(rows: pd.DataFrame, plans: Sequence[SheetPlan], issues: list[Issue]) -> None:
    """One warning per sheet whose weights are written both as percent strings and as
    plain numbers above 1 (`20%` beside `30`): 20% counts as 0.2 against 30. It names
    the first percent cell and shows a plain one."""
    if rows.empty:
        return
    raw = rows["_raw_weight"]
    weight = rows["weight"].astype(float)
    percent = per_distinct(raw, _is_percent_text).astype(bool) & weight.notna()
    plain = weight.gt(1) & ~percent & ~rows["_bad_weight"].astype(bool)
    by_sheet = rows["_plan"]
    both = percent.groupby(by_sheet).any() & plain.groupby(by_sheet).any()
    for plan_index in both.index[both.to_numpy()]:
        mine = by_sheet.eq(plan_index).to_numpy()
        first = np.flatnonzero(mine & percent.to_numpy())[0]
        other = np.flatnonzero(mine & plain.to_numpy())[0]
        plan = plans[int(plan_index)]
        written = str(raw.iloc[first]).strip()
        issues.append(
            Issue.of(
                WARNING,
                plan.file,
                plan.sheet,
                int(rows["row"].iloc[first]),
                plan.written.get("weight"),
                written,
                "mixed_weight_forms",
                percent=written,
                share=_number(weight.iloc[first]),
                plain=_number(weight.iloc[other]),
            )
        )
