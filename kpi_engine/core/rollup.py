"""Roll-ups (SPEC §3): KPI scores to department x perspective, department and organisation.

Every level is a weighted mean over the children that have a score, weights renormalised
over those present, with a coverage beside it: the weighted mean of the children's
coverage (a KPI's is `kpi_coverage`). A mean is kept between its least and greatest
child, so children all on 100 give exactly 100. The group-by sums of w*s and w are bincounts over a dense
department x period x perspective cube (keys factorized once), so every level after the
KPI one is arithmetic on a small array, and the result comes out already sorted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from kpi_engine.core.names import department_key, department_keys, department_weights
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.settings import DEFAULTS, Settings


def _spellings(departments: np.ndarray) -> dict[str, object]:
    """Department key -> the frame's spelling of it (the first one written, if several)."""
    spelling: dict[str, object] = {}
    for name in departments:
        spelling.setdefault(department_key(name), name)
    return spelling


def _resolve(partners: np.ndarray, departments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each partner in the frame's spelling, and its department key.

    An exact name stays as written; otherwise a department with the same key lends its
    spelling; otherwise the partner is kept as written. Worked out once per distinct name.
    """
    codes, names = pd.factorize(partners)
    names = np.asarray(names, dtype=object)
    spelling, exact = _spellings(departments), set(departments)
    keys = [department_key(name) for name in names]
    spelled = [n if n in exact else spelling.get(k, n) for n, k in zip(names, keys, strict=True)]
    return np.array(spelled, dtype=object)[codes], np.array(keys, dtype=object)[codes]


def _empty_tuple() -> np.ndarray:
    """A 0-d object array holding (): `column != it` finds non-empty cells in one C loop."""
    empty = np.empty((), dtype=object)
    empty[()] = ()
    return empty


_EMPTY = _empty_tuple()


def expand_shared(scored: pd.DataFrame) -> pd.DataFrame:
    """Append a copy of each shared KPI row for each partner department (SPEC §3).

    The copy keeps actual, target, weight, perspective and score, so the KPI counts in the
    same perspective of every listed department; `owner_department` remembers the owner.
    A partner is written in the frame's spelling when its `department_key` matches a
    department there ('生产' -> '生产部'); the owner itself and repeats are skipped.
    Owner rows come first in their original order, then the copies.
    """
    base = scored.reset_index(drop=True)
    base["owner_department"] = base["department"]
    cells = base["shared_with"].to_numpy(dtype=object)
    candidates = np.flatnonzero(cells != _EMPTY)  # only these can list partners
    partners = pd.Series(cells[candidates], index=candidates, dtype=object).explode()
    partners = partners[partners.notna() & (partners != "")]
    rows = partners.index.to_numpy(dtype=np.intp)
    is_shared = np.zeros(len(base), dtype=bool)
    is_shared[rows] = True
    base["is_shared"] = is_shared
    if not rows.size:
        return base
    departments = np.asarray(pd.unique(base["department"]), dtype=object)
    resolved, partner_keys = _resolve(partners.to_numpy(dtype=object), departments)
    owner_keys = department_keys(base["department"].iloc[rows]).to_numpy(dtype=object)
    pairs = pd.DataFrame({"row": rows, "department": resolved}, dtype=object)
    pairs = pairs[partner_keys != owner_keys].drop_duplicates()
    copies = base.take(pairs["row"].to_numpy(dtype=np.intp))
    copies["department"] = pairs["department"].to_numpy(dtype=object)
    return pd.concat([base, copies], ignore_index=True)


@dataclass(frozen=True, eq=False)
class Rollup:
    """The four roll-up tables, each with a `score` and a `coverage` column."""

    perspectives: pd.DataFrame  # department, period, perspective, score, coverage
    departments: pd.DataFrame  # department, period, score, coverage
    organization: pd.DataFrame  # period, score, coverage
    collaboration: pd.DataFrame  # department, period, score, coverage
    organization_perspectives: pd.DataFrame  # period, perspective, score, coverage


_PERSPECTIVE_RANK = {p: i for i, p in enumerate(PERSPECTIVES)}


class _Axis(NamedTuple):
    """One grouping key factorized: a code per row (-1 when missing) and the sorted labels."""

    codes: np.ndarray
    labels: pd.Index


def _axis(values: pd.Series, *, perspectives: bool = False) -> _Axis:
    """Factorize a key column with labels in report order (ascending; the scorecard's order
    for perspectives, unknown ones last), so cells come out of the cube already sorted.
    """
    codes, labels = pd.factorize(values, sort=True)
    labels = pd.Index(labels)
    if perspectives and len(labels):
        rank = [_PERSPECTIVE_RANK.get(label, len(PERSPECTIVES)) for label in labels]
        order = np.argsort(rank, kind="stable")
        new_code = np.empty(len(order), dtype=np.intp)
        new_code[order] = np.arange(len(order))
        codes = np.where(codes >= 0, new_code[codes], -1)
        labels = labels.take(order)
    return _Axis(np.asarray(codes, dtype=np.intp), labels)


def _cube(
    axes: Sequence[_Axis],
    rows: np.ndarray,
    weights: np.ndarray,
    scores: np.ndarray,
    coverage: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Per cell of the key cube: sum(w*s), sum(w) and sum(w*c) over scored rows, sum(w) over
    all rows, the row count, and the least and greatest score weighed. The group-by sums,
    as one bincount each over the cell index.
    """
    shape = tuple(max(len(axis.labels), 1) for axis in axes)
    if len(rows) == len(weights):  # every row: no need to gather
        codes, w, s, c = [axis.codes for axis in axes], weights, scores, coverage
    else:
        codes = [axis.codes[rows] for axis in axes]
        w, s, c = weights[rows], scores[rows], coverage[rows]
    cell = np.ravel_multi_index(codes, shape)
    size = int(np.prod(shape))
    scored = ~np.isnan(s)
    sums = [
        np.bincount(cell, weights=np.where(scored, w * s, 0.0), minlength=size),
        np.bincount(cell, weights=np.where(scored, w, 0.0), minlength=size),
        np.bincount(cell, weights=np.where(scored, w * c, 0.0), minlength=size),
        np.bincount(cell, weights=w, minlength=size),
        np.bincount(cell, minlength=size),
    ]
    weighed = scored & (w > 0)
    least, most = np.full(size, np.inf), np.full(size, -np.inf)  # inf, -inf: no child
    np.minimum.at(least, cell, np.where(weighed, s, np.inf))
    np.maximum.at(most, cell, np.where(weighed, s, -np.inf))
    return tuple(x.reshape(shape) for x in (*sums, least, most))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where nothing weighs anything."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _mean(
    numerator: np.ndarray, denominator: np.ndarray, least: np.ndarray, most: np.ndarray
) -> np.ndarray:
    """A weighted mean kept between its least and greatest child: it lies there exactly, so
    this only takes off rounding (children all 100 give 100, not 99.99999999999999)."""
    return np.minimum(np.maximum(_ratio(numerator, denominator), least), most)


