"""Headers are found by what they say, below titles and blank rows, in any order."""

import math

import pytest

from tests.workbooks import form, load, messages, xlsx


@pytest.mark.slow
def test_header_below_title_and_blank_rows_in_any_column_order():
    rows = [
        ["2026年10月 市场部 KPI 考核表"],
        [],
        [],
        ["实际值", "指标名称", "目标值", "维度", "权重"],
        [90, "线上销售额占比", 100, "财务", 50],
        [0.5, "客户满意度", 0.8, "客户", 50],
    ]
    loaded = load(("m.xlsx", xlsx(rows)))
    kpis = loaded.kpis.set_index("kpi_name")
    assert list(kpis.index) == ["线上销售额占比", "客户满意度"]
    assert kpis.loc["线上销售额占比", "actual"] == 90
    assert kpis.loc["客户满意度", "target"] == 0.8
    assert set(kpis["department"]) == {"市场部"}
    assert set(kpis["period"]) == {"2026-10"}
    assert list(kpis["row"]) == [5, 6]


@pytest.mark.slow
def test_headers_match_case_space_punctuation_and_script_insensitively():
    rows = [
        ["Period", "DEPARTMENT", "kpi_name", "Per-spective", "  weight ", "TARGET", "Actual"],
        ["2026-01", "Finance", "Cash conversion", "Financial", 1, 10, 5],
    ]
    trad = [
        ["期間", "部門", "指標名稱", "構面", "權重", "目標值（萬元）", "實際值"],
        ["2026-01", "財務部", "營收", "財務", 1, 10, 5],
    ]
    loaded = load(("en.xlsx", xlsx(rows)), ("zh.xlsx", xlsx(trad)))
    assert messages(loaded) == []
    assert sorted(loaded.kpis["kpi_name"]) == ["Cash conversion", "營收"]
    assert list(loaded.kpis["actual"]) == [5, 5]


def test_unknown_column_is_kept_as_extra_field_and_named_in_a_warning():
    rows = form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90])
    rows[2].append("跟进事项")
    rows[3].append("按季度复核")
    loaded = load(("m.xlsx", xlsx(rows)))
    assert loaded.kpis.loc[0, "extras"] == {"跟进事项": "按季度复核"}
    warnings = loaded.issues[loaded.issues["severity"] == "warning"]
    assert "跟进事项" in set(warnings["column"])
    assert any("unrecognised header" in m for m in warnings["message"])


def test_a_workbook_without_a_kpi_header_is_an_error_naming_the_file():
    loaded = load(("notes.xlsx", xlsx([["会议纪要"], ["今天讨论了预算"]])))
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert list(errors["file"]) == ["notes.xlsx"]
    assert "no KPI table" in errors["message"].iloc[0]
    assert loaded.rows_accepted == 0


@pytest.mark.slow
def test_missing_actual_is_listed_not_zero():
    rows = form(
        ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, "N/A"],
        ["市场部", "财务", "M2", "利润", "越高越好", 1, 100, 0],
    )
    kpis = load(("m.xlsx", xlsx(rows))).kpis.set_index("kpi_id")
    assert math.isnan(kpis.loc["M1", "actual"])
    assert kpis.loc["M2", "actual"] == 0
