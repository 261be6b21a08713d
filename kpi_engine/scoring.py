"""Per-KPI scores (SPEC §3): piecewise-linear lines through the KPI's anchors, then clipped.

Everything here works on whole columns at once: the benchmark scores 180,000 KPI-months,
so each formula is one numpy expression and the per-row choice is an `np.select`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi_engine.settings import DEFAULTS, Settings

FLOOR = "floor"
THREE_VALUE = "three_value"
RANGE = "range"
METHODS: tuple[str, ...] = (FLOOR, THREE_VALUE, RANGE)

HIGHER = "higher"
LOWER = "lower"

GREEN = "green"
AMBER = "amber"
RED = "red"

MSG_DIRECTION = "direction must be higher, lower or range: choose one of them for this KPI"
MSG_TARGET_MISSING = "target is missing: enter a target value"
MSG_HIGHER_TARGET = (
    "target must be above 0 when no floor is given: enter a positive target or a floor value"
)
MSG_LOWER_TARGET = (
    "target must be above 0 for a lower-is-better KPI without a floor (the zero point "
    "defaults to twice the target): enter a positive target or a floor value"
)
MSG_HIGHER_FLOOR = (
    "floor must be below the target for a higher-is-better KPI: "
    "enter a floor smaller than the target"
)
MSG_LOWER_FLOOR = (
    "floor must be above the target for a lower-is-better KPI: enter a floor larger than the target"
)
MSG_HIGHER_THRESHOLD = (
    "threshold must be below the target for a higher-is-better KPI: "
    "enter a threshold smaller than the target"
)
MSG_LOWER_THRESHOLD = (
    "threshold must be above the target for a lower-is-better KPI: "
    "enter a threshold larger than the target"
)
MSG_HIGHER_STRETCH = (
    "stretch value must be above the target for a higher-is-better KPI: "
    "enter a larger stretch value or leave it empty"
)
MSG_LOWER_STRETCH = (
    "stretch value must be below the target for a lower-is-better KPI: "
    "enter a smaller stretch value or leave it empty"
)
MSG_RANGE_MISSING = "target range needs both a target low and a target high: enter both values"
MSG_RANGE_ORDER = "target low must not exceed target high: swap or correct the two values"
MSG_RANGE_POINT = (
    "target low equals target high and no floor is given: widen the range or enter a floor value"
)
MSG_RANGE_FLOOR = (
    "floor of a target range must lie outside the range (below target low or above "
    "target high): correct the floor or leave it empty"
)


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (missing or absent -> NaN), whatever dtype it came in."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _direction(frame: pd.DataFrame) -> np.ndarray:
    """Directions as a plain object array so comparisons never trip over NA."""
    return frame["direction"].astype(object).to_numpy()


def methods(kpis: pd.DataFrame) -> np.ndarray:
    """Which formula each row uses: range by direction, else three-value when a threshold is set."""
    direction = _direction(kpis)
    has_threshold = ~np.isnan(_num(kpis, "threshold"))
    return np.select([direction == RANGE, has_threshold], [RANGE, THREE_VALUE], FLOOR).astype(
        object
    )


def anchor_problems(kpis: pd.DataFrame) -> pd.Series:
    """Why each row's anchors make no meaningful line (a message to show the user), else None.

    The validation step rejects rows with a message, so every case in which `score` would
    divide by zero, slope the wrong way or miss an anchor must be caught here.
    """
    direction = _direction(kpis)
    method = methods(kpis)
    t, f = _num(kpis, "target"), _num(kpis, "floor")
    thr, st = _num(kpis, "threshold"), _num(kpis, "stretch")
    lo, hi = _num(kpis, "target_low"), _num(kpis, "target_high")
    higher, lower = direction == HIGHER, direction == LOWER
    known = higher | lower | (direction == RANGE)
    no_t, no_f, no_st = np.isnan(t), np.isnan(f), np.isnan(st)
    is_floor, is_three, is_range = method == FLOOR, method == THREE_VALUE, method == RANGE
    with np.errstate(invalid="ignore"):
        conditions = [
            ~known,
            (is_floor | is_three) & no_t,
            # Floor method: the zero point must sit on the worse side of the target.
            is_floor & higher & no_f & (t <= 0),
            is_floor & higher & ~no_f & (f >= t),
            is_floor & lower & no_f & (t <= 0),
            is_floor & lower & ~no_f & (f <= t),
            # Three-value: threshold worse than target, stretch (if any) better.
            is_three & higher & (thr >= t),
            is_three & lower & (thr <= t),
            is_three & higher & ~no_st & (st <= t),
            is_three & lower & ~no_st & (st >= t),
            # Range: both bounds, in order, with some width to fall off over.
            is_range & (np.isnan(lo) | np.isnan(hi)),
            is_range & (lo > hi),
            is_range & (lo == hi) & no_f,
            is_range & (f >= lo) & (f <= hi),
        ]
    messages = [
        MSG_DIRECTION,
        MSG_TARGET_MISSING,
        MSG_HIGHER_TARGET,
        MSG_HIGHER_FLOOR,
        MSG_LOWER_TARGET,
        MSG_LOWER_FLOOR,
        MSG_HIGHER_THRESHOLD,
        MSG_LOWER_THRESHOLD,
        MSG_HIGHER_STRETCH,
        MSG_LOWER_STRETCH,
        MSG_RANGE_MISSING,
        MSG_RANGE_ORDER,
        MSG_RANGE_POINT,
        MSG_RANGE_FLOOR,
    ]
    out = np.select(conditions, np.array(messages, dtype=object), default=None)
    return pd.Series(out, index=kpis.index, dtype=object, name="problem")


def _floor_scores(a: np.ndarray, t: np.ndarray, f: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Line through (F, 0) and (T, 100); F defaults to 0 (higher) or 2T (lower)."""
    f = np.where(np.isnan(f), np.where(lower, 2.0 * t, 0.0), f)
    return 100.0 * (a - f) / (t - f)


