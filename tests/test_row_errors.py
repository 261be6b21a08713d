"""A bad row is reported with file, sheet, row, column and value; good rows still load."""

import pytest

from tests.workbooks import HEADER, form, load, messages, xlsx

GOOD = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]


def error_for(row: list[object]) -> dict[str, object]:
    loaded = load(("市场部_2026年10月.xlsx", xlsx(form(GOOD, row), sheet="10月")))
    assert list(loaded.kpis["kpi_id"]) == ["M1"], "the good row must still load"
    assert loaded.rows_rejected == 1
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert len(errors) == 1
    return errors.iloc[0].to_dict()


@pytest.mark.parametrize(
    ("row", "column", "value", "words"),
    [
        (["市场部", "财务", "M2", "x", "越高越好", -1, 100, 90], "权重", -1, "negative"),
        (["市场部", "效率", "M2", "x", "越高越好", 1, 100, 90], "维度", "效率", "perspective"),
        (["市场部", "财务", "M2", "x", "看情况", 1, 100, 90], "方向", "看情况", "direction"),
        (
            ["市场部", "财务", "M2", "x", "越高越好", 1, "一百", 90],
            "目标值",
            "一百",
            "not a number",
        ),
        (["市场部", None, "M2", "x", "越高越好", 1, 100, 90], "维度", None, "no perspective"),
        (
            ["市场部", "财务", "M2", "x", "越高越好", 1, 100, "约90"],
            "实际值",
            "约90",
            "not a number",
        ),
        (["市场部", "财务", "M2", "x", "越高越好", 1, -5, 90], "目标值", -5, "target"),
        (["市场部", "财务", "M2", "x", "越高越好", 1, None, 90], "目标值", None, "target"),
    ],
)
def test_bad_row_is_reported_with_its_cell(row, column, value, words):
    error = error_for(row)
    assert error["file"] == "市场部_2026年10月.xlsx"
    assert error["sheet"] == "10月"
    assert error["row"] == 5
    assert error["column"] == column
    assert error["value"] == value
    assert words in error["message"]
    assert ":" in error["message"], "the message says what to do after the colon"


def test_no_direction_defaults_to_higher_with_a_warning():
    rows = [
        ["2026年10月 市场部"],
        ["维度", "指标名称", "目标值", "实际值", "权重"],
        ["财务", "营收", 100, 90, 1],
    ]
    loaded = load(("m.xlsx", xlsx(rows)))
    assert list(loaded.kpis["direction"]) == ["higher"]
    assert any("higher-is-better" in m for m in messages(loaded, "warning"))


def test_no_weights_means_equal_weights_with_a_warning():
    rows = [
        ["2026年10月 市场部"],
        ["维度", "指标名称", "方向", "目标值", "实际值"],
        ["财务", "营收", "越高越好", 100, 90],
        ["客户", "满意度", "越高越好", 90, 80],
    ]
    loaded = load(("m.xlsx", xlsx(rows)))
    assert list(loaded.kpis["weight"]) == [1.0, 1.0]
    assert any("weigh the same" in m for m in messages(loaded, "warning"))


def test_zero_weight_is_accepted():
    rows = form(GOOD, ["市场部", "客户", "M2", "满意度", "越高越好", 0, 90, 80])
    loaded = load(("m.xlsx", xlsx(rows)))
    assert list(loaded.kpis["weight"]) == [1.0, 0.0]


def test_range_direction_needs_both_bounds():
    rows = [
        ["2026年10月 行政部"],
        ["维度", "指标名称", "方向", "权重", "目标下限", "实际值"],
        ["内部流程", "室温", "区间", 1, 20, 22],
    ]
    loaded = load(("a.xlsx", xlsx(rows)))
    assert loaded.rows_rejected == 1
    assert any("target low" in m or "range" in m for m in messages(loaded))


def test_low_and_high_bounds_without_direction_mean_a_range():
    rows = [
        ["2026年10月 行政部"],
        ["维度", "指标名称", "权重", "目标下限", "目标上限", "实际值"],
        ["内部流程", "室温", 1, 20, 24, 22],
    ]
    kpis = load(("a.xlsx", xlsx(rows))).kpis
    assert list(kpis["direction"]) == ["range"]


def test_duplicate_kpi_month_keeps_the_later_row_and_says_so():
    rows = form(GOOD, ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 95])
    loaded = load(("m.xlsx", xlsx(rows)))
    assert list(loaded.kpis["actual"]) == [95]
    warnings = loaded.issues[loaded.issues["severity"] == "warning"]
    assert list(warnings["row"]) == [4]


def test_header_only_sheet_loads_nothing_and_reports_nothing():
    loaded = load(("m.xlsx", xlsx([["2026年10月 市场部"], HEADER])))
    assert loaded.rows_accepted == 0 and loaded.rows_rejected == 0
