"""Sheets end and begin as Chinese departments write them (SPEC §2): signature, approval
and filled-in-by lines are no KPIs, a fill-in date is not the period, and a `填报部门` line
names the department."""

import datetime as dt

import pytest

from kpi_engine.ingest.aliases import is_form_line
from tests.workbooks import HEADER, load, xlsx

KPI = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]
TITLE = "2026年10月 市场部 KPI 考核表"


def warnings(loaded):
    return loaded.issues[loaded.issues["severity"] == "warning"]


@pytest.mark.parametrize(
    "line",
    [
        ["部门负责人（签字）：        分管领导审核：        日期："],
        ["部门负责人（签字）：", None, None, "分管领导审核：", None, None, "日期："],
        ["制表：张三", None, "审核：李四", None, "批准：", None, "日期：2026-11-05"],
        ["制表", "张三", "审核", "李四", "批准", None, "日期", dt.datetime(2026, 11, 5)],
        ["填报人：张三", None, None, "填报日期：", dt.datetime(2026, 11, 5)],
        [None, None, "签字：", None, None, None, None, "日期："],
        ["部門負責人（簽字）：", None, None, "分管領導審核：", None, None, "日期："],
        ["總經理審批：", None, None, "人力資源部意見："],
        ["Prepared by: Li Lei", None, None, "Approved by:", None, None, "Date: 2026-11-05"],
        ["Department head (signature):", None, None, None, "Reviewed by:"],
    ],
)
def test_signature_lines_below_the_table_are_skipped_with_a_note(line):
    rows = [[TITLE], [], HEADER, KPI, [], line]
    loaded = load(("m.xlsx", xlsx(rows)))
    assert loaded.errors.empty, loaded.errors
    assert list(loaded.kpis["kpi_id"]) == ["M1"]
    notes = warnings(loaded)
    assert list(notes["code"]) == ["signature_row"]
    assert list(notes["row"]) == [6]


def test_a_signature_line_merged_across_the_table_is_skipped_with_one_note():
    rows = [[TITLE], [], HEADER, KPI, ["部门负责人（签字）：    分管领导审核：    日期："]]
    loaded = load(("m.xlsx", xlsx(rows, merges=["A5:H5"])))
    assert loaded.errors.empty and loaded.rows_accepted == 1
    assert list(warnings(loaded)["code"]) == ["signature_row"]


def test_signature_lines_above_the_header_are_neither_title_nor_kpis():
    rows = [
        ["部门负责人（签字）：        日期：2026-11-05"],
        [TITLE],
        HEADER,
        KPI,
    ]
    loaded = load(("m.xlsx", xlsx(rows)))
    assert loaded.errors.empty and loaded.warnings.empty
    assert list(loaded.kpis["period"]) == ["2026-10"]


@pytest.mark.parametrize(
    "filler",
    [
        ["填报单位：市场部  填报日期：2026-11-05"],
        ["填报单位：市场部", None, None, "填报日期：2026-11-05"],
        ["填报单位：", "市场部", None, "填报日期：", dt.datetime(2026, 11, 5)],
        ["填报人：张三", None, dt.datetime(2026, 11, 5)],
        ["填報單位：市場部", None, None, "填報日期：2026年11月5日"],
        ["制表日期：2026-11-05"],
        ["Prepared by: Li Lei", None, "Date: 2026-11-05"],
    ],
)
def test_a_fill_in_date_above_the_header_is_not_the_period(filler):
    """The sheet reports October (its name says so); the form was filled in November."""
    rows = [["市场部 KPI 考核表"], filler, HEADER, KPI]
    loaded = load(("m.xlsx", xlsx(rows, sheet="2026年10月")))
    assert loaded.errors.empty, loaded.errors
    assert list(loaded.kpis["period"]) == ["2026-10"]


def test_a_title_and_a_fill_in_date_on_one_line():
    rows = [["2026年10月市场部KPI考核表", None, None, None, "填报日期：2026-11-05"], HEADER, KPI]
    kpis = load(("m.xlsx", xlsx(rows))).kpis
    assert list(kpis["period"]) == ["2026-10"]


@pytest.mark.parametrize(
    ("line", "department"),
    [
        (["填报部门：市场部", None, None, "填报日期：2026-11-05"], "市场部"),
        (["填报单位：市场部"], "市场部"),
        (["部门：质量保证部    负责人：张三"], "质量保证部"),
        (["部门", "市场部"], "市场部"),
        (["填報部門：市場部"], "市場部"),
        (["Department: Quality Assurance", None, "Date: 2026-11-05"], "Quality Assurance"),
    ],
)
def test_a_department_line_names_the_department(line, department):
    rows = [["2026年10月 KPI 考核表"], line, HEADER[1:], KPI[1:]]
    loaded = load(("upload.xlsx", xlsx(rows)))
    assert loaded.errors.empty, loaded.errors
    assert list(loaded.kpis["department"]) == [department]


def test_a_department_line_outranks_the_file_name():
    rows = [["2026年10月 KPI 考核表"], ["填报部门：市场部"], HEADER[1:], KPI[1:]]
    kpis = load(("财务部_202610.xlsx", xlsx(rows))).kpis
    assert list(kpis["department"]) == ["市场部"]


def test_a_unit_of_measure_line_names_no_department():
    rows = [["2026年10月 KPI 考核表"], ["单位：万元"], HEADER[1:], KPI[1:]]
    kpis = load(("财务部_202610.xlsx", xlsx(rows))).kpis
    assert list(kpis["department"]) == ["财务部"]


@pytest.mark.parametrize(
    "kpi_name", ["审核及时率", "合同审核", "批准文件归档率", "日期准确率", "Approval rate"]
)
def test_kpis_whose_names_hold_signature_words_stay_kpis(kpi_name):
    assert not is_form_line(kpi_name)
    rows = [[TITLE], HEADER, ["市场部", "财务", "M1", kpi_name, "越高越好", 1, 100, 90]]
    loaded = load(("m.xlsx", xlsx(rows)))
    assert list(loaded.kpis["kpi_name"]) == [kpi_name]
    assert loaded.warnings.empty
