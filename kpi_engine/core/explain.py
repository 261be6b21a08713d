"""Why a score moved between two periods (issue 17, Deliver 6): the change of the
organisation's or a department's score cut into parts that add up to it exactly.

A department's weighted score is S = Σ a_i s_i over its scored KPIs, where a_i is KPI i's
effective share (its weight over its perspective's scored weight, times the perspective's
share of the perspective weights, or its weight over the department's scored weight when
scored department-wide, SPEC §3, §5.3: what `rollup.upper` renormalises). With the shares
summing to 1 in both periods,

    ΔS = Σ_common a1 (s1 − s0)          kind "kpi"
       + Σ_common (a1 − a0)(s0 − S0)    kind "weights"
       + Σ_new a1 (s1 − S0)             kind "coverage_new"
       − Σ_gone a0 (s0 − S0)            kind "coverage_missing"

exactly (the S0 terms cancel because both share sums are 1). The adjustments on the
weighted score (`adjust.final_scores`) follow as the difference each makes in each period:
bonus, penalty, the clip to [0, cap] ("cap") and the veto ("veto": the veto score minus
what the score would have been). The organisation is the same sum over departments, with
department weights as shares: a department in both periods brings its own parts times its
current share. Given `previous_settings`, the previous period is also scored under them,
and a "settings" part is what the change of settings alone moved.

Read from a `Scorecard` (the frames every page shows); the scores themselves come from
the roll-up, so only shares are worked out here, never a score.
"""

from __future__ import annotations

from dataclasses import fields, replace
from functools import cached_property

import numpy as np
import pandas as pd

from kpi_engine.core import org, periods
from kpi_engine.core.adjust import is_veto
from kpi_engine.core.names import department_keys, kpi_text_keys
from kpi_engine.core.rollup import perspective_weights
from kpi_engine.core.schema import SECTIONS, owner_mask
from kpi_engine.core.scorecard import Scorecard, from_scored
from kpi_engine.core.scoring import score
from kpi_engine.core.settings import DEFAULTS, DEPARTMENT, Settings

COLUMNS: tuple[str, ...] = ("part", "department", "kpi", "kind", "points")
# Every kind of part, in the order a table lists them within a department.
KINDS: tuple[str, ...] = (
    "settings",
    "kpi",
    "coverage_new",
    "coverage_missing",
    "weights",
    "bonus",
    "penalty",
    "cap",
    "veto",
)
ADJUSTMENT_KINDS: tuple[str, ...] = ("bonus", "penalty", "cap", "veto")
# A part this small is floating-point rounding, not a change anyone made: left out (the
# parts still add up to the change far within 1e-9).
NOISE = 1e-12


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c == "points" else object) for c in COLUMNS})


