"""What the Overview, Scorecard and Trends pages show besides one scorecard: period lists,
comparisons with the previous period and a year ago, early warnings, sparklines, trends
and a naive projection.

Pages do not compute: they pick labels with `period_labels`, build one `history` (every
label scored and rolled up at once) and read from it with the other functions here, so a
number on screen is a number the engine computed and the tests checked.

Period arithmetic (steps, a year ago, time order) lives in `periods`; which rows are one
KPI, in `names.kpi_keys`; owner rows, in `schema.owner_mask`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi_engine.core import adjust, periods
from kpi_engine.core.names import IDENTITY_COLUMNS, department_key, department_keys, kpi_keys
from kpi_engine.core.org import chain
from kpi_engine.core.periods import (
    GRAINS,
    in_order,
    label_info,
    next_period,
    ordinal,
    previous_period,
    up_to,
    up_to_info,
    year_ago,
)
from kpi_engine.core.rollup import kpi_coverage, rollup
from kpi_engine.core.schema import PERSPECTIVES, STATUSES, owner_mask
from kpi_engine.core.scorecard import Scorecard, build
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, Settings

WARNING_KINDS: tuple[str, ...] = ("red_streak", "low_coverage", "no_upload")
WARNING_COLUMNS: tuple[str, ...] = (
    "kind",
    "department",
    "kpi_id",
    "kpi_name",
    "periods",
    "coverage",
    "detail",
)
MIN_COVERAGE = 0.8  # a department below this share of scored KPI weight is flagged
MIN_RED_STREAK = 2  # a KPI red this many periods in a row is flagged

# The KPI columns the history, change and trend frames carry.
_KPI_SHOWN: tuple[str, ...] = ("department", "kpi_id", "kpi_name", "perspective")
TREND_COLUMNS: tuple[str, ...] = (
    "series",
    "department",
    "kpi_id",
    "kpi_name",
    "period",
    "actual",
    "target",
    "score",
    "coverage",
    "status",
    "mom_change",
    "yoy_change",
    "grade",  # a department's or the organisation's (SPEC §5.9); none for a KPI
    "unit",  # a KPI's unit as written (its actual and target are in it); none above a KPI
)


# --- period labels ------------------------------------------------------------------------


def period_labels(kpis: pd.DataFrame, *, grain: str) -> list[str]:
    """Period labels the data covers, oldest first, for a grain of `periods.GRAINS`.

    A label of a grain holds data of that grain or finer (a half-year: its months,
    quarters and the half-year itself; SPEC §5.1), so a month view lists months only.
    Year to date gives one label per year, through that year's latest month the data
    covers ('2026-10-YTD'), so that `previous_period` compares it with the same months
    last year; a year with only annual data runs through December.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    present = [p for p in pd.unique(kpis["period"].dropna()) if periods.is_label(p)]
    data = [p for p in present if not periods.is_ytd(p)]
    if grain == "ytd":
        latest: dict[str, str] = {}
        for label in data:
            end = periods.months_of(label)[-1]
            latest[label[:4]] = max(latest.get(label[:4], end), end)
        return in_order(f"{m}-YTD" for m in latest.values())
    own = periods.grain_of  # data of `grain` or finer maps to the label holding it
    return in_order(periods.containing(p, grain) for p in data if not periods.finer(grain, own(p)))


def grain_labels(kpis: pd.DataFrame, grains: Iterable[str] = GRAINS) -> dict[str, list[str]]:
    """`period_labels` of each grain, the rows' periods read once (1.8 M rows at 500 units)."""
    present = pd.DataFrame({"period": pd.unique(kpis["period"].dropna())})
    return {grain: period_labels(present, grain=grain) for grain in grains}


def comparison_labels(labels: Iterable[str]) -> list[str]:
    """`labels` plus the previous period and the year-ago period of each, in time order.

    Build the `history` on these when changes must be shown for every label: for year to
    date they add last year's like-for-like labels ('2025-10-YTD' for '2026-10-YTD').
    """
    labels = list(labels)
    return in_order([*labels, *map(previous_period, labels), *map(year_ago, labels)])


# --- history ------------------------------------------------------------------------------


