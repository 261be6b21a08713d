"""The organisation tree (issue 18): departments under units, units under units, any depth.

A tree is built from edges (`schema.org_table`: a node and the unit it sits under) and the
departments that have KPI rows. Identity is `names.department_key`, so `財務部` and `财务部`
are one node; a department is shown in its KPI rows' spelling, a unit in the spelling its
first edge gives it. Only units have children: a department with KPI rows of its own is a
leaf, and an edge naming it as a parent is dropped (its score is its KPIs', not a mean
of others). A self-parent and the edge that would close a cycle are dropped too, so what
is left is a forest; a department without an edge sits at the top, directly under the
group. A unit with no department under it has nothing to score and is left out.

Everything here is names and small mappings (hundreds of nodes): the roll-up's arrays are
built from them once (`rollup.upper`), never per KPI row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpi_engine.core.names import department_key, display_names

if TYPE_CHECKING:
    from kpi_engine.core.scorecard import Scorecard

UNIT, DEPARTMENT = "unit", "department"  # a child's `kind` in `at`


@dataclass(frozen=True)
class Tree:
    """Node -> its parent unit (names as shown), and the units (nodes with children),
    parents before children. Falsy when there is no tree (every department at the top)."""

    parent: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    units: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.units)


EMPTY = Tree()


def _text(value: object) -> str | None:
    """A name cell as text, None when missing or blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def tree_of(edges: pd.DataFrame | None, departments: Iterable[object]) -> Tree:
    """The tree the edges state over `departments` (those with KPI rows).

    Edges are read in order, one per node (the last one for a node wins, as in
    `org_table`); an edge is dropped when it names its own node as parent, names a
    department as parent, or would close a cycle with the edges kept before it.
    """
    shown = display_names(departments)  # key -> the departments' spelling
    is_department = set(shown)
    if edges is None or edges.empty:
        return EMPTY
    pairs: dict[str, str] = {}  # child key -> parent key, later edges winning
    for unit, parent in zip(edges["unit"], edges["parent"], strict=True):
        child, above = _text(unit), _text(parent)
        if child is None or above is None:
            continue
        for name in (child, above):
            shown.setdefault(department_key(name), name)
        pairs.pop(department_key(child), None)
        pairs[department_key(child)] = department_key(above)
    up: dict[str, str] = {}
    for child, above in pairs.items():
        if child == above or above in is_department or _reaches(up, above, child):
            continue
        up[child] = above
    # keep the nodes with a department under them: walk up from each department
    kept: set[str] = set()
    for key in is_department:
        node = key
        while node in up and up[node] not in kept:
            node = up[node]
            kept.add(node)
    parent = {
        shown[c]: shown[p] for c, p in up.items() if p in kept and (c in kept or c in is_department)
    }
    depth = {name: len(_chain(parent, name)) for name in {*parent.values()}}
    units = tuple(sorted(depth, key=lambda u: (depth[u], department_key(u), u)))
    return Tree(MappingProxyType(parent), units)


def tree_with_texts(tree: Tree, func: Callable[[str], str]) -> Tree:
    """`tree` with `func` applied to every name, as `scorecard.with_texts` does to the
    frames (the UI's script), so the tree still names what the frames name."""
    if not tree:
        return tree
    parent = {func(c): func(p) for c, p in tree.parent.items()}
    return Tree(MappingProxyType(parent), tuple(func(u) for u in tree.units))


def _reaches(up: Mapping[str, str], start: str, target: str) -> bool:
    """Whether walking up from `start` meets `target` (the kept edges have no cycle)."""
    node: str | None = start
    while node is not None:
        if node == target:
            return True
        node = up.get(node)
    return False


def _chain(parent: Mapping[str, str], node: str) -> list[str]:
    """`node` and its ancestors, bottom-up."""
    chain = [node]
    while chain[-1] in parent:
        chain.append(parent[chain[-1]])
    return chain


def _named(tree: Tree, node: str) -> str:
    """`node` as the tree spells it (any spelling with the same `department_key`)."""
    if node in tree.parent or node in tree.units:
        return node
    key = department_key(node)
    for name in (*tree.parent, *tree.units):
        if department_key(name) == key:
            return name
    return node


