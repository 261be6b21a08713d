"""Roll-ups (SPEC §3): KPI scores to department x perspective, department and organisation.

Every level is `weighted_mean` over the children that have a score, weights renormalised
over those present, with a coverage beside it: the weighted mean of the children's
coverage (a KPI's is `kpi_coverage`). A mean is kept between its least and greatest
child, so children all on 100 give exactly 100. Children come in two shapes: KPI rows
grouped into cells (sums by bincount over a dense department x period x perspective cube,
keys factorized once) and cells along an axis of that cube; both end in
`weighted_mean`. The KPI level is the `Cube`; the levels above it depend on the settings'
weights only, so what-if re-weights a baseline's cube without going back to the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from kpi_engine.core import adjust
from kpi_engine.core.grades import with_grades
from kpi_engine.core.names import (
    department_key,
    department_keys,
    department_weights,
    display_names,
)
from kpi_engine.core.org import EMPTY, Tree, chain
from kpi_engine.core.schema import PERSPECTIVES, in_sections, owner_mask
from kpi_engine.core.settings import DEFAULTS, DEPARTMENT, PERSPECTIVE, Settings


def _resolve(partners: np.ndarray, departments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each partner in the frame's spelling, and its department key.

    An exact name stays as written; otherwise a department with the same key lends its
    spelling (`names.display_names`); otherwise the partner is kept as written. Worked out
    once per distinct name. Frames from `load_files` and the store are `unify`-ed, so there
    a partner is already written as its department; this serves frames built by hand.
    """
    codes, names = pd.factorize(partners)
    names = np.asarray(names, dtype=object)
    spelling, exact = display_names(departments), set(departments)
    keys = [department_key(name) for name in names]
    spelled = [n if n in exact else spelling.get(k, n) for n, k in zip(names, keys, strict=True)]
    return np.array(spelled, dtype=object)[codes], np.array(keys, dtype=object)[codes]


def _empty_tuple() -> np.ndarray:
    """A 0-d object array holding (): `column != it` finds non-empty cells in one C loop."""
    empty = np.empty((), dtype=object)
    empty[()] = ()
    return empty


_EMPTY = _empty_tuple()


