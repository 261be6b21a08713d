"""SPEC §5.4: targets and actuals written with operators and units (`≥95%`, `≤2天`,
`100万元`, `25±2`) are read as their authors mean them, with the rule named in a warning,
and a number in another unit is refused rather than scored as if it were the same."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine.core.scoring import score
from kpi_engine.ingest.values import (
    OPERATOR_PREFIXES,
    OPERATOR_SUFFIXES,
    parse_numbers,
    parse_written,
)
from tests.workbooks import form, load, xlsx

# (cell, number, direction, unit as written)
WRITTEN = [
    # simplified Chinese
    ("≥95%", 0.95, "higher", None),
    (">=95%", 0.95, "higher", None),
    ("＞＝95％", 0.95, "higher", None),
    ("不低于95%", 0.95, "higher", None),
    ("95%以上", 0.95, "higher", None),
    ("≤2天", 2.0, "lower", "天"),
    ("<=2", 2.0, "lower", None),
    ("不高于2天", 2.0, "lower", "天"),
    ("2天以内", 2.0, "lower", "天"),
    ("2天以下", 2.0, "lower", "天"),
    ("100万元", 100.0, None, "万元"),
    ("不少于10", 10.0, "higher", None),
    ("至少10", 10.0, "higher", None),
    ("不超过5%", 0.05, "lower", None),
    ("> 90", 90.0, "higher", None),
    ("< 3 次", 3.0, "lower", "次"),
    ("１,２００万元以上", 1200.0, "higher", "万元"),
    # traditional Chinese
    ("不低於95%", 0.95, "higher", None),
    ("不高於2天", 2.0, "lower", "天"),
    ("2天以內", 2.0, "lower", "天"),
    ("100萬元", 100.0, None, "萬元"),
    ("不少於10", 10.0, "higher", None),
    ("不超過5%", 0.05, "lower", None),
    ("3小時以內", 3.0, "lower", "小時"),
    # English
    ("at least 95%", 0.95, "higher", None),
    ("95% or more", 0.95, "higher", None),
    ("no more than 5%", 0.05, "lower", None),
    ("at most 2 days", 2.0, "lower", "days"),
    ("2 days or less", 2.0, "lower", "days"),
    ("≥ 1,200 yuan", 1200.0, "higher", "yuan"),
]


def parsed(cell: object) -> dict[str, object]:
    return parse_written(pd.Series([cell], dtype=object)).iloc[0].to_dict()


@pytest.mark.parametrize(("cell", "number", "direction", "unit"), WRITTEN)
def test_a_written_target_holds_a_number_a_direction_and_a_unit(cell, number, direction, unit):
    got = parsed(cell)
    assert not got["bad"], cell
    assert got["value"] == pytest.approx(number)
    assert got["direction"] == direction
    assert got["unit"] == unit


@pytest.mark.parametrize("cell", ["25±2", "25 ± 2", "25+/-2", "25+-2", "２５±２"])
def test_plus_minus_is_a_range(cell):
    got = parsed(cell)
    assert (got["value"], got["low"], got["high"]) == (25.0, 23.0, 27.0)
    assert got["direction"] == "range"


def test_a_percent_range_is_a_range_of_fractions():
    got = parsed("95%±2%")
    assert (got["low"], got["high"]) == (pytest.approx(0.93), pytest.approx(0.97))
    assert parsed("95±2%")["low"] == pytest.approx(0.93)  # one percent sign for both


@pytest.mark.parametrize(
    "cell", ["≥约95%", "≥95%以上", "≥25±2", "25±-2", "以上", "N/A天", "80左右"]
)
def test_what_no_one_can_read_stays_bad(cell):
    got = parsed(cell)
    assert got["bad"]
    assert math.isnan(got["value"])


def test_plain_numbers_read_as_before():
    cells = pd.Series([85, "85%", "1,234.5", "¥1,234", "(12)", "N/A", "x"], dtype=object)
    written = parse_written(cells)
    plain = parse_numbers(cells)
    pd.testing.assert_series_equal(written["value"], plain["value"])
    pd.testing.assert_series_equal(written["bad"], plain["bad"])
    assert written["direction"].isna().all()


# -- the law: a number with any operator reads as that number and that operator's direction --

NUMBERS = st.builds(
    lambda whole, places: (whole / 10**places, f"{whole / 10**places:.{places}f}"),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=3),
)
OPERATORS = st.sampled_from(
    [(op, d, True) for op, d in OPERATOR_PREFIXES.items()]
    + [(op, d, False) for op, d in OPERATOR_SUFFIXES.items()]
)
UNITS = st.sampled_from(["", "%", "天", "萬元", "万元", "次", "起", " days", "小時"])


@given(NUMBERS, OPERATORS, UNITS, st.sampled_from(["", " ", "　"]))
def test_any_number_with_any_operator_reads_as_both(number, operator, unit, space):
    (x, written), (op, direction, before) = number, operator
    text = f"{written}{unit}"
    cell = f"{op}{space}{text}" if before else f"{text}{space}{op}"
    got = parsed(cell)
    assert not got["bad"], cell
    assert got["value"] == pytest.approx(x / 100 if unit == "%" else x), cell
    assert got["direction"] == direction, cell


CELL_TEXT = st.text(alphabet="0123456789.,%-+±/ 元万天以上内≥≤<>=约（）()", max_size=10)


@given(st.lists(CELL_TEXT, max_size=8))
def test_without_operator_or_unit_a_cell_reads_exactly_as_a_number_cell(cells):
    series = pd.Series(cells, dtype=object)
    written, plain = parse_written(series), parse_numbers(series)
    bare = written["direction"].isna() & written["unit"].isna()
    pd.testing.assert_series_equal(written.loc[bare, "value"], plain.loc[bare, "value"])
    pd.testing.assert_series_equal(written.loc[bare, "bad"], plain.loc[bare, "bad"])


# -- through a workbook: what is filled in, warned about and refused ----------------------------

UNIT_HEADER = ["部门", "维度", "指标编号", "指标名称", "方向", "权重", "目标值", "实际值", "单位"]


def sheet(*rows, header=UNIT_HEADER, title="2026年10月 市场部 KPI 考核表"):
    return [[title], [], list(header), *[list(r) for r in rows]]


def issues(loaded, code, severity=None):
    found = loaded.issues[loaded.issues["code"] == code]
    if severity:
        found = found[found["severity"] == severity]
    return found


def test_the_issues_cases_are_accepted_and_scored():
    loaded = load(
        (
            "市场部_2026年10月.xlsx",
            xlsx(
                form(
                    ["市场部", "客户", "K1", "客户满意度", None, 25, "≥95%", "96%"],
                    ["市场部", "内部流程", "K2", "投诉处理时长", None, 25, "≤2天", "1.5天"],
                    ["市场部", "财务", "K3", "销售收入", "越高越好", 25, "100万元", "98万元"],
                    ["市场部", "学习与成长", "K4", "培训完成", None, 25, "不低于90", 99],
                )
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors[["column", "value", "message"]]
    scored = score(loaded.kpis).set_index("kpi_id")
    assert scored.loc["K1", "direction"] == "higher"
    assert scored.loc["K1", ["target", "actual"]].tolist() == pytest.approx([0.95, 0.96])
    assert scored.loc["K1", "score"] == pytest.approx(100 * 0.96 / 0.95)
    assert scored.loc["K2", "direction"] == "lower"
    assert scored.loc["K2", "score"] == min(100 * (2 - 1.5 / 2), 120.0)  # capped
    assert scored.loc["K3", ["target", "actual", "unit"]].tolist() == [100.0, 98.0, "万元"]
    assert scored.loc["K3", "status"] == "amber"
    assert scored.loc["K4", "score"] == pytest.approx(110.0)


def test_the_operator_sets_an_empty_direction_with_a_warning_naming_the_cell():
    loaded = load(
        ("a.xlsx", xlsx(form(["市场部", "客户", "K1", "满意度", None, 1, "95%以上", 0.9])))
    )
    (kpi,) = loaded.kpis.itertuples()
    assert kpi.direction == "higher"
    (warning,) = issues(loaded, "direction_from_target").itertuples()
    assert (warning.row, warning.column, warning.value) == (4, "目标值", "95%以上")
    assert "越高越好" in warning.message
    # the sheet-wide "no direction given" default does not claim this row
    assert issues(loaded, "default_direction").empty


def test_a_written_target_beside_an_unknown_direction_in_the_batch_loads():
    """An operator target checked against its direction cell, and a direction no one knows
    in another row: the unknown one is its row's error (comparing the two crashed)."""
    loaded = load(
        (
            "a.xlsx",
            xlsx(
                form(
                    ["市场部", "客户", "K1", "满意度", "越高越好", 1, "≥95%", 0.96],
                    ["市场部", "客户", "K2", "投诉数", "越少越棒", 1, 5, 3],
                )
            ),
        )
    )
    assert loaded.kpis["kpi_id"].tolist() == ["K1"]
    assert loaded.kpis["direction"].tolist() == ["higher"]
    (error,) = loaded.errors.itertuples()
    assert (error.row, error.column, error.value) == (5, "方向", "越少越棒")


