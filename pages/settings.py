"""Settings: the organisation's perspective and department weights, status bands, cap,
threshold score, veto score and bonus limit, stored for every session with who changed them and when."""

from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from kpi_engine import DEFAULTS, PERSPECTIVES, Settings
from kpi_engine.core import org
from kpi_engine.core.names import department_weights, display_names
from kpi_engine.core.settings import (
    GRADE_PRESETS,
    HEATMAP_COLORS,
    SCRIPTS,
    WEIGHTINGS,
    grade_table,
    problems,
)
from kpi_engine.i18n import perspective_label, t
from ui import auth, data, navigation, state, submissions, tables, users

navigation.require_shell()
lang = state.lang()
who = auth.actor()
editable = who.may(auth.SETTINGS)
current = data.settings()
st.title(t("page.settings", lang))
st.caption(t("settings.intro", lang))
if not editable:
    st.info(t("access.read_only", lang, role=t(f"role.{who.role}", lang)))


def _department_frame(settings: Settings, tree: org.Tree) -> pd.DataFrame:
    """Each department's weight, listed as every list is (`data.shown_departments`) and
    named in the user's script; `stored` keeps the name the weight is saved under. With a
    tree, every unit too, with its `level` (1 = at the top) and `parent`: a node weighs
    among its siblings, so the editor groups them by level, then by parent."""
    listed = {name: at for at, name in enumerate(data.shown_departments())}
    nodes = [*tree.units, *tree.parent] if tree else []
    names = list(
        display_names([*data.departments(), *nodes, *settings.department_weights]).values()
    )
    names.sort(key=lambda name: listed.get(name, len(listed)))
    weights = department_weights(names, settings.department_weights)
    shown = data.shown()
    frame = pd.DataFrame(
        {"stored": names, "department": [shown(n) for n in names], "weight": weights}
    )
    if not tree:
        return frame
    parents = [tree.parent.get(n) for n in names]
    frame["level"] = [org.level(tree, n) for n in names]
    frame["parent"] = [t("org.group", lang) if p is None else shown(p) for p in parents]
    return frame.sort_values(["level", "parent"], kind="stable")


def _weights_editor(frame: pd.DataFrame, key: str, *, level: bool) -> pd.DataFrame:
    """An editor of `frame`'s weights (its parent column shown when `level`)."""
    return st.data_editor(
        frame,
        column_config={
            "parent": st.column_config.TextColumn(t("org.parent", lang), disabled=True),
            "department": st.column_config.TextColumn(
                t("org.name" if level else "common.department", lang), disabled=True
            ),
            "weight": st.column_config.NumberColumn(
                t("common.weight", lang), min_value=0.0, step=0.5, format="%.1f"
            ),
        },
        column_order=("parent", "department", "weight") if level else ("department", "weight"),
        hide_index=True,
        num_rows="fixed",
        key=key,
        placeholder=tables.MISSING,
    )


with st.form("settings"):
    st.subheader(t("settings.perspective_weights", lang))
    st.caption(t("settings.weights_relative", lang))
    columns = st.columns(len(PERSPECTIVES))
    perspective_weights = {
        p: col.number_input(
            perspective_label(p, lang),
            min_value=0.0,
            value=float(current.perspective_weights.get(p, 0.0)),
            step=1.0,
            key=f"settings_weight_{p}",
        )
        for col, p in zip(columns, PERSPECTIVES, strict=True)
    }
    weighting = st.radio(
        t("settings.weighting", lang),
        WEIGHTINGS,
        index=WEIGHTINGS.index(current.weighting) if current.weighting in WEIGHTINGS else 0,
        format_func=lambda rule: t(f"weighting.{rule}", lang),
        help=t("settings.weighting_hint", lang),
        key="settings_weighting",
    )
    tree = data.tree()
    st.subheader(t("org.weights_title" if tree else "settings.department_weights", lang))
    weighed = _department_frame(current, tree)
    if not tree:
        edited = _weights_editor(weighed, "settings_departments", level=False)
    else:  # one editor per level of the tree: a node weighs among its siblings
        st.caption(t("org.weights_by_level", lang))
        parts = []
        for at, part in weighed.groupby("level", sort=True):
            st.markdown(f"**{t('org.level_weights', lang, level=at)}**")
            parts.append(_weights_editor(part, f"settings_departments_{at}", level=True))
        edited = pd.concat(parts)
    st.subheader(t("settings.bands", lang))
    green, amber, cap, base = st.columns(4)
    chosen = current.with_(
        perspective_weights=perspective_weights,
        weighting=weighting,
        department_weights={
            d: float(w)
            for d, w in zip(edited["stored"], edited["weight"], strict=True)
            if float(w) != 1.0
        },
        green_at=green.number_input(
            t("settings.green_at", lang), value=float(current.green_at), key="settings_green"
        ),
        amber_at=amber.number_input(
            t("settings.amber_at", lang), value=float(current.amber_at), key="settings_amber"
        ),
        cap=cap.number_input(t("settings.cap", lang), value=float(current.cap), key="settings_cap"),
        base_score=base.number_input(
            t("settings.base_score", lang), value=float(current.base_score), key="settings_base"
        ),
    )
    # SPEC §5.6, §5.7: after the weighted score
    st.subheader(t("settings.adjustments", lang))
    veto, bonus = st.columns(2)
    chosen = chosen.with_(
        veto_score=veto.number_input(
            t("settings.veto_score", lang),
            value=float(current.veto_score),
            help=t("settings.veto_score_hint", lang),
            key="settings_veto_score",
        ),
        bonus_limit=bonus.number_input(
            t("settings.bonus_limit", lang),
            value=float(current.bonus_limit),
            help=t("settings.bonus_limit_hint", lang),
            key="settings_bonus_limit",
        ),
    )
    st.subheader(t("settings.display", lang))
    script, zone = st.columns(2)
    zones = sorted(available_timezones() | {current.time_zone})
    chosen = chosen.with_(
        script=script.radio(
            t("settings.script", lang),
            SCRIPTS,
            index=SCRIPTS.index(current.script) if current.script in SCRIPTS else 0,
            format_func=lambda s: t(f"settings.script_{s}", lang),
            help=t("settings.script_hint", lang),
            key="settings_script",
        ),
        time_zone=zone.selectbox(
            t("settings.time_zone", lang),
            zones,
            index=zones.index(current.time_zone),
            help=t("settings.time_zone_hint", lang),
            key="settings_time_zone",
        ),
    )
    chosen = chosen.with_(  # lists, charts and pickers: these first, in this order
        department_order=tuple(
            st.multiselect(
                t("settings.department_order", lang),
                list(dict.fromkeys([*current.department_order, *data.shown_departments()])),
                default=list(current.department_order),
                format_func=data.shown(),
                help=t("settings.department_order_hint", lang),
                placeholder=t("settings.department_order_empty", lang),
                key="settings_department_order",
            )
        )
    )
    chosen = chosen.with_(
        heatmap_colors=st.radio(
            t("settings.heatmap_colors", lang),
            HEATMAP_COLORS,
            index=HEATMAP_COLORS.index(current.heatmap_colors),
            format_func=lambda choice: t(f"settings.heatmap_colors_{choice}", lang),
            help=t("settings.heatmap_colors_hint", lang),
            horizontal=True,
            key="settings_heatmap_colors",
        )
    )
    submitted = st.form_submit_button(
        t("settings.save", lang), icon=":material/save:", disabled=not editable
    )

