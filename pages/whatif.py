"""What-if: other weights and targets beside the baseline, and how much the ranking depends
on the perspective weights.

Everything below the title is one `st.fragment`: moving a slider reruns only that part,
starting from the period scored once (`ui.whatif.prepared`), never re-reading files. The
scenario lives in this session; stored data is never changed.
"""

import time

import pandas as pd
import streamlit as st

from kpi_engine import PERSPECTIVES, Settings
from kpi_engine.auth import roles as access
from kpi_engine.core import whatif as engine
from kpi_engine.core.weights import (
    ahp,
    entropy_weights,
    kpi_matrix,
    pairwise_matrix,
    perspective_matrix,
)
from kpi_engine.i18n import perspective_label, score_text, t
from ui import auth, data, downloads, state, tables, text
from ui import whatif as ui

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

state.require_shell()
who = auth.actor()
choices = state.current()
lang, period, settings = choices.lang, choices.period, data.settings()
st.title(t("page.whatif", lang))
if period is None:
    st.info(t("whatif.no_data", lang))
    st.stop()
st.caption(t("whatif.intro", lang, period=period))
base = ui.prepared(data.kpis(), period, settings)
ui.init_state(settings)


def _ahp_panel(settings: Settings, scenario: engine.Scenario) -> None:
    st.caption(t("whatif.ahp_hint", lang))
    baseline = settings.perspective_weights
    for a, b in ui.pairs():
        key = ui.pair_key(a, b)
        if key not in st.session_state:
            ratio = float(baseline.get(a, 0.0)) / max(float(baseline.get(b, 0.0)), 1e-9)
            st.session_state[key] = ui.nearest_judgement(ratio)
        st.select_slider(
            t(
                "whatif.pair_label",
                lang,
                a=perspective_label(a, lang),
                b=perspective_label(b, lang),
            ),
            options=ui.SAATY,
            format_func=lambda v, a=a, b=b: ui.judgement_text(v, a, b, lang),
            key=key,
        )
    result = ahp(pairwise_matrix(ui.judgements(), PERSPECTIVES), names=PERSPECTIVES)
    shares = " · ".join(
        f"{perspective_label(p, lang)} {w:.1%}"
        for p, w in zip(PERSPECTIVES, result.weights, strict=True)
    )
    st.markdown(shares)
    figures = t(
        "whatif.ahp_figures",
        lang,
        lam=f"{result.lambda_max:.3f}",
        ci=f"{result.ci:.3f}",
        cr=f"{result.cr:.3f}",
    )
    if result.consistent:
        st.caption(figures + " · " + t("whatif.cr_ok", lang))
    else:
        st.warning(figures + " · " + t("whatif.cr_flag", lang))
    weights = {p: 100.0 * w for p, w in zip(PERSPECTIVES, result.weights, strict=True)}
    applied = engine.Scenario(
        name=ui.next_name("whatif.ahp_name", lang),
        perspective_weights=weights,
        department_weights=scenario.department_weights,
        kpi_weights=scenario.kpi_weights,
        kpi_targets=scenario.kpi_targets,
        method=engine.AHP,
    )
    st.button(
        t("whatif.apply_ahp", lang),
        on_click=ui.apply_method,
        args=(applied, settings),
        key="whatif_apply_ahp",
        icon=":material/account_tree:",
    )


def _entropy_panel(base: engine.Prepared, settings: Settings, scenario: engine.Scenario) -> None:
    st.caption(t("whatif.entropy_hint", lang))
    level = (
        st.segmented_control(
            t("whatif.entropy_level", lang),
            ("perspective", "kpi"),
            format_func=lambda v: t(f"whatif.entropy_level_{v}", lang),
            key=ui.ENTROPY_LEVEL,
            default="perspective",
        )
        or "perspective"
    )
    if level == "perspective":
        table, directions = perspective_matrix(base.baseline.perspectives), {}
    else:
        table, directions = kpi_matrix(base.rows)
    result = entropy_weights(table, directions=directions)
    valid = result[result["note"] != "too_few"]
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
    if level == "perspective":
        applied = engine.Scenario(
            name=ui.next_name("whatif.entropy_name", lang),
            perspective_weights={p: 100.0 * w for p, w in valid["weight"].items()},
            department_weights=scenario.department_weights,
            kpi_weights=scenario.kpi_weights,
            kpi_targets=scenario.kpi_targets,
            method=engine.ENTROPY,
        )
    else:
        st.caption(t("whatif.entropy_kpi_note", lang))
        applied = engine.Scenario(
            name=ui.next_name("whatif.entropy_name", lang),
            perspective_weights=scenario.perspective_weights,
            department_weights=scenario.department_weights,
            kpi_weights={
                **scenario.kpi_weights,
                **engine.redistribute(base.rows, valid["weight"].to_dict()),
            },
            kpi_targets=scenario.kpi_targets,
            method=engine.ENTROPY,
        )
    st.button(
        t("whatif.apply_entropy", lang),
        on_click=ui.apply_method,
        args=(applied, settings),
        key="whatif_apply_entropy",
        icon=":material/scatter_plot:",
    )


