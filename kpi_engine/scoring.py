"""Per-KPI scores (SPEC §3): piecewise-linear lines through the KPI's anchors, then clipped.

Everything here works on whole columns at once: the benchmark scores 180,000 KPI-months,
so each formula is one numpy expression and the per-row choice is an `np.select`.
"""

from __future__ import annotations

from typing import NamedTuple

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


MESSAGES: tuple[str | None, ...] = (
    None,  # code 0: the anchors make a meaningful line
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
)
_MESSAGES = np.array(MESSAGES, dtype=object)
_STATUS_CHOICES = np.array([None, GREEN, AMBER, RED], dtype=object)


class _Anchors(NamedTuple):
    """The columns scoring reads, as numpy arrays read once (floats NaN when missing)."""

    higher: np.ndarray
    lower: np.ndarray
    range_: np.ndarray
    actual: np.ndarray
    target: np.ndarray
    floor: np.ndarray
    threshold: np.ndarray
    stretch: np.ndarray
    low: np.ndarray
    high: np.ndarray


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (missing or absent -> NaN), whatever dtype it came in."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[column]
    if values.dtype != np.float64:
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan)


def _is(frame: pd.DataFrame, column: str, value: str) -> np.ndarray:
    """Rows whose `column` equals `value`, compared in the column's own (fast) storage."""
    return (frame[column] == value).to_numpy(dtype=bool, na_value=False)


def _read(kpis: pd.DataFrame) -> _Anchors:
    return _Anchors(
        higher=_is(kpis, "direction", HIGHER),
        lower=_is(kpis, "direction", LOWER),
        range_=_is(kpis, "direction", RANGE),
        actual=_num(kpis, "actual"),
        target=_num(kpis, "target"),
        floor=_num(kpis, "floor"),
        threshold=_num(kpis, "threshold"),
        stretch=_num(kpis, "stretch"),
        low=_num(kpis, "target_low"),
        high=_num(kpis, "target_high"),
    )


def _method_codes(an: _Anchors) -> np.ndarray:
    """Index into METHODS: range by direction, else three-value when a threshold is set."""
    three = ~np.isnan(an.threshold)
    return np.where(an.range_, 2, np.where(three, 1, 0)).astype(np.int8)


def _problem_codes(an: _Anchors, method: np.ndarray) -> np.ndarray:
    """Index into MESSAGES of the first thing wrong with each row's anchors (0: nothing)."""
    t, f, thr, st, lo, hi = an.target, an.floor, an.threshold, an.stretch, an.low, an.high
    higher, lower = an.higher, an.lower
    no_t, no_f = np.isnan(t), np.isnan(f)
    is_floor, is_three, is_range = method == 0, method == 1, method == 2
    with np.errstate(invalid="ignore"):
        conditions = [
            ~(higher | lower | an.range_),
            ~is_range & no_t,
            # Floor method: the zero point must sit on the worse side of the target.
            is_floor & higher & no_f & (t <= 0),
            is_floor & higher & (f >= t),
            is_floor & lower & no_f & (t <= 0),
            is_floor & lower & (f <= t),
            # Three-value: threshold worse than the target, stretch (if any) better; an empty
            # stretch compares False, so it passes.
            is_three & higher & (thr >= t),
            is_three & lower & (thr <= t),
            is_three & higher & (st <= t),
            is_three & lower & (st >= t),
            # Range: both bounds, in order, with some width to fall off over.
            is_range & (np.isnan(lo) | np.isnan(hi)),
            is_range & (lo > hi),
            is_range & (lo == hi) & no_f,
            is_range & (f >= lo) & (f <= hi),
        ]
    return np.select(conditions, np.arange(1, len(conditions) + 1, dtype=np.int8), 0)


def methods(kpis: pd.DataFrame) -> pd.Categorical:
    """Which formula each row uses: range by direction, else three-value when a threshold is set."""
    return pd.Categorical.from_codes(_method_codes(_read(kpis)), categories=list(METHODS))


def anchor_problems(kpis: pd.DataFrame) -> pd.Series:
    """Why each row's anchors make no meaningful line (a message to show the user), else None.

    The validation step rejects rows with a message, so every case in which `score` would
    divide by zero, slope the wrong way or miss an anchor must be caught here.
    """
    an = _read(kpis)
    codes = _problem_codes(an, _method_codes(an))
    return pd.Series(_MESSAGES[codes], index=kpis.index, dtype=object, name="problem")


