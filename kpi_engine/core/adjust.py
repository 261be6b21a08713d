"""Department adjustments after the weighted score (SPEC §5.6, §5.7).

Three things happen to a department's weighted score in a period, here and nowhere else:
bonus items' points are added (at most `Settings.bonus_limit`), penalty items' points
subtracted, the result clipped to [0, cap]; and where one of the department's veto KPIs
fails, the score is `Settings.veto_score` whatever the weights. What depends only on the
rows (which veto KPIs fail, the points of each department and period) is worked out once
per cube (`department_adjustments`); `final_scores` applies the settings, so the
scorecard, What-if's scenarios and its rank-stability samples all end in the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from kpi_engine.core.schema import BONUS, PENALTY, floats, in_sections, owner_mask
from kpi_engine.core.settings import Settings

# Decimal places a veto KPI's actual is compared to its bound at, as a person reads them
# (an actual equal to its target never fails by floating-point noise; see scoring).
_READ_DECIMALS = 9

# The failing veto KPI's values named in a department's `veto` reason (the SPEC §5.12
# JSON and every page's sentence "一票否决：重大安全事故 实际 1，目标 0").
REASON_KEYS: tuple[str, ...] = (
    "kpi_id",
    "kpi_name",
    "actual",
    "target",
    "floor",
    "unit",
    "target_low",
    "target_high",
)


def items(rows: pd.DataFrame) -> np.ndarray:
    """Which rows are bonus or penalty items (SPEC §5.7): points, not KPIs of a perspective."""
    return in_sections(rows, (BONUS, PENALTY))


def penalties(rows: pd.DataFrame) -> np.ndarray:
    """Which rows are penalty items."""
    return in_sections(rows, (PENALTY,))


def item_points(rows: pd.DataFrame, item: np.ndarray | None = None) -> np.ndarray:
    """Each bonus or penalty item's points, counted positive (NaN on other rows): its
    points column (`full_points`: 分值 / 加分 / 扣分) where filled, else its actual, by
    absolute value, so a penalty written `-2` or `2` subtracts 2 (SPEC §5.7). `item`:
    `items(rows)` when the caller has it; only those rows are read (items are few)."""
    at = np.flatnonzero(items(rows) if item is None else item)
    points = np.full(len(rows), np.nan)
    if at.size:
        given = floats(rows, "full_points")[at]
        points[at] = np.abs(np.where(np.isnan(given), floats(rows, "actual")[at], given))
    return points


def as_points(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows ready to be summed over months (`periods.aggregate`): a bonus or penalty item's
    actual becomes its points and its aggregation `sum`, so a quarter counts the points of
    each of its months, whichever column each month wrote them in. Other rows are as given."""
    item = items(rows)
    if not item.any():
        return rows
    return rows.assign(  # three columns new, the others shared
        actual=np.where(item, item_points(rows, item), floats(rows, "actual")),
        full_points=np.where(item, np.nan, floats(rows, "full_points")),
        aggregation=rows["aggregation"].where(~item, "sum"),
    )


def with_points(scored: pd.DataFrame) -> pd.DataFrame:
    """Scored rows with each bonus or penalty item's counted `points` (`item_points`; other
    rows keep theirs, NaN if none) and no score, status or method: an item is not
    measured against a target, its points go to the department (SPEC §5.7)."""
    item = items(scored)
    given = floats(scored, "points")
    if not item.any():  # most sheets: points as they are, nothing else to clear
        return scored.assign(points=given.copy())
    out = scored.assign(points=np.where(item, item_points(scored, item), given))
    out["score"] = np.where(item, np.nan, floats(scored, "score"))
    out["status"] = scored["status"].where(~item, None)
    if "method" in scored.columns:
        out["method"] = scored["method"].where(~item)
    return out


def failing(rows: pd.DataFrame) -> np.ndarray:
    """Which rows are veto KPIs that fail (SPEC §5.6): the actual is worse than the floor
    where one is given, else worse than the target; for a target range, outside it (a floor
    given on one side of the range is the bound there). A missing actual fails nothing:
    there is nothing to judge, and it shows as missing. Only veto KPIs are read (few)."""
    fails = np.zeros(len(rows), dtype=bool)
    if "veto" not in rows.columns:
        return fails
    at = np.flatnonzero(rows["veto"].eq(True).to_numpy(dtype=bool))
    if not at.size:
        return fails
    actual, target, floor, low, high = (
        floats(rows, c)[at] for c in ("actual", "target", "floor", "target_low", "target_high")
    )
    direction = rows["direction"].to_numpy(dtype=object)[at]
    bound = np.where(np.isnan(floor), target, floor)
    with np.errstate(invalid="ignore"):
        gap = np.round(actual - bound, _READ_DECIMALS)
        below = np.round(actual - np.where(floor < low, floor, low), _READ_DECIMALS) < 0
        above = np.round(actual - np.where(floor > high, floor, high), _READ_DECIMALS) > 0
        worse = np.select(
            [direction == "lower", direction == "range"], [gap > 0, below | above], gap < 0
        )
    fails[at] = worse & ~np.isnan(actual)
    return fails


