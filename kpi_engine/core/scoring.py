"""Per-KPI scores (SPEC §3): piecewise-linear lines through the KPI's anchors, then clipped.

Everything here works on whole columns at once: the benchmark scores 180,000 KPI-months,
so each formula is a few numpy expressions over the rows of its own method, and the choice
between a line's pieces is an `np.select`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

from kpi_engine.core import rules
from kpi_engine.core.names import per_distinct
from kpi_engine.core.schema import BONUS, PENALTY, floats, in_sections
from kpi_engine.core.settings import DEFAULTS, Settings

FLOOR = "floor"
THREE_VALUE = "three_value"
RANGE = "range"
ZERO_COUNT = "zero_count"
RULE = "rule"  # the KPI's own 评分标准 (SPEC §5.8, `core.rules`)
METHODS: tuple[str, ...] = (FLOOR, THREE_VALUE, RANGE, ZERO_COUNT, RULE)

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
    "target must not be below 0 for a lower-is-better KPI without a floor (the zero point "
    "defaults to twice the target; a target of 0 counts events, such as 0 accidents): "
    "enter a target of 0 or more, or a floor value"
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
MSG_RULE_ZERO_TARGET = (
    "the scoring rule counts in percent of the target, and the target is 0: give a target "
    "other than 0, or write the rule's step in the KPI's unit (每超过1次扣2分)"
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
    MSG_RULE_ZERO_TARGET,
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
    rule: np.ndarray  # a code per distinct rule text that reads, -1: none (or an item)
    rule_of: np.ndarray  # the row's `rules.Rule` (object), None where `rule` is -1
    full: np.ndarray  # a rule's full points (`_full_points`), NaN where no rule
    point: np.ndarray  # one percentage point in the KPI's numbers, NaN: not in percent


def _direction_codes(frame: pd.DataFrame) -> np.ndarray:
    """Index into (higher, lower, range) per row, -1 when unknown or missing.

    Factorizing once and comparing the few distinct values is several times cheaper than
    comparing 180,000 Python strings three times.
    """
    codes, uniques = pd.factorize(frame["direction"])
    known = {HIGHER: 0, LOWER: 1, RANGE: 2}
    lookup = np.array([known.get(value, -1) for value in uniques] + [-1], dtype=np.int8)
    return lookup[codes]  # code -1 (missing) picks the trailing -1


def _rules(kpis: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rule (`rules.parse`, once per distinct text) as a code (-1: none) and as
    the `rules.Rule`: none where the row's text does not read, and none for bonus and
    penalty items, whose points are their own (SPEC §5.7). Codes, not the objects, are
    what later steps group by (hashing a rule per row would cost more than the scoring)."""
    codes = np.full(len(kpis), -1, dtype=np.int64)
    parsed = np.full(len(kpis), None, dtype=object)
    if "rule" not in kpis.columns:
        return codes, parsed
    present = kpis["rule"].notna().to_numpy(dtype=bool, copy=True)
    if not present.any():  # most sheets: no rule at all
        return codes, parsed
    present &= ~in_sections(kpis, (BONUS, PENALTY))
    text_codes, texts = pd.factorize(kpis["rule"].to_numpy(dtype=object)[present])
    read = [rules.parse(text) for text in texts]
    usable = np.array([rule is not None for rule in read] + [False])
    codes[present] = np.where(usable[text_codes], text_codes, -1)
    parsed[present] = np.array([*read, None], dtype=object)[text_codes]
    return codes, parsed


# A KPI in percent whose target is at most this is held as a share (95 % as 0.95, as a
# `95%` cell or an Excel percent cell is read); above it, in percent numbers (95).
SHARE_LIMIT = 1.5


