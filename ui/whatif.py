"""The What-if page's side: its session keys, the scenario its widgets describe, display
tables, the rank-range chart and the Excel export.

Every number comes from `kpi_engine.whatif` and `kpi_engine.weights`; this module only
turns widget values into a `Scenario` and engine frames into what the page shows. The
scenario lives in this browser session only: nothing here writes to stored data.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from altair.utils.data import to_values
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kpi_engine.auth import roles as access
from kpi_engine.charts import specs as charts
from kpi_engine.core.names import department_weights, kpi_labels
from kpi_engine.core.schema import PERSPECTIVES, owner_rows
from kpi_engine.core.settings import Settings
from kpi_engine.core.whatif import (
    MANUAL,
    RANK_RANGE_COLUMNS,
    Comparison,
    Prepared,
    Scenario,
    prepare,
)
from kpi_engine.i18n import (
    MISSING,
    change_text,
    is_missing,
    perspective_label,
    score_text,
    t,
)
from kpi_engine.reports.plain import safe_cell
from ui import auth, data, tables
from ui.text import md

# --- session-state keys, named once -------------------------------------------------------

GENERATION = "whatif_generation"  # bumped to give the editors fresh keys (reset, load)
BASE = "whatif_base"  # the Scenario the editors start from (baseline, loaded or applied)
KPI_WEIGHTS = "whatif_kpi_weights"  # {(department, KPI key): weight} edited so far
KPI_TARGETS = "whatif_kpi_targets"  # {(department, KPI key): target} edited so far
NAME = "whatif_name"
LOAD_CHOICE = "whatif_load_choice"
KPI_DEPARTMENT = "whatif_kpi_department"
SPREAD = "whatif_spread"
ENTROPY_LEVEL = "whatif_entropy_level"
SERVER_MS = "whatif_server_ms"  # the what-if fragment's last run time, for benchmarks

RANK_SAMPLES = 2000
# Saaty's 1-9 scale as the value of "a compared with b": 9 (a far more) ... 1 ... 1/9.
SAATY: tuple[Fraction, ...] = (
    *(Fraction(n) for n in range(9, 1, -1)),
    Fraction(1),
    *(Fraction(1, n) for n in range(2, 10)),
)


def slider_key(perspective: str) -> str:
    return f"whatif_weight_{perspective}"


def pair_key(a: str, b: str) -> str:
    return f"whatif_ahp_{a}_{b}"


def editor_key(what: str, *parts: object) -> str:
    """Editors are keyed by a generation, so a reset or a load starts them afresh."""
    generation = st.session_state.get(GENERATION, 0)
    return "_".join(["whatif", what, str(generation), *map(str, parts)])


# --- cached baseline ----------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def prepared(kpis: pd.DataFrame, period: str | None, settings: Settings) -> Prepared:
    """The period scored once per data, period and settings: reruns and slider moves
    start from here and never re-read or rescore the stored rows."""
    return prepare(kpis, settings=settings, period=period)


# --- weights as percentages ---------------------------------------------------------------


def percentages(weights: Mapping[str, float]) -> dict[str, float]:
    """Perspective weights normalised to 100 (the four perspectives, 0 where absent)."""
    values = {p: max(float(weights.get(p, 0.0)), 0.0) for p in PERSPECTIVES}
    total = sum(values.values())
    return {p: (100.0 * v / total if total > 0 else 0.0) for p, v in values.items()}


def init_state(settings: Settings) -> None:
    """First visit: sliders at the baseline's weights (as percentages), empty stores."""
    state = st.session_state
    for p, value in percentages(settings.perspective_weights).items():
        state.setdefault(slider_key(p), round(value, 1))
    state.setdefault(GENERATION, 0)
    state.setdefault(BASE, Scenario(name=""))
    state.setdefault(KPI_WEIGHTS, {})
    state.setdefault(KPI_TARGETS, {})