if submitted:
    found = problems(chosen)
    if found:
        for problem in found:
            st.error(t(f"settings.problem_{problem}", lang), icon=":material/error:")
    elif chosen == current:
        st.info(t("settings.unchanged", lang))
    elif data.save_settings(chosen):
        st.success(t("settings.saved", lang))


def _grade_frame(settings: Settings) -> pd.DataFrame:
    table = settings.grades
    return pd.DataFrame(
        {
            "name": [g.name for g in table],
            "lowest": [g.lowest for g in table],
            "coefficient": [g.coefficient for g in table],
            "quota": [g.quota for g in table],
        }
    ).astype({"name": object, "lowest": float, "coefficient": float, "quota": float})


def _cell(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def _save_grades(chosen: Settings) -> None:
    """Store grade settings, or say what makes them unusable."""
    found = problems(chosen)
    for problem in found:
        st.error(t(f"settings.problem_{problem}", lang), icon=":material/error:")
    if not found and chosen != current and data.save_settings(chosen):
        st.rerun()


def grades_section(settings: Settings) -> None:
    """The grade table (SPEC §5.9): one-click presets, the table itself (names, lowest
    scores, coefficients, quotas) and the forced distribution switch."""
    st.subheader(t("settings.grades", lang))
    st.caption(t("settings.grades_hint", lang))
    presets = {"letters": "S / A / B / C / D", f"levels_{lang}": None}
    for col, key in zip(st.columns(len(presets)), presets, strict=True):
        label = presets[key] or " / ".join(g.name for g in GRADE_PRESETS[key])
        if col.button(label, key=f"settings_preset_{key}", disabled=not editable):
            _save_grades(settings.with_(grades=GRADE_PRESETS[key]))
    with st.form("settings_grades"):
        edited = st.data_editor(
            _grade_frame(settings),
            column_config={
                "name": st.column_config.TextColumn(t("common.grade", lang), required=True),
                "lowest": st.column_config.NumberColumn(
                    t("settings.grade_lowest", lang), help=t("settings.grade_lowest_hint", lang)
                ),
                "coefficient": st.column_config.NumberColumn(
                    t("common.coefficient", lang), min_value=0.0, format="%.2f"
                ),
                "quota": st.column_config.NumberColumn(
                    t("settings.grade_quota", lang),
                    help=t("settings.grade_quota_hint", lang),
                    min_value=0.0,
                    max_value=100.0,
                    format="%.0f%%",
                ),
            },
            hide_index=True,
            num_rows="dynamic",
            key=f"settings_grade_table_{hash(settings.grades)}",  # a preset resets it
            placeholder=tables.MISSING,
        )
        forced = st.toggle(
            t("settings.forced_distribution", lang),
            value=settings.forced_distribution,
            help=t("settings.forced_distribution_hint", lang),
            key="settings_forced",
        )
        saved = st.form_submit_button(
            t("settings.save_grades", lang), icon=":material/save:", disabled=not editable
        )
    if saved:
        rows = edited.dropna(how="all")
        table = grade_table(
            (str(n if isinstance(n, str) else "").strip(), _cell(lo), _cell(c), _cell(q))
            for n, lo, c, q in zip(
                rows["name"], rows["lowest"], rows["coefficient"], rows["quota"], strict=True
            )
        )
        _save_grades(settings.with_(grades=table, forced_distribution=forced))


grades_section(current)
submissions.cycle_settings(current, editable, lang)

if (
    editable
    and current != DEFAULTS
    and st.button(t("settings.reset", lang), icon=":material/restart_alt:", key="settings_reset")
) and data.save_settings(DEFAULTS):
    st.rerun()

st.subheader(t("settings.history", lang))
changes = data.settings_history()
if changes.empty:
    st.caption(t("settings.no_history", lang))
else:
    st.dataframe(
        tables.settings_history(changes, lang, current.time_zone),
        hide_index=True,
        width="stretch",
        placeholder=tables.MISSING,
    )

users.section(who, lang)
