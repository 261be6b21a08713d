"""Weighting methods beside hand-set weights: AHP (层次分析法) and entropy weights (熵权法).

AHP turns an analyst's pairwise judgements ("customer matters 3 times as much as
financial") into weights that can be defended: the principal eigenvector of the reciprocal
comparison matrix, with Saaty's consistency ratio saying whether the judgements hang
together (a ratio of 0.1 or more means they should be revisited). Entropy weights are the
objective counterpart: a KPI whose values differ a lot between departments tells them
apart and weighs more; one on which every department looks the same weighs little.

Pure functions over numpy arrays and DataFrames; a matrix saved as CSV is read by
`kpi_engine.ingest.matrix`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from kpi_engine.core.names import fold
from kpi_engine.core.schema import PERSPECTIVES, owner_rows

# Saaty's random consistency index by matrix order n = 1..15 (T. L. Saaty, "The Analytic
# Hierarchy Process", McGraw-Hill, 1980, the table most textbooks and 层次分析法 courses
# print: 0.58 for n = 3 ... 1.49 for n = 10). For n <= 2 every reciprocal matrix is
# consistent, RI is 0 and CR is reported as 0.
RANDOM_INDEX: Mapping[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
CR_LIMIT = 0.1  # a consistency ratio at or above this is flagged
RECIPROCAL_TOLERANCE = 0.05  # a_ij * a_ji may differ from 1 by this much (0.333 vs 1/3)

# Entropy notes, per criterion: why it has no weight, or a weight of 0.
TOO_FEW = "too_few"  # fewer than two departments report it: nothing to compare
CONSTANT = "constant"  # every department has the same value: it tells none apart


class MatrixError(ValueError):
    """A pairwise comparison matrix that AHP cannot use; the message says what to fix."""


@dataclass(frozen=True)
class AhpResult:
    """Weights (summing to 1, in the order of `names`) and the consistency figures."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float
    ri: float

    @property
    def consistent(self) -> bool:
        """Saaty's rule: judgements with CR < 0.1 are acceptably consistent."""
        return self.cr < CR_LIMIT

    def as_dict(self) -> dict[str, object]:
        """The CLI's JSON: `{"weights": [...], "lambda_max", "ci", "cr"}`."""
        return {
            "weights": list(self.weights),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "cr": self.cr,
        }


# --- AHP ---------------------------------------------------------------------------------


def _label(names: Sequence[str], i: int, j: int) -> str:
    return f"row {names[i]!r}, column {names[j]!r}"


def _reciprocal(a: np.ndarray, names: Sequence[str], tolerance: float) -> np.ndarray:
    """`a` made exactly reciprocal, after checking it is reciprocal within `tolerance`.

    People write 1/3 as 0.333 or 0.33; of each pair the entry >= 1 (usually a whole number
    from Saaty's 1-9 scale) is kept as written and its mirror becomes its exact reciprocal,
    so '1/3' and '0.333' give the same weights. A missing entry (NaN) is filled from its
    mirror; a diagonal must be 1 (or empty).
    """
    n = len(a)
    a = a.copy()
    for i in range(n):
        if math.isnan(a[i, i]):
            a[i, i] = 1.0
        elif abs(a[i, i] - 1.0) > tolerance:
            raise MatrixError(
                f"the diagonal must be 1 ({_label(names, i, i)} is {a[i, i]:g}): "
                "an item is as important as itself"
            )
        a[i, i] = 1.0
    for i in range(n):
        for j in range(i + 1, n):
            x, y = a[i, j], a[j, i]
            if math.isnan(x) and math.isnan(y):
                raise MatrixError(
                    f"{_label(names, i, j)} and its mirror are both empty: "
                    "compare these two items in at least one of the two cells"
                )
            if math.isnan(x):
                x = 1.0 / y
            elif math.isnan(y):
                y = 1.0 / x
            elif abs(x * y - 1.0) > tolerance:
                raise MatrixError(
                    f"the matrix is not reciprocal: {_label(names, i, j)} is {x:g} but "
                    f"{_label(names, j, i)} is {y:g}; it should be 1/{x:g} "
                    f"(≈{1.0 / x:.3g})"
                )
            if x >= y:
                a[i, j], a[j, i] = x, 1.0 / x
            else:
                a[i, j], a[j, i] = 1.0 / y, y
    return a


