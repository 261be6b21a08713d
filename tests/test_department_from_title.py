"""A department is named however the title, sheet or file writes it (SPEC §2): glued to
months and form words (`2026年10月份财务部KPI考核表`), in either script, or in English."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from kpi_engine.ingest.load import find_department
from tests.workbooks import load, xlsx


@pytest.mark.parametrize(
    ("title", "department"),
    [
        # simplified, glued to form words and periods
        ("人力资源部绩效考核表", "人力资源部"),
        ("市场部月度KPI考核表", "市场部"),
        ("2026年10月份财务部KPI考核表", "财务部"),
        ("2026年10月 市场部 KPI 考核表", "市场部"),
        ("2026年10月市场部KPI考核表", "市场部"),
        ("2026年第一季度生产中心考核指标", "生产中心"),
        ("一季度信息技术部KPI", "信息技术部"),
        ("行政办公室2026年10月KPI", "行政办公室"),
        ("客服中心十月份KPI考核表", "客服中心"),
        ("第三事业部2026年12月份考核", "第三事业部"),
        ("销售一部10月考核表", "销售一部"),
        ("2026.10 质量管理部 考核", "质量管理部"),
        ("2026年1-3月 营销中心 KPI", "营销中心"),
        ("市场部员工绩效考核表", "市场部"),
        ("市场部门绩效考核表", "市场部门"),
        ("财务科考核表", "财务科"),
        ("总经办KPI", "总经办"),
        ("研发中心季度考核汇总表", "研发中心"),
        ("【品质部】10月KPI", "品质部"),
        ("XX集团有限公司市场营销中心2026年度KPI", "市场营销中心"),
        ("华东分公司KPI考核表", "华东分公司"),
        ("人力资源部_2026年3月_绩效考核表", "人力资源部"),
        ("市场部_202610_KPI", "市场部"),
        # traditional: returned as written
        ("採購物流部績效考核表", "採購物流部"),
        ("2026年10月份財務部KPI考核表", "財務部"),
        ("財務部 2026年上半年 數字化轉型KPI", "財務部"),
        ("資訊技術部月度關鍵績效指標", "資訊技術部"),
        ("客服中心2026年第二季度考評表", "客服中心"),
        # English
        ("Marketing Department KPI sheet", "Marketing"),
        ("Monthly KPI sheet - Marketing Department", "Marketing"),
        ("Department of Human Resources KPI", "Human Resources"),
        ("FY2026 Finance Department Performance Review", "Finance"),
        ("Oct 2026 Sales Department", "Sales"),
        ("R&D Dept. scorecard Q1 2026", "R&D"),
        ("Research & Development Department KPI sheet", "Research & Development"),
        ("Customer Service Center KPI Oct 2026", "Customer Service Center"),
        ("Marketing KPI scorecard October 2026", "Marketing"),
        ("IT KPI 2026-10", "IT"),
    ],
)
def test_the_department_a_title_names(title, department):
    assert find_department(title) == department


@pytest.mark.parametrize(
    "title",
    [
        "KPI 考核表",
        "2026年10月绩效考核汇总表",
        "各部门2026年10月KPI汇总",
        "全部指标",
        "内部流程",
        "部门KPI考核表",
        "Sheet1",
        "3月",
        "upload",
        "KPI scorecard October 2026",
    ],
)
def test_titles_that_name_no_department(title):
    assert find_department(title) is None


STEMS = ["人力资源", "市场", "财务", "採購物流", "信息技术", "生产", "品质管理", "客服", "行政"]
SUFFIXES = ["部", "部门", "中心", "处", "科", "办公室", "事业部"]
PERIODS = [
    "",
    "2026年10月",
    "2026年10月份",
    "10月份",
    "十月",
    "2026年第一季度",
    "第三季度",
    "2026年度",
    "上半年",
    "2026-10",
    "202610",
]
FORM_WORDS = ["", "绩效考核表", "月度KPI考核表", "KPI考核表", "考核指标", "绩效考核", "考核表"]


TRADITIONAL = OpenCC("s2t")


@pytest.mark.slow
@settings(max_examples=300)
@given(
    st.sampled_from(STEMS),
    st.sampled_from(SUFFIXES),
    st.sampled_from(PERIODS),
    st.sampled_from(FORM_WORDS),
    st.sampled_from(["", " ", "_"]),
    st.booleans(),
    st.booleans(),
)
def test_any_glued_title_names_its_department(stem, suffix, period, words, gap, after, traditional):
    """Period before or after the name, glued or spaced, with any form words behind, in
    either script; the name comes back as the title writes it."""
    name = stem + suffix
    title = f"{name}{gap}{period}{words}" if after else f"{period}{gap}{name}{words}"
    if traditional:
        title, name = TRADITIONAL.convert(title), TRADITIONAL.convert(name)
    assert find_department(title) == name


EN_STEMS = ["Marketing", "Human Resources", "Finance", "Customer Service", "Supply Chain"]
EN_PERIODS = ["", "October 2026", "Oct 2026", "2026-10", "Q1 2026", "FY2026", "H1 2026"]
EN_WORDS = ["", "KPI sheet", "Monthly KPI", "Performance Review", "Scorecard", "KPIs"]


@pytest.mark.slow
@settings(max_examples=150)
@given(
    st.sampled_from(EN_STEMS),
    st.sampled_from(["Department", "Dept", "Dept."]),
    st.sampled_from(EN_PERIODS),
    st.sampled_from(EN_WORDS),
    st.sampled_from([" ", " - ", ": ", "_"]),
    st.booleans(),
)
def test_any_english_title_names_its_department(stem, suffix, period, words, gap, after):
    title = f"{stem} {suffix}{gap}{period} {words}"
    if after:
        title = f"{words} {period}{gap}{stem} {suffix}"
    assert find_department(title) == stem


@pytest.mark.slow
def test_a_sheet_without_a_department_column_takes_it_from_its_glued_title():
    rows = [
        ["2026年10月份财务部KPI考核表"],
        ["维度", "指标名称", "方向", "权重", "目标值", "实际值"],
        ["财务", "回款率", "越高越好", 1, 0.9, 0.85],
    ]
    loaded = load(("upload.xlsx", xlsx(rows)))
    assert loaded.errors.empty
    assert list(loaded.kpis["department"]) == ["财务部"]
    assert list(loaded.kpis["period"]) == ["2026-10"]
