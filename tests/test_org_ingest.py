"""A batch states its organisation tree (issue 18): a parent column on KPI sheets
(上级单位 and its aliases) or a hierarchy sheet (组织架构) gives `Loaded.org`, and what is
wrong with it is an issue naming file, sheet, row and column."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_engine.core.schema import ORG_COLUMNS
from kpi_engine.i18n import t
from kpi_engine.ingest import aliases
from tests.group_data import (
    DEPARTMENT_UNITS,
    GROUP,
    HIERARCHY_FILE,
    HIERARCHY_SHEET,
    TREE,
    group_files,
    hierarchy_workbook,
)
from tests.workbooks import HEADER, form, load, xlsx


def edges(org: pd.DataFrame) -> dict[str, str]:
    assert list(org.columns) == list(ORG_COLUMNS)
    return dict(zip(org["unit"], org["parent"], strict=True))


def kpi_sheet(department: str, parent: object, header: str = "上级单位") -> list[list]:
    """A monthly form of two KPIs with a parent column after the usual ones."""
    return [
        [f"2026年10月 {department} KPI 考核表"],
        [],
        [*HEADER, header],
        [department, "财务", "K-1", "营业收入", "越高越好", 1, 100, 90, parent],
        [department, "客户", "K-2", "客户满意度", "越高越好", 1, 90, 88, parent],
    ]


@pytest.mark.parametrize(
    "header",
    [
        "上级单位",
        "所属单位",
        "上级部门",
        "隶属单位",
        "上级",
        "上級單位",
        "所屬單位",
        "上級部門",
        "parent",
        "Parent Unit",
        "belongs to",
        "Reports To",
    ],
)
def test_a_parent_column_places_the_department(header: str) -> None:
    loaded = load(("市场部.xlsx", xlsx(kpi_sheet("市场部", "营销事业部", header))))
    assert aliases.column_for(header) == "parent"
    assert edges(loaded.org) == {"市场部": "营销事业部"}
    assert loaded.rows_accepted == 2
    assert header not in set(loaded.issues["column"].dropna())  # no unknown-header warning


def test_a_sheet_without_the_column_states_no_tree() -> None:
    loaded = load(
        ("市场部.xlsx", xlsx(form(["市场部", "财务", "K-1", "营业收入", "越高越好", 1, 100, 90])))
    )
    assert loaded.org.empty and list(loaded.org.columns) == list(ORG_COLUMNS)
    assert loaded.rows_accepted == 1


def test_a_parent_cell_empty_on_some_rows_gives_the_edge_of_the_others() -> None:
    rows = kpi_sheet("市场部", "营销事业部")
    rows[-1][-1] = None  # the second KPI row has no parent
    loaded = load(("市场部.xlsx", xlsx(rows)))
    assert edges(loaded.org) == {"市场部": "营销事业部"}
    assert not loaded.issues["code"].str.startswith("org").any()


def test_a_department_named_in_the_title_takes_the_parent_of_its_rows() -> None:
    rows = kpi_sheet("市場部", "營銷事業部")  # traditional title, no department cell below
    for row in rows[3:]:
        row[0] = None
    loaded = load(("市場部.xlsx", xlsx(rows)))
    assert edges(loaded.org) == {loaded.kpis["department"].iloc[0]: "營銷事業部"}


def test_the_hierarchy_sheet_of_the_definitions_workbook_places_units_at_any_depth() -> None:
    loaded = load(*group_files(months=["2026-10"]))
    assert edges(loaded.org) == TREE
    assert GROUP not in set(loaded.org["unit"])  # the group's row has an empty parent
    assert not loaded.issues["code"].str.startswith("org").any()
    assert HIERARCHY_SHEET not in set(loaded.issues["sheet"].dropna())  # not skipped
    assert loaded.rows_accepted > 0


def test_the_parent_column_on_every_form_places_the_departments() -> None:
    loaded = load(*group_files(layout="column", months=["2026-09", "2026-10"]))
    assert edges(loaded.org) == DEPARTMENT_UNITS
    assert set(loaded.kpis["department"]) == set(DEPARTMENT_UNITS)


def test_a_hierarchy_only_workbook_is_an_upload_of_its_own() -> None:
    loaded = load((HIERARCHY_FILE, hierarchy_workbook()))
    assert edges(loaded.org) == TREE
    assert loaded.errors.empty and loaded.rows_accepted == 0


def test_a_hierarchy_sheet_in_english_with_merged_parent_cells() -> None:
    rows = [["Unit", "Parent unit", "Head"], ["Sales", "Group", "Li"], ["Service", None, "Wu"]]
    data = xlsx(rows, sheet="Organisation", merges=["B2:B3"])
    loaded = load(("org.xlsx", data))
    assert edges(loaded.org) == {"Sales": "Group", "Service": "Group"}


def test_a_sheet_with_kpi_columns_is_no_hierarchy_sheet() -> None:
    rows = [
        ["部门", "维度", "指标名称", "目标值", "实际值", "上级单位"],
        ["市场部", "财务", "营业收入", 100, 90, "营销"],
    ]
    loaded = load(("2026年10月.xlsx", xlsx(rows)))
    assert loaded.rows_accepted == 1
    assert edges(loaded.org) == {"市场部": "营销"}


def where(loaded, code: str) -> list[tuple]:
    found = loaded.issues[loaded.issues["code"] == code]
    return list(
        found[["severity", "file", "sheet", "row", "column", "value"]].itertuples(
            index=False, name=None
        )
    )


def hierarchy(*rows: list[object]) -> bytes:
    return xlsx([["单位名称", "上级单位"], *rows], sheet="组织架构")


def test_a_cycle_is_an_error_and_its_closing_placement_is_not_used() -> None:
    loaded = load(
        ("org.xlsx", hierarchy(["A事业部", "B事业部"], ["B事业部", "C中心"], ["C中心", "A事业部"]))
    )
    assert where(loaded, "org_cycle") == [
        ("error", "org.xlsx", "组织架构", 4, "上级单位", "A事业部")
    ]
    message = loaded.errors["message"].iloc[0]
    assert "C中心" in message and "A事业部" in message and "circle" in message
    assert edges(loaded.org) == {"A事业部": "B事业部", "B事业部": "C中心"}


def test_a_unit_its_own_parent_is_a_cycle() -> None:
    loaded = load(("org.xlsx", hierarchy(["A事业部", "A事业部"], ["B事业部", "集团"])))
    assert where(loaded, "org_cycle") == [
        ("error", "org.xlsx", "组织架构", 2, "上级单位", "A事业部")
    ]
    assert edges(loaded.org) == {"B事业部": "集团"}


def test_two_parents_for_one_unit_warn_and_the_last_wins() -> None:
    first = hierarchy(["A事业部", "集团"], ["市场部", "A事业部"])
    second = xlsx(kpi_sheet("市场部", "B事业部"))
    loaded = load(("org.xlsx", first), ("市场部.xlsx", second))
    assert where(loaded, "org_two_parents") == [
        ("warning", "org.xlsx", "组织架构", 3, "上级单位", "A事业部")
    ]
    assert "B事业部" in loaded.warnings.set_index("code").loc["org_two_parents", "message"]
    assert edges(loaded.org) == {"A事业部": "集团", "市场部": "B事业部"}


def test_a_department_with_kpi_rows_cannot_be_a_parent() -> None:
    sheet = xlsx(kpi_sheet("市场部", "营销事业部"))
    tree = hierarchy(["营销事业部", "集团"], ["客服组", "市场部"])
    loaded = load(("市场部.xlsx", sheet), ("org.xlsx", tree))
    assert where(loaded, "org_parent_department") == [
        ("error", "org.xlsx", "组织架构", 3, "上级单位", "市场部")
    ]
    assert edges(loaded.org) == {"市场部": "营销事业部", "营销事业部": "集团"}
    assert loaded.rows_accepted == 2  # the KPI rows are not touched


def test_a_stored_department_cannot_be_a_parent_either() -> None:
    loaded = load(("org.xlsx", hierarchy(["客服组", "市场部"])), known_departments=["市场部"])
    assert [c for c in loaded.errors["code"]] == ["org_parent_department"]
    assert loaded.org.empty


def test_every_issue_of_the_tree_has_its_text_in_every_language() -> None:
    for code in ("org_cycle", "org_two_parents", "org_parent_department"):
        params = {"unit": "甲", "parent": "乙", "kept": "丙", "cycle": "甲 → 乙 → 甲"}
        for lang in ("zh-Hans", "zh-Hant"):
            said = t(f"issue.{code}", lang, **params)
            assert "甲" in said and said != f"issue.{code}"
