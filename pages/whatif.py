"""What-if: other weights and targets beside the baseline, and how much the ranking depends
on the perspective weights.

Everything below the title is one `st.fragment`: moving a slider reruns only that part,
starting from the period scored once (`ui.whatif.prepared`), never re-reading files. Each
rerun builds one scenario from the controls; the numbers come from `kpi_engine.core.whatif`.
The scenario lives in this session (a method's weights are applied to it, not saved);
the Save button stores it in the organisation's store, where every user of the app sees
it. Stored KPI data is never changed; "adopt" changes the organisation's weights.
"""

import time

import streamlit as st

from kpi_engine import PERSPECTIVES, Settings
from kpi_engine.core import whatif as engine
from kpi_engine.core.names import department_key
from kpi_engine.i18n import period_label, score_text, t
from ui import auth, data, downloads, navigation, state, tables, text
from ui import whatif as ui

navigation.require_shell()
who = auth.actor()
choices = state.current()
lang, period, settings = choices.lang, choices.period, data.settings()
st.title(t("page.whatif", lang))
if period is None:
    st.info(t("whatif.no_data", lang))
    st.stop()
st.caption(t("whatif.intro", lang, period=period_label(period, lang)))
base = ui.prepared(period, settings)  # names in the user's script
ui.init_state()


@st.fragment
def whatif(base: engine.Prepared, settings: Settings, selected: tuple[str, ...]) -> None:
    began = time.perf_counter()
    departments = engine.scored_departments(base)
    sliders = ui.slider_weights(settings)  # the one read of the sliders in this rerun
    shares = engine.percentages(sliders)
    controls, results = st.columns([2, 3], gap="large")
    editor = st.expander(t("whatif.kpi_table", lang), icon=":material/edit_note:")

    with controls:
        st.subheader(t("whatif.perspective_weights", lang))
        for p in PERSPECTIVES:
            st.slider(
                ui.slider_label(p, shares, lang),
                min_value=0.0,
                max_value=100.0,
                value=sliders[p],
                step=1.0,
                format="%.1f",
                key=ui.slider_key(p),
            )
        st.caption(t("whatif.weights_relative", lang))
        unmoved = st.empty()  # filled once the scenario is scored: which rule scored whom
        if not sum(sliders.values()) > 0:
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

    with editor:
        st.caption(t("whatif.edit_hint", lang))
        wanted = {department_key(d) for d in selected}  # stored names; `departments` shown
        pick = [d for d in departments if department_key(d) in wanted] or departments
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
        ui.far_prompt(ui.record_kpi_edits(department, kpi_edits, base.rows), lang)
        st.caption(t("whatif.range_target_note", lang))

    typed = ui.typed_name()
    scenario = ui.scenario(
        sliders, ui.department_changes(edited, settings), typed or t("whatif.unsaved", lang)
    )
    chosen = scenario.settings(settings)

    with controls:
        st.subheader(t("whatif.methods", lang))
        ahp_tab, entropy_tab = st.tabs([t("whatif.ahp", lang), t("whatif.entropy", lang)])
        with ahp_tab:
            ui.ahp_panel(scenario, settings, lang)
        with entropy_tab:
            ui.entropy_panel(base, scenario, settings, lang)
        ui.applied_notice(lang)

    comparison = engine.compare(base, settings, scenario)
    top = engine.headline(comparison, base.period)
    unmoved_text = ui.unmoved_text(comparison, base.period, lang)
    if unmoved_text:
        unmoved.info(unmoved_text, icon=":material/info:")
    vetoed = ui.vetoed_text(comparison, base.period, settings, lang)
    with results:
        cols = st.columns(3)
        helped = t("whatif.org_help", lang)
        cols[0].metric(t("whatif.org_baseline", lang), score_text(top.baseline), help=helped)
        cols[1].metric(
            t("whatif.org_scenario", lang),
            score_text(top.scenario),
            help=helped,
            **ui.delta(top.change),
        )
        cols[2].metric(
            t("whatif.rank_moves", lang), t("whatif.rank_moves_value", lang, n=top.rank_moves)
        )
        st.caption(
            text.md(
                "whatif.scenario_caption",
                lang,
                name=ui.caption_name(scenario, typed, lang),
                n=ui.overrides_count(scenario),
            )
        )
        st.subheader(t("whatif.comparison", lang))
        if vetoed:  # whatever the weights (SPEC §5.6)
            st.error(vetoed, icon=":material/block:")
        compared = ui.chart_frame(comparison, selected)
        if compared.empty:
            st.info(t("common.no_rows", lang, period=period_label(base.period, lang)))
        else:
            st.dataframe(
                ui.comparison_table(comparison, lang, selected),
                hide_index=True,
                width="stretch",
                placeholder=tables.MISSING,
            )
            downloads.chart(
                ui.comparison_spec(compared, lang, settings),
                "whatif_comparison",
                lang,
                title=t("whatif.comparison", lang),
                period=base.period,
            )

    ui.pair_panel(base, selected, lang)  # full width: two scenarios' columns need it
    st.subheader(t("whatif.rank_stability", lang))
    spread = st.slider(t("whatif.spread", lang), min_value=1, max_value=30, value=10, key=ui.SPREAD)
    ranges = engine.rank_ranges(
        comparison.scenario.perspectives,
        weights=chosen.perspective_weights,
        departments=comparison.scenario.departments,
        spread_points=spread,
        samples=ui.RANK_SAMPLES,
        seed=0,
        settings=settings,
    )
    shown = ranges[ranges["department"].isin(selected)] if selected else ranges
    st.caption(t("whatif.rank_hint", lang, n=spread, samples=ui.RANK_SAMPLES))
    st.markdown(ui.rank_sentence(shown, spread, lang))
    st.markdown(ui.grade_sentence(shown, spread, lang))  # the grades it can take (SPEC §5.9)
    if not shown.empty:
        downloads.chart(
            ui.rank_spec(shown, lang, ui.baseline_order(comparison)),
            "rank_ranges",
            lang,
            title=t("whatif.rank_stability", lang),
            period=base.period,
        )

    with results:
        downloads.whatif(
            comparison, scenario, settings, lang=lang, period=base.period, ranges=ranges
        )
        ui.scenarios_panel(base, scenario, settings, typed, who, lang)
        st.button(
            t("whatif.adopt", lang),
            help=t("whatif.adopt_help", lang),
            on_click=ui.adopt,
            args=(chosen, lang),
            icon=":material/published_with_changes:",
            key="whatif_adopt",
            disabled=not who.may(auth.SETTINGS),
        )
    st.session_state[ui.SERVER_MS] = 1000.0 * (time.perf_counter() - began)


whatif(base, settings, choices.departments)
