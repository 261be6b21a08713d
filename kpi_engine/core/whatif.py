"""What-if scenarios: the same KPI rows under other weights and targets, beside the baseline.

An analyst asks "what if customer weighed more?" and needs the answer while the meeting
is still on it. So `prepare` scores the period's rows once and keeps the department x
perspective cube; a change of perspective or department weights is then arithmetic on
that small cube (a slider move costs microseconds, whatever the number of KPI rows), and
only KPI weight or target overrides go back to the rows: the rows whose target changed are
rescored, then one roll-up runs.

A scenario never changes stored data: `apply` returns new rows and everything else reads.
`rank_ranges` answers the follow-up question, "does the department ranking depend on the
weights we chose?", by sampling perspective weights around the chosen ones.

The What-if page's arithmetic is here too (`percentages`, `from_controls`, `with_ahp`,
`with_entropy`, `headline`, `scenario_scores`), so the page only turns widgets into
arguments and frames into what it shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from kpi_engine.core import adjust
from kpi_engine.core.grades import grade_span
from kpi_engine.core.names import fold, kpi_labels
from kpi_engine.core.org import edges
from kpi_engine.core.rollup import Cube, upper, weighted_mean
from kpi_engine.core.schema import PERSPECTIVES, owner_rows
from kpi_engine.core.scorecard import Scorecard, for_period, from_scored
from kpi_engine.core.scoring import RULE, score
from kpi_engine.core.settings import DEFAULTS, DEPARTMENT, Settings
from kpi_engine.core.weights import (
    TOO_FEW,
    AhpResult,
    entropy_weights,
    kpi_matrix,
    perspective_matrix,
)

KpiKey = tuple[str, str]  # (owner department, `names.kpi_labels`: KPI id, else name)

MANUAL, AHP, ENTROPY = "manual", "ahp", "entropy"  # how a scenario's weights were chosen


def _weights(values: Mapping, what: str) -> dict:
    """A copy of a weight mapping, refusing what no roll-up can use."""
    out = {}
    for key, value in values.items():
        number = float(value)
        if not np.isfinite(number) or number < 0:
            raise ValueError(f"{what} weight for {key!r} is {value!r}: weights must be 0 or more")
        out[key] = number
    return out


@dataclass(frozen=True)
class Scenario:
    """Weights and targets that differ from the baseline; everything else is the baseline's.

    `perspective_weights` None keeps the baseline's; `department_weights` lists only the
    departments whose weight changes. KPI overrides are keyed by (owner department, KPI
    key) and apply to every row of that KPI in the rows they are applied to (the page
    applies them to the period shown). Weights are relative, as everywhere.
    """

    name: str = "scenario"
    perspective_weights: Mapping[str, float] | None = None
    department_weights: Mapping[str, float] = field(default_factory=dict)
    kpi_weights: Mapping[KpiKey, float] = field(default_factory=dict)
    kpi_targets: Mapping[KpiKey, float] = field(default_factory=dict)
    method: str = MANUAL

    def __post_init__(self) -> None:
        # Plain copied dicts: a caller's later edits cannot reach a saved scenario.
        if self.perspective_weights is not None:
            weights = _weights(self.perspective_weights, "perspective")
            if not sum(weights.values()) > 0:
                raise ValueError("perspective weights are all 0: give at least one a weight")
            object.__setattr__(self, "perspective_weights", weights)
        object.__setattr__(
            self, "department_weights", _weights(self.department_weights, "department")
        )
        object.__setattr__(self, "kpi_weights", _weights(self.kpi_weights, "KPI"))
        targets = {key: float(value) for key, value in self.kpi_targets.items()}
        if not all(np.isfinite(v) for v in targets.values()):
            raise ValueError("a KPI target override is not a number")
        object.__setattr__(self, "kpi_targets", targets)

    @property
    def changes_rows(self) -> bool:
        """Whether KPI rows change (else only the roll-up weights do)."""
        return bool(self.kpi_weights or self.kpi_targets)

    def settings(self, baseline: Settings) -> Settings:
        """The baseline's settings with this scenario's weights."""
        perspective = self.perspective_weights or baseline.perspective_weights
        department = {**baseline.department_weights, **self.department_weights}
        return baseline.with_(perspective_weights=dict(perspective), department_weights=department)


def _key_codes(rows: pd.DataFrame) -> tuple[np.ndarray, list[KpiKey]]:
    """A code per row into the distinct (department, KPI key) pairs, and those pairs."""
    if rows.empty:
        return np.empty(0, dtype=np.intp), []
    departments = rows["department"].astype(object).to_numpy()
    keys = kpi_labels(rows).to_numpy()
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays([departments, keys]))
    return np.asarray(codes, dtype=np.intp), [tuple(u) for u in uniques]


def _lookup(codes: np.ndarray, pairs: list[KpiKey], values: Mapping[KpiKey, float]) -> np.ndarray:
    """Each row's override from `values` (NaN where it has none)."""
    if not values or not len(codes):
        return np.full(len(codes), np.nan)
    per_pair = np.array([values.get(pair, np.nan) for pair in pairs], dtype=float)
    return per_pair[codes]