def _percentage_point(unit: pd.Series | None, target: np.ndarray) -> np.ndarray:
    """One percentage point in each KPI's own numbers (0.01 for shares, 1 for percent
    numbers), NaN for a KPI not in percent. A KPI is in percent when its unit says so
    (`%`), or when it has no unit and its target is a share (0.95: a `95%` cell)."""
    shares = np.abs(target) <= SHARE_LIMIT
    if unit is None:
        said, no_unit = np.zeros(len(target), dtype=bool), np.ones(len(target), dtype=bool)
    else:
        said = per_distinct(unit, rules.percent_unit).eq(True).to_numpy(dtype=bool)
        no_unit = unit.isna().to_numpy(dtype=bool) | unit.eq("").to_numpy(dtype=bool)
    in_percent = said | (no_unit & shares)
    return np.where(in_percent, np.where(shares, 0.01, 1.0), np.nan)


def percent_scale(unit: pd.Series, target: np.ndarray) -> np.ndarray:
    """What each KPI's numbers are multiplied by to read in its unit: 100 for a KPI whose
    unit says percent and whose target is held as a share (95 % as 0.95), else 1 (a
    percent number such as 95, or any other unit). A KPI without a target reads as a share
    when its unit says percent."""
    said = per_distinct(unit, rules.percent_unit).eq(True).to_numpy(dtype=bool)
    shares = ~(np.abs(target) > SHARE_LIMIT)  # NaN: no target says otherwise
    return np.where(said & shares, 100.0, 1.0)


def _full_points(kpis: pd.DataFrame) -> np.ndarray:
    """A rule's full points (SPEC §5.8): the 分值 / 标准分 / 满分 column, else the weight,
    else 100. A weight of at most 1 is a share (0.2, `20%`: 20 points; 1, which every
    KPI of a sheet without weights has: 100); a weight above 1 is points (20)."""
    given, weight = floats(kpis, "full_points"), floats(kpis, "weight")
    from_weight = np.where(weight > 1, weight, np.where(weight > 0, weight * 100.0, 100.0))
    return np.where(given > 0, given, from_weight)


def _read(kpis: pd.DataFrame) -> _Anchors:
    direction = _direction_codes(kpis)
    target = floats(kpis, "target")
    rule, rule_of = _rules(kpis)
    ruled = rule >= 0
    point, full = np.full(len(kpis), np.nan), np.full(len(kpis), np.nan)
    if ruled.any():  # read only where a rule needs them
        full = np.where(ruled, _full_points(kpis), np.nan)
        unit = kpis["unit"][ruled] if "unit" in kpis.columns else None
        with np.errstate(invalid="ignore"):
            point[ruled] = _percentage_point(unit, target[ruled])
    return _Anchors(
        higher=direction == 0,
        lower=direction == 1,
        range_=direction == 2,
        actual=floats(kpis, "actual"),
        target=target,
        floor=floats(kpis, "floor"),
        threshold=floats(kpis, "threshold"),
        stretch=floats(kpis, "stretch"),
        low=floats(kpis, "target_low"),
        high=floats(kpis, "target_high"),
        rule=rule,
        rule_of=rule_of,
        full=full,
        point=point,
    )


def _method_codes(an: _Anchors) -> np.ndarray:
    """Index into METHODS: the KPI's own rule where one reads (SPEC §5.8), else range by
    direction, else three-value when a threshold is set, else a zero-target count (lower
    is better, target 0, no floor: SPEC §5.5), else the floor line."""
    three = ~np.isnan(an.threshold)
    zero = an.lower & (an.target == 0) & np.isnan(an.floor)
    return np.select([_has_rule(an), an.range_, three, zero], [4, 2, 1, 3], 0).astype(np.int8)


def _has_rule(an: _Anchors) -> np.ndarray:
    return an.rule >= 0


def _each_rule(an: _Anchors) -> Iterator[tuple[rules.Rule, np.ndarray]]:
    """Each distinct rule of the rows, with a mask of its rows."""
    for code in np.unique(an.rule[an.rule >= 0]):
        rows = an.rule == code
        yield an.rule_of[np.argmax(rows)], rows


def _code(message: str) -> np.int8:
    return np.int8(MESSAGES.index(message))