def history(
    kpis: pd.DataFrame,
    labels: Sequence[str],
    *,
    settings: Settings = DEFAULTS,
    org: pd.DataFrame | None = None,
) -> Scorecard:
    """The scorecard of every label at once: each frame keeps its `period` column.

    Months are scored straight from their rows; each coarser label (quarter, half-year,
    year, year to date) is aggregated first from its parts, as `scorecard.for_period`
    does, all of a grain's labels in one pass (`periods.aggregate_each`: 1.8 M rows of a
    500-unit group, each label's KPIs found once, not once per label). Then one score
    and one roll-up run over all of them, since the roll-ups group by period already
    (units too, given `org`'s edges; see `scorecard.build`). The month rows are taken
    from `kpis` in one take, label after label: taking from a wide frame, and stacking
    pieces of it, costs more than scoring it. When every row is of a month asked for (the
    month grain's history), `kpis` itself is scored, in the order it came.
    """
    labels = list(dict.fromkeys(labels))
    codes, present = pd.factorize(kpis["period"])
    code_of = {label: code for code, label in enumerate(present)}
    # runs of consecutive month labels and of coarser ones (one grain: a single run)
    runs = itertools.groupby(labels, key=periods.is_month)
    parts = [
        _months(kpis, codes, code_of, list(run))
        if month
        else periods.aggregate_each(
            kpis, [(label, periods.parts_of(label, available=present)) for label in run]
        )
        for month, run in runs
    ]
    parts = [part for part in parts if len(part)]
    if len(parts) == 1:  # one grain: no copy to stack
        rows = parts[0].reset_index(drop=True)
    else:
        rows = pd.concat(parts, ignore_index=True) if parts else kpis.iloc[:0]
    return build(rows, settings=settings, org=org)


def _months(
    kpis: pd.DataFrame, codes: np.ndarray, code_of: Mapping[str, int], labels: Sequence[str]
) -> pd.DataFrame:
    """The rows of each month label (`codes`: each row's period, `code_of` a label's code),
    label after label, each in the frame's order: one take of the wide frame, none when
    that would be every row (1.8 M rows of a 500-unit group, a store's department by
    department)."""
    place = np.full(len(code_of) + 1, -1, dtype=np.int64)  # the last: rows without a period
    for i, label in enumerate(labels):
        if label in code_of:
            place[code_of[label]] = i
    at = place[codes]
    if (at >= 0).all():  # every row: `build` groups by period, the order is not needed
        return kpis
    rows = np.flatnonzero(at >= 0)
    return kpis.take(rows[np.argsort(at[rows], kind="stable")])


# --- helpers over scored KPI rows ---------------------------------------------------------


