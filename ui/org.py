"""Pages at any level of the organisation tree, and lists that stay readable at 500 units.

The node a session looks at (a unit, a department, or None for the whole group) is one
session-state value (`state.ORG_NODE`), set by the breadcrumb, the drill-down picker and
the Scorecard's rows of children, and read by every page: it survives page switches. Pages
ask `ui.data.history_at` for the card seen from it (`kpi_engine.core.org.at`). Without a
tree nothing here shows, and the pages look as they did before groups.

`focus` is the one way a page shortens a long list of departments or units: up to `FEW`
rows everything shows as before; beyond, a search box and the best and worst N by score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kpi_engine import Scorecard, Settings
from kpi_engine.core import org
from kpi_engine.core.names import department_key, department_keys, fold
from kpi_engine.i18n import t
from ui import data, derived, state, tables, text

FEW = 20  # a list this long or shorter shows every row, without search or top/bottom
ENDS = (10, 20, 50)  # the best N and worst N a long list can show; 0 = all
ALL = 0


def top(tree: org.Tree, departments: Sequence[str]) -> str | None:
    """Where the pages start: the group's own node when the tree has a single root unit (a
    组织架构 sheet naming the group), else None (several units at the top)."""
    roots = org.children(tree, None, departments)
    return roots[0] if len(roots) == 1 and roots[0] in tree.units else None


def node(tree: org.Tree, departments: Sequence[str]) -> str | None:
    """The chosen node as the tree names it; `top` when none is chosen or the chosen one
    has left the tree (another upload moved it); None without a tree."""
    if not tree:
        return None
    chosen = st.session_state.get(state.ORG_NODE)
    named = {department_key(n): n for n in (*tree.parent, *tree.units)}
    found = named.get(department_key(chosen)) if isinstance(chosen, str) else None
    return found or top(tree, departments)


def go(to: str | None) -> None:
    """Look at `to` from now on, on every page (a button's or a picker's callback)."""
    st.session_state[state.ORG_NODE] = to


def fresh(key: str) -> str:
    """A selectable table's or chart's widget key, new after each move by a click in one:
    the browser keeps a selection for a key it saw before, so coming back to the same unit
    would open the row clicked last time again."""
    return f"{key}_{st.session_state.get(state.ORG_MOVES, 0)}"


def moved(to: str) -> None:
    """A click in a table or chart opened `to`: go there, and renew the selectable keys."""
    go(to)
    st.session_state[state.ORG_MOVES] = st.session_state.get(state.ORG_MOVES, 0) + 1


def unit_of(tree: org.Tree, at: str | None) -> str | None:
    """The unit whose children a list shows at `at`: `at` itself when it is a unit (or the
    top), else the department's parent unit."""
    if at is None or at in tree.units:
        return at
    return tree.parent.get(at)


def breadcrumb(
    tree: org.Tree, at: str | None, lang: str, shown: Callable[[str], str], *, root: bool
) -> None:
    """集团 › 华东子公司 › 生产部: the group first (`org.group` when the tree has no node of
    its own for it: `root` False), every ancestor a button back up, the node in bold."""
    trail: list[str | None] = [*([] if root else [None]), *org.path(tree, at)]
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    for step, name in enumerate(trail):
        label = t("org.group", lang) if name is None else shown(name)
        if step:
            row.markdown("›")
        if step == len(trail) - 1:
            row.markdown(f"**{text.plain(label)}**")
        else:
            row.button(label, key=f"org_crumb_{step}", type="tertiary", on_click=go, args=(name,))


DRILL = "org_drill"  # the drill-down picker's widget key


def _drilled() -> None:
    """The picker's callback: go to the unit picked, and leave the picker empty again."""
    picked = st.session_state.get(DRILL)
    if picked:
        go(picked)
    st.session_state[DRILL] = None


def bar(
    tree: org.Tree, departments: Sequence[str], lang: str, shown: Callable[[str], str]
) -> str | None:
    """The breadcrumb and, beside it, a picker of the units under the node to go down to;
    the node. Nothing shows without a tree (None)."""
    if not tree:
        return None
    at = node(tree, departments)
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        breadcrumb(tree, at, lang, shown, root=top(tree, departments) is not None)
    below = [c for c in org.children(tree, unit_of(tree, at), departments) if c in tree.units]
    if below:
        right.selectbox(
            t("org.drill", lang),
            below,
            index=None,
            format_func=shown,
            placeholder=t("org.drill_placeholder", lang),
            key=DRILL,
            on_change=_drilled,
        )
    return at


@dataclass(frozen=True)
class Place:
    """Where a page looks: the tree (falsy without one), the chosen node, and the unit whose
    children the page lists (the node, or a chosen department's unit)."""

    tree: org.Tree
    node: str | None
    unit: str | None
    top: str | None = None  # the group's own node, when the tree has one (`top`)

    def name(self, lang: str) -> str:
        """The listed unit as the user reads it (`org.group` at the top)."""
        return data.shown()(self.unit) if self.unit else t("org.group", lang)

    def said(self, what: str) -> str:
        """The catalog key of the listed unit's `what` (score, grade): the group's at the
        top, else a unit's."""
        return f"org.group_{what}" if self.unit == self.top else f"org.unit_{what}"


def expected(place: Place) -> list[str]:
    """The departments expected to report that sit under the listed unit (all without a
    tree): whose missing forms the page's warnings name."""
    if not place.tree:
        return data.departments()
    return org.departments_under(place.tree, place.unit, data.departments())


