"""Total, subtotal and note rows are not KPIs; they are skipped with a warning."""

import pytest

from tests.workbooks import form, load, xlsx


@pytest.mark.parametrize(
    "label",
    [
        "合计",
        "小计",
        "总计",
        "合計",
        "Total",
        "Subtotal",
        "说明",
        "說明",
        "备注:本月未统计",
        "備註：見附件",
        "Note: figures are provisional",
    ],
)
def test_total_and_note_rows_are_skipped(label):
    rows = form(
        ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90],
        [label, None, None, None, None, 1, None, None],
    )
    loaded = load(("m.xlsx", xlsx(rows)))
    assert list(loaded.kpis["kpi_id"]) == ["M1"]
    assert loaded.rows_rejected == 0
    warnings = loaded.issues[loaded.issues["severity"] == "warning"]
    assert list(warnings["row"]) == [5]


def test_a_total_in_the_kpi_name_column_is_skipped_too():
    rows = form(
        ["市场部", "财务", "M1", "营收", "越高越好", 0.6, 100, 90],
        [None, None, None, "合计", None, 1, None, None],
    )
    loaded = load(("m.xlsx", xlsx(rows)))
    assert loaded.rows_accepted == 1 and loaded.rows_rejected == 0


def test_a_row_with_values_but_no_kpi_name_is_an_error():
    rows = form(
        ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90],
        ["市场部", "财务", None, None, "越高越好", 1, 100, 80],
    )
    loaded = load(("m.xlsx", xlsx(rows)))
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert list(errors["row"]) == [5]
    assert "no KPI name" in errors["message"].iloc[0]


def test_section_rows_name_the_perspective_of_the_rows_below():
    rows = [
        ["2026年10月 市场部 KPI 考核表"],
        ["指标编号", "指标名称", "方向", "权重", "目标值", "实际值"],
        ["一、财务维度"],
        ["M1", "营收", "越高越好", 1, 100, 90],
        ["二、客户维度"],
        ["M2", "满意度", "越高越好", 1, 90, 85],
    ]
    kpis = load(("m.xlsx", xlsx(rows))).kpis.set_index("kpi_id")
    assert kpis.loc["M1", "perspective"] == "financial"
    assert kpis.loc["M2", "perspective"] == "customer"