def slider_weights() -> dict[str, float]:
    return {p: float(st.session_state.get(slider_key(p), 0.0)) for p in PERSPECTIVES}


def slider_label(perspective: str, lang: str) -> str:
    """`客户 · 35.3%`: the weight's normalised share, recomputed on every rerun."""
    share = percentages(slider_weights()).get(perspective, 0.0)
    return t(
        "whatif.slider_label",
        lang,
        perspective=perspective_label(perspective, lang),
        share=f"{share:.1f}",
    )


def load(scenario: Scenario, settings: Settings) -> None:
    """Put a scenario in the controls (a callback: runs before the widgets are drawn)."""
    state = st.session_state
    for p, value in percentages(scenario.settings(settings).perspective_weights).items():
        state[slider_key(p)] = round(value, 1)
    state[BASE] = scenario
    state[KPI_WEIGHTS] = dict(scenario.kpi_weights)
    state[KPI_TARGETS] = dict(scenario.kpi_targets)
    state[NAME] = scenario.name
    state[GENERATION] = state.get(GENERATION, 0) + 1


def reset(settings: Settings) -> None:
    """Back to the baseline: sliders, department weights and KPI edits."""
    load(Scenario(name=""), settings)


def saved(stored: pd.DataFrame) -> dict[str, Scenario]:
    """Saved scenarios by name, from `data.scenarios()` (shared by every session)."""
    return dict(zip(stored["name"], stored["scenario"], strict=True))


def save(scenario: Scenario) -> bool:
    """Store a named scenario for everyone (a later one with the same name replaces it);
    False when it was refused (said on the page)."""
    return data.save_scenario(scenario)


def adopt(chosen: Settings, lang: str) -> None:
    """Make a scenario's perspective and department weights the organisation's settings:
    every page scores with them from now on (the change is logged with who made it)."""
    current = data.settings()
    if data.save_settings(
        current.with_(
            perspective_weights=dict(chosen.perspective_weights),
            department_weights=dict(chosen.department_weights),
        )
    ):
        st.toast(t("whatif.adopted", lang))


def apply_method(scenario: Scenario, settings: Settings) -> None:
    """A method's weights, one click: saved as a named scenario (for roles that may save
    scenarios) and put in the controls."""
    if auth.actor().may(access.SCENARIO):
        save(scenario)
    load(scenario, settings)


def next_name(key: str, lang: str) -> str:
    """`层次分析法 2`: the first free name of that kind in this session."""
    taken = saved(data.scenarios())
    n = 1
    while t(key, lang, n=n) in taken:
        n += 1
    return t(key, lang, n=n)


# --- editors ------------------------------------------------------------------------------


def department_frame(departments: list[str], settings: Settings, base: Scenario) -> pd.DataFrame:
    """Department weights to edit: the base scenario's, else the baseline's (1 unless set)."""
    weights = base.settings(settings).department_weights
    return pd.DataFrame(
        {"department": list(departments), "weight": department_weights(departments, weights)}
    )


def department_columns(lang: str) -> dict[str, object]:
    return {
        "department": st.column_config.TextColumn(t("common.department", lang), disabled=True),
        "weight": st.column_config.NumberColumn(
            t("common.weight", lang), min_value=0.0, step=0.1, format="%.4g"
        ),
    }


def department_changes(edited: pd.DataFrame, settings: Settings) -> dict[str, float]:
    """The departments whose edited weight differs from the baseline's (empty cells and
    negative numbers count as the baseline's weight)."""
    out = {}
    baseline = department_weights(edited["department"], settings.department_weights)
    for department, weight, stored in zip(
        edited["department"], edited["weight"], baseline, strict=True
    ):
        value = float(weight) if pd.notna(weight) and float(weight) >= 0 else stored
        if not math.isclose(value, stored):
            out[str(department)] = value
    return out


