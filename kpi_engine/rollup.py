"""Roll-ups (SPEC §3): KPI scores to department x perspective, department and organisation.

Every level is a weighted mean over the children that have a score, weights renormalised
over those present, computed as groupby sums of w*s and w (no per-group Python), with a
coverage beside it: the weighted share of the children that could be scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi_engine.aliases import department_key
from kpi_engine.schema import PERSPECTIVES
from kpi_engine.settings import DEFAULTS, Settings

_PERSPECTIVE_KEYS = ["department", "period", "perspective"]
_DEPARTMENT_KEYS = ["department", "period"]
_ORGANIZATION_KEYS = ["period"]
_OUT = ["score", "coverage"]


def _keys(*names: pd.Series) -> dict[object, str]:
    """`department_key` of every distinct name: a loop over a handful of names, not rows."""
    distinct = pd.unique(pd.concat([n.astype(object) for n in names], ignore_index=True))
    return {name: department_key(name) for name in distinct}


def _spellings(departments: pd.Series, keys: Mapping[object, str]) -> dict[str, object]:
    """Department key -> the frame's spelling of it (the first one written, if several)."""
    spelling: dict[str, object] = {}
    for name in pd.unique(departments.astype(object)):
        spelling.setdefault(keys[name], name)
    return spelling


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
    partners = pd.Series(cells[candidates], index=candidates).explode().astype(object)
    partners = partners[partners.notna() & (partners != "")]
    rows = partners.index.to_numpy(dtype=np.intp)
    is_shared = np.zeros(len(base), dtype=bool)
    is_shared[rows] = True
    base["is_shared"] = is_shared
    if partners.empty:
        return base
    owners = base["department"].iloc[rows].astype(object)
    departments = pd.Series(base["department"].unique()).astype(object)
    keys = _keys(departments, partners, owners)
    spelling = _spellings(departments, keys)
    partner_keys = partners.map(keys).to_numpy(dtype=object)
    written = partners.to_numpy(dtype=object)
    spelled = pd.Series(partner_keys).map(spelling).to_numpy(dtype=object)
    exact = partners.isin(set(departments)).to_numpy()
    resolved = np.where(exact | pd.isna(spelled), written, spelled)
    owner_keys = owners.map(keys).to_numpy(dtype=object)
    pairs = pd.DataFrame({"row": rows, "department": resolved})
    pairs = pairs[partner_keys != owner_keys].drop_duplicates()
    copies = base.iloc[pairs["row"].to_numpy()].copy()
    copies["department"] = pairs["department"].to_numpy()
    return pd.concat([base, copies], ignore_index=True)


@dataclass(frozen=True, eq=False)
class Rollup:
    """The four roll-up tables, each with a `score` and a `coverage` column."""

    perspectives: pd.DataFrame  # department, period, perspective, score, coverage
    departments: pd.DataFrame  # department, period, score, coverage
    organization: pd.DataFrame  # period, score, coverage
    collaboration: pd.DataFrame  # department, period, score, coverage


def _weighted(
    keys: pd.DataFrame, weight: np.ndarray, score: np.ndarray, coverage: np.ndarray | None
) -> pd.DataFrame:
    """Per group of `keys`: the mean of `score` weighted over children with a score, and of
    `coverage` over children with a coverage (None: each child's coverage is 1 if scored,
    else 0); NaN where the children present weigh nothing. One groupby of sums.
    """
    w = np.nan_to_num(np.asarray(weight, dtype=float), nan=0.0)
    has_s = ~np.isnan(score)
    parts = {"ws": np.where(has_s, w * score, 0.0), "w_s": np.where(has_s, w, 0.0)}
    if coverage is None:
        parts["w_c"] = w
    else:
        has_c = ~np.isnan(coverage)
        parts["wc"] = np.where(has_c, w * coverage, 0.0)
        parts["w_c"] = np.where(has_c, w, 0.0)
    by = [keys[column] for column in keys.columns]
    sums = pd.DataFrame(parts, index=keys.index).groupby(by, sort=False, observed=True).sum()
    ws, w_s, w_c = sums["ws"].to_numpy(), sums["w_s"].to_numpy(), sums["w_c"].to_numpy()
    wc = w_s if coverage is None else sums["wc"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "score": np.where(w_s > 0, ws / w_s, np.nan),
                "coverage": np.where(w_c > 0, wc / w_c, np.nan),
            },
            index=sums.index,
        )
    return out.reset_index()


_PERSPECTIVE_RANK = {p: i for i, p in enumerate(PERSPECTIVES)}


def _sorted(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Deterministic order: keys ascending, perspectives in the scorecard's own order."""
    codes = []
    for key in keys:
        values = frame[key]
        if key == "perspective":
            rank = values.map(_PERSPECTIVE_RANK).to_numpy(dtype=float, na_value=np.nan)
            codes.append(np.where(np.isnan(rank), len(PERSPECTIVES), rank))
        else:
            codes.append(pd.factorize(values, sort=True)[0])
    order = np.lexsort(codes[::-1]) if codes else np.arange(len(frame))
    out = frame.take(order)[[*keys, *_OUT]].reset_index(drop=True)
    for key in keys:
        if out[key].dtype != "str":
            out[key] = out[key].astype("str")
    return out


def _mapped_weights(values: pd.Series, weights: Mapping[str, float], default: float) -> np.ndarray:
    """Per-child weight from a settings mapping (children it does not name weigh `default`)."""
    mapped = values.astype(object).map(dict(weights))
    return pd.to_numeric(mapped, errors="coerce").fillna(default).to_numpy(dtype=float)


def _kpi_level(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """KPI scores weighted by KPI weight; a KPI's coverage is 1 when scored, 0 when missing."""
    weight = frame["weight"]
    if weight.dtype != np.float64:
        weight = pd.to_numeric(weight, errors="coerce")
    s = frame["score"].to_numpy(dtype=float, na_value=np.nan)
    return _weighted(frame[list(keys)], weight.to_numpy(dtype=float, na_value=0.0), s, None)


def _level(children: pd.DataFrame, keys: Sequence[str], weight: np.ndarray) -> pd.DataFrame:
    """Children's scores and coverages rolled up one level with the given child weights."""
    s = children["score"].to_numpy(dtype=float)
    c = children["coverage"].to_numpy(dtype=float)
    return _weighted(children[list(keys)], weight, s, c)


def rollup(expanded: pd.DataFrame, *, settings: Settings = DEFAULTS) -> Rollup:
    """All roll-ups of `expand_shared(score(kpis))` under `settings`' weights."""
    persp = _kpi_level(expanded, _PERSPECTIVE_KEYS)
    pw = _mapped_weights(persp["perspective"], settings.perspective_weights, 0.0)
    depts = _level(persp, _DEPARTMENT_KEYS, pw)
    dw = _mapped_weights(depts["department"], settings.department_weights, 1.0)
    org = _level(depts, _ORGANIZATION_KEYS, dw)
    columns = [*_DEPARTMENT_KEYS, "weight", "score"]
    if "is_shared" in expanded.columns:
        shared = expanded[columns][expanded["is_shared"].to_numpy(dtype=bool)]
    else:
        shared = expanded[columns].iloc[:0]
    collab = _kpi_level(shared, _DEPARTMENT_KEYS)
    return Rollup(
        perspectives=_sorted(persp, _PERSPECTIVE_KEYS),
        departments=_sorted(depts, _DEPARTMENT_KEYS),
        organization=_sorted(org, _ORGANIZATION_KEYS),
        collaboration=_sorted(collab, _DEPARTMENT_KEYS),
    )
