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
    partners = pd.Series(base["shared_with"].to_numpy(dtype=object)).explode().astype(object)
    partners = partners[partners.notna() & (partners != "")]
    rows = partners.index.to_numpy(dtype=np.intp)
    base["is_shared"] = np.bincount(rows, minlength=len(base)) > 0
    if partners.empty:
        return base
    keys = _keys(base["department"], partners)
    spelling = _spellings(base["department"], keys)
    exact = set(base["department"].astype(object))
    partner_keys = partners.map(keys)
    written = partners.to_numpy(dtype=object)
    spelled = partner_keys.map(spelling).to_numpy(dtype=object)
    resolved = np.where(partners.isin(exact) | pd.isna(spelled), written, spelled)
    owner_keys = base["department"].astype(object).map(keys).to_numpy(dtype=object)[rows]
    pairs = pd.DataFrame({"row": rows, "department": resolved})
    pairs = pairs[partner_keys.to_numpy(dtype=object) != owner_keys].drop_duplicates()
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
    frame: pd.DataFrame, keys: Sequence[str], weight: np.ndarray, score: str, coverage: str
) -> pd.DataFrame:
    """Weighted mean of `score` over children with a score, and of `coverage` over children
    with a coverage; weights renormalised over those present, NaN where none weigh anything.
    """
    w = np.nan_to_num(np.asarray(weight, dtype=float), nan=0.0)
    s = frame[score].to_numpy(dtype=float, na_value=np.nan)
    c = frame[coverage].to_numpy(dtype=float, na_value=np.nan)
    has_s, has_c = ~np.isnan(s), ~np.isnan(c)
    parts = pd.DataFrame(
        {
            "ws": np.where(has_s, w * s, 0.0),
            "w_s": np.where(has_s, w, 0.0),
            "wc": np.where(has_c, w * c, 0.0),
            "w_c": np.where(has_c, w, 0.0),
        }
    )
    for key in keys:
        parts[key] = frame[key].to_numpy(dtype=object)
    sums = parts.groupby(list(keys), sort=False, dropna=False).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "score": np.where(sums["w_s"] > 0, sums["ws"] / sums["w_s"], np.nan),
                "coverage": np.where(sums["w_c"] > 0, sums["wc"] / sums["w_c"], np.nan),
            },
            index=sums.index,
        )
    return out.reset_index()


def _sorted(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Deterministic order: keys ascending, perspectives in the scorecard's own order."""
    order = {p: i for i, p in enumerate(PERSPECTIVES)}

    def sort_key(col: pd.Series) -> pd.Series:
        if col.name == "perspective":
            return col.astype(object).map(order).fillna(len(order))
        return col.astype(object).fillna("").astype(str)

    out = frame.sort_values(list(keys), key=sort_key, kind="stable", ignore_index=True)
    for key in keys:
        out[key] = out[key].astype("str")
    return out[[*keys, *_OUT]]


def _mapped_weights(values: pd.Series, weights: Mapping[str, float], default: float) -> np.ndarray:
    """Per-child weight from a settings mapping (children it does not name weigh `default`)."""
    mapped = values.astype(object).map(dict(weights))
    return pd.to_numeric(mapped, errors="coerce").fillna(default).to_numpy(dtype=float)


def _kpi_level(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """KPI scores weighted by KPI weight; a KPI's coverage is 1 when scored, 0 when missing."""
    kpis = frame[list(keys)].copy()
    kpis["score"] = frame["score"].to_numpy(dtype=float, na_value=np.nan)
    kpis["coverage"] = np.where(np.isnan(kpis["score"].to_numpy()), 0.0, 1.0)
    weight = pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float, na_value=0.0)
    return _weighted(kpis, keys, weight, "score", "coverage")


def rollup(expanded: pd.DataFrame, *, settings: Settings = DEFAULTS) -> Rollup:
    """All roll-ups of `expand_shared(score(kpis))` under `settings`' weights."""
    persp = _kpi_level(expanded, _PERSPECTIVE_KEYS)
    pw = _mapped_weights(persp["perspective"], settings.perspective_weights, 0.0)
    depts = _weighted(persp, _DEPARTMENT_KEYS, pw, "score", "coverage")
    dw = _mapped_weights(depts["department"], settings.department_weights, 1.0)
    org = _weighted(depts, _ORGANIZATION_KEYS, dw, "score", "coverage")
    if "is_shared" in expanded.columns:
        shared = expanded[expanded["is_shared"].to_numpy(dtype=bool)]
    else:
        shared = expanded.iloc[:0]
    collab = _kpi_level(shared, _DEPARTMENT_KEYS)
    return Rollup(
        perspectives=_sorted(persp, _PERSPECTIVE_KEYS),
        departments=_sorted(depts, _DEPARTMENT_KEYS),
        organization=_sorted(org, _ORGANIZATION_KEYS),
        collaboration=_sorted(collab, _DEPARTMENT_KEYS),
    )