def _first(conditions: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Code of the first message whose condition holds, row by row (0 when none does)."""
    masks = [mask for mask, _ in conditions]
    return np.select(masks, [_code(message) for _, message in conditions], np.int8(0))


def _floor_problems(an: _Anchors) -> np.ndarray:
    """The zero point must sit on the worse side of the target (a default one needs T > 0)."""
    t, f = an.target, an.floor
    no_f = np.isnan(f)
    return _first(
        [
            (np.isnan(t), MSG_TARGET_MISSING),
            (an.higher & no_f & (t <= 0), MSG_HIGHER_TARGET),
            (an.higher & (f >= t), MSG_HIGHER_FLOOR),
            (an.lower & no_f & (t <= 0), MSG_LOWER_TARGET),
            (an.lower & (f <= t), MSG_LOWER_FLOOR),
        ]
    )


def _three_value_problems(an: _Anchors) -> np.ndarray:
    """Threshold worse than the target, stretch better (an empty stretch compares False)."""
    t, thr, st = an.target, an.threshold, an.stretch
    return _first(
        [
            (np.isnan(t), MSG_TARGET_MISSING),
            (an.higher & (thr >= t), MSG_HIGHER_THRESHOLD),
            (an.lower & (thr <= t), MSG_LOWER_THRESHOLD),
            (an.higher & (st <= t), MSG_HIGHER_STRETCH),
            (an.lower & (st >= t), MSG_LOWER_STRETCH),
        ]
    )


def _range_problems(an: _Anchors) -> np.ndarray:
    """Both bounds, in order, with some width (or a floor) to fall off over."""
    lo, hi, f = an.low, an.high, an.floor
    return _first(
        [
            (np.isnan(lo) | np.isnan(hi), MSG_RANGE_MISSING),
            (lo > hi, MSG_RANGE_ORDER),
            ((lo == hi) & np.isnan(f), MSG_RANGE_POINT),
            ((f >= lo) & (f <= hi), MSG_RANGE_FLOOR),
        ]
    )


def _zero_count_problems(an: _Anchors) -> np.ndarray:
    """A zero-target count always makes a meaningful rule (its target is 0 by definition)."""
    return np.zeros(len(an.target), dtype=np.int8)


def _rule_flags(an: _Anchors, flag: str) -> np.ndarray:
    """A property of each row's rule (`rules.Rule.<flag>`), False where there is none;
    read once per distinct rule."""
    flags = np.zeros(len(an.rule), dtype=bool)
    for rule, rows in _each_rule(an):
        flags[rows] = bool(getattr(rule, flag))
    return flags


def _rule_problems(an: _Anchors) -> np.ndarray:
    """A rule measuring from the target needs one; 1 % of a target of 0 is no step."""
    t = an.target
    return _first(
        [
            (_rule_flags(an, "needs_target") & np.isnan(t), MSG_TARGET_MISSING),
            (
                _rule_flags(an, "measures_percent") & np.isnan(an.point) & (t == 0),
                MSG_RULE_ZERO_TARGET,
            ),
        ]
    )


def _by_method(
    an: _Anchors,
    method: np.ndarray,
    formulas: Sequence[Callable[[_Anchors], np.ndarray]],
    empty: np.ndarray,
) -> np.ndarray:
    """Each row through the formula of its method (in METHODS order), into `empty`.

    Each formula sees only its own rows, so the work stays one pass over the data however
    the methods mix, and no formula meets anchors that are not its own.
    """
    for code, formula in enumerate(formulas):
        rows = np.flatnonzero(method == code)
        if rows.size == len(method):
            return formula(an)
        if rows.size:
            empty[rows] = formula(_Anchors(*(column[rows] for column in an)))
    return empty


def _problem_codes(an: _Anchors, method: np.ndarray) -> np.ndarray:
    """Index into MESSAGES of the first thing wrong with each row's anchors (0: nothing)."""
    known = an.higher | an.lower | an.range_ | _has_rule(an)  # a rule needs no direction
    problems = (
        _floor_problems,
        _three_value_problems,
        _range_problems,
        _zero_count_problems,
        _rule_problems,
    )
    with np.errstate(invalid="ignore"):
        codes = _by_method(an, method, problems, np.zeros(len(method), dtype=np.int8))
    return np.where(known, codes, _code(MSG_DIRECTION))


def methods(kpis: pd.DataFrame) -> pd.Categorical:
    """Which formula each row uses (METHODS; see `_method_codes`)."""
    return pd.Categorical.from_codes(_method_codes(_read(kpis)), categories=list(METHODS))


def anchor_problems(kpis: pd.DataFrame) -> pd.Series:
    """Why each row's anchors make no meaningful line (a message to show the user), else None.

    The validation step rejects rows with a message, so every case in which `score` would
    divide by zero, slope the wrong way or miss an anchor must be caught here.
    """
    an = _read(kpis)
    codes = _problem_codes(an, _method_codes(an))
    return pd.Series(_MESSAGES[codes], index=kpis.index, dtype=object, name="problem")


def _through(
    a: np.ndarray, x0: np.ndarray, y0: float | np.ndarray, x1: np.ndarray, y1: float | np.ndarray
) -> np.ndarray:
    """The line through (x0, y0) and (x1, y1) at `a`, exactly y0 at x0 and y1 at x1.

    The fraction of the way from x0 to x1 comes first, so that `100 * 0.17 / 0.17` never
    happens (it is 99.99999999999999); and an actual equal to an anchor takes the anchor's
    score outright, so a KPI on target is 100 whatever the other anchor is (SPEC §3).
    """
    y = y0 + (y1 - y0) * ((a - x0) / (x1 - x0))
    return np.where(a == x1, y1, np.where(a == x0, y0, y))


def _floor_scores(an: _Anchors, *, settings: Settings) -> np.ndarray:
    """Line through (F, 0) and (T, 100); F defaults to 0 (higher) or 2T (lower)."""
    t = an.target
    f = np.where(np.isnan(an.floor), np.where(an.lower, 2.0 * t, 0.0), an.floor)
    return _through(an.actual, f, 0.0, t, 100.0)


def _three_value_scores(an: _Anchors, *, settings: Settings) -> np.ndarray:
    """Through (threshold, base), (T, 100), (stretch, cap); negating "lower" rows mirrors them."""
    base, cap = float(settings.base_score), float(settings.cap)
    sign = np.where(an.lower, -1.0, 1.0)
    a, t, thr, st = an.actual * sign, an.target * sign, an.threshold * sign, an.stretch * sign
    rising = _through(a, thr, base, t, 100.0)
    to_stretch = _through(a, t, 100.0, st, cap)
    return np.select(
        [a < thr, a <= t, np.isnan(st), a >= st],
        [0.0, rising, rising, cap],
        to_stretch,
    )


def _range_scores(an: _Anchors, *, settings: Settings) -> np.ndarray:
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
    below = _through(a, low_floor, 0.0, lo, 100.0)
    above = _through(a, high_floor, 0.0, hi, 100.0)
    raw = np.select([a < lo, a > hi], [below, above], 100.0)
    return np.minimum(raw, 100.0)


def _zero_count_scores(an: _Anchors, *, settings: Settings) -> np.ndarray:
    """A count whose target is none at all (安全事故 0 起): met (100) or not (0). No line can
    give partial credit without a floor, which would then make it a floor line."""
    return np.where(an.actual <= 0, 100.0, 0.0)


def _rule_points(an: _Anchors, *, settings: Settings) -> np.ndarray:
    """Points by the KPI's rule (SPEC §5.8): full − M × (shortfall / N) + M' × (excess / N'),
    proportionally, the deduction at most `最多扣X分`; clipped to [0, full + X] with the
    rule's bonus limit X, to [0, full] without a bonus clause, and for a bonus clause
    without a limit only by the cap (the points of a score at the cap). Numpy per distinct
    rule (a sheet holds a few)."""
    points = np.full(len(an.actual), np.nan)
    for rule, rows in _each_rule(an):
        a, t, full, point = an.actual[rows], an.target[rows], an.full[rows], an.point[rows]
        taken, given = np.zeros(len(a)), np.zeros(len(a))
        for clause in rule.clauses:
            if clause.measure == rules.COUNT:
                amount = np.maximum(a, 0.0)
            elif clause.measure == rules.SHORTFALL:
                amount = np.maximum(t - a, 0.0)
            else:
                amount = np.maximum(a - t, 0.0)
            unit = np.where(np.isnan(point), 0.01 * np.abs(t), point)
            step = clause.step * (unit if clause.unit == rules.PERCENT else 1.0)
            # read as a person reads it: 0.95 − 0.90 is 5 points of 0.01, not 4.9999999
            steps = np.round(amount / step, READ_DECIMALS)
            if clause.kind == rules.DEDUCT:
                taken += clause.points * steps
            else:
                given += clause.points * steps
        if rule.max_deduction is not None:
            taken = np.minimum(taken, rule.max_deduction)
        if rule.max_bonus is not None:
            top = full + rule.max_bonus
        else:
            top = full * float(settings.cap) / 100.0 if rule.has_bonus else full
        points[rows] = np.clip(full - taken + given, 0.0, top)
    return points


def _rule_scores(an: _Anchors, *, settings: Settings) -> np.ndarray:
    """100 × points / full (the cap is applied with every other method's)."""
    return 100.0 * (_rule_points(an, settings=settings) / an.full)


_FORMULAS = (  # METHODS order
    _floor_scores,
    _three_value_scores,
    _range_scores,
    _zero_count_scores,
    _rule_scores,
)


def _raw_scores(an: _Anchors, method: np.ndarray, settings: Settings) -> np.ndarray:
    """Each row's line, unclipped (rows with meaningless anchors are discarded later)."""
    formulas = [partial(formula, settings=settings) for formula in _FORMULAS]
    # Meaningless anchors may divide by zero or overflow; those rows are discarded.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _by_method(an, method, formulas, np.full(len(method), np.nan))


# Decimal places a score is read to before it meets a band: far below anything shown, far
# above floating-point noise (a weighted mean of 100s may come out as 99.99999999999999).
READ_DECIMALS = 9


def statuses(scores: pd.Series | np.ndarray, *, settings: Settings = DEFAULTS) -> np.ndarray:
    """Traffic-light band per score (None where there is no score), as an object array.

    Bands compare the score as a person reads it (SPEC §3): rounded to READ_DECIMALS, so
    arithmetic noise never moves a score that reads 100 out of green.
    """
    s = np.round(np.asarray(scores, dtype=float), READ_DECIMALS)
    codes = np.full(s.shape, 3, dtype=np.int8)
    codes[s >= settings.amber_at] = 2
    codes[s >= settings.green_at] = 1
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
    unscored = (_problem_codes(an, method) != 0) | np.isnan(an.actual)
    s[unscored] = np.nan
    return kpis.assign(
        method=pd.Categorical.from_codes(method, categories=list(METHODS)),
        score=s,
        status=pd.Series(statuses(s, settings=settings), index=kpis.index, dtype=object),
        **_points(kpis, an, method == METHODS.index(RULE), unscored, settings),
    )


def _points(
    kpis: pd.DataFrame, an: _Anchors, ruled: np.ndarray, unscored: np.ndarray, settings: Settings
) -> dict[str, np.ndarray]:
    """`points` and `full_points` of the rule-scored rows (SPEC §5.8: shown beside the
    score, so the arithmetic can be checked by hand). Other rows keep the `points` and
    `full_points` they came with (a bonus or penalty item's points column, SPEC §5.7)."""
    points = floats(kpis, "points").copy()
    rows = np.flatnonzero(ruled)
    points[rows] = np.nan
    if rows.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            mine = _rule_points(_Anchors(*(column[rows] for column in an)), settings=settings)
        points[rows] = np.where(unscored[rows], np.nan, mine)
    return {"points": points, "full_points": np.where(ruled, an.full, floats(kpis, "full_points"))}
