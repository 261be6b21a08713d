"""The What-if page's widgets: its session keys, the scenario its controls describe, the
method panels, display tables, the saved scenarios and the rank-range chart.

Every number comes from `kpi_engine.core.whatif` and `kpi_engine.core.weights` (the
workbook from `kpi_engine.reports.whatif`); this module turns widget values into engine
arguments and engine frames into what the page shows. The scenario lives in this browser
session only: nothing here writes to stored data but the scenario and settings buttons,
through `ui.data`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from altair.utils.data import to_values

from kpi_engine.charts import specs as charts
from kpi_engine.core.adjust import vetoed
from kpi_engine.core.names import department_weights, kpi_labels
from kpi_engine.core.schema import PERSPECTIVES, owner_rows
from kpi_engine.core.scorecard import department_wide
from kpi_engine.core.scoring import percent_scale
from kpi_engine.core.settings import Settings
from kpi_engine.core.weights import AhpResult, ahp, pairwise_matrix
from kpi_engine.core.whatif import (
    ENTROPY_LEVELS,
    SIDES,
    TARGET_FACTOR,
    Comparison,
    Prepared,
    Scenario,
    compare_scenarios,
    entropy_shares,
    far_targets,
    from_controls,
    percentages,
    prepare,
    scenario_scores,
    with_ahp,
    with_entropy,
)
from kpi_engine.i18n import (
    MISSING,
    change_text,
    is_missing,
    number_text,
    perspective_label,
    score_text,
    t,
    text_or_missing,
)
from kpi_engine.reports.whatif import veto_reasons
from ui import auth, data, runs, tables
from ui.text import md

# --- session-state keys, named once -------------------------------------------------------

GENERATION = "whatif_generation"  # bumped to give the editors fresh keys (reset, load)
BASE = "whatif_base"  # the Scenario the editors start from (baseline, loaded or applied)
KPI_WEIGHTS = "whatif_kpi_weights"  # {(department, KPI key): weight} edited so far
KPI_TARGETS = "whatif_kpi_targets"  # {(department, KPI key): target} edited so far
FAR_CONFIRMED = "whatif_far_confirmed"  # {(department, KPI key): target} far yet confirmed
NAME = "whatif_name"
LOAD_CHOICE = "whatif_load_choice"
KPI_DEPARTMENT = "whatif_kpi_department"
SPREAD = "whatif_spread"
ENTROPY_LEVEL = "whatif_entropy_level"
SAVED = "whatif_saved"  # the name of the scenario just saved, to say so once
APPLIED = "whatif_applied"  # the name of a method's scenario just applied, to say so once
CR_CONFIRM = "whatif_ahp_cr_confirm"  # + the CR: applying inconsistent judgements anyway
PAIR_FIRST, PAIR_SECOND = "whatif_pair_first", "whatif_pair_second"  # compared scenarios
WEIGHTS = "whatif_weights"  # the sliders' values last read, kept apart from widget state
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


def prepared(period: str | None, settings: Settings) -> Prepared:
    """The period of `data.shown_kpis()` scored once per data, language, period and
    settings for every session: reruns and slider moves start from here and never
    re-read or rescore the stored rows."""
    return _prepared(data.shown_kpis_key(), period, settings)


@runs.cache_by_name(st.cache_resource, show_spinner=False, max_entries=8)
def _prepared(
    kpis: tuple[str, data.Revision, str, str], period: str | None, settings: Settings
) -> Prepared:
    """Shared without a copy (the 1.8 M rows of a group were hashed, then the baseline
    pickled, on every run): scenarios derive new frames from it, never write into it
    (tests/test_shared_frames.py)."""
    return prepare(data.shown_kpis(), settings=settings, period=period)


# --- the controls' state --------------------------------------------------------------------


def init_state() -> None:
    """First visit: empty stores (the sliders start in `slider_weights`)."""
    state = st.session_state
    state.setdefault(GENERATION, 0)
    state.setdefault(BASE, Scenario(name=""))
    state.setdefault(KPI_WEIGHTS, {})
    state.setdefault(KPI_TARGETS, {})
    state.setdefault(FAR_CONFIRMED, {})


def _positions(weights: Mapping[str, float]) -> dict[str, float]:
    """Perspective weights as the sliders hold them: percentages to one decimal."""
    return {p: round(value, 1) for p, value in percentages(weights).items()}


def slider_weights(settings: Settings) -> dict[str, float]:
    """The sliders' values: read once per rerun, then passed to the labels, the scenario and
    each slider's `value`.

    A slider without widget state is at its value last read (first visit: the baseline's
    weights as percentages), never at the slider's minimum 0. Passed as the slider's
    `value`, that is also the default the browser falls back to: under rapid key presses on
    one slider, the browser has been seen to lose another slider's state between fragment
    reruns and send back its default, which was the minimum 0 and silently zeroed that
    perspective in the scenario."""
    state = st.session_state
    last = state.get(WEIGHTS) or _positions(settings.perspective_weights)
    weights = {p: float(state.get(slider_key(p), last.get(p, 0.0))) for p in PERSPECTIVES}
    state[WEIGHTS] = weights
    return weights


def slider_label(perspective: str, shares: Mapping[str, float], lang: str) -> str:
    """`客户 · 35.3%`: the weight's share of 100 (`shares`: `percentages(slider_weights(settings))`)."""
    return t(
        "whatif.slider_label",
        lang,
        perspective=perspective_label(perspective, lang),
        share=f"{shares.get(perspective, 0.0):.1f}",
    )