def _three_value_scores(
    a: np.ndarray,
    t: np.ndarray,
    thr: np.ndarray,
    st: np.ndarray,
    lower: np.ndarray,
    *,
    base: float,
    cap: float,
) -> np.ndarray:
    """Through (threshold, base), (T, 100), (stretch, cap); negating "lower" rows mirrors them."""
    sign = np.where(lower, -1.0, 1.0)
    a, t, thr, st = a * sign, t * sign, thr * sign, st * sign
    rising = base + (100.0 - base) * (a - thr) / (t - thr)
    to_stretch = 100.0 + (cap - 100.0) * (a - t) / (st - t)
    no_stretch = np.isnan(st)
    return np.select(
        [a < thr, a <= t, no_stretch, a >= st],
        [0.0, rising, rising, cap],
        to_stretch,
    )


def _range_scores(
    a: np.ndarray, lo: np.ndarray, hi: np.ndarray, f: np.ndarray, *, cap: float
) -> np.ndarray:
    """100 inside [L, H], falling linearly to 0 at the floor on each side, never above 100.

    Default floors lie one range width outside. When L == H the width is 0, so the side
    without an explicit floor mirrors the distance of the floor that was given.
    """
    width = hi - lo
    given = np.where(f < lo, lo - f, np.where(f > hi, f - hi, np.nan))
    width = np.where((width == 0) & ~np.isnan(given), given, width)
    low_floor = np.where(f < lo, f, lo - width)
    high_floor = np.where(f > hi, f, hi + width)
    below = 100.0 * (a - low_floor) / (lo - low_floor)
    above = 100.0 * (high_floor - a) / (high_floor - hi)
    raw = np.select([a < lo, a > hi], [below, above], 100.0)
    return np.clip(raw, 0.0, min(100.0, cap))


def statuses(scores: pd.Series | np.ndarray, *, settings: Settings = DEFAULTS) -> np.ndarray:
    """Traffic-light band per score (None where there is no score), as an object array."""
    s = np.asarray(scores, dtype=float)
    with np.errstate(invalid="ignore"):
        conditions = [np.isnan(s), s >= settings.green_at, s >= settings.amber_at]
    return np.select(conditions, [None, GREEN, AMBER], default=RED).astype(object)


def score(kpis: pd.DataFrame, *, settings: Settings = DEFAULTS) -> pd.DataFrame:
    """A copy of `kpis` with `method`, `score` (NaN when unscorable) and `status` columns.

    Rows whose anchors `anchor_problems` rejects, or whose actual is missing, get no score
    rather than 0: a missing value must stay visible as missing (SPEC §3).
    """
    method = methods(kpis)
    lower = _direction(kpis) == LOWER
    a, t, f = _num(kpis, "actual"), _num(kpis, "target"), _num(kpis, "floor")
    thr, st = _num(kpis, "threshold"), _num(kpis, "stretch")
    lo, hi = _num(kpis, "target_low"), _num(kpis, "target_high")
    cap = float(settings.cap)
    # Every formula runs on every row and `select` keeps the right one: the others may divide
    # by zero or overflow on anchors that are not theirs.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        raw = np.select(
            [method == RANGE, method == THREE_VALUE],
            [
                _range_scores(a, lo, hi, f, cap=cap),
                _three_value_scores(a, t, thr, st, lower, base=float(settings.base_score), cap=cap),
            ],
            _floor_scores(a, t, f, lower),
        )
        clipped = np.clip(raw, 0.0, cap)
    meaningless = anchor_problems(kpis).notna().to_numpy()
    s = np.where(meaningless | np.isnan(a), np.nan, clipped)
    out = kpis.copy()
    out["method"] = pd.Series(method, index=kpis.index, dtype="str")
    out["score"] = pd.Series(s, index=kpis.index, dtype=float)
    out["status"] = pd.Series(statuses(s, settings=settings), index=kpis.index, dtype=object)
    return out
