"""KPI definitions on their own sheet are reused by later uploads that carry only actuals."""

import pytest

from tests.workbooks import load, messages, xlsx

DEFINITIONS = [
    ["KPI 指标定义"],
    ["部门", "指标编号", "指标名称", "维度", "方向", "权重", "目标值", "协同部门"],
    ["市场部", "MKT-01", "线上销售额", "财务", "越高越好", 0.6, 200, "财务部、技术部"],
    ["市场部", "MKT-02", "客户投诉响应时长", "客户", "越低越好", 0.4, 24, None],
]


@pytest.mark.slow
def test_actuals_keyed_by_id_take_the_definition_from_an_earlier_upload():
    first = load(("定义.xlsx", xlsx(DEFINITIONS)))
    assert first.rows_accepted == 0 and len(first.definitions) == 2
    actuals = [["2026年10月 市场部"], ["指标编号", "实际值"], ["MKT-01", 180], ["MKT-02", 30]]
    later = load(("10月.xlsx", xlsx(actuals)), definitions=first.definitions)
    assert messages(later) == []
    kpis = later.kpis.set_index("kpi_id")
    assert kpis.loc["MKT-01", "kpi_name"] == "线上销售额"
    assert kpis.loc["MKT-01", "target"] == 200
    assert kpis.loc["MKT-01", "shared_with"] == ("财务部", "技术部")
    assert kpis.loc["MKT-02", "direction"] == "lower"
    assert kpis.loc["MKT-02", "weight"] == 0.4


@pytest.mark.slow
def test_actuals_keyed_by_name_and_department_in_the_same_workbook():
    actuals = [["部门", "指标名称", "期间", "实际值"], ["市场部", "线上销售额", "2026-10", 210]]
    data = xlsx(DEFINITIONS, sheet="定义", more={"实际": actuals})
    loaded = load(("all.xlsx", data))
    assert messages(loaded) == []
    assert list(loaded.kpis["kpi_id"]) == ["MKT-01"]
    assert list(loaded.kpis["actual"]) == [210]


@pytest.mark.slow
def test_values_in_the_actuals_sheet_override_the_definition():
    actuals = [["2026年10月 市场部"], ["指标编号", "目标值", "实际值"], ["MKT-01", 250, 180]]
    first = load(("定义.xlsx", xlsx(DEFINITIONS)))
    later = load(("10月.xlsx", xlsx(actuals)), definitions=first.definitions)
    assert list(later.kpis["target"]) == [250]


@pytest.mark.slow
def test_actuals_for_an_unknown_kpi_are_reported_not_dropped():
    actuals = [["2026年10月 市场部"], ["指标编号", "实际值"], ["MKT-99", 1]]
    loaded = load(("10月.xlsx", xlsx(actuals)))
    assert loaded.rows_accepted == 0 and loaded.rows_rejected == 1
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert (errors["row"] == 3).all()
    assert any("perspective" in m for m in errors["message"])