def _at(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    return frame[(frame["period"] == period).to_numpy(bool)]


def _of_periods(card: Scorecard, labels: tuple[str, str]) -> Scorecard:
    """`card` with the rows of the two periods compared only: the parts look at each
    period's rows several times, and at 500 units a look at the whole history is a scan of
    1.8 M KPI rows."""
    frames = {
        f.name: frame[frame["period"].isin(labels).to_numpy(bool)]
        for f in fields(card)
        if isinstance(frame := getattr(card, f.name), pd.DataFrame) and "period" in frame.columns
    }
    return replace(card, **frames, tree=card.tree)  # the one field not a frame, as it is


def _weighed_rows(kpis: pd.DataFrame) -> np.ndarray:
    """KPI rows the roll-up weighs (`rollup.cube`): a department, a period and a
    perspective, not a section (veto gate, bonus or penalty item)."""
    keep = kpis[["department", "period", "perspective"]].notna().all(axis=1).to_numpy(bool)
    if "section" in kpis.columns:
        keep = keep & ~kpis["section"].isin(SECTIONS).to_numpy(bool)
    return keep


def _departments(card: Scorecard, period: str, only: str | None) -> pd.DataFrame:
    """The department rows of `period` (one department's when `only` is given)."""
    rows = _at(card.departments, period)
    if only is not None:
        rows = rows[(rows["department"] == only).to_numpy(bool)]
    return rows


def _scored(card: Scorecard, period: str, only: str | None) -> pd.DataFrame:
    """Each department's scored KPI rows in `period` that the roll-up weighs: department,
    key, kpi (its name), perspective, weight (as `rollup` reads it: missing 0), score.
    Keys tell KPIs apart within a department (`names.kpi_text_keys` and the owner, for a
    partner's copy of a shared KPI)."""
    rows = _at(card.kpis, period)
    keep = _weighed_rows(rows) & rows["score"].notna().to_numpy(bool)
    if only is not None:
        keep &= (rows["department"] == only).to_numpy(bool)
    rows = rows[keep]
    raw = pd.to_numeric(rows["weight"], errors="coerce").to_numpy(float)
    owner = rows["owner_department"] if "owner_department" in rows.columns else rows["department"]
    keys = kpi_text_keys(rows).to_numpy(object) + "@" + department_keys(owner).to_numpy(object)
    names = rows["kpi_name"].astype(object).where(rows["kpi_name"].notna(), rows["kpi_id"])
    return pd.DataFrame(
        {
            "department": rows["department"].astype(object).to_numpy(),
            "key": keys,
            "kpi": names.to_numpy(object),
            "perspective": rows["perspective"].astype(object).to_numpy(),
            "weight": np.nan_to_num(raw, nan=0.0, posinf=0.0),
            "score": rows["score"].to_numpy(float),
        }
    )


def _shares(rows: pd.DataFrame, wide: set[str], settings: Settings) -> pd.DataFrame:
    """One row per department and KPI of `_scored` rows: department, key, kpi, share (a_i,
    summing to 1 within a department, or all 0 where nothing weighs) and score.

    Within a perspective a KPI weighs its weight over the perspective's scored weight; a
    perspective with scored weight counts at its settings weight, or for a department
    scored department-wide (`wide`) at that scored weight, over the department's
    perspectives that count: the renormalisation of `rollup.upper`. A KPI listed twice
    weighs both rows; its score is their share-weighted mean.
    """
    weight, scores = rows["weight"].to_numpy(float), rows["score"].to_numpy(float)
    dept, dept_labels = pd.factorize(rows["department"])
    persp, persp_labels = pd.factorize(rows["perspective"])
    shape = (len(dept_labels), len(persp_labels))
    cell = dept * shape[1] + persp
    within = np.bincount(cell, weights=weight, minlength=shape[0] * shape[1]).reshape(shape)
    by_department = np.array([d in wide for d in dept_labels], dtype=bool)
    outer = np.where(
        by_department[:, None], within, perspective_weights(list(persp_labels), settings)
    )
    outer = np.where(within > 0, outer, 0.0)
    total = outer.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell_share = np.where((within > 0) & (total > 0), outer / total / within, 0.0)
    share = cell_share.reshape(-1)[cell] * weight if len(rows) else np.zeros(0)
    codes = pd.factorize(rows["department"].astype(str) + "\x1f" + rows["key"])[0]
    first = np.unique(codes, return_index=True)[1]  # codes count up in order of appearance
    n = len(first)
    summed = np.bincount(codes, weights=share, minlength=n)
    weighed = np.bincount(codes, weights=share * scores, minlength=n)
    count = np.bincount(codes, minlength=n)
    plain = np.bincount(codes, weights=scores, minlength=n) / np.maximum(count, 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # one row: its score as it is
        score = np.where((summed != 0) & (count > 1), weighed / summed, plain)
    heads = rows.iloc[first]
    return pd.DataFrame(
        {
            "department": heads["department"].to_numpy(object),
            "key": heads["key"].to_numpy(object),
            "kpi": heads["kpi"].to_numpy(object),
            "share": summed,
            "score": score,
        }
    )


def _adjustments(
    card: Scorecard, period: str, only: str | None, settings: Settings
) -> pd.DataFrame:
    """Each department's final score in `period` as its weighted score (`base`; 0 for a
    vetoed department without one) plus what each adjustment made of it
    (`adjust.final_scores`): the counted bonus, minus the penalty, the clip to [0, cap],
    and the veto (the veto score minus the clipped score). Also `has_base`, `final` and
    `veto_kpi` (the failing veto KPI's name)."""
    rows = _departments(card, period, only)
    before = rows["score_before"].to_numpy(float)
    has_base = ~np.isnan(before)
    base = np.where(has_base, before, 0.0)
    bonus, penalty = rows["bonus"].to_numpy(float), rows["penalty"].to_numpy(float)
    unclipped = base + bonus - penalty
    clipped = np.clip(unclipped, 0.0, float(settings.cap))
    vetoed = np.fromiter(map(is_veto, rows["veto"]), dtype=bool, count=len(rows))
    final = rows["score"].to_numpy(float)
    veto_kpi = [
        (v.get("kpi_name") or v.get("kpi_id")) if is_veto(v) else None for v in rows["veto"]
    ]
    return pd.DataFrame(
        {
            "department": rows["department"].astype(object).to_numpy(),
            "base": base,
            "has_base": has_base,
            "final": final,
            "bonus": bonus,
            "penalty": -penalty,
            "cap": clipped - unclipped,
            "veto": np.where(vetoed, final - clipped, 0.0),
            "veto_kpi": pd.array(veto_kpi, dtype=object),
        }
    )


def _mix(now: pd.DataFrame, before: pd.DataFrame, on: list[str], group: str) -> pd.DataFrame:
    """The four kinds of parts of Σ a1 s1 − Σ a0 s0 within each `group`, over items
    matched `on`. Frames carry `share` (a, summing to 1 within a group, or to 0 where the
    group has no score), `score`, `name`, and `common_share` (a', the shares the roll-up
    gives the items found in both periods when the others are left out; NaN elsewhere).

    With S0' = Σ a0' s0 and S1' = Σ a1' s1 over the common items, the change is taken in
    three steps, each exact: leaving out what went missing (S0 → S0': each missing item
    −a0 (s0 − S0), plus its share of how the roll-up spread its weight over the rest),
    the common items (S0' → S1': "kpi" a1' (s1 − s0) and "weights" (a1' − a0')(s0 − S0'),
    0 unless weights or settings changed), and adding what is new (S1' → S1, alike). So a
    missing KPI shows as coverage, not as the other KPIs' weights. Where a step has no
    score (nothing in common, or a group without a score in a period), the one-step
    formula with S0 as reference (0 when a period has no score) is used.
    """
    both = now.merge(before, on=on, how="outer", suffixes=("1", "0"), indicator="side")
    common = (both["side"] == "both").to_numpy(bool)
    new = (both["side"] == "left_only").to_numpy(bool)
    gone = ~common & ~new
    a1, a0 = both["share1"].fillna(0.0).to_numpy(float), both["share0"].fillna(0.0).to_numpy(float)
    s1, s0 = both["score1"].to_numpy(float), both["score0"].to_numpy(float)
    c1 = np.where(common, both["common_share1"].to_numpy(float), 0.0)
    c0 = np.where(common, both["common_share0"].to_numpy(float), 0.0)
    groups = both[group].to_numpy(object)

    def total(values: np.ndarray) -> np.ndarray:
        """Each row's group sum of `values` (NaN counted as 0)."""
        return (
            pd.Series(np.nan_to_num(values), dtype=float)
            .groupby(groups)
            .transform("sum")
            .to_numpy()
        )

    with np.errstate(invalid="ignore", divide="ignore"):
        whole = (total(a0) > 0.5) & (total(a1) > 0.5)  # both periods scored
        stepped = whole & (total(c0) > 0.5) & (total(c1) > 0.5)
        start = total(a0 * s0)  # S0
        reference = np.where(whole, start, 0.0)
        start_c, end_c = total(c0 * s0), total(c1 * s1)  # S0', S1'
        spread_gone = total(np.where(common, (c0 - a0) * (s0 - start), 0.0))
        spread_new = total(np.where(common, (a1 - c1) * (s1 - end_c), 0.0))
        gone_weight, new_weight = total(np.where(gone, a0, 0.0)), total(np.where(new, a1, 0.0))
        gone_part = np.where(gone_weight > 0, a0 / gone_weight, 1.0 / total(gone.astype(float)))
        new_part = np.where(new_weight > 0, a1 / new_weight, 1.0 / total(new.astype(float)))
        scale = np.where(stepped, c1, a1)  # a common item's current share in its "kpi" part
        parts = [
            (common, "kpi", scale * (s1 - s0)),
            (
                common,
                "weights",
                np.where(stepped, (c1 - c0) * (s0 - start_c), (a1 - a0) * (s0 - reference)),
            ),
            (
                new,
                "coverage_new",
                np.where(stepped, a1 * (s1 - end_c) + new_part * spread_new, a1 * (s1 - reference)),
            ),
            (
                gone,
                "coverage_missing",
                np.where(
                    stepped, -a0 * (s0 - start) + gone_part * spread_gone, -a0 * (s0 - reference)
                ),
            ),
        ]
    names = both["name1"].where(both["name1"].notna(), both["name0"]).to_numpy(object)
    keys = both[on]
    return pd.concat(
        [
            keys[mask].assign(name=names[mask], kind=kind, points=points[mask], scale=scale[mask])
            for mask, kind, points in parts
        ],
        ignore_index=True,
    )


def _department_parts(
    card: Scorecard, period: str, previous: str, only: str | None, settings: Settings
) -> pd.DataFrame:
    """Every department's parts of its final score change (department, part, kpi, kind,
    points): its KPIs' (`_mix`) and its adjustments' (`_adjustments` in both periods)."""
    adj = _adjustments(card, period, only, settings).merge(
        _adjustments(card, previous, only, settings),
        on="department",
        how="outer",
        suffixes=("1", "0"),
        indicator="side",
    )
    both = adj[adj["side"] == "both"]
    frames = []
    for at in (period, previous):
        rows = _scored(card, at, only)
        table = _departments(card, at, only)
        wide = set(table.loc[(table["weighting"] == DEPARTMENT).to_numpy(bool), "department"])
        frames.append((rows[rows["department"].isin(both["department"])], wide))
    full = [_shares(rows, wide, settings) for rows, wide in frames]
    pairs = full[0][["department", "key"]].merge(full[1][["department", "key"]])
    now, before = (
        shares.merge(
            _shares(rows.merge(pairs), wide, settings)[["department", "key", "share"]],
            on=["department", "key"],
            how="left",
            suffixes=("", "_c"),
        ).rename(columns={"kpi": "name", "share_c": "common_share"})
        for shares, (rows, wide) in zip(full, frames, strict=True)
    )
    kpis = _mix(now, before, ["department", "key"], "department")
    kpis = kpis.assign(kpi=kpis["name"], part=kpis["name"])
    adjustments = [
        pd.DataFrame(
            {
                "department": both["department"].to_numpy(object),
                "kpi": None,
                "part": both["veto_kpi1"]
                .where(both["veto_kpi1"].notna(), both["veto_kpi0"])
                .where(lambda v: v.notna(), kind)
                .to_numpy(object)
                if kind == "veto"
                else kind,
                "kind": kind,
                "points": (both[f"{kind}1"] - both[f"{kind}0"]).to_numpy(float),
            }
        )
        for kind in ADJUSTMENT_KINDS
    ]
    parts = pd.concat([kpis.loc[:, list(COLUMNS)], *adjustments], ignore_index=True)
    return parts


def _organisation_parts(
    card: Scorecard, parts: pd.DataFrame, period: str, previous: str, settings: Settings
) -> pd.DataFrame:
    """The organisation's parts: each department's share of the department weights times
    its own parts, and the departments' weights and coverage (department-level parts
    named by the department). With a tree a share is the product of the weights down the
    department's path (`org.shares`), so the parts still add up to the change. `parts`:
    every department's (`_department_parts`)."""
    shares = []
    weights = settings.department_weights
    for at in (period, previous):
        counted = _counted(card, at)
        shares.append(counted.assign(share=org.shares(card.tree, counted["department"], weights)))
    now, before = shares
    in_both = set(now["department"]) & set(before["department"])
    for frame in (now, before):  # a department's weight over those of both periods
        mask = frame["department"].isin(in_both).to_numpy(bool)
        among = np.full(len(frame), np.nan)
        among[mask] = org.shares(card.tree, frame["department"][mask], weights)
        frame["common_share"] = among
        frame["name"] = frame["department"]
        frame["group"] = ""
    level = _mix(now, before, ["group", "department"], "group")
    # a department in both periods: its own parts times its share in its "kpi" line
    common = level[level["kind"] == "kpi"]
    scaled = parts.merge(common[["department", "scale"]], on="department")
    scaled = scaled.assign(points=scaled["points"] * scaled["scale"])
    level = level[level["kind"] != "kpi"]
    level = level.assign(part=level["name"], kpi=None)
    return pd.concat([scaled.loc[:, list(COLUMNS)], level.loc[:, list(COLUMNS)]], ignore_index=True)


def _counted(card: Scorecard, period: str) -> pd.DataFrame:
    """Departments counted in the organisation in `period` (`rollup.upper`: KPIs of their
    own in a perspective, and a final score): department, score."""
    rows = _at(card.departments, period)
    kpis = _at(card.kpis, period)
    owned = kpis.loc[_weighed_rows(kpis) & owner_mask(kpis), "department"].unique()
    keep = rows["department"].isin(owned).to_numpy(bool) & rows["score"].notna().to_numpy(bool)
    rows = rows[keep]
    return pd.DataFrame(
        {
            "department": rows["department"].astype(object).to_numpy(),
            "score": rows["score"].to_numpy(float),
        }
    )


def rescored(card: Scorecard, period: str, settings: Settings) -> Scorecard:
    """`card`'s rows of `period` scored and rolled up again under other settings (the
    owner rows: shared copies are made again), by the one path (`scorecard.from_scored`)."""
    rows = _at(card.kpis, period)
    rows = rows[owner_mask(rows)].drop(columns=["owner_department", "is_shared"], errors="ignore")
    scored = score(rows, settings=settings)
    return from_scored(scored, settings=settings, org=org.edges(card.tree))[0]


def score_of(card: Scorecard, period: str, department: str | None = None) -> float:
    """The organisation's (None) or a department's final score in `period`, NaN if none."""
    if department is None:
        rows = _at(card.organization, period)
    else:
        rows = _at(card.departments, period)
        rows = rows[(rows["department"] == department).to_numpy(bool)]
    return float(rows["score"].iloc[0]) if len(rows) else np.nan


def explain(
    history: Scorecard,
    period: str,
    previous: str | None = None,
    department: str | None = None,
    *,
    settings: Settings = DEFAULTS,
    previous_settings: Settings | None = None,
) -> pd.DataFrame:
    """The parts of the score change from `previous` (default: the period before in the
    same grain) to `period`, for the organisation (`department` None) or one department
    as `history` names it: columns part, department, kpi, kind (`KINDS`), points
    (unrounded; they sum to the change exactly). Parts of 0 (`NOISE`) are left out; no rows
    when either period has no score to compare.

    `history` is scored under `settings` (the pages' `insights.history`); with
    `previous_settings` the previous score is the one they gave, and a "settings" part
    holds what the change of settings moved.
    """
    if department is not None:
        return explain_departments(
            history,
            period,
            previous,
            only=department,
            settings=settings,
            previous_settings=previous_settings,
        ).get(department, _empty())
    return _Pass(history, period, previous, None, settings, previous_settings).organisation()


def explain_departments(
    history: Scorecard,
    period: str,
    previous: str | None = None,
    *,
    only: str | None = None,
    settings: Settings = DEFAULTS,
    previous_settings: Settings | None = None,
) -> dict[str, pd.DataFrame]:
    """`explain` of every department with a score in both periods (or of `only`), in one
    pass: the Scorecard shows each department's, and one pass over all of them costs
    about what one department's did. A department left out has no parts to show."""
    return _Pass(history, period, previous, only, settings, previous_settings).departments()


def explain_every(
    history: Scorecard,
    period: str,
    previous: str | None = None,
    *,
    settings: Settings = DEFAULTS,
    previous_settings: Settings | None = None,
) -> dict[str | None, pd.DataFrame]:
    """`explain_departments` and, under None, the organisation's `explain`, from one pass
    over the departments' parts, which the organisation's are made of: the Overview and
    the Scorecard show both after every upload."""
    one = _Pass(history, period, previous, None, settings, previous_settings)
    every: dict[str | None, pd.DataFrame] = {None: one.organisation()}
    every.update(one.departments())
    return every


class _Pass:
    """What `explain` and `explain_departments` work out alike, each once and only when
    asked: the two periods' rows, the departments' parts and, with other previous
    settings, the previous period scored under them."""

    def __init__(
        self,
        history: Scorecard,
        period: str,
        previous: str | None,
        only: str | None,
        settings: Settings,
        previous_settings: Settings | None,
    ) -> None:
        self.card, self.period = history, period
        self.previous = previous or periods.previous_period(period)
        self.only, self.settings, self.previous_settings = only, settings, previous_settings

    @cached_property
    def history(self) -> Scorecard:
        """The card's rows of the two periods (`_of_periods`)."""
        return _of_periods(self.card, (self.period, self.previous))

    @cached_property
    def parts(self) -> pd.DataFrame:
        args = (self.history, self.period, self.previous, self.only, self.settings)
        return _department_parts(*args)

    @cached_property
    def then(self) -> Scorecard | None:
        """The previous period scored under the previous settings, when they differ."""
        if self.previous_settings is None or self.previous_settings == self.settings:
            return None
        return rescored(self.history, self.previous, self.previous_settings)

    def organisation(self) -> pd.DataFrame:
        """The organisation's parts (`explain`)."""
        period, previous = self.period, self.previous
        now, before = score_of(self.card, period), score_of(self.card, previous)
        if np.isnan(now) or np.isnan(before):  # nothing to compare: no rows looked at
            return _empty()
        parts = _organisation_parts(self.history, self.parts, period, previous, self.settings)
        if self.then is not None:
            as_was = score_of(self.then, previous)
            if np.isnan(as_was):  # no score as it was then: nothing to start the waterfall from
                return _empty()
            parts = pd.concat([_settings_part(None, before - as_was), parts], ignore_index=True)
        return _kept(parts)

    def departments(self) -> dict[str, pd.DataFrame]:
        """Each department's parts (`explain_departments`)."""
        now, before = (_at(self.history.departments, at) for at in (self.period, self.previous))
        if self.only is not None:
            now, before = (
                rows[(rows["department"] == self.only).to_numpy(bool)] for rows in (now, before)
            )
        scored = [
            dict(zip(rows["department"], rows["score"].to_numpy(float), strict=True))
            for rows in (now, before)
        ]
        shown = [
            d
            for d, score in scored[0].items()
            if not np.isnan(score) and not np.isnan(scored[1].get(d, np.nan))
        ]
        if not shown:
            return {}
        parts = self.parts
        moved: dict[str, float] = {}
        if self.then is not None:
            then = _at(self.then.departments, self.previous)
            as_was = dict(zip(then["department"], then["score"].to_numpy(float), strict=True))
            # no score as it was then: nothing to start the waterfall from
            shown = [d for d in shown if not np.isnan(as_was.get(d, np.nan))]
            moved = {d: scored[1][d] - as_was[d] for d in shown}
        groups = dict(tuple(parts.groupby("department", sort=False)))
        found = {}
        for name in shown:
            mine = groups.get(name, parts.iloc[:0])
            if name in moved:
                mine = pd.concat([_settings_part(name, moved[name]), mine], ignore_index=True)
            found[name] = _kept(mine)
        return found


def _settings_part(department: str | None, points: float) -> pd.DataFrame:
    """The "settings" part: what the change of settings alone moved."""
    return pd.DataFrame(
        {
            "part": ["settings"],
            "department": [department],
            "kpi": [None],
            "kind": ["settings"],
            "points": [points],
        }
    )


def _kept(parts: pd.DataFrame) -> pd.DataFrame:
    """The parts that are not rounding (`NOISE`), in `COLUMNS`, texts as objects (however
    the pieces stacked: a frame of one department's parts reads as that of all)."""
    parts = parts[parts["points"].abs() > NOISE]
    texts = {c: object for c in COLUMNS if c != "points"}
    return parts.loc[:, list(COLUMNS)].astype(texts).reset_index(drop=True)


def change(parts: pd.DataFrame) -> float:
    """The score change the parts explain: their sum."""
    return float(parts["points"].sum())


def settings_then(log: pd.DataFrame, period: str, time_zone: str) -> Settings | None:
    """The settings in force at the end of `period` on the organisation's clock: the
    newest of `log` (`store.settings_history`: settings, changed_at) changed before the
    first day after it; None when none had been stored by then (SPEC's defaults held)."""
    last = periods.months_of(period)[-1]
    end = pd.Timestamp(f"{periods.next_period(last)}-01").tz_localize(time_zone)
    if log.empty:
        return None
    at = pd.to_datetime(log["changed_at"], utc=True)
    earlier = log[(at < end).to_numpy(bool)]
    if earlier.empty:
        return None
    return earlier.iloc[int(np.argmax(at[(at < end).to_numpy(bool)].to_numpy()))]["settings"]