def _check(a: np.ndarray, names: Sequence[str]) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise MatrixError(f"the matrix must be square; it is {a.shape[0]} x {a.shape[-1]}")
    if len(a) == 0:
        raise MatrixError("the matrix is empty: compare at least one pair of items")
    if len(names) != len(a):
        raise MatrixError(f"{len(names)} names for a {len(a)} x {len(a)} matrix")
    bad = np.argwhere(~np.isnan(a) & ~(np.isfinite(a) & (a > 0)))
    if len(bad):
        i, j = bad[0]
        raise MatrixError(
            f"{_label(names, i, j)} is {a[i, j]:g}: judgements must be positive numbers "
            "such as 3 or 1/3"
        )


def ahp(
    matrix: pd.DataFrame | np.ndarray | Sequence[Sequence[float]],
    *,
    names: Sequence[str] | None = None,
    tolerance: float = RECIPROCAL_TOLERANCE,
    random_index: Mapping[int, float] = RANDOM_INDEX,
) -> AhpResult:
    """Saaty's eigenvector weights of a reciprocal pairwise comparison matrix.

    `matrix[i][j]` says how many times more important item i is than item j. Weights are
    the principal (Perron) eigenvector normalised to sum 1; lambda_max its eigenvalue;
    CI = (lambda_max - n) / (n - 1); CR = CI / RI(n) with Saaty's random index (0 for
    n <= 2). Names come from `names`, else from a DataFrame's columns, else 1..n.
    Raises `MatrixError` when the matrix is not square, positive and reciprocal.
    """
    if names is None and isinstance(matrix, pd.DataFrame):
        names = [str(c) for c in matrix.columns]
    a = np.array(matrix, dtype=float)
    if names is None:
        names = [str(i + 1) for i in range(len(a))]
    names = tuple(str(n) for n in names)
    _check(a, names)
    a = _reciprocal(a, names, tolerance)
    n = len(a)
    if n > max(random_index):
        raise MatrixError(
            f"{n} items: the random index is known up to {max(random_index)}; "
            "group the items into a hierarchy of smaller comparisons"
        )
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))  # Perron root: real, positive, the largest
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)  # the Perron vector has one sign; abs fixes it
    w = w / w.sum()
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0  # rounding can dip below 0
    ri = float(random_index[n])
    cr = ci / ri if ri > 0 else 0.0
    return AhpResult(names, tuple(float(x) for x in w), lam, ci, cr, ri)


_FRACTION = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$")