def _partner_pairs(rows: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Which rows list partners, and each (row position, partner department) pair to copy.

    A partner is written in the frame's spelling when its `department_key` matches a
    department there ('生产' -> '生产部'); the owner itself and repeats are skipped. A bonus
    or penalty item (SPEC §5.7) is not copied: its points are its owner's.
    """
    cells = rows["shared_with"].to_numpy(dtype=object)
    # only these can list partners; a bonus or penalty item is its owner's alone
    candidates = np.flatnonzero(cells != _EMPTY)
    candidates = candidates[~adjust.items(rows.filter(["section"]).take(candidates))]
    partners = pd.Series(cells[candidates], index=candidates, dtype=object).explode()
    partners = partners[partners.notna() & (partners != "")]
    listed = partners.index.to_numpy(dtype=np.intp)
    if not listed.size:
        return listed, pd.DataFrame({"row": listed, "department": listed}, dtype=object)
    departments = np.asarray(pd.unique(rows["department"]), dtype=object)
    resolved, partner_keys = _resolve(partners.to_numpy(dtype=object), departments)
    owner_keys = department_keys(rows["department"].iloc[listed]).to_numpy(dtype=object)
    pairs = pd.DataFrame({"row": listed, "department": resolved}, dtype=object)
    return listed, pairs[partner_keys != owner_keys].drop_duplicates()


def expand_shared(scored: pd.DataFrame) -> pd.DataFrame:
    """Append a copy of each shared KPI row for each partner department (SPEC §3,
    `_partner_pairs`).

    The copy keeps actual, target, weight, perspective and score, so the KPI counts in the
    same perspective of every listed department; `owner_department` remembers the owner.
    Owner rows come first in their original order, then the copies.
    """
    base = scored.reset_index(drop=True)
    base["owner_department"] = base["department"]
    listed, pairs = _partner_pairs(base)
    is_shared = np.zeros(len(base), dtype=bool)
    is_shared[listed] = True
    base["is_shared"] = is_shared
    if not listed.size:
        return base
    copies = base.take(pairs["row"].to_numpy(dtype=np.intp))
    copies["department"] = pairs["department"].to_numpy(dtype=object)
    return pd.concat([base, copies], ignore_index=True)


def card_departments(kpis: pd.DataFrame) -> list[str]:
    """Every department with a scorecard, sorted: those with KPIs (not only bonus or
    penalty items) and the partners of their shared KPIs, i.e. the departments the roll-up
    gives, found without scoring or copying a row (the pickers ask after every upload)."""
    rows = kpis.reset_index(drop=True)
    _, pairs = _partner_pairs(rows)
    own = rows["department"][~adjust.items(rows.filter(["section"]))]
    found = pd.unique(pd.concat([own, pairs["department"]], ignore_index=True))
    return sorted(d for d in found if isinstance(d, str) and d)


@dataclass(frozen=True, eq=False)
class Rollup:
    """The four roll-up tables, each with a `score` and a `coverage` column."""

    perspectives: pd.DataFrame  # department, period, perspective, score, coverage
    departments: pd.DataFrame  # department, period, score, coverage
    organization: pd.DataFrame  # period, score, coverage
    collaboration: pd.DataFrame  # department, period, score, coverage
    organization_perspectives: pd.DataFrame  # period, perspective, score, coverage
    units: pd.DataFrame  # unit, period, score, coverage, level, parent, grade, coefficient
    unit_perspectives: pd.DataFrame  # unit, period, perspective, score, coverage


_PERSPECTIVE_RANK = {p: i for i, p in enumerate(PERSPECTIVES)}


@dataclass(frozen=True, eq=False)
class _Axis:
    """One grouping key factorized: a code per row (-1 when missing) and the sorted labels."""

    codes: np.ndarray
    labels: pd.Index

    @cached_property
    def texts(self) -> pd.api.extensions.ExtensionArray:
        """The labels as the tables' text column, made once per axis: every table of a
        roll-up (and every what-if re-roll of a cube) takes its cells' labels from it."""
        return pd.array(self.labels, dtype="str")


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


def weighted_mean(
    total: np.ndarray,
    weight: np.ndarray,
    least: np.ndarray | None = None,
    most: np.ndarray | None = None,
) -> np.ndarray:
    """The roll-ups' one weighted mean, from its children's sums: sum(w*x) / sum(w), where
    the sums count only the children present (so the weights are renormalised over them);
    NaN where nothing present weighs anything.

    Given the least and greatest weighed child, the mean is kept between them: it lies
    there exactly, so this only takes off rounding (children all 100 give 100, not
    99.99999999999999).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(weight > 0, total / weight, np.nan)
    if least is None or most is None:
        return mean
    return np.minimum(np.maximum(mean, least), most)


def _mean_along(values: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """`weighted_mean` of the children along `axis` that have a value (NaN: absent)."""
    present = ~np.isnan(values)
    weight = np.where(present, weights, 0.0)
    weighed = np.where(weight > 0, values, np.nan)
    return weighted_mean(
        np.where(present, values * weights, 0.0).sum(axis),
        weight.sum(axis),
        np.fmin.reduce(weighed, axis=axis, initial=np.nan),
        np.fmax.reduce(weighed, axis=axis, initial=np.nan),
    )


def _mean_by(values: np.ndarray, weights: np.ndarray, group: np.ndarray, size: int) -> np.ndarray:
    """`weighted_mean` of the children (rows of `values`, NaN: absent) per parent: `group`
    gives each child's parent, 0 to `size` - 1. The sums are one bincount over parent x
    the other axes, the least and greatest child one `ufunc.at` each (as `_kpi_means`)."""
    rest = values.shape[1:]
    width = int(np.prod(rest))
    flat = values.reshape(len(values), width)
    present = ~np.isnan(flat)
    weight = np.where(present, weights.reshape(-1, 1), 0.0)
    cell = (group.reshape(-1, 1) * width + np.arange(width)).ravel()
    cells = size * width

    def sums(x: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=x.ravel(), minlength=cells)

    weighed = weight > 0
    least, most = np.full(cells, np.inf), np.full(cells, -np.inf)  # inf, -inf: no child
    np.minimum.at(least, cell, np.where(weighed, flat, np.inf).ravel())
    np.maximum.at(most, cell, np.where(weighed, flat, -np.inf).ravel())
    mean = weighted_mean(sums(np.where(present, flat * weight, 0.0)), sums(weight), least, most)
    return mean.reshape(size, *rest)


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


class _Means(NamedTuple):
    """Weighted score and coverage per cell, which cells have children at all, and the
    weight of their scored children and of all of them (department-wide weighting's
    perspective weights, see `upper`)."""

    score: np.ndarray
    coverage: np.ndarray
    present: np.ndarray
    scored_weight: np.ndarray
    weight: np.ndarray


def _cells(
    axes: Sequence[_Axis], rows: np.ndarray | None = None
) -> tuple[np.ndarray, tuple[int, ...]]:
    """The flat cell of each row (of `rows`, every row if None; each with every key) in
    the cube over `axes`, and the cube's shape."""
    shape = tuple(max(len(axis.labels), 1) for axis in axes)
    codes = [axis.codes if rows is None else axis.codes[rows] for axis in axes]
    return np.ravel_multi_index(codes, shape), shape


def _kpi_means(
    cell: np.ndarray,
    shape: tuple[int, ...],
    w: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
) -> _Means:
    """`weighted_mean` of the KPI rows of each cell of the key cube (`_cells`; weight,
    score and coverage of those rows): the score over the rows with a score, the coverage
    over every row (one without a score covers 0, see `kpi_coverage`). The sums are one
    bincount each over the cell index.
    """
    size = int(np.prod(shape))
    scored = ~np.isnan(s)
    weighed = scored & (w > 0)
    least, most = np.full(size, np.inf), np.full(size, -np.inf)  # inf, -inf: no child
    np.minimum.at(least, cell, np.where(weighed, s, np.inf))
    np.maximum.at(most, cell, np.where(weighed, s, -np.inf))
    scored_weight = np.bincount(cell, weights=np.where(scored, w, 0.0), minlength=size)
    weight = np.bincount(cell, weights=w, minlength=size)
    score = weighted_mean(
        np.bincount(cell, weights=np.where(scored, w * s, 0.0), minlength=size),
        scored_weight,
        least,
        most,
    )
    covered = weighted_mean(
        np.bincount(cell, weights=np.where(scored, w * c, 0.0), minlength=size), weight
    )
    present = np.bincount(cell, minlength=size) > 0
    return _Means(*(x.reshape(shape) for x in (score, covered, present, scored_weight, weight)))


def _table(
    axes: Mapping[str, _Axis],
    present: np.ndarray,
    score: np.ndarray,
    coverage: np.ndarray,
    **more: np.ndarray,
) -> pd.DataFrame:
    """The cells that exist as rows, in cube (that is, report) order; `more` are further
    columns over the same cells."""
    cells = np.nonzero(present)
    columns: dict[str, object] = {
        name: axis.texts.take(index)
        for (name, axis), index in zip(axes.items(), cells, strict=True)
    }
    columns["score"] = score[cells]
    columns["coverage"] = coverage[cells]
    columns.update({name: values[cells] for name, values in more.items()})
    return pd.DataFrame(columns)


def perspective_weights(labels: Sequence[str], settings: Settings) -> np.ndarray:
    """Each perspective label's weight from the settings (0 for one they do not name)."""
    return np.array(
        [float(settings.perspective_weights.get(label, 0.0)) for label in labels], dtype=float
    )


def _float(frame: pd.DataFrame, column: str, missing: float) -> np.ndarray:
    values = frame[column]
    if values.dtype != np.float64:
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype=float, na_value=missing)