def _plain(value: object) -> object:
    """A reason's value as JSON writes it: a float, a string, or None (never NaN)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def reason(row: pd.Series) -> dict[str, object]:
    """The failing veto KPI's values, as a department's `veto` column holds them."""
    return {key: _plain(row.get(key)) for key in REASON_KEYS}


class Adjustments(NamedTuple):
    """Department x period, from the rows alone: bonus points (before the limit), penalty
    points, and the reason of the first failing veto KPI (None where none fails)."""

    bonus: np.ndarray
    penalty: np.ndarray
    veto: np.ndarray  # object: dict or None


def department_adjustments(
    rows: pd.DataFrame, departments: np.ndarray, periods: np.ndarray, shape: tuple[int, int]
) -> Adjustments:
    """Sum each department and period's items and find its first failing veto KPI.

    `departments` and `periods` are the rows' codes on the cube's axes (-1: none). Only a
    department's own rows count: a shared bonus item or veto KPI is the owner's, never
    copied to a partner (`rollup.expand_shared` copies only KPIs of a perspective). Only
    the items and veto KPIs are read: a few rows of the cube's 1.8 M, in their order.
    """
    veto = rows["veto"].eq(True).to_numpy(dtype=bool) if "veto" in rows.columns else False
    mine = np.flatnonzero(items(rows) | veto)
    rows, departments, periods = rows.take(mine), departments[mine], periods[mine]
    own = owner_mask(rows) & (departments >= 0) & (periods >= 0)
    cell = np.where(own, departments * shape[1] + periods, -1)
    size = shape[0] * shape[1]
    points = np.nan_to_num(item_points(rows), nan=0.0)
    penalty = penalties(rows)
    # float even without a row (numpy's bincount of nothing is int)
    bonus_sum = np.bincount(
        cell[own], weights=np.where(penalty, 0.0, points)[own], minlength=size
    ).astype(float)
    penalty_sum = np.bincount(
        cell[own], weights=np.where(penalty, points, 0.0)[own], minlength=size
    ).astype(float)
    reasons = np.full(size, None, dtype=object)
    failed = np.flatnonzero(own & failing(rows))
    cells, first = np.unique(cell[failed], return_index=True)  # first in row order
    for at, position in zip(cells, failed[first], strict=True):  # one per vetoed cell
        reasons[at] = reason(rows.iloc[position])
    return Adjustments(bonus_sum.reshape(shape), penalty_sum.reshape(shape), reasons.reshape(shape))


def counted_bonus(bonus: np.ndarray, settings: Settings) -> np.ndarray:
    """Bonus points counted: at most the settings' bonus limit per department and period."""
    return np.minimum(bonus, float(settings.bonus_limit))


def final_scores(
    before: npt.ArrayLike,
    bonus: npt.ArrayLike,
    penalty: npt.ArrayLike,
    vetoed: npt.ArrayLike,
    settings: Settings,
) -> np.ndarray:
    """The one rule from a department's weighted score to its final score: plus the bonus
    points counted (`counted_bonus`: within the limit), minus the penalty points, clipped
    to [0, cap]; the veto score where a veto KPI failed (even without a weighted score:
    the department failed its gate). NaN stays NaN otherwise."""
    adjusted = np.clip(np.add(before, bonus) - np.asarray(penalty), 0.0, float(settings.cap))
    return np.where(vetoed, float(settings.veto_score), adjusted)


def is_veto(value: object) -> bool:
    """Whether a department row's `veto` cell names a failing veto KPI (a dict of the KPI
    and its values, SPEC §5.6) rather than None: the one test pages, charts and reports make."""
    return isinstance(value, Mapping)


def vetoed(departments: pd.DataFrame) -> np.ndarray:
    """Per row of a `Scorecard.departments`-like table, whether it was vetoed (`is_veto`);
    all False for a table without a `veto` column. Only the filled cells are asked (few)."""
    found = np.zeros(len(departments), dtype=bool)
    if "veto" not in departments.columns:
        return found
    values = departments["veto"].to_numpy(dtype=object)
    filled = np.flatnonzero(pd.notna(values))
    found[filled] = np.fromiter(map(is_veto, values[filled]), dtype=bool, count=filled.size)
    return found