def parse_judgement(cell: object) -> float:
    """A matrix cell as a number: '3', '1/3', '0.333', '１／３' (full width); NaN if empty."""
    if cell is None:
        return math.nan
    if isinstance(cell, int | float):
        return float(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if not text or text in {"-", "—"}:
        return math.nan
    match = _FRACTION.match(text)
    try:
        if match:
            return float(Fraction(match.group(1)) / Fraction(match.group(2)))
        return float(text.replace(",", ""))
    except (ValueError, ZeroDivisionError) as exc:
        raise MatrixError(
            f"{cell!r} is not a judgement: write a number such as 3, 1/3 or 0.333"
        ) from exc


def pairwise_matrix(
    judgements: Mapping[tuple[str, str], float], names: Sequence[str]
) -> np.ndarray:
    """The full reciprocal matrix from one judgement per pair {(a, b): how much a beats b}."""
    index = {name: i for i, name in enumerate(names)}
    a = np.ones((len(names), len(names)))
    for (x, y), value in judgements.items():
        i, j = index[x], index[y]
        a[i, j], a[j, i] = float(value), 1.0 / float(value)
    return a


# --- entropy weights ---------------------------------------------------------------------


def entropy_weights(
    values: pd.DataFrame, *, directions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Entropy weights of the columns (criteria) of a departments x criteria table.

    Each column is normalised by its direction (`higher`: (x - min) / (max - min), `lower`:
    (max - x) / (max - min); default higher), p_ij = x_ij / sum_i x_ij, e_j = -k sum_i
    p_ij ln p_ij with k = 1 / ln m and 0 ln 0 = 0, d_j = 1 - e_j, w_j = d_j / sum d.

    Choices where the method is silent:
    - Missing values: a criterion's entropy is taken over the departments that have a
      value (m is its own count), so a department that does not report a KPI neither
      raises nor lowers it. A criterion with fewer than two values cannot be compared:
      weight NaN, note `too_few`, and it is left out of the normalisation.
    - A constant criterion (max == min) tells no department apart: e = 1, d = 0, weight 0,
      note `constant`.
    - When no criterion varies at all, the valid ones share equal weights.

    Returns one row per criterion (index: the column names) with weight, entropy,
    divergence, count (departments with a value) and note.
    """
    directions = directions or {}
    x = values.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(x)
    count = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(count > 0, np.nanmin(np.where(present, x, np.inf), axis=0), np.nan)
        high = np.where(count > 0, np.nanmax(np.where(present, x, -np.inf), axis=0), np.nan)
        span = high - low
        lower = np.array([directions.get(c) == "lower" for c in values.columns], dtype=bool)
        norm = np.where(lower, high - x, x - low) / span
        norm = np.where(present, norm, 0.0)
        p = norm / norm.sum(axis=0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        k = 1.0 / np.log(np.maximum(count, 2))
        entropy = 0.0 - k * plogp.sum(axis=0)  # 0.0 - ...: no -0.0 when p is (1, 0, ...)
    too_few = count < 2
    constant = ~too_few & ~(span > 0)
    entropy = np.where(too_few, np.nan, np.where(constant, 1.0, entropy))
    divergence = 1.0 - entropy
    valid = ~too_few
    total = np.nansum(divergence[valid])
    if total > 0:
        weight = np.where(valid, divergence / total, np.nan)
    else:
        weight = np.where(valid, 1.0 / max(int(valid.sum()), 1), np.nan)
    note = np.where(too_few, TOO_FEW, np.where(constant, CONSTANT, ""))
    return pd.DataFrame(
        {
            "weight": weight,
            "entropy": entropy,
            "divergence": divergence,
            "count": count.astype(int),
            "note": note.astype(object),
        },
        index=pd.Index(values.columns, name="criterion"),
    )


def kpi_matrix(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Departments x KPI actuals of one period's owner rows, and each KPI's direction.

    KPIs are matched across departments by name (folded: case, width and traditional/
    simplified script do not matter), shown in the first spelling met. A range KPI
    becomes its distance outside [target low, target high] (lower is better). The same
    name twice in a department averages.
    """
    rows = owner_rows(rows)  # shared copies are not a department's own
    names = rows["kpi_name"].astype(object)
    keys = names.map(fold)
    first = dict(zip(keys[::-1], names[::-1], strict=True))  # first spelling wins
    direction = rows["direction"].astype(object).to_numpy()
    actual = pd.to_numeric(rows["actual"], errors="coerce").to_numpy(dtype=float)
    is_range = direction == "range"
    if is_range.any():
        low = pd.to_numeric(rows["target_low"], errors="coerce").to_numpy(dtype=float)
        high = pd.to_numeric(rows["target_high"], errors="coerce").to_numpy(dtype=float)
        outside = np.maximum(np.maximum(low - actual, actual - high), 0.0)
        actual = np.where(is_range, np.where(np.isnan(actual), np.nan, outside), actual)
        direction = np.where(is_range, "lower", direction)
    long = pd.DataFrame(
        {
            "department": rows["department"].astype(object).to_numpy(),
            "kpi": keys.map(first).to_numpy(),
            "value": actual,
            "direction": direction,
        }
    )
    table = long.pivot_table(
        index="department", columns="kpi", values="value", aggfunc="mean", dropna=False, sort=True
    )
    table = table.reindex(columns=list(dict.fromkeys(long["kpi"])))
    dirs = long.groupby("kpi", sort=False)["direction"].agg(lambda d: d.mode().iloc[0])
    return table, {k: str(v) for k, v in dirs.items()}


def perspective_matrix(perspectives: pd.DataFrame) -> pd.DataFrame:
    """Departments x perspective scores of one period (every perspective higher-is-better)."""
    table = perspectives.pivot_table(
        index="department", columns="perspective", values="score", aggfunc="mean", sort=True
    )
    return table.reindex(columns=[p for p in PERSPECTIVES if p in table.columns])