def typed_name() -> str:
    """The scenario name typed in the name box, stripped ("" when none)."""
    return (st.session_state.get(NAME) or "").strip()


def scenario(
    sliders: Mapping[str, float], department_weights: Mapping[str, float], name: str
) -> Scenario:
    """This rerun's one scenario (`whatif.from_controls`): the sliders, the edited department
    weights and the KPI edits recorded so far, from the scenario the controls started from."""
    state = st.session_state
    return from_controls(
        state.get(BASE, Scenario(name="")),
        sliders,
        name=name,
        department_weights=department_weights,
        kpi_weights=state.get(KPI_WEIGHTS, {}),
        kpi_targets=state.get(KPI_TARGETS, {}),
    )


def load(scenario: Scenario, settings: Settings) -> None:
    """Put a scenario in the controls (a callback: runs before the widgets are drawn)."""
    state = st.session_state
    for p, value in _positions(scenario.settings(settings).perspective_weights).items():
        state[slider_key(p)] = value
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


def save_clicked(scenario: Scenario) -> None:
    """The Save button's callback: stored before the page is drawn, so the caption of the
    same run says it is saved (refusals are said on the page by `ui.data`)."""
    if save(scenario):
        st.session_state[SAVED] = scenario.name


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


def _apply(scenario: Scenario, settings: Settings, lang: str) -> None:
    """A method's weights, one click: put in the controls as the current scenario of this
    session. Nothing is stored; the Save button stores it for everyone."""
    load(scenario, settings)
    st.session_state[APPLIED] = scenario.name


def applied_notice(lang: str) -> None:
    """Say once, after a method's weights were applied, that they are not saved (said
    here, not in the callback: a fragment's callback cannot show elements)."""
    name = st.session_state.pop(APPLIED, None)
    if name is not None:
        st.toast(md("whatif.applied", lang, name=name), icon=":material/info:")


def apply_ahp(
    scenario: Scenario, result: AhpResult, settings: Settings, lang: str, confirmed: bool
) -> None:
    """The AHP button's callback: the scenario is built on the click, not on every rerun.
    Inconsistent judgements (CR >= 0.1) apply only once their CR was confirmed."""
    if result.consistent or confirmed:
        name = next_name("whatif.ahp_name", lang)
        _apply(with_ahp(scenario, result, name=name), settings, lang)


def apply_entropy(
    scenario: Scenario,
    prepared: Prepared,
    shares: pd.Series,
    level: str,
    settings: Settings,
    lang: str,
) -> None:
    """The entropy button's callback (see `apply_ahp`)."""
    name = next_name("whatif.entropy_name", lang)
    _apply(with_entropy(scenario, prepared, shares, level=level, name=name), settings, lang)


def next_name(key: str, lang: str) -> str:
    """`层次分析法 2`: the first name of that kind no saved scenario has."""
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