def here(lang: str) -> Place:
    """A level-aware page's first call: the breadcrumb and drill-down (nothing without a
    tree), and where the page looks."""
    tree, departments = data.tree(), data.shown_departments()
    at = bar(tree, departments, lang, data.shown())
    if not tree:
        return Place(tree, None, None)
    return Place(tree, at, unit_of(tree, at), top(tree, departments))


def kind_of(place: Place, name: str) -> str:
    """ "unit" when `name` (as shown or stored) is a unit of the tree, else "department"."""
    units = {department_key(u) for u in place.tree.units} if place.tree else set()
    return "unit" if department_key(name) in units else "department"


def stored_name(place: Place, name: str) -> str:
    """The tree's own spelling of a node the page shows in the user's script."""
    named = {department_key(n): n for n in (*place.tree.parent, *place.tree.units)}
    return named.get(department_key(name), name)


def chosen_and_above(tree: org.Tree, chosen: Sequence[str]) -> list[str]:
    """The sidebar's chosen departments and every unit above them: a list of children
    narrowed by the department filter keeps the units that hold a chosen department."""
    if not tree or not chosen:
        return list(chosen)
    return list(dict.fromkeys(n for d in chosen for n in (*org.path(tree, d), d)))


def focus(rows: pd.DataFrame, lang: str, *, key: str) -> list[str] | None:
    """The names a long list shows (None: every one). `rows` hold one row per name
    (`department`) with its `score` in the period listed. Up to `FEW` names nothing shows
    and all are listed; beyond, a search box (part of a name, either script) and the best
    and worst N by score (10 by default, or all), with a caption saying how many of how
    many are shown. An empty list when the search finds nothing (said on the page)."""
    names = pd.unique(rows["department"].astype(object))
    if len(names) <= FEW:
        return None
    search_at, ends = st.columns([3, 2], vertical_alignment="bottom")
    query = search(search_at, lang, key=key)
    n = ends.selectbox(
        t("org.show", lang),
        (*ENDS, ALL),
        format_func=lambda v: t("org.show_ends", lang, n=v) if v else t("org.show_all", lang),
        key=f"{key}_ends",
    )
    picked = ends_of(rows, query, n)
    if not picked:
        no_match(query, lang)
    else:
        said = "org.found_count" if query.strip() else "org.shown_count"
        st.caption(t(said, lang, shown=len(picked), total=len(names)))
    return picked


def search(place: DeltaGenerator, lang: str, *, key: str) -> str:
    """A long list's search box (`{key}_search`): part of a unit's or department's name."""
    return place.text_input(
        t("org.search", lang), key=f"{key}_search", placeholder=t("org.search_placeholder", lang)
    )


def no_match(query: str, lang: str) -> None:
    """What a long list says when its search finds no name."""
    st.info(text.md("org.no_match", lang, text=query), icon=":material/search_off:")


def like(names: pd.Series, query: str) -> np.ndarray:
    """Which `names` hold `query` once both are folded (`names.fold`: case, script,
    spaces); all of them for an empty query."""
    wanted = fold(query) if query and query.strip() else ""
    if not wanted:
        return np.ones(len(names), dtype=bool)
    return names.astype(str).map(fold).str.contains(wanted, regex=False).to_numpy(bool)


def ends_of(rows: pd.DataFrame, query: str, n: int) -> list[str]:
    """The names whose folded form holds `query`'s (`like`), then the `n` best and `n`
    worst by score (all when `n` is 0 or they are few), best first. A name without a score
    comes last when all are listed, and is left out of the ends (a search finds it)."""
    rows = rows.drop_duplicates("department")
    rows = rows[like(rows["department"], query)]
    ranked = rows.sort_values("score", ascending=False, na_position="last", kind="stable")
    names = ranked["department"].astype(str).tolist()
    if n == ALL or len(names) <= 2 * n:
        return names
    scored = ranked["score"].notna().to_numpy(bool)
    best = [m for m, s in zip(names, scored, strict=True) if s][:n]
    worst = [m for m, s in zip(names, scored, strict=True) if s][n:][-n:]
    return best + worst


def keep(frame: pd.DataFrame, names: Sequence[str] | None) -> pd.DataFrame:
    """`frame`'s rows of `names` (by identity), all rows when None: what `focus` picked."""
    if names is None or "department" not in frame.columns:
        return frame
    wanted = {department_key(n) for n in names}
    return frame[department_keys(frame["department"]).isin(wanted).to_numpy(bool)]


def children_table(
    place: Place,
    seen: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    names: Sequence[str],
    *,
    key: str,
) -> None:
    """The ranked rows of the listed unit's children (`tables.ranking`, the Overview's and
    the reports' table) with each one's kind; with a tree, clicking a row opens that unit
    or department (a department on its Scorecard)."""
    if not place.tree:
        drawn = derived.shared_of_card(tables.styled_ranking, seen, period, lang, settings, names)
        st.dataframe(drawn, hide_index=True, placeholder=tables.MISSING)
        return
    ranked = derived.of_card(tables.ranking, seen, period, lang, settings, names)
    named = ranked.columns[1]  # the department column: here a unit's or a department's name
    ranked.insert(
        2, t("org.kind", lang), [t(f"org.kind_{kind_of(place, n)}", lang) for n in ranked[named]]
    )
    ranked = ranked.rename(columns={named: t("org.name", lang)})
    st.caption(t("org.children_hint", lang))
    event = st.dataframe(
        tables.styled(ranked, lang),
        hide_index=True,
        placeholder=tables.MISSING,
        on_select="rerun",
        selection_mode="single-row",
        key=fresh(key),
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        opened = stored_name(place, str(ranked.iloc[rows[0]][t("org.name", lang)]))
        moved(opened)
        if kind_of(place, opened) == "department":
            st.switch_page("pages/scorecard.py")
        st.rerun()