def test_an_operator_against_the_direction_column_is_an_error_naming_the_target_cell():
    loaded = load(
        ("a.xlsx", xlsx(form(["市场部", "客户", "K1", "投诉率", "越低越好", 1, "≥95%", 0.9])))
    )
    assert loaded.kpis.empty
    (error,) = issues(loaded, "direction_conflict").itertuples()
    assert (error.severity, error.row, error.column, error.value) == ("error", 4, "目标值", "≥95%")
    assert "越高越好" in error.message and "越低越好" in error.message


def test_a_range_in_the_target_fills_the_bounds_and_the_direction():
    loaded = load(
        (
            "a.xlsx",
            xlsx(
                form(
                    ["市场部", "内部流程", "K1", "库存周转天数", None, 1, "25±2", 26],
                    ["市场部", "内部流程", "K2", "交付周期", None, 1, "25+/-2", 29],
                    ["市场部", "内部流程", "K3", "在库天数", "越高越好", 1, "25 ± 2", 26],
                )
            ),
        )
    )
    kpis = score(loaded.kpis).set_index("kpi_id")
    assert kpis.loc["K1", ["direction", "target_low", "target_high"]].tolist() == [
        "range",
        23.0,
        27.0,
    ]
    # target keeps the centre as written; the range method scores by the bounds alone
    assert kpis.loc["K1", "target"] == 25.0
    assert (kpis.loc["K1", "score"], kpis.loc["K1", "method"]) == (100.0, "range")
    assert kpis.loc["K2", "score"] == pytest.approx(50.0)  # 2 of 4 past the top bound
    assert "K3" not in kpis.index  # a range against 越高越好 is a conflict
    assert issues(loaded, "direction_conflict")["value"].tolist() == ["25 ± 2"]