def _stored_kpis(rows: pd.DataFrame, department: str) -> pd.DataFrame:
    """One department's own KPIs as stored, by KPI key (the last row of a key): weight,
    target, actual, unit, and `scale`, what their numbers are multiplied by to read in
    their unit (`scoring.percent_scale`: 98 % held as 0.98 reads and is typed as 98)."""
    own = owner_rows(rows[(rows["department"] == department).to_numpy(bool)])
    target = pd.to_numeric(own["target"], errors="coerce").to_numpy(dtype=float)
    unit = own["unit"] if "unit" in own else pd.Series(None, index=own.index, dtype=object)
    frame = pd.DataFrame(
        {
            "kpi_id": own["kpi_id"].astype(object).fillna("").to_numpy(),
            "kpi_name": own["kpi_name"].astype(object).to_numpy(),
            "perspective": own["perspective"].astype(object).to_numpy(),
            "unit": unit.astype(object).fillna("").to_numpy(),
            "weight": pd.to_numeric(own["weight"], errors="coerce").to_numpy(dtype=float),
            "actual": pd.to_numeric(own["actual"], errors="coerce").to_numpy(dtype=float),
            "target": target,
            "scale": percent_scale(unit, target),
        },
        index=pd.Index(kpi_labels(own).to_numpy(), name="key"),
    )
    return frame[~frame.index.duplicated(keep="last")]


def kpi_frame(rows: pd.DataFrame, department: str, lang: str) -> pd.DataFrame:
    """One department's KPIs with the weights and targets edited so far this session,
    actuals and targets in the unit shown (98 % as 98) and the actual beside the target."""
    frame = _stored_kpis(rows, department)
    weights = st.session_state.get(KPI_WEIGHTS, {})
    targets = st.session_state.get(KPI_TARGETS, {})
    frame["perspective"] = [perspective_label(p, lang) for p in frame["perspective"]]
    frame["weight"] = [weights.get((department, k), w) for k, w in frame["weight"].items()]
    frame["target"] = [targets.get((department, k), v) for k, v in frame["target"].items()]
    frame["actual"] *= frame["scale"]
    frame["target"] *= frame["scale"]
    return frame[["kpi_id", "kpi_name", "perspective", "unit", "weight", "actual", "target"]]


def kpi_columns(lang: str) -> dict[str, object]:
    return {
        "kpi_id": st.column_config.TextColumn(t("common.kpi_id", lang), disabled=True),
        "kpi_name": st.column_config.TextColumn(t("common.kpi", lang), disabled=True),
        "perspective": st.column_config.TextColumn(t("common.perspective", lang), disabled=True),
        "unit": st.column_config.TextColumn(t("common.unit", lang), disabled=True),
        "weight": st.column_config.NumberColumn(
            t("common.weight", lang), min_value=0.0, format="%.4g"
        ),
        "actual": st.column_config.NumberColumn(
            t("common.actual", lang), format="%.4g", disabled=True
        ),
        "target": st.column_config.NumberColumn(
            t("whatif.target_in_unit", lang), format="%.4g", help=t("whatif.target_help", lang)
        ),
    }


class FarTarget(NamedTuple):
    """A target edit far from the stored target (`whatif.far_targets`), waiting for a
    confirmation: its KPI, the values as shown (in the KPI's unit) and as held."""

    department: str
    key: str
    name: str
    unit: str
    shown: float
    stored_shown: float
    value: float


def record_kpi_edits(department: str, edited: pd.DataFrame, rows: pd.DataFrame) -> list[FarTarget]:
    """Store one department's edited weights and targets where they differ from the data
    (so an edit set back to the stored value is no longer an override). Targets are typed
    in the unit shown and held as the data holds them (98 -> 0.98 for a percent KPI held
    as a share). A target `whatif.TARGET_FACTOR` times away from the stored one waits,
    unused, until it is confirmed (`confirm_far`): returned, for the page to ask."""
    stored = _stored_kpis(rows, department).reindex(edited.index)
    typed = pd.to_numeric(edited["target"], errors="coerce").astype(float)
    held = typed / stored["scale"].fillna(1.0)
    confirmed = st.session_state.get(FAR_CONFIRMED, {})
    sure = np.array([confirmed.get((department, k), np.nan) for k in edited.index], dtype=float)
    waits = far_targets(stored["target"].to_numpy(), held.to_numpy()) & ~np.isclose(
        sure, held.to_numpy()
    )
    weights = pd.to_numeric(edited["weight"], errors="coerce").astype(float)
    _record(department, KPI_WEIGHTS, weights.where(weights >= 0), stored["weight"])
    _record(department, KPI_TARGETS, held.where(~waits), stored["target"])
    late = stored[waits]
    return [
        FarTarget(department, str(key), str(name), str(unit), shown, old * scale, value)
        for key, name, unit, shown, old, scale, value in zip(
            late.index,
            late["kpi_name"],
            late["unit"],
            typed[waits],
            late["target"],
            late["scale"],
            held[waits],
            strict=True,
        )
    ]