def _one_per_kpi(rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per KPI and period (the last, should a KPI be uploaded twice), and each
    kept row's KPI as a number (`names.kpi_keys`, 0, 1, ... in order of appearance)."""
    kpi = kpi_keys(rows).to_numpy()
    period, _ = pd.factorize(rows["period"])
    last = ~pd.Series(kpi * (period.max(initial=0) + 1) + period).duplicated(keep="last")
    keep = last.to_numpy()
    return rows[keep], pd.factorize(kpi[keep])[0]


# --- KPI changes and sparklines -----------------------------------------------------------


def kpi_changes(history: Scorecard, period: str, *, owners_only: bool = False) -> pd.DataFrame:
    """The scored KPI rows of `period` (every column of `history.kpis`, shared copies
    included unless `owners_only`) with `previous_score` and `change` (score minus the
    previous period's score of the same KPI in the same department; NaN when either is
    missing).
    """
    kpis = history.kpis
    both = kpis[kpis["period"].isin([period, previous_period(period)]).to_numpy(bool)]
    kpi = kpi_keys(both).to_numpy()
    now = (both["period"] == period).to_numpy(dtype=bool, copy=True)
    before = pd.Series(both["score"].to_numpy(float)[~now], index=kpi[~now])
    before = before[~before.index.duplicated(keep="last")]
    if owners_only:
        now &= owner_mask(both)
    rows = both[now]
    previous = before.reindex(kpi[now]).to_numpy(float)
    return rows.assign(previous_score=previous, change=rows["score"].to_numpy(float) - previous)


def kpi_history(history: Scorecard, period: str, *, last: int = 12) -> pd.DataFrame:
    """Each KPI's last `last` periods up to and including `period`, for sparklines.

    Long frame: department, owner_department, kpi_id, kpi_name, perspective, period, score,
    status, actual, target; sorted by department, KPI and period. A period a KPI has no row
    for is absent (a gap), not zero. Shared copies are included under their partner
    department, as the department's scorecard lists them.
    """
    kpis = history.kpis
    columns = [
        "department",
        "owner_department",
        "kpi_id",
        "kpi_name",
        "perspective",
        "period",
        "score",
        "status",
        "actual",
        "target",
    ]
    rows = kpis[up_to(kpis["period"], period, last=last)]
    _, ordinals, _ = label_info(rows["period"])
    order = rows.assign(_ord=ordinals).sort_values(
        ["department", "kpi_id", "kpi_name", "_ord"], kind="stable", na_position="first"
    )
    return order.loc[:, columns].reset_index(drop=True)


# --- overview -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Overview:
    """One period at a glance, for the Overview page. Scores are None when there are none."""

    period: str
    previous: str  # the period changes are measured against
    score: float | None  # organisation score
    coverage: float | None
    previous_score: float | None
    change: float | None  # None when there is no previous score
    perspectives: pd.DataFrame  # perspective, score, coverage, previous_score, change
    status_counts: Mapping[str, int]  # green, amber, red, missing (owner rows only)
    best_movers: pd.DataFrame  # department, kpi_id, kpi_name, perspective, score, ...
    worst_movers: pd.DataFrame  # ... previous_score, change
    grade: str | None = None  # the organisation's grade (SPEC §5.9)
    coefficient: float | None = None  # its coefficient, None when the grade has none


def organization_perspectives(history: Scorecard) -> pd.DataFrame:
    """The organisation's score per perspective and period (`rollup.upper`: the
    department-weighted mean of the department x perspective scores, renormalised over
    departments with a score), one row per perspective in scorecard order.

    Columns period, perspective, score, coverage; the four perspectives in scorecard
    order within each period, NaN where no department has one.
    """
    table = history.organization_perspectives
    full = pd.MultiIndex.from_product(
        [in_order(history.perspectives["period"].astype(object).unique()), list(PERSPECTIVES)],
        names=["period", "perspective"],
    )
    keyed = table.astype({"period": object, "perspective": object})
    return (
        keyed.set_index(["period", "perspective"])[["score", "coverage"]]
        .reindex(full)
        .reset_index()
    )


def _value(table: pd.DataFrame, period: str, column: str) -> float | None:
    """`column` of the table's row for `period`, None when absent or NaN."""
    values = table.loc[(table["period"] == period).to_numpy(bool), column]
    if values.empty or pd.isna(values.iloc[0]):
        return None
    return float(values.iloc[0])


def _text(table: pd.DataFrame, period: str, column: str) -> str | None:
    """`column` of the table's row for `period` as text, None when absent or missing."""
    if column not in table.columns:
        return None
    values = table.loc[(table["period"] == period).to_numpy(bool), column]
    return None if values.empty or pd.isna(values.iloc[0]) else str(values.iloc[0])


def top_movers(changes: pd.DataFrame, n: int, *, best: bool) -> pd.DataFrame:
    """The `n` largest improvements (best) or declines, ties by department and KPI."""
    columns = ["department", "kpi_id", "kpi_name", "perspective"]
    columns += ["score", "previous_score", "change"]
    moved = changes[changes["change"] > 0] if best else changes[changes["change"] < 0]
    moved = moved.sort_values(
        ["change", "department", "kpi_id", "kpi_name"],
        ascending=[not best, True, True, True],
        kind="stable",
    )
    return moved.loc[:, columns].head(n).reset_index(drop=True)


def overview(
    history: Scorecard, period: str, *, settings: Settings = DEFAULTS, movers: int = 5
) -> Overview:
    """The Overview page's numbers for `period`, compared with `previous_period(period)`.

    Status counts and movers use owner rows only, so a shared KPI counts once. Best movers
    are the `movers` KPIs whose score rose most, worst movers those that fell most; a KPI
    without a score in either period is not a mover.
    """
    previous = previous_period(period)
    org = history.organization
    score, prev = _value(org, period, "score"), _value(org, previous, "score")
    change = None if score is None or prev is None else score - prev

    by_perspective = organization_perspectives(history)
    now = by_perspective[(by_perspective["period"] == period).to_numpy(bool)]
    if now.empty:
        now = pd.DataFrame({"perspective": list(PERSPECTIVES), "score": np.nan, "coverage": np.nan})
    before = by_perspective[(by_perspective["period"] == previous).to_numpy(bool)]
    perspectives = (
        now[["perspective", "score", "coverage"]]
        .merge(
            before[["perspective", "score"]].rename(columns={"score": "previous_score"}),
            on="perspective",
            how="left",
        )
        .assign(change=lambda f: f["score"] - f["previous_score"])
    )

    changes = kpi_changes(history, period, owners_only=True)
    changes = changes[~adjust.items(changes)]  # bonus / penalty points have no status
    status = changes["status"].astype(object).where(changes["score"].notna(), "missing")
    counts = status.value_counts().reindex([*STATUSES, "missing"], fill_value=0)

    return Overview(
        period=period,
        previous=previous,
        score=score,
        coverage=_value(org, period, "coverage"),
        previous_score=prev,
        change=change,
        perspectives=perspectives,
        status_counts={k: int(v) for k, v in counts.items()},
        best_movers=top_movers(changes, movers, best=True),
        worst_movers=top_movers(changes, movers, best=False),
        grade=_text(org, period, "grade"),
        coefficient=_value(org, period, "coefficient") if "coefficient" in org else None,
    )


def of_departments(
    history: Scorecard, departments: Sequence[str], *, settings: Settings = DEFAULTS
) -> Scorecard:
    """`history` as if the organisation were `departments` (the whole one when empty): the
    chosen departments' KPI, perspective, department and collaboration rows, and the
    organisation rows rolled up again over them alone. The roll-up is the one every
    organisation score takes (`rollup.rollup`), with every other department weighing 0:
    so the score is the department-weighted mean of the chosen departments' final scores,
    as the whole organisation's is of all of them, and its grade is graded alike.

    What the Overview's tiles show when the sidebar filters departments. With a tree, the
    units above the chosen departments are rolled up again over them alone too.
    """
    if not departments:
        return history
    chosen = {department_key(d) for d in departments}
    others = {
        str(d): 0.0
        for d in pd.unique(history.departments["department"].astype(object))
        if department_key(d) not in chosen
    }
    narrowed = settings.with_(department_weights={**settings.department_weights, **others})
    tree = history.tree
    ups = rollup(history.kpis, settings=narrowed, tree=tree)

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[department_keys(frame["department"]).isin(chosen).to_numpy(bool)]

    shown = pd.unique(history.departments["department"].astype(object))
    # the units above a chosen department: the others have nothing left to roll up
    kept = {u for d in shown if department_key(d) in chosen for u in chain(tree, str(d))[1:]}

    def units(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["unit"].isin(kept).to_numpy(bool)].reset_index(drop=True)

    return Scorecard(
        mine(history.kpis),
        mine(history.perspectives),
        mine(history.departments),
        ups.organization,
        mine(history.collaboration),
        ups.organization_perspectives,
        units(ups.units),
        units(ups.unit_perspectives),
        tree,
    )


# --- early warnings -----------------------------------------------------------------------


def _warning_frame(**columns: object) -> pd.DataFrame:
    frame = pd.DataFrame(columns, columns=list(WARNING_COLUMNS))
    return frame.astype(
        {
            "kind": object,
            "department": object,
            "kpi_id": object,
            "kpi_name": object,
            "periods": "Int64",
            "coverage": float,
            "detail": object,
        }
    )


def _red_streaks(kpis: pd.DataFrame, period: str, min_streak: int) -> pd.DataFrame:
    """KPIs red in `period` and the `min_streak - 1` periods before it, or more.

    A streak is a run of red rows of one KPI whose periods step by one; a missing score,
    another status or a period without a row ends it. Only the last few periods are read,
    twice as many while a streak reaches back to the first of them: at 500 units, 36
    months are 1.8 M rows, and a red streak is a few months long.
    """
    owners, info = owner_mask(kpis), label_info(kpis["period"])
    everything = owners & up_to_info(info, period)
    window = 2 * max(min_streak, 1)
    while True:
        wanted = owners & up_to_info(info, period, last=window)
        found = _streaks_in(kpis, wanted, period, min_streak)
        if found.empty or found["periods"].max() < window or (wanted == everything).all():
            return found
        window *= 2


def _streaks_in(
    kpis: pd.DataFrame, wanted: np.ndarray, period: str, min_streak: int
) -> pd.DataFrame:
    """`_red_streaks` over the `wanted` rows: run ids come from a cumulative sum of run
    starts, streak lengths from a cumulative sum of red flags within each run."""
    # only the columns read: one take of a few columns, not two of every column
    columns = [*IDENTITY_COLUMNS, "period", "status", "score"]
    rows, kpi_no = _one_per_kpi(kpis.loc[wanted, columns])
    if rows.empty:
        return _warning_frame()
    _, ordinals, _ = label_info(rows["period"])
    order = np.lexsort((ordinals, kpi_no))
    kpi_no, ordinals = kpi_no[order], ordinals[order]
    red = (rows["status"].to_numpy(object)[order] == "red").astype(np.int64)
    starts = np.r_[True, (kpi_no[1:] != kpi_no[:-1]) | (np.diff(ordinals) != 1)]
    run = np.cumsum(starts | (red == 0))
    streak = pd.Series(red).groupby(run).cumsum().to_numpy()
    at = (ordinals == ordinal(period)) & (streak >= min_streak)
    hits = rows.iloc[order[at]]
    n = streak[at]
    detail = [
        f"red for {k} periods in a row up to {period} (score {s:.1f})"
        for k, s in zip(n, hits["score"].to_numpy(float), strict=True)
    ]
    found = _warning_frame(
        kind="red_streak",
        department=hits["department"].to_numpy(object),
        kpi_id=hits["kpi_id"].astype(object).where(hits["kpi_id"].notna(), None).to_numpy(),
        kpi_name=hits["kpi_name"].to_numpy(object),
        periods=n,
        coverage=np.nan,
        detail=detail,
    )
    return found.sort_values(["periods", "department"], ascending=[False, True], kind="stable")


def _low_coverage(departments: pd.DataFrame, period: str, min_coverage: float) -> pd.DataFrame:
    """Departments whose coverage in `period` is under `min_coverage`."""
    rows = departments[(departments["period"] == period).to_numpy(bool)]
    rows = rows[(rows["coverage"] < min_coverage).to_numpy(bool)]
    rows = rows.sort_values(["coverage", "department"], kind="stable")
    detail = [
        f"only {c:.0%} of the KPI weight has an actual in {period} (below {min_coverage:.0%})"
        for c in rows["coverage"].to_numpy(float)
    ]
    return _warning_frame(
        kind="low_coverage",
        department=rows["department"].to_numpy(object),
        kpi_id=None,
        kpi_name=None,
        periods=pd.NA,
        coverage=rows["coverage"].to_numpy(float),
        detail=detail,
    )


def _no_upload(kpis: pd.DataFrame, period: str, expected: Sequence[str]) -> pd.DataFrame:
    """Departments seen in an earlier period, or expected, without a row in `period`.

    Names match by `department_key` ('市场' is '市场部'); the data's latest spelling wins.
    """
    # who sent when: two columns of the owners' rows, not a take of every column
    owners = kpis.loc[owner_mask(kpis), ["department", "period"]].drop_duplicates()
    chain = up_to(owners["period"], period)
    earlier = owners[chain & (owners["period"] != period).to_numpy(bool)]
    present = owners.loc[(owners["period"] == period).to_numpy(bool), "department"]
    present_keys = {department_key(d) for d in pd.unique(present.astype(object))}

    _, ordinals, _ = label_info(earlier["period"])
    latest = (
        earlier.assign(_ord=ordinals)
        .sort_values("_ord", kind="stable")
        .drop_duplicates("department", keep="last")
    )
    last_seen: dict[str, tuple[str, str | None]] = {}
    for department, label in zip(latest["department"], latest["period"], strict=True):
        last_seen[department_key(department)] = (department, label)  # a handful of names
    for department in expected:
        last_seen.setdefault(department_key(department), (department, None))

    missing = sorted(
        (name, label) for key, (name, label) in last_seen.items() if key not in present_keys
    )
    detail = [
        f"no KPI rows for {period}" + (f"; last data for {label}" if label else "")
        for _, label in missing
    ]
    return _warning_frame(
        kind="no_upload",
        department=[name for name, _ in missing],
        kpi_id=None,
        kpi_name=None,
        periods=pd.NA,
        coverage=np.nan,
        detail=detail,
    )


def warnings(
    history: Scorecard,
    period: str,
    *,
    expected_departments: Sequence[str] | None = None,
    settings: Settings = DEFAULTS,
    min_streak: int = MIN_RED_STREAK,
    min_coverage: float = MIN_COVERAGE,
) -> pd.DataFrame:
    """Early warnings for `period` (SPEC's monitoring and early warning), one row each.

    - red_streak: a KPI (owner row) red in `period` and in the periods right before it,
      `min_streak` or more in a row; `periods` is the length of the run.
    - low_coverage: a department whose coverage in `period` is under `min_coverage`.
    - no_upload: a department with rows in an earlier period of the same grain, or listed
      in `expected_departments`, but none in `period`.

    Columns: kind, department, kpi_id, kpi_name, periods, coverage, detail (English; the
    UI translates by kind). Statuses are the history's, built under `settings`.
    """
    del settings  # statuses and coverage were fixed when the history was built
    parts = [
        _red_streaks(history.kpis, period, min_streak),
        _low_coverage(history.departments, period, min_coverage),
        _no_upload(history.kpis, period, list(expected_departments or ())),
    ]
    parts = [part for part in parts if len(part)]
    if not parts:
        return _warning_frame()
    return pd.concat(parts, ignore_index=True)


early_warnings = warnings  # the same function, for callers that import the stdlib `warnings`


# --- trends and projection ----------------------------------------------------------------


def _changes(frame: pd.DataFrame) -> pd.DataFrame:
    """mom_change and yoy_change per row: its score minus the score of the same series at
    `previous_period` / `year_ago` of its period (NaN when that row or score is absent).
    """
    labels = pd.unique(frame["period"].astype(object))
    prev = {p: previous_period(p) for p in labels}
    ago = {p: year_ago(p) for p in labels}
    lookup = frame[["_series", "period", "score"]].drop_duplicates(["_series", "period"])
    out = frame
    for column, step in (("mom_change", prev), ("yoy_change", ago)):
        wanted = pd.DataFrame(
            {"_series": out["_series"].to_numpy(), "period": out["period"].map(step).to_numpy()}
        )
        earlier = wanted.merge(lookup, on=["_series", "period"], how="left")["score"]
        out = out.assign(**{column: out["score"].to_numpy(float) - earlier.to_numpy(float)})
    return out


def _kpi_trend(kpis: pd.DataFrame, keys: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Rows of the chosen KPIs: key (department, KPI id or name), series numbered by key."""
    wanted = pd.DataFrame(
        [(i, d, k) for i, (d, k) in enumerate(keys)],
        columns=["_series", "department", "_key"],
    )
    kpis = kpis[kpis["department"].isin(set(wanted["department"])).to_numpy(bool)]
    kpis = kpis.astype({"department": object})
    ids = kpis.assign(_key=kpis["kpi_id"].astype(object))
    names = kpis.assign(_key=kpis["kpi_name"].astype(object))
    by_id = ids.merge(wanted, on=["department", "_key"])
    by_name = names.merge(wanted, on=["department", "_key"])
    rows = pd.concat([by_id, by_name], ignore_index=True)
    rows = rows.drop_duplicates(["_series", "period"], keep="first")
    series = rows["department"].astype(str) + " · " + rows["kpi_name"].astype(str)
    return rows.assign(series=series, coverage=kpi_coverage(rows))


def trend(
    history: Scorecard,
    *,
    level: str,
    keys: Sequence[str] | Sequence[tuple[str, str]] = (),
    settings: Settings = DEFAULTS,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Long frame for the Trends page, one row per series and period, oldest first.

    level='kpi': keys are (department, KPI id or name) pairs; series '<department> · <name>'.
    level='department': keys are department names; series is the department.
    level='organization': keys are ignored; series 'organization'.
    Columns: series, department, kpi_id, kpi_name, period, actual, target (KPI level; NaN
    otherwise), score, coverage, status, mom_change (vs `previous_period`), yoy_change (vs
    `year_ago`; NaN when absent), grade, unit (KPI level). `labels` limits the periods
    returned, not the comparisons.
    """
    if level == "kpi":
        rows = _kpi_trend(history.kpis, [(str(d), str(k)) for d, k in keys])
    elif level == "department":
        wanted = pd.DataFrame({"department": [str(k) for k in keys], "_series": range(len(keys))})
        rows = history.departments.astype({"department": object}).merge(wanted, on="department")
        rows = rows.assign(series=rows["department"])
    elif level == "organization":
        rows = history.organization.assign(_series=0, series="organization", department=None)
    else:
        raise ValueError(f"level must be kpi, department or organization, not {level!r}")
    for column in TREND_COLUMNS:
        if column not in rows.columns:
            rows = rows.assign(**{column: np.nan})
    rows = rows.assign(status=statuses(rows["score"].to_numpy(float), settings=settings))
    if rows.empty:
        return rows.loc[:, list(TREND_COLUMNS)].reset_index(drop=True)
    _, ordinals, _ = label_info(rows["period"])
    rows = _changes(rows.assign(_ord=ordinals, period=rows["period"].astype(object)))
    if labels is not None:
        rows = rows[rows["period"].isin(list(labels)).to_numpy(bool)]
    rows = rows.sort_values(["_series", "_ord"], kind="stable")
    return rows.loc[:, list(TREND_COLUMNS)].reset_index(drop=True)


def projection(
    series_frame: pd.DataFrame, *, points: int = 6, settings: Settings = DEFAULTS
) -> pd.DataFrame:
    """Next-period score of each series in a `trend` frame, by a least-squares line
    (numpy polyfit) through its last `points` scores against period position.

    One row per series with at least 3 scores: the trend columns with `period` the label
    after the series' last period, `score` the line's value there clipped to [0, cap],
    `status` from it, and `projected=True`; empty (same columns) when no series qualifies.
    A naive line, meant as a hint on the chart, not as a forecast.
    """
    columns = [*series_frame.columns, "projected"]
    if series_frame.empty:
        return pd.DataFrame(columns=columns)
    _, ordinals, _ = label_info(series_frame["period"])
    first_seen, _ = pd.factorize(series_frame["series"])  # keep the trend's series order
    frame = series_frame.assign(_ord=ordinals, _no=first_seen)
    frame = frame.sort_values(["_no", "_ord"], kind="stable")
    projected = []
    for _, one in frame.groupby("series", sort=False):  # one fit per chosen series
        scored = one[one["score"].notna()].tail(points)
        if len(scored) < 3:
            continue
        last = one.iloc[-1]
        label = next_period(str(last["period"]))
        # x relative to the projected period: small numbers keep the fit well conditioned
        x = scored["_ord"].to_numpy(float) - ordinal(label)
        _, at_next = np.polyfit(x, scored["score"].to_numpy(float), 1)
        value = float(np.clip(at_next, 0.0, settings.cap))
        row = {c: np.nan for c in series_frame.columns}
        for c in ("series", "department", "kpi_id", "kpi_name", "unit"):
            if c in last.index:
                row[c] = last[c]
        row.update(period=label, score=value, projected=True)
        row["status"] = statuses(np.array([value]), settings=settings)[0]
        projected.append(row)
    return pd.DataFrame(projected, columns=columns)