def test_units_fill_an_empty_unit_column_and_a_different_one_is_named():
    loaded = load(
        (
            "a.xlsx",
            xlsx(
                sheet(
                    ["市场部", "财务", "K1", "销售收入", None, 1, "100萬元", 98, None],
                    ["市场部", "财务", "K2", "回款", None, 1, "100万元", 98, "元"],
                    ["市场部", "财务", "K3", "毛利", None, 1, "100万元", 98, "萬元"],
                )
            ),
        )
    )
    units = loaded.kpis.set_index("kpi_id")["unit"]
    assert units.to_dict() == {"K1": "萬元", "K2": "元", "K3": "萬元"}
    (filled,) = issues(loaded, "unit_from_target", "warning").itertuples()
    assert (filled.row, filled.column, filled.value) == (4, "目标值", "100萬元")
    (differs,) = issues(loaded, "unit_differs", "warning").itertuples()
    assert (differs.row, differs.value) == (5, "100万元")
    assert "万元" in differs.message and "元" in differs.message  # 萬元 and 万元 are one unit


def test_an_actual_in_another_unit_is_an_error_for_that_row():
    loaded = load(
        (
            "a.xlsx",
            xlsx(
                sheet(
                    ["市场部", "财务", "K1", "销售收入", None, 1, 100, "98万元", "元"],
                    ["市场部", "财务", "K2", "回款", None, 1, 100, "98元", "元"],
                    ["市场部", "财务", "K3", "费用", "越低越好", 1, "≤2天", "36小时", None],
                )
            ),
        )
    )
    assert loaded.kpis["kpi_id"].tolist() == ["K2"]
    errors = issues(loaded, "unit_mismatch", "error").set_index("row")
    assert errors.loc[4, ["column", "value"]].tolist() == ["实际值", "98万元"]
    assert "万元" in errors.loc[4, "message"] and "98万元 is not 98元" in errors.loc[4, "message"]
    assert errors.loc[6, "value"] == "36小时"