# SPEC §5.3: weights of one department and period adding up to one of these totals, within
# its tolerance, are department-wide (unless every perspective adds up to it on its own).
_WIDE_TOTALS: tuple[tuple[float, float], ...] = ((100.0, 0.5), (1.0, 0.005))


def weighs_department_wide(
    total: np.ndarray, by_perspective: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """SPEC §5.3's rule, per department and period: its own KPI weights add up to 100 (or
    1) across the department (`total`) while not every perspective it has KPIs in
    (`present`, last axis) adds up to that total on its own (`by_perspective`). A sheet
    whose perspectives each add up to 100 is weighted per perspective (SPEC §3)."""
    wide = np.zeros(np.shape(total), dtype=bool)
    for form, tolerance in _WIDE_TOTALS:
        each = (np.abs(by_perspective - form) <= tolerance) | ~present
        wide |= (np.abs(total - form) <= tolerance) & ~each.all(axis=-1)
    return wide


def _raw_weights(frame: pd.DataFrame) -> np.ndarray:
    """KPI weights as written, a missing or infinite one 0 (it weighs nothing)."""
    return np.nan_to_num(_float(frame, "weight", 0.0), nan=0.0, posinf=0.0)


def _weight_sums(
    cell: np.ndarray, shape: tuple[int, ...], weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's total weight of its rows (`_cells`), and the cells holding a row."""
    size = int(np.prod(shape))
    sums = np.bincount(cell, weights=weights, minlength=size).reshape(shape)
    present = (np.bincount(cell, minlength=size) > 0).reshape(shape)
    return sums, present


def department_wide_cells(rows: pd.DataFrame) -> pd.DataFrame:
    """The departments and periods whose own weights SPEC §5.3 reads as department-wide,
    with their total weight: what ingest names in a warning."""
    dept, period = _axis(rows["department"]), _axis(rows["period"])
    persp = _axis(rows["perspective"], perspectives=True)
    # a partner's copy of a shared KPI neither counts in a department's total nor hides it
    own = np.flatnonzero(
        owner_mask(rows) & (dept.codes >= 0) & (period.codes >= 0) & (persp.codes >= 0)
    )
    sums, present = _weight_sums(*_cells((dept, period, persp), own), _raw_weights(rows)[own])
    total = sums.sum(axis=-1)
    wide = weighs_department_wide(total, sums, present)
    cells = np.nonzero(wide)
    return pd.DataFrame(
        {
            "department": dept.labels.take(cells[0]).astype(object),
            "period": period.labels.take(cells[1]).astype(object),
            "total": total[cells],
        }
    )


@dataclass(frozen=True, eq=False)
class Cube:
    """The KPI level of a roll-up, before any perspective or department weight applies:
    KPI-weighted means per department x period x perspective (and per department x period
    over the shared rows, for collaboration), and the cells where a department has KPIs of
    its own. `upper` rolls it up under any settings' weights.
    """

    departments: _Axis
    periods: _Axis
    perspectives: _Axis
    kpis: _Means  # department x period x perspective
    owned: np.ndarray  # department x period
    collaboration: _Means  # department x period
    wide: np.ndarray  # department x period: own weights are department-wide (SPEC §5.3)
    # department x period: bonus and penalty points, failing veto KPI (SPEC §5.6, §5.7)
    adjustments: adjust.Adjustments


def cube(expanded: pd.DataFrame) -> Cube:
    """The KPI level of `expand_shared(score(kpis))`: keys factorized once, then one pass
    over the rows."""
    dept = _axis(expanded["department"])
    period = _axis(expanded["period"])
    persp = _axis(expanded["perspective"], perspectives=True)
    # rows of a section (veto gates, bonus and penalty items) are no perspective's KPIs
    sectioned = in_sections(expanded)
    if sectioned.any():
        persp = _Axis(np.where(sectioned, -1, persp.codes), persp.labels)
    raw = _raw_weights(expanded)  # as written: SPEC §5.3 reads their totals
    top = raw.max(initial=0.0)
    # relative weights scaled to at most 1 before any product: no overflow
    weights = raw / top if top > 0 else raw
    keyed = (dept.codes >= 0) & (period.codes >= 0) & (persp.codes >= 0)
    rows = None if keyed.all() else np.flatnonzero(keyed)  # usually all: nothing to gather

    def kept(values: np.ndarray) -> np.ndarray:
        return values if rows is None else values[rows]

    cell, shape = _cells((dept, period, persp), rows)  # once, for every sum below
    scores, coverage = kept(_float(expanded, "score", np.nan)), kept(kpi_coverage(expanded))
    # the cells with KPIs of the department's own, and its own weights there (a partner's
    # copy of a shared KPI neither counts in a department's total nor hides it)
    own = kept(owner_mask(expanded, named=dept.codes >= 0))
    own_sums, owned = _weight_sums(cell[own], shape, kept(raw)[own])
    owns = np.logical_or.reduce(owned, axis=2)  # department x period
    if "is_shared" in expanded.columns:
        shared = kept(expanded["is_shared"].to_numpy(dtype=bool, na_value=False))
    else:
        shared = np.zeros(len(cell), dtype=bool)
    w = kept(weights)
    return Cube(
        dept,
        period,
        persp,
        _kpi_means(cell, shape, w, scores, coverage),
        owns,
        _kpi_means(  # department x period: the (d, p, q) cell's (d, p)
            cell[shared] // shape[2], shape[:2], w[shared], scores[shared], coverage[shared]
        ),
        weighs_department_wide(own_sums.sum(axis=-1), own_sums, owned),
        adjust.department_adjustments(
            expanded,
            dept.codes,
            period.codes,
            (max(len(dept.labels), 1), max(len(period.labels), 1)),
        ),
    )


class Upper(NamedTuple):
    """The levels above department x perspective, as tables."""

    # department, period, score (final), coverage, weighting, score_before, bonus
    # (counted), penalty, veto (dict of the failing veto KPI, or None), grade, coefficient,
    # distribution_grade (core.grades)
    departments: pd.DataFrame
    organization: pd.DataFrame  # period, score, coverage, grade, coefficient
    organization_perspectives: pd.DataFrame  # period, perspective, score, coverage
    units: pd.DataFrame  # unit, period, score, coverage, level, parent, grade, coefficient
    unit_perspectives: pd.DataFrame  # unit, period, perspective, score, coverage


UNIT_COLUMNS: tuple[str, ...] = (
    "unit",
    "period",
    "score",
    "coverage",
    "level",
    "parent",
    "grade",
    "coefficient",
)
UNIT_PERSPECTIVE_COLUMNS: tuple[str, ...] = ("unit", "period", "perspective", "score", "coverage")


def no_rows(columns: Sequence[str]) -> pd.DataFrame:
    """An empty table with these columns (a roll-up without a tree has no unit rows)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


class _Nodes(NamedTuple):
    """Departments (the cube's, first) and units (`tree.units`, after them) as one index:
    each node's parent (-1: the group) and level (1: directly under the group)."""

    parent: np.ndarray
    level: np.ndarray


def _nodes(departments: pd.Index, tree: Tree) -> _Nodes:
    """The tree over the cube's departments as index arrays, built once per roll-up from
    names (hundreds of nodes), never per KPI row. The tree spells departments as the cube
    does (`org.tree_of` over its labels), so names match as they are."""
    names = [*map(str, departments), *tree.units]
    at = {name: i for i, name in enumerate(names)}
    above = [tree.parent.get(name) for name in names]
    parent = np.array([-1 if a is None else at[a] for a in above], dtype=np.intp)
    level = np.array([len(chain(tree, name)) for name in names], dtype=np.intp)
    return _Nodes(parent, level)


class _Tops(NamedTuple):
    """The organisation's score and coverage, and its perspectives', over the top level."""

    score: np.ndarray
    coverage: np.ndarray
    perspective_score: np.ndarray
    perspective_coverage: np.ndarray


def _units(
    kpi_level: Cube,
    tree: Tree,
    settings: Settings,
    counted: np.ndarray,
    final: np.ndarray,
    coverage: np.ndarray,
    department_weight: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame, _Tops]:
    """Units level by level, deepest first: each is the node-weighted mean (weights keyed
    by any node's name, 1 unless set) of its children, departments at their final
    score where they count in the organisation (`counted`), sub-units at theirs; coverage
    alike, and per perspective over the children's perspectives. The group is then the
    same mean over the top level.

    One array holds it all: node x (score, coverage) x period x (overall, perspectives),
    departments first; each level is one `_mean_by` over its nodes into their parents.
    """
    p = kpi_level.kpis
    n_dept = len(kpi_level.departments.labels)  # a tree has departments: counted's rows
    nodes = _nodes(kpi_level.departments.labels, tree)
    unit_weights = department_weights(tree.units, settings.department_weights)
    weights = np.concatenate([department_weight, unit_weights])
    n_period, n_persp = counted.shape[1], p.score.shape[2]
    values = np.full((len(weights), 2, n_period, 1 + n_persp), np.nan)
    kept = counted[:, :, None]
    values[:n_dept, 0] = np.where(kept, np.concatenate([final[:, :, None], p.score], 2), np.nan)
    values[:n_dept, 1] = np.where(
        kept, np.concatenate([coverage[:, :, None], p.coverage], 2), np.nan
    )
    present = np.zeros((len(weights), n_period, 1 + n_persp), dtype=bool)
    present[:n_dept] = kept & np.concatenate([np.ones_like(kept), p.present], axis=2)
    for depth in range(int(nodes.level.max(initial=1)), 1, -1):
        kids = np.flatnonzero(nodes.level == depth)
        group = nodes.parent[kids] - n_dept  # parents are units
        at = np.unique(group)
        values[n_dept + at] = _mean_by(values[kids], weights[kids], group, len(tree.units))[at]
        np.logical_or.at(present, n_dept + group, present[kids])
    top = np.flatnonzero(nodes.level == 1)
    group = _mean_by(values[top], weights[top], np.zeros(len(top), dtype=np.intp), 1)[0]
    tops = _Tops(group[0, :, 0], group[1, :, 0], group[0, :, 1:], group[1, :, 1:])
    unit_axis = _Axis(np.empty(0, dtype=np.intp), pd.Index(tree.units, dtype=object))
    period, persp = kpi_level.periods, kpi_level.perspectives
    unit_parent = np.array([tree.parent.get(u) for u in tree.units], dtype=object)
    spread = (len(tree.units), n_period)
    mine, shown = values[n_dept:], present[n_dept:]
    units = _table(
        {"unit": unit_axis, "period": period},
        shown[:, :, 0],
        mine[:, 0, :, 0],
        mine[:, 1, :, 0],
        level=np.broadcast_to(nodes.level[n_dept:, None], spread),
        parent=np.broadcast_to(unit_parent[:, None], spread),
    )
    unit_perspectives = _table(
        {"unit": unit_axis, "period": period, "perspective": persp},
        shown[:, :, 1:],
        mine[:, 0, :, 1:],
        mine[:, 1, :, 1:],
    )
    return with_grades(units, settings), unit_perspectives, tops


def scored_department_wide(kpi_level: Cube, settings: Settings) -> np.ndarray:
    """Department x period: True where the department is scored department-wide, by
    `settings.weighting` (`auto`: where its own weights say so, `weighs_department_wide`)."""
    if settings.weighting == DEPARTMENT:
        return np.ones_like(kpi_level.wide)
    if settings.weighting == PERSPECTIVE:
        return np.zeros_like(kpi_level.wide)
    return kpi_level.wide


def upper(kpi_level: Cube, settings: Settings, tree: Tree = EMPTY) -> Upper:
    """Department and organisation roll-ups of a cube under `settings`' weights.

    The one path for every organisation score (scorecards and what-if alike). A department
    is the perspective-weighted mean of its perspectives: by the settings' perspective
    weights, or, scored department-wide (SPEC §5.3, `scored_department_wide`), by the
    sums of the weights of the KPIs in each perspective (its own and partners' shared
    ones; for the score, of those with a score), so that its score is the weighted mean
    of its KPI scores and its coverage that of its KPIs' coverage. Its `weighting` column
    says which (`perspective` or `department`). The organisation is the
    department-weighted mean (1 unless set) of its departments, and per perspective of
    their perspectives. A department enters the organisation only in periods where it has
    KPIs of its own (`owned`): one that appears only as a shared KPI's partner is shown but
    not counted (SPEC §3).

    The department's weighted score is `score_before`; its `score` is the final one
    (`adjust.final_scores`: bonus within the limit, penalty, clip, veto), and the
    organisation is the mean of the final scores. A vetoed department counts at the veto
    score, even where none of its KPIs has a score.

    With an organisation `tree` the departments roll up into their units level by level
    (`_units`), and the organisation is the mean of the top level (units and departments
    without a unit) under the same weights; without one, of the departments, as ever.
    """
    p = kpi_level.kpis
    pw = perspective_weights(kpi_level.perspectives.labels, settings)
    wide = scored_department_wide(kpi_level, settings)
    d_score = _mean_along(p.score, np.where(wide[:, :, None], p.scored_weight, pw), axis=2)
    d_cov = _mean_along(p.coverage, np.where(wide[:, :, None], p.weight, pw), axis=2)
    d_present = p.present.any(axis=2)
    adj = kpi_level.adjustments
    vetoed = pd.notna(adj.veto)
    d_before, bonus = d_score, adjust.counted_bonus(adj.bonus, settings)
    d_score = adjust.final_scores(d_before, bonus, adj.penalty, vetoed, settings)
    counted = kpi_level.owned & d_present
    dw = department_weights(kpi_level.departments.labels, settings.department_weights)
    dw = dw.reshape(-1, 1)
    o_score = _mean_along(np.where(counted, d_score, np.nan), dw, axis=0)
    o_cov = _mean_along(np.where(counted, d_cov, np.nan), dw, axis=0)
    o_present = d_present.any(axis=0)
    owned_cells = counted[:, :, None]
    op_score = _mean_along(np.where(owned_cells, p.score, np.nan), dw[:, :, None], axis=0)
    op_cov = _mean_along(np.where(owned_cells, p.coverage, np.nan), dw[:, :, None], axis=0)
    if tree:
        units, unit_perspectives, tops = _units(
            kpi_level, tree, settings, counted, d_score, d_cov, dw.reshape(-1)
        )
        o_score, o_cov, op_score, op_cov = tops
    else:
        units, unit_perspectives = no_rows(UNIT_COLUMNS), no_rows(UNIT_PERSPECTIVE_COLUMNS)
    dept, period = kpi_level.departments, kpi_level.periods
    ups = Upper(
        departments=_table(
            {"department": dept, "period": period},
            d_present,
            d_score,
            d_cov,
            weighting=np.where(wide, DEPARTMENT, PERSPECTIVE).astype(object),
            score_before=d_before,
            bonus=bonus,
            penalty=adj.penalty,
            veto=adj.veto,
        ),
        organization=_table({"period": period}, o_present, o_score, o_cov),
        organization_perspectives=_table(
            {"period": period, "perspective": kpi_level.perspectives},
            o_present[:, None] & p.present.any(axis=0),
            op_score,
            op_cov,
        ),
        units=units,
        unit_perspectives=unit_perspectives,
    )
    # Grades once the scores are final (SPEC §5.9); only counted departments are ranked.
    return ups._replace(
        departments=with_grades(ups.departments, settings, counted=counted[d_present]),
        organization=with_grades(ups.organization, settings),
    )


def rollup(expanded: pd.DataFrame, *, settings: Settings = DEFAULTS, tree: Tree = EMPTY) -> Rollup:
    """All roll-ups of `expand_shared(score(kpis))` under `settings`' weights.

    Keys are factorized once; each level is then sums over a small department x period x
    perspective cube, so the cost is one pass over the rows plus arithmetic on the cube.
    """
    return of_cube(cube(expanded), settings, tree)


def of_cube(kpi_level: Cube, settings: Settings, tree: Tree = EMPTY) -> Rollup:
    """The roll-ups of a cube: its KPI level as tables, and `upper` under `settings`."""
    dept, period, persp = kpi_level.departments, kpi_level.periods, kpi_level.perspectives
    p, c = kpi_level.kpis, kpi_level.collaboration
    return Rollup(
        perspectives=_table(
            {"department": dept, "period": period, "perspective": persp},
            p.present,
            p.score,
            p.coverage,
        ),
        collaboration=_table(
            {"department": dept, "period": period}, c.present, c.score, c.coverage
        ),
        **upper(kpi_level, settings, tree)._asdict(),
    )