def kpi_coverage(rows: pd.DataFrame) -> np.ndarray:
    """Each KPI row's coverage (SPEC §3): 0 without a score; else its `coverage` column (the
    share of a quarter's or year-to-date's months reported, see `periods.aggregate`), 1 for
    a month.
    """
    scored = rows["score"].notna().to_numpy()
    if "coverage" not in rows.columns:
        return scored.astype(float)
    share = pd.to_numeric(rows["coverage"], errors="coerce").to_numpy(dtype=float, na_value=1.0)
    return np.where(scored, np.nan_to_num(share, nan=1.0), 0.0)


def _kpi_means(
    axes: Sequence[_Axis],
    rows: np.ndarray,
    weights: np.ndarray,
    scores: np.ndarray,
    coverage: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KPI-weighted score and coverage per cell (see `kpi_coverage`), and which cells have
    KPI rows at all.
    """
    ws, w_scored, wc, w_all, count, least, most = _cube(axes, rows, weights, scores, coverage)
    return _mean(ws, w_scored, least, most), _ratio(wc, w_all), count > 0


def _child_mean(values: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """Weighted mean along `axis` over the children with a value, weights renormalised."""
    present = ~np.isnan(values)
    weight = np.where(present, weights, 0.0)
    weighed = np.where(weight > 0, values, np.nan)
    return _mean(
        np.where(present, values * weights, 0.0).sum(axis),
        weight.sum(axis),
        np.fmin.reduce(weighed, axis=axis, initial=np.nan),
        np.fmax.reduce(weighed, axis=axis, initial=np.nan),
    )


def _table(
    axes: Mapping[str, _Axis], present: np.ndarray, score: np.ndarray, coverage: np.ndarray
) -> pd.DataFrame:
    """The cells that exist as rows, in cube (that is, report) order."""
    cells = np.nonzero(present)
    columns: dict[str, object] = {
        name: pd.array(axis.labels.take(index), dtype="str")
        for (name, axis), index in zip(axes.items(), cells, strict=True)
    }
    columns["score"] = score[cells]
    columns["coverage"] = coverage[cells]
    return pd.DataFrame(columns)


def perspective_weights(labels: pd.Index, settings: Settings) -> np.ndarray:
    """Each perspective label's weight from the settings (0 for one they do not name)."""
    return np.array(
        [float(settings.perspective_weights.get(label, 0.0)) for label in labels], dtype=float
    )


def _float(frame: pd.DataFrame, column: str, missing: float) -> np.ndarray:
    values = frame[column]
    if values.dtype != np.float64:
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype=float, na_value=missing)


