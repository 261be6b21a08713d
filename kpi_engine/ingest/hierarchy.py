"""The organisation tree a batch states (issue 18): edges (department or unit -> the unit
it sits under) from a parent column on KPI sheets (`上级单位`, `所属单位`...) and from
hierarchy sheets (`组织架构`: a unit column and a parent column, no KPI column).

Each edge keeps where it was written, so that a problem names file, sheet, row and
column; `checked` then reads the edges of the whole batch in order: a unit placed
twice keeps its later parent (a warning), a parent that is a department with KPI rows
of its own and the placement that closes a circle are not used (errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from kpi_engine.core.names import department_key, department_keys
from kpi_engine.core.schema import ERROR, ORG_COLUMNS, WARNING, org_table
from kpi_engine.ingest import aliases
from kpi_engine.ingest.issues import Issue

# An edge as read: the names as written, and where (`order`: the sheet's place in the
# batch, so that later sheets win whatever kind they are).
EDGE_COLUMNS = ("unit", "parent", "file", "sheet", "row", "column", "order")
# Headers that make a sheet a KPI sheet: a hierarchy sheet has none of them.
_KPI_HEADERS = frozenset(
    {"kpi_id", "kpi_name", "perspective", "direction", "weight", "target", "actual", "period"}
)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def empty_edges() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EDGE_COLUMNS})


def edge_rows(edges: pd.DataFrame) -> list[tuple[object, ...]]:
    """A sheet's edges (`sheet_edges`, no `order` yet) as plain tuples, which a reader
    child hands to the parent (`load.parse_file`) without pickling a DataFrame."""
    return list(edges[list(EDGE_COLUMNS[:-1])].itertuples(index=False, name=None))


def edges_frame(rows: list[tuple[object, ...]], *, order: int) -> pd.DataFrame:
    """`edge_rows` back as edges, at the sheet's place in the batch."""
    frame = pd.DataFrame(rows, columns=list(EDGE_COLUMNS[:-1])) if rows else empty_edges()
    return frame.assign(order=order)[list(EDGE_COLUMNS)]


def sheet_edges(
    file: str, sheet: str, cells: list[list[object]], *, scan: int
) -> pd.DataFrame | None:
    """The edges of a hierarchy sheet, or None when `cells` are no hierarchy sheet: its
    header (within the first `scan` rows) has a name column (`单位名称`, `部门`, `unit`)
    and a parent column, and no KPI column. A row with an empty parent (the group at the
    top) gives no edge. Without `order`: the sheet's place in the batch is known only to
    the parent process (`edges_frame`)."""
    texts = [c for c in set(chain.from_iterable(cells[:scan])) if isinstance(c, str)]
    if "parent" not in map(aliases.column_for, texts):
        return None  # most sheets: one cached look-up per distinct text
    for index, row in enumerate(cells[:scan]):
        kinds = [aliases.column_for(c) if isinstance(c, str) else None for c in row]
        if "parent" not in kinds:
            continue
        headers = [_text(c) for c in row]
        names = [i for i, h in enumerate(headers) if aliases.is_hierarchy_name(h)]
        parents = [i for i, kind in enumerate(kinds) if kind == "parent"]
        if not names:
            continue
        if any(kind in _KPI_HEADERS for i, kind in enumerate(kinds) if i not in names):
            return None
        name, parent = names[0], parents[0]
        width = max(name, parent) + 1
        body = [[*r, *[""] * (width - len(r))] for r in cells[index + 1 :]]
        frame = pd.DataFrame(
            {
                "unit": [_text(r[name]) for r in body],
                "parent": [_text(r[parent]) for r in body],
                "file": file,
                "sheet": sheet,
                "row": np.arange(index + 2, index + 2 + len(body)),
                "column": headers[parent],
            },
            columns=list(EDGE_COLUMNS[:-1]),
        )
        return frame[frame["unit"].ne("") & frame["parent"].ne("")]
    return None


def _cells(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column's cells as codes into its distinct texts (-1: missing), those texts ('' at
    -1 too) and whether each is filled: one factorize, one `_text` per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = np.array([*(_text(u) for u in uniques), ""], dtype=object)
    return codes, texts, np.array([t != "" for t in texts], dtype=bool)


