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
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpi_engine.core.names import department_key, department_weights, display_names

if TYPE_CHECKING:
    from kpi_engine.core.scorecard import Scorecard

UNIT, DEPARTMENT = "unit", "department"  # a child's `kind` in `at`


@dataclass(frozen=True)
class Tree:
    """Node -> its parent unit (names as shown), and the units (nodes with children),
    parents before children. Falsy when there is no tree (every department at the top)."""

    parent: Mapping[str, str] = field(default_factory=dict)
    units: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.units)

    @cached_property
    def named(self) -> Mapping[str, str]:
        """`department_key` -> the node's name, for every node of the tree."""
        return {department_key(n): n for n in (*self.parent, *self.units)}


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
    if edges is None or edges.empty:
        return EMPTY
    shown = display_names(departments)  # key -> the departments' spelling
    is_department = set(shown)
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
    depth = {name: len(_chain(parent, name)) for name in set(parent.values())}
    units = tuple(sorted(depth, key=lambda u: (depth[u], department_key(u), u)))
    return Tree(parent, units)


def tree_with_texts(tree: Tree, func: Callable[[str], str]) -> Tree:
    """`tree` with `func` applied to every name, as `scorecard.with_texts` does to the
    frames (the UI's script), so the tree still names what the frames name."""
    if not tree:
        return tree
    parent = {func(c): func(p) for c, p in tree.parent.items()}
    return Tree(parent, tuple(func(u) for u in tree.units))


def edges(tree: Tree) -> pd.DataFrame:
    """The tree as edges (`schema.ORG_COLUMNS`): `tree_of(edges(tree), departments)` is
    `tree` again over the same departments (what-if re-scores rows under its baseline's)."""
    return pd.DataFrame(
        {"unit": list(tree.parent), "parent": list(tree.parent.values())}, dtype=object
    )


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


def chain(tree: Tree, node: str) -> list[str]:
    """`node` (as the tree spells it) and its ancestors, bottom-up."""
    return _chain(tree.parent, node)


def _named(tree: Tree, node: str) -> str:
    """`node` as the tree spells it (any spelling with the same `department_key`)."""
    if node in tree.parent or node in tree.units or not tree:
        return node
    return tree.named.get(department_key(node), node)


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


def shares(tree: Tree, departments: Iterable[object], weights: Mapping[str, float]) -> np.ndarray:
    """Each of `departments`' share of the organisation score when just they have one: the
    product, down its path, of each node's weight over those of its siblings that have a
    department of `departments` under them (`names.department_weights`, 1 unless set).
    So the organisation score is sum(share * score) exactly as the roll-up's level-by-level
    weighted mean makes it (a flat list of shares, what "why the score moved" splits); no
    tree: each department's weight over the total. 0 where nothing weighs anything."""
    names = [str(d) for d in departments]
    chains = [_chain(tree.parent, d) for d in names]
    nodes = list(dict.fromkeys(n for c in chains for n in c))
    weight = dict(zip(nodes, department_weights(nodes, weights), strict=True))
    total: dict[str | None, float] = {}
    for node in nodes:
        above = tree.parent.get(node)
        total[above] = total.get(above, 0.0) + weight[node]
    out = np.ones(len(names))
    for i, chain_ in enumerate(chains):
        for node in chain_:
            whole = total[tree.parent.get(node)]
            out[i] *= weight[node] / whole if whole > 0 else 0.0
    return out


def at(card: Scorecard, node: str | None) -> Scorecard:
    """`card` seen from `node` (the group for None): its children's rows in `departments`
    and `perspectives` (`department` = the child's name, `kind` = unit or department),
    its own scores in `organization` and `organization_perspectives` (a department's are
    its department rows), and the KPI and collaboration rows of the departments under it.
    Unit tables and the tree stay whole (for breadcrumbs). Any grain: every table keeps
    its periods. Without a tree, the group's view is `card` itself."""
    tree = card.tree
    if node is None and not tree:
        return card
    names = [str(d) for d in pd.unique(card.departments["department"].astype(object))]
    kids = children(tree, node, names)
    units = [k for k in kids if k in tree.units]
    under = departments_under(tree, node, names)  # every one for the group

    def of(frame: pd.DataFrame, column: str, chosen: list[str]) -> pd.DataFrame:
        return frame[frame[column].isin(chosen).to_numpy(bool)]

    departments = pd.concat(
        [
            of(card.units, "unit", units).rename(columns={"unit": "department"}).assign(kind=UNIT),
            of(card.departments, "department", kids).assign(kind=DEPARTMENT),
        ],
        ignore_index=True,
    )
    perspectives = pd.concat(
        [
            of(card.unit_perspectives, "unit", units)
            .rename(columns={"unit": "department"})
            .assign(kind=UNIT),
            of(card.perspectives, "department", kids).assign(kind=DEPARTMENT),
        ],
        ignore_index=True,
    )
    own, own_perspectives = card.organization, card.organization_perspectives
    if node is not None:
        name = _named(tree, node)
        is_unit = name in tree.units
        mine = (
            of(card.units, "unit", [name])
            if is_unit
            else of(card.departments, "department", [name])
        )
        mine_p = (
            of(card.unit_perspectives, "unit", [name])
            if is_unit
            else of(card.perspectives, "department", [name])
        )
        own = mine.loc[:, [c for c in own.columns if c in mine.columns]].reset_index(drop=True)
        own_perspectives = mine_p.loc[
            :, [c for c in own_perspectives.columns if c in mine_p.columns]
        ].reset_index(drop=True)
    whole = node is None  # the group: every department is under it
    return replace(
        card,
        kpis=card.kpis if whole else of(card.kpis, "department", under),
        departments=departments,
        perspectives=perspectives,
        collaboration=card.collaboration if whole else of(card.collaboration, "department", under),
        organization=own,
        organization_perspectives=own_perspectives,
    )