def _floor_scores(an: _Anchors, settings: Settings) -> np.ndarray:
    """Line through (F, 0) and (T, 100); F defaults to 0 (higher) or 2T (lower)."""
    t = an.target
    f = np.where(np.isnan(an.floor), np.where(an.lower, 2.0 * t, 0.0), an.floor)
    return 100.0 * (an.actual - f) / (t - f)


def _three_value_scores(an: _Anchors, settings: Settings) -> np.ndarray:
    """Through (threshold, base), (T, 100), (stretch, cap); negating "lower" rows mirrors them."""
    base, cap = float(settings.base_score), float(settings.cap)
    sign = np.where(an.lower, -1.0, 1.0)
    a, t, thr, st = an.actual * sign, an.target * sign, an.threshold * sign, an.stretch * sign
    rising = base + (100.0 - base) * (a - thr) / (t - thr)
    to_stretch = 100.0 + (cap - 100.0) * (a - t) / (st - t)
    return np.select(
        [a < thr, a <= t, np.isnan(st), a >= st],
        [0.0, rising, rising, cap],
        to_stretch,
    )


def _range_scores(an: _Anchors, settings: Settings) -> np.ndarray:
    """100 inside [L, H], falling linearly to 0 at the floor on each side, never above 100.

    Default floors lie one range width outside. When L == H the width is 0, so the side
    without an explicit floor mirrors the distance of the floor that was given.
    """
    a, lo, hi, f = an.actual, an.low, an.high, an.floor
    width = hi - lo
    given = np.where(f < lo, lo - f, np.where(f > hi, f - hi, np.nan))
    width = np.where((width == 0) & ~np.isnan(given), given, width)
    low_floor = np.where(f < lo, f, lo - width)
    high_floor = np.where(f > hi, f, hi + width)
    below = 100.0 * (a - low_floor) / (lo - low_floor)
    above = 100.0 * (high_floor - a) / (high_floor - hi)
    raw = np.select([a < lo, a > hi], [below, above], 100.0)
    return np.minimum(raw, 100.0)


_FORMULAS = (_floor_scores, _three_value_scores, _range_scores)  # in METHODS order


def _raw_scores(an: _Anchors, method: np.ndarray, settings: Settings) -> np.ndarray:
    """Each row's line, unclipped. Each formula sees only its own rows, so the work stays one
    pass over the data however the methods mix.
    """
    raw = np.full(len(method), np.nan)
    # Anchors that are not meaningful may divide by zero or overflow; those rows are
    # discarded by the caller.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for code, formula in enumerate(_FORMULAS):
            rows = np.flatnonzero(method == code)
            if rows.size == len(method):
                raw = formula(an, settings)
            elif rows.size:
                raw[rows] = formula(_Anchors(*(column[rows] for column in an)), settings)
    return raw


def statuses(scores: pd.Series | np.ndarray, *, settings: Settings = DEFAULTS) -> np.ndarray:
    """Traffic-light band per score (None where there is no score), as an object array."""
    s = np.asarray(scores, dtype=float)
    codes = np.where(s >= settings.green_at, 1, np.where(s >= settings.amber_at, 2, 3))
    codes[np.isnan(s)] = 0
    return _STATUS_CHOICES[codes]


def score(kpis: pd.DataFrame, *, settings: Settings = DEFAULTS) -> pd.DataFrame:
    """A copy of `kpis` with `method`, `score` (NaN when unscorable) and `status` columns.

    Rows whose anchors `anchor_problems` rejects, or whose actual is missing, get no score
    rather than 0: a missing value must stay visible as missing (SPEC §3). `method` is a
    categorical over METHODS (cheap to build for 180,000 rows, compares like strings).
    """
    an = _read(kpis)
    method = _method_codes(an)
    s = np.clip(_raw_scores(an, method, settings), 0.0, float(settings.cap))
    s[(_problem_codes(an, method) != 0) | np.isnan(an.actual)] = np.nan
    return kpis.assign(
        method=pd.Categorical.from_codes(method, categories=list(METHODS)),
        score=s,
        status=pd.Series(statuses(s, settings=settings), index=kpis.index, dtype=object),
    )
