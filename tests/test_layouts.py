"""Long, wide and one-sheet monthly layouts; department and period from the context."""

import math

import pytest

from tests.workbooks import HEADER, load, messages, xlsx

DEF = ["部门", "指标编号", "指标名称", "维度", "方向", "权重", "目标值"]


@pytest.mark.slow
def test_long_layout_one_row_per_kpi_per_period():
    rows = [
        ["Period", "Department", "KPI ID", "KPI name", "Perspective", "Weight", "Target", "Actual"],
        ["2026-01", "Sales", "S1", "Revenue", "financial", 1, 100, 90],
        ["2026年2月", "Sales", "S1", "Revenue", "financial", 1, 100, 110],
        ["Mar-2026", "Sales", "S1", "Revenue", "financial", 1, 100, 95],
    ]
    kpis = load(("long.xlsx", xlsx(rows))).kpis
    assert list(kpis["period"]) == ["2026-01", "2026-02", "2026-03"]
    assert list(kpis["actual"]) == [90, 110, 95]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("headers", "title"),
    [
        (["2026-01", "2026-02"], "技术部 KPI"),
        (["2026年1月", "2026年2月"], "技术部 KPI"),
        (["1月", "2月"], "技术部 2026年 KPI"),
        (["Jan-2026", "Feb-2026"], "技术部 KPI"),
    ],
)
def test_wide_layout_one_column_per_month(headers, title):
    rows = [
        [title],
        [*DEF, *headers],
        ["技术部", "T1", "系统可用率", "内部流程", "越高越好", 1, 0.99, 0.995, None],
        ["技术部", "T2", "上线缺陷数", "客户", "越低越好", 1, 5, 4, 6],
    ]
    loaded = load(("tech.xlsx", xlsx(rows)))
    kpis = loaded.kpis.set_index(["kpi_id", "period"])
    assert messages(loaded) == []
    assert kpis.loc[("T1", "2026-01"), "actual"] == 0.995
    assert math.isnan(kpis.loc[("T1", "2026-02"), "actual"])  # empty cell: missing, not zero
    assert kpis.loc[("T2", "2026-02"), "actual"] == 6
    assert len(kpis) == 4


def test_wide_layout_month_without_year_is_an_error_naming_the_column():
    rows = [[*DEF, "1月"], ["技术部", "T1", "可用率", "内部流程", "越高越好", 1, 0.99, 0.99]]
    loaded = load(("tech.xlsx", xlsx(rows)))
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert "1月" in set(errors["column"])
    assert any("year" in m for m in errors["message"])


@pytest.mark.slow
def test_wide_layout_month_columns_with_no_values_are_not_loaded():
    rows = [
        ["财务部 2026年"],
        [*DEF, "1月", "2月", "3月"],
        ["财务部", "F1", "回款率", "财务", "越高越好", 1, 0.9, 0.8, 0.85, None],
    ]
    kpis = load(("f.xlsx", xlsx(rows))).kpis
    assert list(kpis["period"]) == ["2026-01", "2026-02"]


@pytest.mark.slow
@pytest.mark.parametrize("empty", [[0], [1], [2], [0, 2], [1, 2]])
def test_every_empty_month_column_warns_wherever_it_stands(empty):
    """A month nobody has reported yet: not loaded, one warning naming its column."""
    months = ["1月", "2月", "3月"]
    rows = [["财务部 2026年"], [*DEF, *months]]
    for k in range(3):
        actuals = [None if m in empty else 0.8 + k / 100 for m in range(3)]
        rows.append(["财务部", f"F{k}", "回款率", "财务", "越高越好", 1, 0.9, *actuals])
    rows.append(["合计", None, None, None, None, 3, None, 0, 0, 0])  # a SUM of nothing is 0
    loaded = load(("f.xlsx", xlsx(rows)))
    warned = loaded.warnings[loaded.warnings["code"] == "empty_month"]
    assert list(warned["column"]) == [months[m] for m in empty]
    assert set(warned["row"]) == {2}  # the header row, where the month is named
    assert list(warned["params"].map(lambda p: p["count"])) == [3] * len(empty)
    loaded_months = {f"2026-{m + 1:02d}" for m in range(3) if m not in empty}
    assert set(loaded.kpis["period"]) == loaded_months
    assert loaded.errors.empty