def _record(department: str, store_key: str, values: pd.Series, stored: pd.Series) -> None:
    """The department's overrides in `store_key`: the values (by KPI key) that are given
    and differ from the stored ones; other departments' stay."""
    kept = st.session_state.get(store_key, {})
    store = {k: v for k, v in kept.items() if k[0] != department}
    changed = values.notna().to_numpy() & ~np.isclose(values.to_numpy(), stored.to_numpy())
    store.update({(department, k): float(v) for k, v in values[changed].items()})
    st.session_state[store_key] = store


def confirm_far(waiting: Sequence[FarTarget]) -> None:
    """The confirmation's callback: these far targets are meant and are used."""
    confirmed = dict(st.session_state.get(FAR_CONFIRMED, {}))
    confirmed.update({(f.department, f.key): f.value for f in waiting})
    st.session_state[FAR_CONFIRMED] = confirmed


def far_prompt(waiting: Sequence[FarTarget], lang: str) -> None:
    """Ask before far targets are used: each one with the stored target beside it."""
    if not waiting:
        return
    lines = [
        md(
            "whatif.far_item",
            lang,
            kpi=f.name,
            value=_in_unit(f.shown, f.unit),
            stored=_in_unit(f.stored_shown, f.unit),
        )
        for f in waiting
    ]
    st.warning(
        "\n".join(
            [t("whatif.far_targets", lang, n=f"{TARGET_FACTOR:g}"), *(f"- {x}" for x in lines)]
        ),
        icon=":material/warning:",
    )
    st.button(
        t("whatif.far_confirm", lang),
        on_click=confirm_far,
        args=(tuple(waiting),),
        key="whatif_far_confirm",
        icon=":material/check:",
    )


def _in_unit(value: float, unit: str) -> str:
    """`98 %`, `9,720 万元`: a number as typed, with its unit."""
    return f"{number_text(value)} {unit}".strip()


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


def ahp_panel(scenario: Scenario, settings: Settings, lang: str) -> None:
    """Pairwise judgements (defaults from the baseline's weight ratios), the weights and
    consistency figures they give, and the button that applies them."""
    st.caption(t("whatif.ahp_hint", lang))
    baseline = settings.perspective_weights
    for a, b in pairs():
        key = pair_key(a, b)
        if key not in st.session_state:
            ratio = float(baseline.get(a, 0.0)) / max(float(baseline.get(b, 0.0)), 1e-9)
            st.session_state[key] = nearest_judgement(ratio)
        st.select_slider(
            t(
                "whatif.pair_label",
                lang,
                a=perspective_label(a, lang),
                b=perspective_label(b, lang),
            ),
            options=SAATY,
            format_func=lambda v, a=a, b=b: judgement_text(v, a, b, lang),
            value=st.session_state[key],  # the default a browser that lost it sends back
            key=key,
        )
    result = ahp(pairwise_matrix(judgements(), PERSPECTIVES), names=PERSPECTIVES)
    st.markdown(
        " · ".join(
            f"{perspective_label(p, lang)} {w:.1%}"
            for p, w in zip(result.names, result.weights, strict=True)
        )
    )
    figures = t(
        "whatif.ahp_figures",
        lang,
        lam=f"{result.lambda_max:.3f}",
        ci=f"{result.ci:.3f}",
        cr=f"{result.cr:.3f}",
    )
    confirmed = result.consistent
    if confirmed:
        st.caption(figures + " · " + t("whatif.cr_ok", lang))
    else:
        st.warning(figures + " · " + t("whatif.cr_flag", lang))
        cr = f"{result.cr:.3f}"  # in the key: other judgements ask again
        confirmed = st.checkbox(t("whatif.cr_confirm", lang, cr=cr), key=f"{CR_CONFIRM}_{cr}")
    st.button(
        t("whatif.apply_ahp", lang),
        on_click=apply_ahp,
        args=(scenario, result, settings, lang, confirmed),
        key="whatif_apply_ahp",
        icon=":material/account_tree:",
        disabled=not confirmed,
    )