def kpi_frame(rows: pd.DataFrame, department: str, lang: str) -> pd.DataFrame:
    """One department's KPIs with the weights and targets edited so far this session."""
    own = owner_rows(rows[(rows["department"] == department).to_numpy(bool)])
    keys = kpi_labels(own).to_numpy()
    frame = pd.DataFrame(
        {
            "kpi_id": own["kpi_id"].astype(object).fillna("").to_numpy(),
            "kpi_name": own["kpi_name"].astype(object).to_numpy(),
            "perspective": [perspective_label(p, lang) for p in own["perspective"]],
            "unit": own["unit"].astype(object).fillna("").to_numpy() if "unit" in own else "",
            "weight": pd.to_numeric(own["weight"], errors="coerce").to_numpy(dtype=float),
            "target": pd.to_numeric(own["target"], errors="coerce").to_numpy(dtype=float),
        },
        index=pd.Index(keys, name="key"),
    )
    frame = frame[~frame.index.duplicated(keep="last")]
    weights = st.session_state.get(KPI_WEIGHTS, {})
    targets = st.session_state.get(KPI_TARGETS, {})
    frame["weight"] = [weights.get((department, k), w) for k, w in frame["weight"].items()]
    frame["target"] = [targets.get((department, k), v) for k, v in frame["target"].items()]
    return frame


def kpi_columns(lang: str) -> dict[str, object]:
    return {
        "kpi_id": st.column_config.TextColumn(t("common.kpi_id", lang), disabled=True),
        "kpi_name": st.column_config.TextColumn(t("common.kpi", lang), disabled=True),
        "perspective": st.column_config.TextColumn(t("common.perspective", lang), disabled=True),
        "unit": st.column_config.TextColumn(t("common.unit", lang), disabled=True),
        "weight": st.column_config.NumberColumn(
            t("common.weight", lang), min_value=0.0, format="%.4g"
        ),
        "target": st.column_config.NumberColumn(t("common.target", lang), format="%.4g"),
    }


def record_kpi_edits(department: str, edited: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Store one department's edited weights and targets where they differ from the data
    (so an edit set back to the stored value is no longer an override)."""
    original = owner_rows(rows[(rows["department"] == department).to_numpy(bool)])
    stored = pd.DataFrame(
        {
            "weight": pd.to_numeric(original["weight"], errors="coerce").to_numpy(dtype=float),
            "target": pd.to_numeric(original["target"], errors="coerce").to_numpy(dtype=float),
        },
        index=kpi_labels(original).to_numpy(),
    )
    stored = stored[~stored.index.duplicated(keep="last")]
    for column, store_key in (("weight", KPI_WEIGHTS), ("target", KPI_TARGETS)):
        store = {k: v for k, v in st.session_state.get(store_key, {}).items() if k[0] != department}
        for key, value in edited[column].items():
            old = stored[column].get(key, np.nan)
            if pd.isna(value) or (pd.notna(old) and math.isclose(float(value), float(old))):
                continue
            if column == "weight" and float(value) < 0:
                continue
            store[(department, key)] = float(value)
        st.session_state[store_key] = store


def current(name: str, department_weights: Mapping[str, float], method: str = MANUAL) -> Scenario:
    """The scenario the controls describe now."""
    weights = slider_weights()
    if not sum(weights.values()) > 0:
        weights = None
    base: Scenario = st.session_state.get(BASE, Scenario(name=""))
    unchanged = (
        base.method != MANUAL
        and weights is not None
        and base.perspective_weights is not None
        and all(
            math.isclose(round(v, 1), weights[p], abs_tol=1e-9)
            for p, v in percentages(base.perspective_weights).items()
        )
    )
    return Scenario(
        name=name,
        perspective_weights=dict(base.perspective_weights) if unchanged else weights,
        department_weights=dict(department_weights),
        kpi_weights=dict(st.session_state.get(KPI_WEIGHTS, {})),
        kpi_targets=dict(st.session_state.get(KPI_TARGETS, {})),
        method=base.method if unchanged else method,
    )


# --- AHP on the page ------------------------------------------------------------------------


def nearest_judgement(ratio: float) -> Fraction:
    """The Saaty value closest to a weight ratio on a log scale (defaults for the pairs)."""
    if not ratio > 0 or not math.isfinite(ratio):
        return Fraction(1)
    return min(SAATY, key=lambda v: abs(math.log(float(v)) - math.log(ratio)))


def judgement_text(value: Fraction, a: str, b: str, lang: str) -> str:
    """How a pair's judgement reads: `客户 ×3`, `同等重要`, `财务 ×5`."""
    if value == 1:
        return t("whatif.equal", lang)
    name, times = (a, value) if value > 1 else (b, 1 / value)
    return t("whatif.more_important", lang, name=perspective_label(name, lang), n=int(times))


def pairs() -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(PERSPECTIVES) for b in PERSPECTIVES[i + 1 :]]