@pytest.mark.slow
def test_an_empty_month_column_of_a_csv_warns_too():
    text = "指标名称,维度,目标值,2026-01,2026-02,2026-03\n营收,财务,100,90,,\n回款,财务,1,0.9,,\n"
    loaded = load(("市场部.csv", text.encode()))
    warned = loaded.warnings[loaded.warnings["code"] == "empty_month"]
    assert list(warned["column"]) == ["2026-02", "2026-03"]
    assert set(loaded.kpis["period"]) == {"2026-01"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("title", "sheet", "file"),
    [
        ("2026年10月 市场部 KPI 考核表", "Sheet1", "upload.xlsx"),
        ("KPI 考核表", "市场部 2026-10", "upload.xlsx"),
        ("KPI 考核表", "Sheet1", "市场部_202610_KPI.xlsx"),
        ("Marketing Department KPI", "Oct 2026", "upload.xlsx"),
    ],
)
def test_monthly_form_takes_department_and_period_from_title_sheet_or_file(title, sheet, file):
    rows = [[title], HEADER[1:], ["财务", "M1", "营收", "越高越好", 1, 100, 90]]
    loaded = load((file, xlsx(rows, sheet=sheet)))
    assert messages(loaded) == []
    kpi = loaded.kpis.iloc[0]
    assert kpi["period"] == "2026-10"
    assert kpi["department"] in {"市场部", "Marketing"}


def test_filler_lines_above_the_header_are_not_the_period():
    rows = [
        ["2026年9月 市场部 KPI 考核表"],
        ["填报人: 张三", None, "填报日期: 2026-10-05"],
        HEADER,
        ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90],
    ]
    kpis = load(("m.xlsx", xlsx(rows))).kpis
    assert list(kpis["period"]) == ["2026-09"]


def test_no_period_anywhere_is_an_error_that_says_where_to_put_it():
    rows = [HEADER, ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]]
    loaded = load(("upload.xlsx", xlsx(rows)))
    assert loaded.rows_accepted == 0
    assert any("no period" in m for m in messages(loaded))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("title", "department"),
    [
        ("Marketing KPI scorecard October 2026", "Marketing"),
        ("IT KPI 2026-10", "IT"),
        ("2026年10月市场部KPI考核表", "市场部"),
        ("財務部 2026年10月", "財務部"),
    ],
)
def test_department_named_in_the_title(title, department):
    rows = [
        [title],
        ["KPI name", "Perspective", "Weight", "Target", "Actual"],
        ["Leads", "Customer", 1, 100, 90],
    ]
    kpis = load(("upload.xlsx", xlsx(rows))).kpis
    assert list(kpis["department"]) == [department]
    assert list(kpis["period"]) == ["2026-10"]


def test_one_sheet_per_month_with_the_year_in_the_file_name():
    rows = [HEADER[1:], ["财务", "M1", "营收", "越高越好", 1, 100, 90]]
    data = xlsx(rows, sheet="1月", more={"2月": rows})
    kpis = load(("市场部_2026年KPI.xlsx", data)).kpis
    assert list(kpis["period"]) == ["2026-01", "2026-02"]
    assert set(kpis["department"]) == {"市场部"}


@pytest.mark.slow
def test_period_cells_as_excel_dates_and_yyyymm_numbers():
    import datetime as dt

    rows = [
        ["期间", "部门", "指标名称", "维度", "权重", "目标值", "实际值"],
        [dt.datetime(2026, 1, 1), "销售部", "营收", "财务", 1, 100, 90],
        [202602, "销售部", "营收", "财务", 1, 100, 95],
    ]
    kpis = load(("a.xlsx", xlsx(rows))).kpis
    assert list(kpis["period"]) == ["2026-01", "2026-02"]