def entropy_panel(base: Prepared, scenario: Scenario, settings: Settings, lang: str) -> None:
    """Entropy weights of the perspectives or KPIs, and the button that applies them."""
    st.caption(t("whatif.entropy_hint", lang))
    level = (
        st.segmented_control(
            t("whatif.entropy_level", lang),
            ENTROPY_LEVELS,
            format_func=lambda v: t(f"whatif.entropy_level_{v}", lang),
            key=ENTROPY_LEVEL,
            default="perspective",
        )
        or "perspective"
    )
    valid = entropy_shares(base, level)
    if valid.empty:
        st.info(t("whatif.entropy_none", lang))
        return
    names = [perspective_label(n, lang) if level == "perspective" else n for n in valid.index]
    shown = pd.DataFrame(
        {
            t("whatif.item", lang): names,
            t("common.weight", lang): [f"{w:.1%}" for w in valid["weight"]],
            t("whatif.entropy_value", lang): [f"{e:.3f}" for e in valid["entropy"]],
            t("whatif.entropy_count", lang): valid["count"].to_numpy(),
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        height="auto" if len(shown) <= 8 else 300,
        placeholder=tables.MISSING,
    )
    if level != "perspective":
        st.caption(t("whatif.entropy_kpi_note", lang))
    st.button(
        t("whatif.apply_entropy", lang),
        on_click=apply_entropy,
        args=(scenario, base, valid["weight"], level, settings, lang),
        key="whatif_apply_entropy",
        icon=":material/scatter_plot:",
    )


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
        frame = tables.only(frame, departments)  # the filter holds stored names
    frame = frame.sort_values(["scenario_rank", "department"], na_position="last", kind="stable")
    reasons = veto_reasons(comparison, frame, lang)
    return pd.DataFrame(
        {
            t("common.department", lang): frame["department"].astype(object).to_numpy(),
            t("whatif.baseline", lang): [score_text(v) for v in frame["baseline"]],
            t("whatif.scenario", lang): [score_text(v) for v in frame["scenario"]],
            t("whatif.difference", lang): [change_text(v) for v in frame["change"]],
            t("whatif.baseline_rank", lang): frame["baseline_rank"].astype(object).to_numpy(),
            t("whatif.scenario_rank", lang): frame["scenario_rank"].astype(object).to_numpy(),
            t("whatif.rank_change", lang): [_rank_change_text(v) for v in frame["rank_change"]],
            **_grade_columns(frame, lang),
            t("veto.column", lang): reasons,
        }
    )


def _grade_columns(frame: pd.DataFrame, lang: str) -> dict[str, list[str]]:
    """Each department's grade under the baseline and the scenario (SPEC §5.9), and by
    the forced distribution under each when it is on (beside, never instead)."""
    columns = {
        t("whatif.baseline_grade", lang): [text_or_missing(v) for v in frame["baseline_grade"]],
        t("whatif.scenario_grade", lang): [text_or_missing(v) for v in frame["scenario_grade"]],
    }
    if frame["baseline_distribution_grade"].notna().any():
        for side in ("baseline", "scenario"):
            values = frame[f"{side}_distribution_grade"]
            columns[t(f"whatif.{side}_distribution_grade", lang)] = [
                text_or_missing(v) for v in values
            ]
    return columns


def grade_sentence(ranges: pd.DataFrame, spread: float, lang: str) -> str:
    """The departments whose grade depends on the weights, in one sentence: "with ±10
    points of weight, 市场部 can be A or B"; empty when no grade moves."""
    moving = ranges[(ranges["best_grade"] != ranges["worst_grade"]).to_numpy(bool)]
    if ranges.empty or moving.empty:
        return t("whatif.grade_stable_all", lang, n=f"{spread:g}") if not ranges.empty else ""
    names = t("common.list_sep", lang).join(
        t("whatif.grade_range_item", lang, department=d, best=b, worst=w)
        for d, b, w in zip(
            moving["department"], moving["best_grade"], moving["worst_grade"], strict=True
        )
    )
    return md("whatif.grade_depends", lang, n=f"{spread:g}", names=names)


def vetoed_text(comparison: Comparison, period: str | None, settings: Settings, lang: str) -> str:
    """Which departments stay vetoed whatever the weights (SPEC §5.6), in one sentence;
    "" when none is."""
    departments = comparison.scenario.departments
    if period is not None:
        departments = departments[(departments["period"] == period).to_numpy(bool)]
    names = sorted(departments.loc[vetoed(departments), "department"].astype(str).unique())
    if not names:
        return ""
    return md(
        "whatif.vetoed",
        lang,
        departments=t("common.list_sep", lang).join(names),
        score=score_text(settings.veto_score),
    )


def chart_frame(comparison: Comparison, departments: tuple[str, ...] = ()) -> pd.DataFrame:
    """department, baseline, scenario for `charts.baseline_vs_scenario`, in baseline rank
    order: the bars stay put while the weights move, and the scenario's bar shows the move."""
    frame = comparison.departments
    if departments:
        frame = tables.only(frame, departments)  # the filter holds stored names
    frame = frame.sort_values(["baseline_rank", "department"], na_position="last", kind="stable")
    return frame[["department", "baseline", "scenario"]].reset_index(drop=True)


def baseline_order(comparison: Comparison) -> list[str]:
    """Departments by baseline rank (best first): the charts' stable top-down order."""
    frame = comparison.departments.sort_values(
        ["baseline_rank", "department"], na_position="last", kind="stable"
    )
    return list(frame["department"].astype(str))


def scenarios_table(scores: pd.DataFrame, stored: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Saved scenarios side by side (`whatif.scenario_scores`, with who saved them when):
    method, perspective weights (%), organisation score and its change."""
    return pd.DataFrame(
        {
            t("whatif.scenario_name", lang): scores["name"].to_numpy(),
            t("whatif.method_column", lang): [
                t(f"whatif.method_{m}", lang) for m in scores["method"]
            ],
            **{perspective_label(p, lang): [f"{v:.1f}%" for v in scores[p]] for p in PERSPECTIVES},
            t("whatif.org_scenario", lang): [score_text(v) for v in scores["score"]],
            t("whatif.difference", lang): [change_text(v) for v in scores["change"]],
            t("common.saved_by", lang): stored["saved_by"].to_numpy(),
            t("common.saved_at", lang): tables.times(stored["saved_at"]).to_numpy(),
        }
    )


def scenarios_panel(
    base: Prepared, scenario: Scenario, settings: Settings, typed: str, who: auth.Actor, lang: str
) -> None:
    """Name and save the scenario; load or delete a saved one; the saved ones side by side."""
    st.subheader(t("whatif.scenarios", lang))
    name_col, save_col = st.columns([3, 2], vertical_alignment="bottom")
    name_col.text_input(
        t("whatif.scenario_name", lang), key=NAME, placeholder=t("whatif.unsaved", lang)
    )
    save_col.button(
        t("whatif.save", lang),
        on_click=save_clicked,
        args=(replace(scenario, name=typed),),
        disabled=not typed or not who.may(auth.SCENARIO),
        icon=":material/bookmark_add:",
        width="stretch",
        key="whatif_save",
    )
    if (name := st.session_state.pop(SAVED, None)) is not None:
        st.toast(md("whatif.saved_toast", lang, name=name))
    stored = data.scenarios()
    found = saved(stored)
    if not found:
        return
    if st.session_state.get(LOAD_CHOICE) not in found:
        st.session_state[LOAD_CHOICE] = list(found)[-1]
    pick_col, load_col, drop_col = st.columns([3, 1, 1], vertical_alignment="bottom")
    choice = pick_col.selectbox(t("whatif.saved", lang), list(found), key=LOAD_CHOICE)
    load_col.button(
        t("whatif.load", lang),
        on_click=load,
        args=(found[choice], settings),
        icon=":material/upload:",
        width="stretch",
        key="whatif_load",
    )
    drop_col.button(
        t("whatif.delete_scenario", lang),
        on_click=data.delete_scenario,
        args=(choice,),
        icon=":material/delete:",
        width="stretch",
        key="whatif_delete",
        disabled=not who.may(auth.SCENARIO),
    )
    st.dataframe(
        scenarios_table(scenario_scores(base, list(stored["scenario"])), stored, lang),
        hide_index=True,
        width="stretch",
        placeholder=tables.MISSING,
    )


def pair_panel(base: Prepared, departments: tuple[str, ...], lang: str) -> None:
    """Two saved scenarios side by side, by department (`whatif.compare_scenarios`; the
    departments chosen in the sidebar, else all); nothing while fewer than two are saved."""
    found = saved(data.scenarios())
    if len(found) < 2:
        return
    st.subheader(t("whatif.pair_title", lang))
    names = list(found)
    if st.session_state.get(PAIR_FIRST) not in names:
        st.session_state[PAIR_FIRST] = names[-2]
    first_col, second_col = st.columns(2)
    first = first_col.selectbox(t("whatif.pair_first", lang), names, key=PAIR_FIRST)
    others = [n for n in names if n != first]
    if st.session_state.get(PAIR_SECOND) not in others:
        st.session_state[PAIR_SECOND] = others[-1]
    second = second_col.selectbox(t("whatif.pair_second", lang), others, key=PAIR_SECOND)
    frame = compare_scenarios(base, found[first], found[second])
    if departments:
        frame = tables.only(frame, departments)  # the filter holds stored names
    department = t("common.department", lang)  # pinned: the scenarios' columns scroll past
    st.dataframe(
        pair_table(frame, first, second, lang),
        hide_index=True,
        width="stretch",
        placeholder=tables.MISSING,
        column_config={department: st.column_config.TextColumn(department, pinned=True)},
    )


def pair_table(frame: pd.DataFrame, first: str, second: str, lang: str) -> pd.DataFrame:
    """`compare_scenarios`' frame as shown: per department the baseline, then each
    scenario's score, change from the baseline, rank (and grade when grades are set),
    then the second's score minus the first's; headers name the scenarios."""
    graded = frame["baseline_grade"].notna().any()
    columns: dict[str, list[str]] = {
        t("common.department", lang): list(frame["department"].astype(object)),
        t("whatif.baseline", lang): [score_text(v) for v in frame["baseline"]],
        t("whatif.baseline_rank", lang): [text_or_missing(v) for v in frame["baseline_rank"]],
    }
    if graded:
        columns[t("whatif.baseline_grade", lang)] = [
            text_or_missing(v) for v in frame["baseline_grade"]
        ]
    for side, name in zip(SIDES, (first, second), strict=True):
        fields = {
            "whatif.pair_score": [score_text(v) for v in frame[f"{side}_score"]],
            "whatif.pair_change": [change_text(v) for v in frame[f"{side}_change"]],
            "whatif.pair_rank": [text_or_missing(v) for v in frame[f"{side}_rank"]],
        }
        if graded:
            fields["whatif.pair_grade"] = [text_or_missing(v) for v in frame[f"{side}_grade"]]
        for key, values in fields.items():
            columns[t(key, lang, name=name)] = values
    columns[t("whatif.pair_difference", lang, first=first, second=second)] = [
        change_text(v) for v in frame["difference"]
    ]
    return pd.DataFrame(columns)


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
    chart = alt.LayerChart(data=rows, layer=[bars, dots]).properties(width=420, height=alt.Step(30))
    return charts.finish(chart, lang)


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


def caption_name(scenario: Scenario, typed: str, lang: str) -> str:
    """The scenario's name as the caption shows it, marked unsaved unless a saved
    scenario of that name is this very scenario (`当前情景（未保存）` when unnamed)."""
    if not typed:
        return t("whatif.unsaved", lang)
    if saved(data.scenarios()).get(typed) == scenario:
        return typed
    return t("whatif.unsaved_named", lang, name=typed)


def overrides_count(scenario: Scenario) -> int:
    return len(set(scenario.kpi_weights) | set(scenario.kpi_targets))


def unmoved_text(comparison: Comparison, period: str | None, lang: str) -> str | None:
    """What the sliders do not move: the departments scored department-wide (SPEC §5.3;
    their perspectives weigh the sums of their KPI weights), or all of them; None when the
    sliders move every department."""
    departments = comparison.scenario.departments
    skipped = department_wide(departments, period)
    if not skipped:
        return None
    if period is not None:
        departments = departments[(departments["period"] == period).to_numpy(bool)]
    if len(skipped) == departments["department"].nunique():
        return t("whatif.sliders_skip_all", lang)
    return t("whatif.sliders_skip", lang, departments=t("common.list_sep", lang).join(skipped))