def judgements() -> dict[tuple[str, str], float]:
    return {(a, b): float(st.session_state.get(pair_key(a, b), Fraction(1))) for a, b in pairs()}


# --- tables -----------------------------------------------------------------------------------


def delta(change: object) -> dict[str, str | None]:
    """A metric's delta arguments: grey and without an arrow while the change rounds to 0."""
    if change is None or pd.isna(change):  # type: ignore[arg-type]
        return {"delta": None}
    rounded = round(float(change), 1) + 0.0  # + 0.0: no "-0.0"
    if rounded:
        return {"delta": f"{rounded:+.1f}"}
    return {"delta": "±0.0", "delta_color": "off", "delta_arrow": "off"}


def _rank_change_text(value: object) -> str:
    if is_missing(value):
        return MISSING
    n = int(value)  # type: ignore[call-overload]
    return f"↑{n}" if n > 0 else (f"↓{-n}" if n < 0 else "=")


def comparison_table(
    comparison: Comparison, lang: str, departments: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Departments best-first under the scenario, scores rounded, rank moves as arrows."""
    frame = comparison.departments
    if departments:
        frame = frame[frame["department"].isin(departments)]
    frame = frame.sort_values(["scenario_rank", "department"], na_position="last", kind="stable")

    return pd.DataFrame(
        {
            t("common.department", lang): frame["department"].astype(object).to_numpy(),
            t("whatif.baseline", lang): [score_text(v) for v in frame["baseline"]],
            t("whatif.scenario", lang): [score_text(v) for v in frame["scenario"]],
            t("whatif.difference", lang): [change_text(v) for v in frame["change"]],
            t("whatif.baseline_rank", lang): frame["baseline_rank"].astype(object).to_numpy(),
            t("whatif.scenario_rank", lang): frame["scenario_rank"].astype(object).to_numpy(),
            t("whatif.rank_change", lang): [_rank_change_text(v) for v in frame["rank_change"]],
        }
    )


def chart_frame(comparison: Comparison, departments: tuple[str, ...] = ()) -> pd.DataFrame:
    """department, baseline, scenario for `charts.baseline_vs_scenario`, in baseline rank
    order: the bars stay put while the weights move, and the scenario's bar shows the move."""
    frame = comparison.departments
    if departments:
        frame = frame[frame["department"].isin(departments)]
    frame = frame.sort_values(["baseline_rank", "department"], na_position="last", kind="stable")
    return frame[["department", "baseline", "scenario"]].reset_index(drop=True)


def baseline_order(comparison: Comparison) -> list[str]:
    """Departments by baseline rank (best first): the charts' stable top-down order."""
    frame = comparison.departments.sort_values(
        ["baseline_rank", "department"], na_position="last", kind="stable"
    )
    return list(frame["department"].astype(str))


def scenarios_table(rows: list[dict[str, object]], lang: str) -> pd.DataFrame:
    """Saved scenarios side by side: method, perspective weights (%), organisation score."""
    out = []
    for row in rows:
        scenario: Scenario = row["scenario"]  # type: ignore[assignment]
        shares = percentages(row["weights"])  # type: ignore[arg-type]
        item = {
            t("whatif.scenario_name", lang): scenario.name,
            t("whatif.method_column", lang): t(f"whatif.method_{scenario.method}", lang),
        }
        for p in PERSPECTIVES:
            item[perspective_label(p, lang)] = f"{shares[p]:.1f}%"
        item[t("whatif.org_scenario", lang)] = score_text(row["score"])
        item[t("whatif.difference", lang)] = change_text(row["change"])
        item[t("common.saved_by", lang)] = row["saved_by"]
        item[t("common.saved_at", lang)] = tables.when(row["saved_at"])
        out.append(item)
    return pd.DataFrame(out)


# --- rank stability ---------------------------------------------------------------------------


def rank_sentence(ranges: pd.DataFrame, spread: float, lang: str) -> str:
    """Which departments' ranks depend on the weights, in one sentence."""
    if ranges.empty:
        return t("whatif.no_data", lang)
    moving = ranges[ranges["depends"]]
    if moving.empty:
        return t("whatif.rank_stable_all", lang, n=f"{spread:g}")
    names = t("common.list_sep", lang).join(
        f"{d} ({lo}–{hi})"
        for d, lo, hi in zip(
            moving["department"], moving["min_rank"], moving["max_rank"], strict=True
        )
    )
    text = md("whatif.rank_depends", lang, n=f"{spread:g}", names=names)
    steady = len(ranges) - len(moving)
    if steady:
        space = "" if lang.startswith("zh") else " "  # Chinese sentences need no space
        text += space + t("whatif.rank_rest_stable", lang, count=steady)
    return text


def _rank_rows(ranges: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows `rank_chart` draws: a bar from best to worst rank, texts for the tooltip."""
    rows = ranges.copy()
    rows["department"] = rows["department"].astype(object)
    depends, steady = t("whatif.depends_yes", lang), t("whatif.depends_no", lang)
    rows["kind"] = np.where(rows["depends"], depends, steady)
    rows["range_text"] = [
        f"{lo}" if lo == hi else f"{lo}–{hi}"
        for lo, hi in zip(rows["min_rank"], rows["max_rank"], strict=True)
    ]
    rows["share_text"] = [f"{s:.0%}" for s in rows["stable_share"]]
    rows["low"] = rows["min_rank"] - 0.3
    rows["high"] = rows["max_rank"] + 0.3
    return rows


def rank_chart(
    ranges: pd.DataFrame, *, lang: str, order: Sequence[str] | None = None
) -> alt.LayerChart:
    """Each department's rank range (bar from best to worst rank) and its current rank (dot);
    amber where the rank depends on the weights. Rank 1 on the left; departments top down
    in `order` (default: by current rank)."""
    rows = _rank_rows(ranges, lang)
    if order is None:
        order = list(rows.sort_values(["baseline_rank", "department"])["department"])
    order = [d for d in order if d in set(rows["department"])]
    depends, steady = t("whatif.depends_yes", lang), t("whatif.depends_no", lang)
    top = max(int(rows["max_rank"].max()) if len(rows) else 1, 1)
    x = alt.X(
        "low:Q",
        title=t("whatif.rank_axis", lang),
        scale=alt.Scale(domain=[0.5, top + 0.5], nice=False),
        axis=alt.Axis(values=list(range(1, top + 1)), format="d", tickMinStep=1),
    )
    y = alt.Y(
        "department:N",
        sort=order,
        title=t("common.department", lang),
        axis=alt.Axis(labelLimit=charts.LABEL_LIMIT),
    )
    tooltip = [
        alt.Tooltip("department:N", title=t("common.department", lang)),
        alt.Tooltip("baseline_rank:Q", title=t("whatif.rank_current", lang)),
        alt.Tooltip("range_text:N", title=t("whatif.rank_range", lang)),
        alt.Tooltip("share_text:N", title=t("whatif.stable_share", lang)),
    ]
    bars = (
        alt.Chart()
        .mark_bar(height=14, cornerRadius=3)
        .encode(
            x=x,
            x2="high:Q",
            y=y,
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=[depends, steady], range=[charts.AMBER, "#bdbdbd"]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=tooltip,
        )
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=90, color=charts.LINE_COLOR, opacity=1)
        .encode(x=alt.X("baseline_rank:Q"), y=y, tooltip=tooltip)
    )
    chart = alt.layer(bars, dots, data=rows).properties(width=420, height=alt.Step(30))
    chart.config = _finished_config(lang)  # what charts.finish sets, without its copies
    return chart


@functools.cache
def _finished_config(lang: str) -> alt.Config:
    """`charts.finish`'s top-level config, built once per language: finishing a layered
    chart copies it once per configure call, which costs more than drawing it."""
    return charts.finish(alt.Chart(), lang).config


# Vega-Lite specs for the page. A slider move changes the numbers a chart shows, not its
# shape (language, bands, department order), so each chart's spec is built by Altair once
# per shape and later moves only swap its dataset: building and validating a layered
# Altair chart costs ~100 ms, swapping ~1 ms. The first build checks that the rows this
# module prepares are exactly the builder's dataset; if the builder ever prepares them
# differently, that shape is simply built by Altair every time.
_TEMPLATES: dict[tuple, tuple[dict, str]] = {}


def _records(frame: pd.DataFrame) -> list[dict]:
    """A frame as Altair inlines it (sanitised: NaN -> None, numpy -> Python)."""
    return to_values(frame)["values"]


def _spec(key: tuple, build: Callable[[], alt.TopLevelMixin], rows: pd.DataFrame) -> dict:
    values = _records(rows)
    template = _TEMPLATES.get(key)
    if template is not None:
        spec, _ = template
        name = (
            "data-"
            + hashlib.md5(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
        )
        return {**spec, "data": {"name": name}, "datasets": {name: values}}
    spec = build().to_dict()
    name = spec.get("data", {}).get("name")
    datasets = spec.get("datasets", {})
    shape = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, default=str)
    if list(datasets) == [name] and datasets[name] == values and shape.count(str(name)) == 1:
        if len(_TEMPLATES) >= 64:
            _TEMPLATES.clear()
        _TEMPLATES[key] = (spec, name)
    return spec


def comparison_spec(frame: pd.DataFrame, lang: str, settings: Settings) -> dict:
    """`charts.baseline_vs_scenario(frame)` as a Vega-Lite spec (see `_TEMPLATES`).

    `settings` gives the cap and the status bands, which a scenario never changes: pass
    the baseline's, so that a weight change does not make a new shape.
    """
    key = ("comparison", lang, repr(settings), tuple(frame["department"].astype(str)))
    return _spec(
        key,
        lambda: charts.baseline_vs_scenario(frame, lang=lang, settings=settings),
        charts.comparison_rows(frame, lang),
    )


def rank_spec(ranges: pd.DataFrame, lang: str, order: Sequence[str]) -> dict:
    """`rank_chart(ranges, order=order)` as a Vega-Lite spec (see `_TEMPLATES`); a stable
    `order` (the baseline ranking) keeps one shape while the weights move."""
    rows = _rank_rows(ranges, lang)
    shown = tuple(d for d in order if d in set(rows["department"]))
    key = ("ranks", lang, shown, int(rows["max_rank"].max()) if len(rows) else 1)
    return _spec(key, lambda: rank_chart(ranges, lang=lang, order=shown), rows)


# --- Excel export -----------------------------------------------------------------------------


def _cell(sheet: object, value: object, *, bold: bool = False) -> WriteOnlyCell:
    """`report.safe_cell`, bold for headings."""
    cell = safe_cell(sheet, value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append([_cell(sheet, h, bold=True) for h in header])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])


def excel(
    comparison: Comparison,
    scenario: Scenario,
    settings: Settings,
    *,
    lang: str,
    period: str | None,
    ranges: pd.DataFrame | None = None,
) -> bytes:
    """The comparison as a workbook: departments, organisation, weights, KPI edits and rank
    ranges, headers in the user's language, scores unrounded."""
    book = Workbook(write_only=True)
    dept = comparison.departments
    _sheet(
        book,
        t("whatif.sheet_departments", lang),
        [
            t("common.period", lang),
            t("common.department", lang),
            t("whatif.baseline", lang),
            t("whatif.scenario", lang),
            t("whatif.difference", lang),
            t("whatif.baseline_rank", lang),
            t("whatif.scenario_rank", lang),
            t("whatif.rank_change", lang),
        ],
        dept[
            [
                "period",
                "department",
                "baseline",
                "scenario",
                "change",
                "baseline_rank",
                "scenario_rank",
                "rank_change",
            ]
        ].values.tolist(),
    )
    org = comparison.organization
    _sheet(
        book,
        t("whatif.sheet_organization", lang),
        [
            t("common.period", lang),
            t("whatif.baseline", lang),
            t("whatif.scenario", lang),
            t("whatif.difference", lang),
        ],
        org[["period", "baseline", "scenario", "change"]].values.tolist(),
    )
    chosen = scenario.settings(settings)
    base_share, new_share = (
        percentages(settings.perspective_weights),
        percentages(chosen.perspective_weights),
    )
    weight_rows: list[list[object]] = [
        [
            t("common.perspective", lang),
            perspective_label(p, lang),
            base_share[p] / 100,
            new_share[p] / 100,
        ]
        for p in PERSPECTIVES
    ]
    departments = sorted(set(dept["department"].astype(str)))
    weight_rows += [
        [t("common.department", lang), d, float(before), float(after)]
        for d, before, after in zip(
            departments,
            department_weights(departments, settings.department_weights),
            department_weights(departments, chosen.department_weights),
            strict=True,
        )
    ]
    _sheet(
        book,
        t("whatif.sheet_weights", lang),
        [
            t("whatif.level", lang),
            t("whatif.item", lang),
            t("whatif.baseline", lang),
            t("whatif.scenario", lang),
        ],
        weight_rows,
    )
    edits = sorted(set(scenario.kpi_weights) | set(scenario.kpi_targets))
    _sheet(
        book,
        t("whatif.sheet_kpis", lang),
        [
            t("common.department", lang),
            t("common.kpi", lang),
            t("common.weight", lang),
            t("common.target", lang),
        ],
        [
            [d, k, scenario.kpi_weights.get((d, k)), scenario.kpi_targets.get((d, k))]
            for d, k in edits
        ],
    )
    if ranges is not None and not ranges.empty:
        _sheet(
            book,
            t("whatif.sheet_ranks", lang),
            [
                t("common.period", lang),
                t("common.department", lang),
                t("whatif.rank_current", lang),
                t("whatif.min_rank", lang),
                t("whatif.max_rank", lang),
                t("whatif.depends_yes", lang),
                t("whatif.stable_share", lang),
            ],
            ranges[list(RANK_RANGE_COLUMNS)].values.tolist(),
        )
    _sheet(
        book,
        t("whatif.sheet_about", lang),
        [
            t("whatif.scenario_name", lang),
            t("common.period", lang),
            t("whatif.method_column", lang),
        ],
        [[scenario.name, period or "", t(f"whatif.method_{scenario.method}", lang)]],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def overrides_count(scenario: Scenario) -> int:
    return len(set(scenario.kpi_weights) | set(scenario.kpi_targets))


def named(scenario: Scenario, name: str) -> Scenario:
    return replace(scenario, name=name)
