"""Grades and the forced distribution (SPEC §5.9): scores to the settings' grade table.

A score meets the grade thresholds as a person reads it (rounded to
`scoring.READ_DECIMALS`, like the status bands), so 99.99999999999999 is 100 and an A,
never a B. A vetoed department takes the lowest grade whatever its score.

The forced distribution ranks, per period, the departments counted in the organisation
score, and gives each grade at most its quota of them (the lowest grade at least its
quota). It only ever moves a department down, and it is shown beside the grade by score,
never in its place (`distribution_grade`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kpi_engine.core.adjust import vetoed
from kpi_engine.core.scoring import READ_DECIMALS
from kpi_engine.core.settings import Grade, Settings

# Columns `with_grades` adds to a department or organisation table.
GRADE, COEFFICIENT, DISTRIBUTION_GRADE = "grade", "coefficient", "distribution_grade"
NO_GRADE = -1  # a grade index where there is no score


def _read(scores: object) -> np.ndarray:
    """Scores as a person reads them (see the module's docstring)."""
    return np.round(np.asarray(scores, dtype=float), READ_DECIMALS)


def grade_index(scores: object, table: tuple[Grade, ...], *, vetoed: object = None) -> np.ndarray:
    """Each score's position in the grade table (0 = the highest grade), NO_GRADE where
    there is no score; a vetoed one (`vetoed`, a boolean mask) the lowest grade."""
    read = _read(scores)
    # descending; every grade but the lowest has one (`settings.problems`)
    thresholds = np.array([g.lowest for g in table[:-1]], dtype=np.float64)
    index = (read[..., None] < thresholds).sum(axis=-1)  # thresholds the score is below
    index = np.where(np.isnan(read), NO_GRADE, index)
    if vetoed is not None:
        index = np.where(np.asarray(vetoed, dtype=bool), len(table) - 1, index)
    return index.astype(np.intp)


def names(index: np.ndarray, table: tuple[Grade, ...]) -> np.ndarray:
    """Grade names by index, as an object array (None for NO_GRADE)."""
    labels = np.array([*(g.name for g in table), None], dtype=object)
    return labels[index]  # NO_GRADE (-1) picks the trailing None


def coefficients(index: np.ndarray, table: tuple[Grade, ...]) -> np.ndarray:
    """Each grade's coefficient (绩效系数), NaN where the grade has none or there is none."""
    values = [math.nan if g.coefficient is None else float(g.coefficient) for g in table]
    return np.array([*values, math.nan], dtype=float)[index]


def grades(scores: object, settings: Settings, *, vetoed: object = None) -> np.ndarray:
    """Grade names of scores under `settings.grades` (None where there is no score)."""
    return names(grade_index(scores, settings.grades, vetoed=vetoed), settings.grades)


def has_coefficients(settings: Settings) -> bool:
    """Whether any grade carries a coefficient: tables show the column only then."""
    return any(g.coefficient is not None for g in settings.grades)


def distribute(scores: np.ndarray, by_score: np.ndarray, table: tuple[Grade, ...]) -> np.ndarray:
    """The grade indexes the quotas give one period's counted departments (all with a
    score), from their grades by score.

    Best first, each grade but the lowest takes the departments not yet placed whose grade
    by score is that grade or better; with a quota q, only the best floor(q% of n) of them,
    plus any tied with the last one taken (ties share the better grade). The rest take the
    lowest grade. Then the lowest grade takes at least ceil(q% of n) of the departments
    from the bottom of the ranking, except those tied with a department above that
    block (ties share the better grade). So a department never rises above its grade by
    score, and a vetoed one (lowest by score) stays lowest.
    """
    n, last = len(scores), len(table) - 1
    read = _read(scores)
    out = np.full(n, last, dtype=np.intp)
    free = np.ones(n, dtype=bool)
    for g, grade in enumerate(table[:-1]):
        candidates = free & (by_score <= g)
        if grade.quota is not None:
            limit = math.floor(float(grade.quota) * n / 100 + 1e-9)
            ranked = np.sort(read[candidates])[::-1]
            if limit == 0:
                candidates[:] = False
            elif len(ranked) > limit:
                candidates &= read >= ranked[limit - 1]
        out[candidates] = g
        free &= ~candidates
    quota = table[-1].quota
    forced = 0 if quota is None else math.ceil(float(quota) * n / 100 - 1e-9)
    if forced >= n:
        out[:] = last
    elif forced > 0:
        above = np.sort(read)[::-1][n - forced - 1]  # the last department above the block
        out[read < above] = last
    return out


def _distribution(
    frame: pd.DataFrame, by_score: np.ndarray, counted: np.ndarray, table: tuple[Grade, ...]
) -> np.ndarray:
    """`distribute` per period over the counted departments with a score; NO_GRADE for
    the others (partner-only departments and those without a score are not ranked)."""
    out = np.full(len(frame), NO_GRADE, dtype=np.intp)
    ranked = counted & (by_score != NO_GRADE)
    periods = frame["period"].to_numpy(dtype=object)
    scores = frame["score"].to_numpy(dtype=float)
    for period in pd.unique(periods[ranked]):  # a handful of periods
        rows = np.flatnonzero(ranked & (periods == period))
        out[rows] = distribute(scores[rows], by_score[rows], table)
    return out


def with_grades(
    frame: pd.DataFrame, settings: Settings, *, counted: np.ndarray | None = None
) -> pd.DataFrame:
    """A department or organisation table (`period`, `score`, maybe `veto`) with `grade`
    and `coefficient`; given which rows are `counted` in the organisation (a department
    table), also `distribution_grade`: the grade by the forced distribution when it is
    on, else None."""
    table = settings.grades
    index = grade_index(frame["score"], table, vetoed=vetoed(frame))
    columns = {GRADE: names(index, table), COEFFICIENT: coefficients(index, table)}
    if counted is not None:
        spread = np.full(len(frame), NO_GRADE, dtype=np.intp)
        if settings.forced_distribution:
            spread = _distribution(frame, index, np.asarray(counted, dtype=bool), table)
        columns[DISTRIBUTION_GRADE] = names(spread, table)
    return frame.assign(**columns)


def changed_by_quota(departments: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """The departments (of `period`, every period if None) whose grade the forced
    distribution changes: department, period, grade, distribution_grade, score."""
    if DISTRIBUTION_GRADE not in departments.columns:
        return departments.iloc[:0]
    rows = departments[
        departments[DISTRIBUTION_GRADE].notna().to_numpy(bool)
        & (departments[DISTRIBUTION_GRADE] != departments[GRADE]).to_numpy(bool)
    ]
    if period is not None:
        rows = rows[(rows["period"] == period).to_numpy(bool)]
    return rows.loc[:, ["department", "period", GRADE, DISTRIBUTION_GRADE, "score"]]


def grade_span(
    low: np.ndarray, high: np.ndarray, settings: Settings, *, vetoed: object = None
) -> tuple[np.ndarray, np.ndarray]:
    """The best and the worst grade a department takes when its score moves between
    `low` and `high` (grades are monotone in the score): (best, worst) name arrays."""
    table = settings.grades
    best = names(grade_index(high, table, vetoed=vetoed), table)
    worst = names(grade_index(low, table, vetoed=vetoed), table)
    return best, worst