def column_edges(
    raw: pd.DataFrame,
    files: Sequence[str],
    sheets: Sequence[str],
    departments: Sequence[str | None],
    parent_headers: Sequence[str | None],
    orders: Sequence[int],
) -> pd.DataFrame:
    """Edges from the parent column of KPI sheets: a KPI row's department (its cell, else
    the one the sheet's title or name gives) under the unit its parent cell names. A row
    whose parent cell is empty, and a row that names no KPI (a total, a note), give no
    edge; a department's rows of one sheet give one. The other arguments are per sheet
    plan, indexed by raw's `_plan`. Integer codes throughout: raw may hold millions of
    rows (a wide sheet's once per month)."""
    if "parent" not in raw.columns:
        return empty_edges()
    parent, parents, keep = _cells(raw["parent"])
    keep = keep[parent]
    named = np.zeros(len(raw), dtype=bool)
    for column in ("kpi_name", "kpi_id"):
        if column in raw.columns:
            codes, _, filled = _cells(raw[column])
            named |= filled[codes]
    keep &= named
    plan = raw["_plan"].to_numpy()[keep]
    parent = parent[keep]
    if "department" in raw.columns:
        cell, written, filled = _cells(raw["department"])
        cell = np.where(filled[cell], cell, -1)[keep]
    else:
        cell, written = np.full(len(plan), -1), np.array([""], dtype=object)
    # one edge per sheet, department cell (-1: the sheet's own department) and parent
    key = (plan.astype(np.int64) * (len(written) + 1) + cell + 1) * (len(parents) + 1) + parent
    first = np.sort(np.unique(key, return_index=True)[1])
    context = np.array([d or "" for d in departments], dtype=object)[plan[first]]
    unit = np.where(cell[first] >= 0, written[cell[first]], context)
    first = first[unit != ""]
    unit = unit[unit != ""]
    plan = plan[first]
    return pd.DataFrame(
        {
            "unit": unit,
            "parent": parents[parent[first]],
            "file": np.array(files, dtype=object)[plan],
            "sheet": np.array(sheets, dtype=object)[plan],
            "row": raw["row"].to_numpy()[keep][first],
            "column": np.array(parent_headers, dtype=object)[plan],
            "order": np.array(orders, dtype=np.int64)[plan],
        },
        columns=list(EDGE_COLUMNS),
    )


def checked(
    edges: Iterable[pd.DataFrame], departments: Iterable[str]
) -> tuple[pd.DataFrame, list[Issue]]:
    """The batch's tree (`schema.org_table`) and its problems. `departments` are those
    with KPI rows (the batch's, then the store's): none of them may have children, and
    an edge names each of them as it is spelled there (`市場部` under its unit is the
    department 市场部 of the rows)."""
    frames = [e for e in edges if not e.empty]
    if not frames:
        return org_table(), []
    found = pd.concat(frames, ignore_index=True).sort_values(["order", "row"], kind="stable")
    found = found.assign(
        _unit=department_keys(found["unit"]).to_numpy(),
        _parent=department_keys(found["parent"]).to_numpy(),
    ).reset_index(drop=True)
    spelled: dict[str, str] = {}
    for name in departments:
        if name:
            spelled.setdefault(department_key(name), name)
    found["unit"] = [spelled.get(k, u) for k, u in zip(found["_unit"], found["unit"], strict=True)]
    issues: list[Issue] = []
    leaf = found["_parent"].isin(spelled)
    for edge in found[leaf].itertuples():
        issues.append(_issue(ERROR, edge, "org_parent_department"))
    found = found[~leaf]
    last = found.groupby("_unit")["_parent"].transform("last")
    kept_name = found.groupby("_unit")["parent"].transform("last")
    moved = found["_parent"].ne(last)
    for edge, kept in zip(found[moved].itertuples(), kept_name[moved], strict=True):
        issues.append(_issue(WARNING, edge, "org_two_parents", kept=kept))
    found = found[~found.duplicated("_unit", keep="last")]
    circles = _circles(found)
    for at, around in sorted(circles.items()):
        issues.append(_issue(ERROR, found.loc[at], "org_cycle", cycle=" → ".join(around)))
    tree = found.drop(index=list(circles))
    return org_table(tree[list(ORG_COLUMNS)]), issues


def _issue(severity: str, edge: Any, code: str, **params: object) -> Issue:
    """An issue on the cell of an edge's parent (`edge`: a row of `checked`'s frame, as a
    tuple or a Series)."""
    return Issue.of(
        severity,
        edge.file,
        edge.sheet,
        int(edge.row),
        edge.column,
        edge.parent,
        code,
        unit=edge.unit,
        parent=edge.parent,
        **params,
    )


def _circles(edges: pd.DataFrame) -> dict[int, list[str]]:
    """Of each circle in the edges (one parent per unit), the edge written last (the one
    that closes it: its index) and the names around the circle from its unit back to it.
    Walks each chain once: a unit's parent is its only way up."""
    up: dict[str, str] = dict(zip(edges["_unit"], edges["_parent"], strict=True))
    index: dict[str, int] = dict(zip(edges["_unit"], edges.index, strict=True))
    shown: dict[str, str] = dict(zip(edges["_unit"], edges["unit"], strict=True))
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    found: dict[int, list[str]] = {}
    for start in up:
        walk: list[str] = []
        node = start
        while node in up and node not in state:
            state[node] = 1
            walk.append(node)
            node = up[node]
        if state.get(node) == 1:  # back on this walk: a circle from `node`
            circle = walk[walk.index(node) :]
            last = max(circle, key=index.__getitem__)
            turn = circle.index(last)
            around = [*circle[turn:], *circle[:turn], last]
            found[index[last]] = [shown[n] for n in around]
        for done in walk:
            state[done] = 2
    return found