def test_a_unit_slip_is_an_error_not_a_green_120():
    """The issue's case: target in 万元, actual typed in 元 (1,200,000 元 = 120 万元)."""
    loaded = load(
        (
            "a.xlsx",
            xlsx(
                form(["市场部", "财务", "K1", "销售收入", "越高越好", 1, "100万元", "1,200,000元"])
            ),
        )
    )
    assert loaded.kpis.empty
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.column, error.value) == ("unit_mismatch", "实际值", "1,200,000元")


def test_an_unreadable_written_target_names_the_real_cause():
    loaded = load(
        ("a.xlsx", xlsx(form(["市场部", "客户", "K1", "满意度", None, 1, "≥约95%", 0.9])))
    )
    (error,) = loaded.errors.itertuples()
    assert error.code == "written_target_unread"
    assert "≥95%" in error.message  # shows how to write it
    assert issues(loaded, "not_a_number").empty


def test_an_operator_in_an_actual_is_named_as_such():
    loaded = load(("a.xlsx", xlsx(form(["市场部", "客户", "K1", "满意度", None, 1, 0.95, "≥96%"]))))
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.column) == ("operator_not_target", "实际值")


def test_english_and_traditional_sheets_read_written_targets():
    english = [
        ["Oct 2026 Sales Department KPI"],
        [],
        ["Department", "Perspective", "KPI ID", "KPI name", "Weight", "Target", "Actual"],
        ["Sales", "customer", "S1", "Satisfaction", 1, "at least 95%", "96%"],
        ["Sales", "internal process", "S2", "Lead time", 1, "2 days or less", "3 days"],
    ]
    traditional = [
        ["2026年10月 財務部 KPI 考核表"],
        [],
        ["部門", "維度", "指標編號", "指標名稱", "權重", "目標值", "實際值"],
        ["財務部", "財務", "F1", "營收", 1, "不低於100萬元", "120萬元"],
        ["財務部", "內部流程", "F2", "結帳天數", 1, "3天以內", "2天"],
    ]
    loaded = load(("en.xlsx", xlsx(english)), ("zh.xlsx", xlsx(traditional)))
    assert loaded.errors.empty, loaded.errors[["column", "value", "message"]]
    kpis = score(loaded.kpis).set_index("kpi_id")
    assert kpis["direction"].to_dict() == {
        "S1": "higher",
        "S2": "lower",
        "F1": "higher",
        "F2": "lower",
    }
    assert kpis.loc["S2", "score"] == pytest.approx(50.0)
    assert kpis.loc["F1", "score"] == pytest.approx(120.0)


# -- rows that are not KPIs of a perspective: named for what they are ---------------------------