class Upper(NamedTuple):
    """The levels above department x perspective, as (department, period[, perspective])
    arrays: scores and coverages, and which cells exist."""

    d_score: np.ndarray
    d_cov: np.ndarray
    d_present: np.ndarray
    o_score: np.ndarray
    o_cov: np.ndarray
    o_present: np.ndarray
    op_score: np.ndarray  # organisation x perspective
    op_cov: np.ndarray


def upper_levels(
    p_score: np.ndarray,
    p_cov: np.ndarray,
    p_present: np.ndarray,
    owned: np.ndarray,
    *,
    perspective_weights: np.ndarray,
    department_weights: np.ndarray,
) -> Upper:
    """Department and organisation roll-ups of a department x period x perspective cube.

    The one path for every organisation score (scorecards and what-if alike). A department
    enters the organisation only in periods where it has KPIs of its own (`owned`): one
    that appears only as a shared KPI's partner is shown but not counted (SPEC §3).
    """
    d_score = _child_mean(p_score, perspective_weights, axis=2)
    d_cov = _child_mean(p_cov, perspective_weights, axis=2)
    d_present = p_present.any(axis=2)
    counted = owned & d_present
    dw = department_weights.reshape(-1, 1)
    o_score = _child_mean(np.where(counted, d_score, np.nan), dw, axis=0)
    o_cov = _child_mean(np.where(counted, d_cov, np.nan), dw, axis=0)
    o_present = d_present.any(axis=0)
    owned_cells = counted[:, :, None]
    op_score = _child_mean(np.where(owned_cells, p_score, np.nan), dw[:, :, None], axis=0)
    op_cov = _child_mean(np.where(owned_cells, p_cov, np.nan), dw[:, :, None], axis=0)
    return Upper(d_score, d_cov, d_present, o_score, o_cov, o_present, op_score, op_cov)


def _owned(expanded: pd.DataFrame, dept: _Axis, period: _Axis) -> np.ndarray:
    """(department, period) cells holding at least one of the department's own KPI rows."""
    shape = (max(len(dept.labels), 1), max(len(period.labels), 1))
    own = (dept.codes >= 0) & (period.codes >= 0)
    if "owner_department" in expanded.columns:
        own &= (expanded["owner_department"] == expanded["department"]).to_numpy(bool)
    cells = np.ravel_multi_index((dept.codes[own], period.codes[own]), shape)
    return (np.bincount(cells, minlength=int(np.prod(shape))) > 0).reshape(shape)


def rollup(expanded: pd.DataFrame, *, settings: Settings = DEFAULTS) -> Rollup:
    """All roll-ups of `expand_shared(score(kpis))` under `settings`' weights.

    Keys are factorized once; each level is then sums over a small department x period x
    perspective cube, so the cost is one pass over the rows plus arithmetic on the cube.
    """
    dept = _axis(expanded["department"])
    period = _axis(expanded["period"])
    persp = _axis(expanded["perspective"], perspectives=True)
    weights = np.nan_to_num(_float(expanded, "weight", 0.0), nan=0.0, posinf=0.0)
    top = weights.max(initial=0.0)
    if top > 0:  # relative weights scaled to at most 1 before any product: no overflow
        weights = weights / top
    scores = _float(expanded, "score", np.nan)
    coverage = kpi_coverage(expanded)
    keyed = np.flatnonzero((dept.codes >= 0) & (period.codes >= 0) & (persp.codes >= 0))

    # department x perspective: KPI weights
    p_score, p_cov, p_present = _kpi_means((dept, period, persp), keyed, weights, scores, coverage)
    # department: perspective weights; organisation: department weights (1 unless set)
    up = upper_levels(
        p_score,
        p_cov,
        p_present,
        _owned(expanded, dept, period),
        perspective_weights=perspective_weights(persp.labels, settings),
        department_weights=department_weights(dept.labels, settings.department_weights),
    )
    # collaboration: KPI weights over the shared rows of each department
    if "is_shared" in expanded.columns:
        shared = keyed[expanded["is_shared"].to_numpy(dtype=bool, na_value=False)[keyed]]
    else:
        shared = keyed[:0]
    c_score, c_cov, c_present = _kpi_means((dept, period), shared, weights, scores, coverage)

    return Rollup(
        perspectives=_table(
            {"department": dept, "period": period, "perspective": persp},
            p_present,
            p_score,
            p_cov,
        ),
        departments=_table(
            {"department": dept, "period": period}, up.d_present, up.d_score, up.d_cov
        ),
        organization=_table({"period": period}, up.o_present, up.o_score, up.o_cov),
        organization_perspectives=_table(
            {"period": period, "perspective": persp},
            up.o_present[:, None] & p_present.any(axis=0),
            up.op_score,
            up.op_cov,
        ),
        collaboration=_table({"department": dept, "period": period}, c_present, c_score, c_cov),
    )