def path(tree: Tree, node: str | None) -> list[str]:
    """The breadcrumb: `node`'s ancestors top-down, ending at `node`; [] for the group."""
    if node is None:
        return []
    return _chain(tree.parent, _named(tree, node))[::-1]


def level(tree: Tree, node: str | None) -> int:
    """How deep `node` sits: 1 directly under the group, 0 for the group itself."""
    return len(path(tree, node))


def departments_under(tree: Tree, node: str | None, departments: Iterable[object]) -> list[str]:
    """The departments of `departments` at or below `node` (all of them for the group),
    in the order given."""
    names = list(dict.fromkeys(str(d) for d in departments))
    if node is None:
        return names
    at = _named(tree, node)
    return [d for d in names if at in _chain(tree.parent, d)]


def children(tree: Tree, node: str | None, departments: Iterable[object]) -> list[str]:
    """The nodes directly under `node` (the top level for None) that have one of
    `departments` at or below them: units first, parents before children as in
    `tree.units`, then departments in the order given."""
    names = list(dict.fromkeys(str(d) for d in departments))
    above = None if node is None else _named(tree, node)
    live: set[str] = set()  # units with a department of `departments` under them
    for d in names:
        live.update(_chain(tree.parent, d)[1:])
    units = [u for u in tree.units if u in live and tree.parent.get(u) == above]
    return units + [d for d in names if tree.parent.get(d) == above]


def at(card: Scorecard, node: str | None) -> Scorecard:
    """`card` seen from `node` (the group for None): its children's rows in `departments`
    and `perspectives` (`department` = the child's name, `kind` = unit or department),
    its own scores in `organization` and `organization_perspectives`, and the KPI rows of
    the departments under it. Without a tree, the group's view is `card` itself."""
    tree = card.tree
    if node is None and not tree:
        return card
    names = list(
        dict.fromkeys(
            [*card.kpis["department"].astype(str), *card.departments["department"].astype(str)]
        )
    )
    kids = children(tree, node, names)
    units = [k for k in kids if k in tree.units]
    unit_rows = _as_children(card.units, "unit", units)
    unit_persp = _as_children(card.unit_perspectives, "unit", units)
    dept_rows = card.departments[card.departments["department"].isin(kids).to_numpy(bool)]
    dept_persp = card.perspectives[card.perspectives["department"].isin(kids).to_numpy(bool)]
    under = departments_under(tree, node, names)
    kpis = card.kpis[card.kpis["department"].isin(under).to_numpy(bool)]
    if node is None:
        own, own_persp = card.organization, card.organization_perspectives
    else:
        at_node = _named(tree, node)
        own = _own(card.units, at_node, card.departments, card.organization)
        own_persp = _own(
            card.unit_perspectives, at_node, card.perspectives, card.organization_perspectives
        )
    return replace(
        card,
        kpis=kpis,
        departments=pd.concat([unit_rows, dept_rows.assign(kind=DEPARTMENT)], ignore_index=True),
        perspectives=pd.concat([unit_persp, dept_persp.assign(kind=DEPARTMENT)], ignore_index=True),
        organization=own,
        organization_perspectives=own_persp,
    )


def _as_children(frame: pd.DataFrame, column: str, units: list[str]) -> pd.DataFrame:
    """Unit rows of `units` written as children rows: `department` = the unit's name."""
    rows = frame[frame[column].isin(units).to_numpy(bool)]
    return rows.rename(columns={column: "department"}).assign(kind=UNIT)


def _own(
    units: pd.DataFrame, node: str, departments: pd.DataFrame, like: pd.DataFrame
) -> pd.DataFrame:
    """`node`'s own rows in the organisation table's shape: a unit's from `units`, a
    department's from `departments`."""
    if (units["unit"] == node).any() if "unit" in units.columns else False:
        rows = units[(units["unit"] == node).to_numpy(bool)]
    else:
        rows = departments[(departments["department"] == node).to_numpy(bool)]
    return rows.loc[:, [c for c in like.columns if c in rows.columns]].reset_index(drop=True)