@pytest.mark.parametrize(
    ("perspective", "section"),
    [
        ("加分项", "bonus"),
        ("加分", "bonus"),
        ("扣分项", "penalty"),
        ("減分項", "penalty"),
        ("penalty", "penalty"),
        ("Bonus", "bonus"),
        ("否决指标", "veto"),
        ("否決項", "veto"),
    ],
)
def test_a_bonus_penalty_or_veto_row_is_its_section_not_an_unknown_perspective(
    perspective, section
):
    loaded = load(("a.xlsx", xlsx(form(["市场部", perspective, "B1", "荣誉", None, 1, 1, 2]))))
    assert loaded.errors.empty, loaded.errors[["column", "value", "message"]]
    (row,) = loaded.kpis.itertuples()
    assert (row.section, row.perspective, row.veto) == (section, None, section == "veto")


def test_rows_under_a_bonus_section_are_not_scored_as_the_section_above():
    rows = [
        ["2026年10月 市场部 KPI 考核表"],
        [],
        ["指标编号", "指标名称", "权重", "目标值", "实际值"],
        ["一、财务"],
        ["K1", "销售收入", 1, 100, 90],
        ["二、加分项"],
        ["B1", "获得省级荣誉", None, 1, 2],
    ]
    loaded = load(("市场部.xlsx", xlsx(rows)))
    kpis = loaded.kpis.set_index("kpi_id")
    assert kpis["perspective"].to_dict() == {"K1": "financial", "B1": None}
    assert kpis["section"].to_dict() == {"K1": None, "B1": "bonus"}


def test_a_wide_sheets_target_is_warned_about_once_and_each_month_checked():
    rows = [
        ["2026年 市场部 KPI"],
        [],
        ["指标名称", "维度", "方向", "目标值", "1月", "2月", "3月"],
        ["满意度", "客户", None, "≥95%", "96%", "94%", None],
        ["安全事故", "内部流程", "越低越好", "0起", "0起", "1起", "2次"],
    ]
    loaded = load(("a.xlsx", xlsx(rows)))
    assert issues(loaded, "direction_from_target")["row"].tolist() == [4]
    assert issues(loaded, "unit_from_target")["row"].tolist() == [5]
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.column, error.value) == ("unit_mismatch", "3月", "2次")
    kpis = score(loaded.kpis)
    assert kpis.groupby("kpi_name")["period"].count().to_dict() == {"满意度": 3, "安全事故": 2}
    assert kpis.loc[kpis["kpi_name"].eq("安全事故"), "score"].tolist() == [100.0, 0.0]


def test_a_written_range_against_other_bounds_is_an_error_and_equal_bounds_are_fine():
    header = ["部门", "维度", "指标名称", "目标值", "目标下限", "目标上限", "实际值"]
    rows = [
        ["2026年10月 市场部"],
        [],
        header,
        ["市场部", "内部流程", "周转天数", "25±2", 20, 30, 26],
        ["市场部", "内部流程", "交付天数", "25±2", 23, 27, 26],
    ]
    loaded = load(("a.xlsx", xlsx(rows)))
    assert loaded.kpis["kpi_name"].tolist() == ["交付天数"]
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.row, error.column, error.value) == (
        "range_conflict",
        4,
        "目标值",
        "25±2",
    )


def test_anchors_written_with_units_are_held_to_the_targets_unit():
    header = ["部门", "维度", "指标名称", "方向", "目标值", "红线值", "实际值"]
    rows = [
        ["2026年10月 市场部"],
        [],
        header,
        ["市场部", "客户", "响应时长", "越低越好", "2天", "4天", "3天"],
        ["市场部", "客户", "处理时长", "越低越好", "2天", "48小时", "3天"],
    ]
    loaded = load(("a.xlsx", xlsx(rows)))
    (kpi,) = score(loaded.kpis).itertuples()
    assert (kpi.kpi_name, kpi.floor, kpi.score) == ("响应时长", 4.0, pytest.approx(50.0))
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.column, error.value) == ("unit_mismatch", "红线值", "48小时")