def apply(kpis: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """New KPI rows with the scenario's weight and target overrides; `kpis` is untouched."""
    out = kpis.copy(deep=False)
    if not scenario.changes_rows:
        return out
    codes, pairs = _key_codes(kpis)
    for column, values in (("weight", scenario.kpi_weights), ("target", scenario.kpi_targets)):
        new = _lookup(codes, pairs, values)
        if (~np.isnan(new)).any():
            old = pd.to_numeric(kpis[column], errors="coerce").to_numpy(dtype=float)
            out[column] = np.where(np.isnan(new), old, new)
    return out


def redistribute(rows: pd.DataFrame, shares: Mapping[str, float]) -> dict[KpiKey, float]:
    """KPI weight overrides that give KPIs their `shares` (say entropy weights by KPI name)
    within each department x perspective.

    KPI weights are relative within a department x perspective, so a method's weights are
    applied there: the weight the named KPIs of a cell hold together is divided among them
    in proportion to their shares; KPIs without a share keep their weight, and a cell whose
    shares are all 0 keeps its weights. Names match as in `weights.kpi_matrix` (folded).
    """
    by_name = {fold(name): float(v) for name, v in shares.items() if np.isfinite(float(v))}
    if not by_name or rows.empty:
        return {}
    rows = owner_rows(rows)
    frame = pd.DataFrame(
        {
            "department": rows["department"].astype(object).to_numpy(),
            "key": kpi_labels(rows).to_numpy(),
            "perspective": rows["perspective"].astype(object).to_numpy(),
            "weight": pd.to_numeric(rows["weight"], errors="coerce").to_numpy(dtype=float),
            "share": rows["kpi_name"].astype(object).map(fold).map(by_name).to_numpy(dtype=float),
        }
    ).drop_duplicates(["department", "key"], keep="last")
    frame = frame[frame["share"].notna()]
    cell = frame.groupby(["department", "perspective"], sort=False)
    mass = cell["weight"].transform("sum").to_numpy(dtype=float)
    total = cell["share"].transform("sum").to_numpy(dtype=float)
    ok = total > 0
    new = np.where(ok, mass * frame["share"].to_numpy(dtype=float) / np.where(ok, total, 1.0), 0.0)
    return {
        (d, k): float(w)
        for d, k, w, keep in zip(frame["department"], frame["key"], new, ok, strict=True)
        if keep
    }


# --- prepared baseline ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Prepared:
    """One period's rows scored once under the baseline, ready for many scenarios."""

    settings: Settings
    period: str | None
    rows: pd.DataFrame  # for_period(kpis, period): what KPI overrides apply to
    scored: pd.DataFrame  # score(rows) under the baseline settings
    baseline: Scorecard
    cube: Cube  # the baseline's KPI level: weights alone re-roll from here
    key_codes: np.ndarray
    key_pairs: list[KpiKey]


def prepare(
    kpis: pd.DataFrame,
    *,
    settings: Settings = DEFAULTS,
    period: str | None = None,
    org: pd.DataFrame | None = None,
) -> Prepared:
    """Score the period's rows and roll them up once (into `org`'s units too); scenarios
    then start from here."""
    rows = for_period(kpis, period)
    scored = score(rows, settings=settings)
    card, kpi_level = from_scored(scored, settings=settings, org=org)
    codes, pairs = _key_codes(rows)
    return Prepared(settings, period, rows, scored, card, kpi_level, codes, pairs)


def _from_cube(prepared: Prepared, settings: Settings) -> Scorecard:
    """Department, unit and organisation roll-ups under new weights, from the baseline
    cube alone (the baseline's tree: a unit's weight moves the units above it)."""
    baseline = prepared.baseline
    return replace(baseline, **upper(prepared.cube, settings, baseline.tree)._asdict())


def _from_rows(prepared: Prepared, scenario: Scenario, settings: Settings) -> Scorecard:
    """KPI overrides: rescore only the rows whose target changed, or whose weight changed
    where a rule scores the KPI (its full points may be its weight, SPEC §5.8), then one
    roll-up."""
    scored = prepared.scored.copy(deep=False)
    codes, pairs = prepared.key_codes, prepared.key_pairs
    weights = _lookup(codes, pairs, scenario.kpi_weights)
    old_weight = pd.to_numeric(scored["weight"], errors="coerce").to_numpy(dtype=float)
    new_weight = np.where(np.isnan(weights), old_weight, weights)
    if (~np.isnan(weights)).any():
        scored["weight"] = new_weight
    targets = _lookup(codes, pairs, scenario.kpi_targets)
    old_target = pd.to_numeric(scored["target"], errors="coerce").to_numpy(dtype=float)
    ruled = (scored["method"] == RULE).to_numpy(dtype=bool)
    reweighed = ruled & ~np.isnan(weights) & (weights != old_weight)
    changed = np.flatnonzero((~np.isnan(targets) & (targets != old_target)) | reweighed)
    if changed.size:
        new_target = np.where(np.isnan(targets), old_target, targets)
        part = prepared.rows.iloc[changed].assign(
            target=new_target[changed], weight=new_weight[changed]
        )
        redone = score(part, settings=settings)
        for column in ("score", "status", "points", "full_points"):
            values = scored[column].to_numpy(dtype=object).copy()
            values[changed] = redone[column].to_numpy(dtype=object)
            scored[column] = pd.Series(values, index=scored.index).infer_objects()
        scored["target"] = new_target
    card, _ = from_scored(scored, settings=settings, org=edges(prepared.baseline.tree))
    return card


def rescore(prepared: Prepared, scenario: Scenario) -> Scorecard:
    """The scenario's scorecard for the prepared period, as `build(apply(...))` would give.

    Weights alone: arithmetic on the baseline cube. KPI overrides: back to the rows.
    """
    settings = scenario.settings(prepared.settings)
    if scenario.changes_rows:
        return _from_rows(prepared, scenario, settings)
    return _from_cube(prepared, settings)


# --- comparison ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Comparison:
    """Baseline beside scenario: per department (with ranks) and for the organisation."""

    departments: pd.DataFrame  # period, department, baseline, scenario, change,
    #                            baseline_rank, scenario_rank, rank_change, COMPARED_GRADES
    organization: pd.DataFrame  # period, baseline, scenario, baseline_grade, scenario_grade,
    #                             change
    scenario: Scorecard


# A department's grade (SPEC §5.9) under the baseline and the scenario, and by the forced
# distribution under each (None when it is off).
COMPARED_GRADES: tuple[str, ...] = (
    "baseline_grade",
    "scenario_grade",
    "baseline_distribution_grade",
    "scenario_distribution_grade",
)


def ranks(scores: pd.DataFrame) -> pd.Series:
    """Rank of each department within its period: 1 = highest score, ties share the better
    rank, no score no rank."""
    score_ = scores["score"].astype(float)
    if scores["period"].nunique() <= 1:  # the page's case: skip the group-by
        ranked = score_.rank(ascending=False, method="min")
    else:
        ranked = score_.groupby(scores["period"], sort=False).rank(ascending=False, method="min")
    return ranked.astype("Int64")


def _side_by_side(base: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Baseline and scenario values per key: `baseline*` and `scenario*` columns.

    Weight changes keep the cells (same keys, same order), so the columns just sit side
    by side; KPI edits may add or drop a cell, and then an outer merge lines them up.
    """
    left = base[keys].reset_index(drop=True)
    right = new[keys].reset_index(drop=True)
    if left.equals(right):
        return pd.concat(
            [
                left,
                base.drop(columns=keys).reset_index(drop=True),
                new.drop(columns=keys).reset_index(drop=True),
            ],
            axis=1,
        )
    return base.merge(new, on=keys, how="outer", sort=False).reset_index(drop=True)


def compare(
    kpis: pd.DataFrame | Prepared,
    baseline: Settings,
    scenario: Scenario,
    *,
    period: str | None = None,
) -> Comparison:
    """Each department's score and rank under the baseline and the scenario, and the change.

    `rank_change` is baseline_rank - scenario_rank: positive when a department moves up.
    Pass a `Prepared` (same settings and period) to skip scoring: a slider move then
    costs one roll-up of the cube.
    """
    if isinstance(kpis, Prepared):
        prepared = kpis
        if prepared.settings != baseline or (period is not None and period != prepared.period):
            raise ValueError("the prepared baseline has other settings or another period")
    else:
        prepared = prepare(kpis, settings=baseline, period=period)
    card = rescore(prepared, scenario)
    keys = ["period", "department"]
    base, new = prepared.baseline.departments, card.departments
    departments = _side_by_side(
        pd.DataFrame(
            {
                "period": base["period"],
                "department": base["department"],
                "baseline": base["score"].astype(float),
                "baseline_rank": ranks(base),
                "baseline_grade": base["grade"],
                "baseline_distribution_grade": base["distribution_grade"],
            }
        ),
        pd.DataFrame(
            {
                "period": new["period"],
                "department": new["department"],
                "scenario": new["score"].astype(float),
                "scenario_rank": ranks(new),
                "scenario_grade": new["grade"],
                "scenario_distribution_grade": new["distribution_grade"],
            }
        ),
        keys,
    )
    departments["change"] = departments["scenario"] - departments["baseline"]
    departments["rank_change"] = departments["baseline_rank"] - departments["scenario_rank"]
    columns = ["baseline", "scenario", "change", "baseline_rank", "scenario_rank", "rank_change"]
    departments = departments[[*keys, *columns, *COMPARED_GRADES]]
    organization = _side_by_side(
        prepared.baseline.organization[["period", "score", "grade"]].rename(
            columns={"score": "baseline", "grade": "baseline_grade"}
        ),
        card.organization[["period", "score", "grade"]].rename(
            columns={"score": "scenario", "grade": "scenario_grade"}
        ),
        ["period"],
    )
    organization["change"] = organization["scenario"] - organization["baseline"]
    return Comparison(departments, organization, card)


# --- rank stability ------------------------------------------------------------------------


def sample_weights(
    center: Mapping[str, float],
    *,
    spread_points: float,
    samples: int,
    seed: int = 0,
    perspectives: tuple[str, ...] = PERSPECTIVES,
) -> np.ndarray:
    """Perspective weight vectors (percentage points summing to 100), one per column.

    Uniform over the part of the weight simplex where every weight stays within
    `spread_points` of the centre's (normalised to 100) and at 0 or above: all weights
    but the last are drawn in their interval, the last is what makes 100, and draws that
    push it out of its interval are redrawn. Column 0 is the centre itself.
    """
    c = np.array([max(float(center.get(p, 0.0)), 0.0) for p in perspectives])
    if not c.sum() > 0:
        raise ValueError("the centre's perspective weights are all 0")
    c = 100.0 * c / c.sum()
    n = max(float(spread_points), 0.0)
    low, high = np.maximum(c - n, 0.0), c + n
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = [c[:, None]]
    have, rounds = 1, 0
    while have < samples and rounds < 50:
        batch = max(2 * (samples - have), 64)
        free = rng.uniform(low[:-1, None], high[:-1, None], size=(len(c) - 1, batch))
        last = 100.0 - free.sum(axis=0)
        ok = (last >= low[-1]) & (last <= high[-1])
        found.append(np.vstack([free[:, ok], last[ok][None, :]]))
        have += int(ok.sum())
        rounds += 1
    return np.hstack(found)[:, :samples]


class _Fixed(NamedTuple):
    """Per department of one period, what perspective weights do not move (NaN / 0 where
    nothing), from its row of the departments table: its weighted score if scored
    department-wide (SPEC §5.3), the bonus points counted and the penalty points, and its
    final score if vetoed (SPEC §5.6, §5.7)."""

    wide: np.ndarray
    bonus: np.ndarray
    penalty: np.ndarray
    vetoed: np.ndarray


class _Sampled(NamedTuple):
    ranks: np.ndarray  # D x K
    low: np.ndarray  # D: each department's lowest sampled (final) score
    high: np.ndarray  # D: its highest


def _sample_ranks(
    scores: np.ndarray,
    weights: np.ndarray,
    fixed: _Fixed,
    settings: Settings,
) -> _Sampled:
    """Department ranks (D x K) under each weight column: 1 + the number of departments
    scoring strictly higher, so ties share a rank; NaN where a department has no score.
    Beside them, each department's lowest and highest sampled score (its grade range).

    Department scores are the roll-up's `weighted_mean` over the perspectives a department
    has, its sums a matrix product for every weight column at once; a department scored
    department-wide keeps its weighted score under every column. Each sample's score is
    then final by `adjust.final_scores`, as the roll-up's (bonus, penalty, clip to the
    settings' cap), and a vetoed department keeps its veto score under any weights.
    """
    here = ~np.isnan(scores)
    dept = weighted_mean(np.where(here, scores, 0.0) @ weights, here.astype(float) @ weights)
    dept = np.where(np.isnan(fixed.wide)[:, None], dept, fixed.wide[:, None])
    vetoed = ~np.isnan(fixed.vetoed)[:, None]  # their final score is the veto score
    dept = adjust.final_scores(dept, fixed.bonus[:, None], fixed.penalty[:, None], False, settings)
    dept = np.where(vetoed, fixed.vetoed[:, None], dept)
    return _Sampled(_ranks(dept), np.fmin.reduce(dept, axis=1), np.fmax.reduce(dept, axis=1))


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Per column of a D x K score matrix, each row's rank: 1 + the number of rows scoring
    strictly higher (ties share the best rank), NaN where the score is NaN. Sorting each
    column costs D log D where comparing every pair costs D x D (500 units, 2000 weightings:
    milliseconds rather than seconds)."""
    d, k = scores.shape
    keyed = np.where(np.isnan(scores), -np.inf, scores)  # NaN last in descending order
    order = np.argsort(-keyed, axis=0, kind="stable")
    ranked = np.take_along_axis(keyed, order, axis=0)
    position = np.arange(d)[:, None]
    new = np.ones((d, k), dtype=bool)
    new[1:] = ranked[1:] != ranked[:-1]  # the first of each run of equal scores
    first = np.maximum.accumulate(np.where(new, position, 0), axis=0)
    out = np.empty((d, k))
    np.put_along_axis(out, order, first + 1.0, axis=0)
    return np.where(np.isnan(scores), np.nan, out)


def _fixed(departments: pd.DataFrame, period: object, names: pd.Index) -> _Fixed:
    """Per department in `names`, in `period`: `_Fixed` from the departments table."""
    at = departments[(departments["period"] == period).to_numpy(bool)]
    at = at.drop_duplicates("department").set_index("department").reindex(names)
    before = at["score_before"] if "score_before" in at.columns else at["score"]
    wide = before.where((at["weighting"] == DEPARTMENT).to_numpy(bool))
    vetoed = adjust.vetoed(at)

    def column(name: str) -> np.ndarray:
        if name not in at.columns:
            return np.zeros(len(names))
        return pd.to_numeric(at[name], errors="coerce").fillna(0.0).to_numpy(dtype=float)

    return _Fixed(
        wide.to_numpy(dtype=float),
        column("bonus"),
        column("penalty"),
        at["score"].where(vetoed).to_numpy(dtype=float),
    )


# What `rank_ranges` returns, in order.
RANK_RANGE_COLUMNS: tuple[str, ...] = (
    "period",
    "department",
    "baseline_rank",
    "min_rank",
    "max_rank",
    "depends",
    "stable_share",
    "min_score",
    "max_score",
    "best_grade",
    "worst_grade",
)


def rank_ranges(
    perspectives: pd.DataFrame,
    *,
    weights: Mapping[str, float],
    departments: pd.DataFrame,
    spread_points: float = 10.0,
    samples: int = 2000,
    seed: int = 0,
    settings: Settings = DEFAULTS,
) -> pd.DataFrame:
    """The ranks each department takes when perspective weights move within +- N points.

    `perspectives` is a department x perspective score table (`Scorecard.perspectives`);
    `weights` the centre (the weights in use). `departments` (`Scorecard.departments`)
    says which departments were scored department-wide (SPEC §5.3): perspective weights
    do not move their scores, so they keep them in every sample; and each department's
    bonus and penalty points counted, and its veto (SPEC §5.6, §5.7), as the table has
    them, applied to every sample (clipped to `settings`' cap: pass the scenario's; a
    vetoed department keeps the table's score). Returns, per period and
    department:
    baseline_rank (under the centre), min_rank, max_rank, depends (min != max),
    stable_share (the share of sampled weightings that keep the baseline rank), the
    lowest and highest sampled score, and the best and worst grade they read as under
    `settings.grades` (a vetoed department: the lowest grade in every sample).
    """
    w = sample_weights(weights, spread_points=spread_points, samples=samples, seed=seed)
    index = {p: i for i, p in enumerate(PERSPECTIVES)}
    parts = []
    for period, cells in perspectives.groupby("period", sort=True):
        cells = cells[cells["perspective"].isin(index)]
        table = cells.pivot_table(
            index="department", columns="perspective", values="score", aggfunc="mean", sort=True
        ).reindex(columns=list(PERSPECTIVES))
        table = table[table.notna().any(axis=1)]  # a department with no score has no rank
        if table.empty:
            continue
        fixed = _fixed(departments, period, table.index)
        sampled = _sample_ranks(table.to_numpy(dtype=float), w, fixed, settings)
        r, base = sampled.ranks, sampled.ranks[:, 0]
        best, worst = grade_span(
            sampled.low, sampled.high, settings, vetoed=~np.isnan(fixed.vetoed)
        )
        parts.append(
            pd.DataFrame(
                {
                    "period": period,
                    "department": table.index.astype(object),
                    "baseline_rank": base.astype(int),
                    "min_rank": r.min(axis=1).astype(int),
                    "max_rank": r.max(axis=1).astype(int),
                    "stable_share": (r == base[:, None]).mean(axis=1),
                    "min_score": sampled.low,
                    "max_score": sampled.high,
                    "best_grade": best,
                    "worst_grade": worst,
                }
            )
        )
    columns = list(RANK_RANGE_COLUMNS)
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    out["depends"] = out["min_rank"] != out["max_rank"]
    return out.sort_values(["period", "baseline_rank", "department"], kind="stable")[
        columns
    ].reset_index(drop=True)


# --- the What-if controls -----------------------------------------------------------------


def percentages(weights: Mapping[str, float]) -> dict[str, float]:
    """Perspective weights as shares of 100, as the sliders show them: the four
    perspectives, absent or negative ones 0, all 0 when no weight is above 0."""
    values = {p: max(float(weights.get(p, 0.0)), 0.0) for p in PERSPECTIVES}
    total = sum(values.values())
    return {p: (100.0 * v / total if total > 0 else 0.0) for p, v in values.items()}


def from_controls(
    base: Scenario,
    sliders: Mapping[str, float],
    *,
    name: str,
    department_weights: Mapping[str, float],
    kpi_weights: Mapping[KpiKey, float],
    kpi_targets: Mapping[KpiKey, float],
) -> Scenario:
    """The scenario the controls describe: slider weights (all 0: the baseline's), the
    edited department weights and KPI overrides.

    `base` is the scenario the controls started from (loaded, or a method's). Sliders
    show shares rounded to 0.1, so while they still show `base`'s shares its exact
    weights and method are kept: applying AHP and saving keeps AHP's weights, not their
    rounding; any slider move makes the weights manual.
    """
    weights = dict(sliders) if sum(sliders.values()) > 0 else None
    kept = (
        base.method != MANUAL
        and weights is not None
        and base.perspective_weights is not None
        and all(
            math.isclose(round(v, 1), weights.get(p, 0.0), abs_tol=1e-9)
            for p, v in percentages(base.perspective_weights).items()
        )
    )
    return Scenario(
        name=name,
        perspective_weights=base.perspective_weights if kept else weights,
        department_weights=department_weights,
        kpi_weights=kpi_weights,
        kpi_targets=kpi_targets,
        method=base.method if kept else MANUAL,
    )


def with_ahp(scenario: Scenario, result: AhpResult, *, name: str) -> Scenario:
    """`scenario` with AHP's perspective weights (as percentages), named `name`."""
    weights = {p: 100.0 * w for p, w in zip(result.names, result.weights, strict=True)}
    return replace(scenario, name=name, perspective_weights=weights, method=AHP)


ENTROPY_LEVELS: tuple[str, ...] = ("perspective", "kpi")


def entropy_shares(prepared: Prepared, level: str) -> pd.DataFrame:
    """Entropy weights of the prepared period's perspectives (department scores) or KPIs
    (department actuals), without the items too few departments have: `weights.
    entropy_weights`' columns, indexed by perspective or KPI name."""
    if level == "perspective":
        table, directions = perspective_matrix(prepared.baseline.perspectives), {}
    else:
        table, directions = kpi_matrix(prepared.rows)
    result = entropy_weights(table, directions=directions)
    return result[result["note"] != TOO_FEW]


def with_entropy(
    scenario: Scenario, prepared: Prepared, shares: pd.Series, *, level: str, name: str
) -> Scenario:
    """`scenario` with entropy weights (`entropy_shares(...)["weight"]`), named `name`:
    perspective weights (as percentages), or KPI weights shared out within each
    department x perspective (`redistribute`) on top of the KPI edits made so far."""
    if level == "perspective":
        weights = {p: 100.0 * w for p, w in shares.items()}
        return replace(scenario, name=name, perspective_weights=weights, method=ENTROPY)
    kpi_weights = {**scenario.kpi_weights, **redistribute(prepared.rows, shares.to_dict())}
    return replace(scenario, name=name, kpi_weights=kpi_weights, method=ENTROPY)


def scored_departments(prepared: Prepared) -> list[str]:
    """The departments scored in the prepared period, sorted: what the editors list."""
    return sorted(prepared.baseline.departments["department"].astype(str).unique())


def _period_value(frame: pd.DataFrame, column: str, period: str | None) -> float:
    """`column` of the period's row (the first row when `period` is None), NaN if none."""
    if period is not None:
        frame = frame[frame["period"] == period]
    return float(frame[column].iloc[0]) if len(frame) else float("nan")


class Headline(NamedTuple):
    """The organisation score under baseline and scenario for one period (NaN where it
    has none), and how many departments change rank."""

    baseline: float
    scenario: float
    change: float
    rank_moves: int


def headline(comparison: Comparison, period: str | None) -> Headline:
    org = comparison.organization
    return Headline(
        _period_value(org, "baseline", period),
        _period_value(org, "scenario", period),
        _period_value(org, "change", period),
        int((comparison.departments["rank_change"].fillna(0) != 0).sum()),
    )


def scenario_scores(prepared: Prepared, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Scenarios side by side, one row each in the given order: name, method, each
    perspective's weight share (percent of 100, `percentages`), the organisation score in
    the prepared period and its change from the baseline's."""
    period = prepared.period
    baseline = _period_value(prepared.baseline.organization, "score", period)
    scores = [_period_value(rescore(prepared, s).organization, "score", period) for s in scenarios]
    shares = [percentages(s.settings(prepared.settings).perspective_weights) for s in scenarios]
    frame = pd.DataFrame(
        {
            "name": [s.name for s in scenarios],
            "method": [s.method for s in scenarios],
            **{p: [share[p] for share in shares] for p in PERSPECTIVES},
            "score": np.array(scores, dtype=float),
        }
    )
    frame["change"] = frame["score"] - baseline
    return frame


# An edited target this many times the stored one, or this many times smaller, is more
# likely a slip of unit (0.98 typed for 98 %) than a plan: the page asks before using it.
TARGET_FACTOR = 50.0


def far_targets(
    stored: np.ndarray, edited: np.ndarray, factor: float = TARGET_FACTOR
) -> np.ndarray:
    """Per KPI, whether an edited target is at least `factor` times the stored target or
    at most 1/`factor` of it (magnitudes; a stored or edited target of 0, or a missing
    one, has no ratio and is never far)."""
    old = np.abs(np.asarray(stored, dtype=float))
    new = np.abs(np.asarray(edited, dtype=float))
    comparable = (old > 0) & (new > 0)
    ratio = np.divide(new, old, out=np.ones_like(new), where=comparable)
    return comparable & ((ratio >= factor) | (ratio <= 1.0 / factor))


SIDES: tuple[str, ...] = ("first", "second")  # `compare_scenarios`' column prefixes


def _side(prepared: Prepared, scenario: Scenario, side: str) -> pd.DataFrame:
    """One scenario's departments from `compare`: baseline columns, and its score, rank,
    grade and change from the baseline under `side`'s prefix."""
    found = compare(prepared, prepared.settings, scenario).departments
    return found[["period", "department", "baseline", "baseline_rank", "baseline_grade"]].assign(
        **{
            f"{side}_score": found["scenario"],
            f"{side}_rank": found["scenario_rank"],
            f"{side}_grade": found["scenario_grade"],
            f"{side}_change": found["change"],
        }
    )


def compare_scenarios(prepared: Prepared, first: Scenario, second: Scenario) -> pd.DataFrame:
    """Two scenarios side by side, one row per department of the prepared period, in
    baseline rank order: period, department, baseline, baseline_rank, baseline_grade;
    `first_*` and `second_*` (score, rank, grade, change from the baseline, as `compare`
    gives them); and `difference`, the second's score minus the first's."""
    keys = ["period", "department", "baseline", "baseline_rank", "baseline_grade"]
    out = _side(prepared, first, SIDES[0]).merge(
        _side(prepared, second, SIDES[1]), on=keys, how="outer", sort=False
    )
    out["difference"] = out["second_score"] - out["first_score"]
    return out.sort_values(
        ["baseline_rank", "department"], na_position="last", kind="stable"
    ).reset_index(drop=True)
