"""The organisation tree (issue 18): edges place departments under units and units under
units, any depth; one node per identity whatever its script; edges that would make it not
a tree (self-parent, cycles, a department with KPIs of its own as a parent) are dropped;
a department without an edge sits directly under the group.
"""

from __future__ import annotations

import pandas as pd

from kpi_engine.core import org
from kpi_engine.core.schema import org_table


def edges(*pairs: tuple[str, str]) -> pd.DataFrame:
    """An edges table: (node, parent) pairs in order."""
    return org_table(pd.DataFrame(list(pairs), columns=["unit", "parent"]))


def test_no_edges_is_the_empty_tree_and_every_department_at_the_top() -> None:
    tree = org.tree_of(org_table(), ["财务部", "销售部"])
    assert tree == org.EMPTY and not tree
    assert org.children(tree, None, ["财务部", "销售部"]) == ["财务部", "销售部"]
    assert org.path(tree, "财务部") == ["财务部"]
    assert org.level(tree, "财务部") == 1
    assert org.level(tree, None) == 0
    assert org.path(tree, None) == []


def test_any_depth() -> None:
    depts = ["财务部", "销售部", "研发部"]
    tree = org.tree_of(
        edges(
            ("财务部", "华东公司"),
            ("销售部", "上海分部"),
            ("上海分部", "华东公司"),
            ("华东公司", "集团总部"),
        ),
        depts,
    )
    assert tree
    assert tree.units == ("集团总部", "华东公司", "上海分部")  # parents before children
    assert org.path(tree, "销售部") == ["集团总部", "华东公司", "上海分部", "销售部"]
    assert org.level(tree, "销售部") == 4
    assert org.level(tree, "华东公司") == 2
    assert org.children(tree, None, depts) == ["集团总部", "研发部"]
    assert org.children(tree, "集团总部", depts) == ["华东公司"]
    assert org.children(tree, "华东公司", depts) == ["上海分部", "财务部"]
    assert org.departments_under(tree, "华东公司", depts) == ["财务部", "销售部"]
    assert org.departments_under(tree, None, depts) == depts
    assert org.departments_under(tree, "研发部", depts) == ["研发部"]


def test_identity_across_scripts_names_shown_in_the_departments_spelling() -> None:
    tree = org.tree_of(edges(("財務部", "華東公司"), ("销售", "华东公司")), ["财务部", "销售部"])
    assert tree.parent == {"财务部": "華東公司", "销售部": "華東公司"}
    assert tree.units == ("華東公司",)
    assert org.children(tree, "华东公司", ["财务部", "销售部"]) == ["财务部", "销售部"]
    assert org.path(tree, "財務部") == ["華東公司", "财务部"]


def test_self_parent_and_the_edge_closing_a_cycle_are_dropped() -> None:
    depts = ["财务部"]
    assert not org.tree_of(edges(("财务部", "财务部")), depts)
    tree = org.tree_of(
        edges(
            ("财务部", "甲公司"), ("甲公司", "乙公司"), ("乙公司", "丙公司"), ("丙公司", "甲公司")
        ),
        depts,
    )
    # the last edge would close 甲 -> 乙 -> 丙 -> 甲: dropped, 丙 is the top
    assert org.path(tree, "财务部") == ["丙公司", "乙公司", "甲公司", "财务部"]
    assert org.tree_of(edges(("甲公司", "甲公司"), ("财务部", "甲公司")), depts).parent == {
        "财务部": "甲公司"
    }


def test_departments_without_an_edge_sit_at_the_top() -> None:
    depts = ["财务部", "销售部", "人力资源部"]
    tree = org.tree_of(edges(("财务部", "总部")), depts)
    assert org.children(tree, None, depts) == ["总部", "销售部", "人力资源部"]
    assert org.level(tree, "销售部") == 1
    assert org.path(tree, "人力资源部") == ["人力资源部"]


def test_a_department_with_kpis_of_its_own_is_a_leaf() -> None:
    depts = ["财务部", "销售部"]
    tree = org.tree_of(edges(("销售部", "财务部"), ("财务部", "总部")), depts)
    assert tree.parent == {"财务部": "总部"}  # 财务部 has KPIs: nothing sits under it
    assert org.children(tree, "财务部", depts) == []
    assert org.children(tree, None, depts) == ["总部", "销售部"]


def test_a_unit_without_departments_under_it_is_left_out() -> None:
    depts = ["财务部"]
    tree = org.tree_of(edges(("财务部", "总部"), ("空公司", "总部"), ("没数据部", "空公司")), depts)
    assert tree.units == ("总部",)
    assert org.children(tree, "总部", depts) == ["财务部"]
    # a period without a department under a unit: the unit is no child then
    assert org.children(tree, None, ["销售部"]) == ["销售部"]


def test_later_edges_win_and_blank_cells_are_ignored() -> None:
    raw = pd.DataFrame(
        {
            "unit": ["财务部", "财务部", None, "销售部"],
            "parent": ["甲公司", "乙公司", "甲公司", " "],
        }
    )
    tree = org.tree_of(raw, ["财务部", "销售部"])
    assert tree.parent == {"财务部": "乙公司"}