@st.fragment
def whatif(base: engine.Prepared, settings: Settings, selected: tuple[str, ...]) -> None:
    began = time.perf_counter()
    departments = sorted(base.baseline.departments["department"].astype(str).unique())
    controls, results = st.columns([2, 3], gap="large")
    editor = st.expander(t("whatif.kpi_table", lang), icon=":material/edit_note:")

    with controls:
        st.subheader(t("whatif.perspective_weights", lang))
        for p in PERSPECTIVES:
            st.slider(
                ui.slider_label(p, lang),
                min_value=0.0,
                max_value=100.0,
                step=1.0,
                format="%.1f",
                key=ui.slider_key(p),
            )
        st.caption(t("whatif.weights_relative", lang))
        if not sum(ui.slider_weights().values()) > 0:
            st.warning(t("whatif.all_zero", lang))
        st.button(
            t("whatif.reset", lang),
            on_click=ui.reset,
            args=(settings,),
            icon=":material/restart_alt:",
            key="whatif_reset",
        )
        with st.expander(t("whatif.department_weights", lang), icon=":material/apartment:"):
            st.caption(t("whatif.department_weights_hint", lang))
            edited = st.data_editor(
                ui.department_frame(departments, settings, st.session_state[ui.BASE]),
                key=ui.editor_key("departments"),
                column_config=ui.department_columns(lang),
                hide_index=True,
                num_rows="fixed",
                width="stretch",
                placeholder=tables.MISSING,
            )
        department_weights = ui.department_changes(edited, settings)

    with editor:
        st.caption(t("whatif.edit_hint", lang))
        pick = list(selected) or departments
        if st.session_state.get(ui.KPI_DEPARTMENT) not in pick:
            st.session_state[ui.KPI_DEPARTMENT] = pick[0]
        department = st.selectbox(t("common.department", lang), pick, key=ui.KPI_DEPARTMENT)
        kpi_edits = st.data_editor(
            ui.kpi_frame(base.rows, department, lang),
            key=ui.editor_key("kpis", department),
            column_config=ui.kpi_columns(lang),
            hide_index=True,
            num_rows="fixed",
            width="stretch",
            placeholder=tables.MISSING,
        )
        ui.record_kpi_edits(department, kpi_edits, base.rows)
        st.caption(t("whatif.range_target_note", lang))

    name = (st.session_state.get(ui.NAME) or "").strip() or t("whatif.unsaved", lang)
    scenario = ui.current(name, department_weights)

    with controls:
        st.subheader(t("whatif.methods", lang))
        ahp_tab, entropy_tab = st.tabs([t("whatif.ahp", lang), t("whatif.entropy", lang)])
        with ahp_tab:
            _ahp_panel(settings, scenario)
        with entropy_tab:
            _entropy_panel(base, settings, scenario)

    comparison = engine.compare(base, settings, scenario)
    chosen = scenario.settings(settings)
    org = comparison.organization
    org_row = org[org["period"] == base.period] if len(org) else org
    baseline_score = org_row["baseline"].iloc[0] if len(org_row) else None
    scenario_score = org_row["scenario"].iloc[0] if len(org_row) else None
    change = org_row["change"].iloc[0] if len(org_row) else None
    moved = int((comparison.departments["rank_change"].fillna(0) != 0).sum())

    with results:
        cols = st.columns(3)
        helped = t("whatif.org_help", lang)
        cols[0].metric(t("whatif.org_baseline", lang), score_text(baseline_score), help=helped)
        cols[1].metric(
            t("whatif.org_scenario", lang),
            score_text(scenario_score),
            help=helped,
            **ui.delta(change),
        )
        cols[2].metric(t("whatif.rank_moves", lang), t("whatif.rank_moves_value", lang, n=moved))
        st.caption(
            text.md(
                "whatif.scenario_caption", lang, name=scenario.name, n=ui.overrides_count(scenario)
            )
        )
        st.subheader(t("whatif.comparison", lang))
        compared = ui.chart_frame(comparison, selected)
        if compared.empty:
            st.info(t("common.no_rows", lang, period=base.period))
        else:
            st.dataframe(
                ui.comparison_table(comparison, lang, selected),
                hide_index=True,
                width="stretch",
                placeholder=tables.MISSING,
            )
            downloads.chart(ui.comparison_spec(compared, lang, settings), "whatif_comparison", lang)

    st.subheader(t("whatif.rank_stability", lang))
    spread = st.slider(t("whatif.spread", lang), min_value=1, max_value=30, value=10, key=ui.SPREAD)
    ranges = engine.rank_ranges(
        comparison.scenario.perspectives,
        weights=chosen.perspective_weights,
        spread_points=spread,
        samples=ui.RANK_SAMPLES,
        seed=0,
    )
    shown = ranges[ranges["department"].isin(selected)] if selected else ranges
    st.caption(t("whatif.rank_hint", lang, n=spread, samples=ui.RANK_SAMPLES))
    st.markdown(ui.rank_sentence(shown, spread, lang))
    if not shown.empty:
        downloads.chart(
            ui.rank_spec(shown, lang, ui.baseline_order(comparison)), "rank_ranges", lang
        )

    with results:
        st.download_button(
            t("whatif.export", lang),
            data=lambda: ui.excel(
                comparison, scenario, settings, lang=lang, period=base.period, ranges=ranges
            ),
            file_name=f"whatif_{base.period}.xlsx",
            mime=XLSX,
            on_click="ignore",
            icon=":material/download:",
        )
        st.subheader(t("whatif.scenarios", lang))
        name_col, save_col = st.columns([3, 2], vertical_alignment="bottom")
        name_col.text_input(
            t("whatif.scenario_name", lang), key=ui.NAME, placeholder=t("whatif.unsaved", lang)
        )
        typed = (st.session_state.get(ui.NAME) or "").strip()
        if save_col.button(
            t("whatif.save", lang),
            disabled=not typed or not who.may(access.SCENARIO),
            icon=":material/bookmark_add:",
            width="stretch",
            key="whatif_save",
        ) and ui.save(ui.named(scenario, typed)):
            st.toast(text.md("whatif.saved_toast", lang, name=typed))
        stored = data.scenarios()
        saved = ui.saved(stored)
        if saved:
            if st.session_state.get(ui.LOAD_CHOICE) not in saved:
                st.session_state[ui.LOAD_CHOICE] = list(saved)[-1]
            pick_col, load_col, drop_col = st.columns([3, 1, 1], vertical_alignment="bottom")
            choice = pick_col.selectbox(t("whatif.saved", lang), list(saved), key=ui.LOAD_CHOICE)
            load_col.button(
                t("whatif.load", lang),
                on_click=ui.load,
                args=(saved[choice], settings),
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
                disabled=not who.may(access.SCENARIO),
            )
            rows = []
            for item, by, at in zip(
                stored["scenario"], stored["saved_by"], stored["saved_at"], strict=True
            ):
                org_item = engine.rescore(base, item).organization
                score = org_item["score"].iloc[0] if len(org_item) else float("nan")
                rows.append(
                    {
                        "scenario": item,
                        "weights": item.settings(settings).perspective_weights,
                        "score": score,
                        "change": score - baseline_score
                        if baseline_score is not None
                        else float("nan"),
                        "saved_by": by,
                        "saved_at": at,
                    }
                )
            st.dataframe(
                ui.scenarios_table(rows, lang),
                hide_index=True,
                width="stretch",
                placeholder=tables.MISSING,
            )
        st.button(
            t("whatif.adopt", lang),
            help=t("whatif.adopt_help", lang),
            on_click=ui.adopt,
            args=(chosen, lang),
            icon=":material/published_with_changes:",
            key="whatif_adopt",
            disabled=not who.may(access.SETTINGS),
        )
    st.session_state[ui.SERVER_MS] = 1000.0 * (time.perf_counter() - began)


whatif(base, settings, choices.departments)
