"""A row that gives its own target is scored from its own columns only (SPEC §2); every
value a definition fills in is named in a warning."""

import pytest

from kpi_engine.core.scorecard import build
from tests.workbooks import load, messages, xlsx

DEFINITIONS = [
    ["KPI 指标定义"],
    [
        "部门",
        "指标编号",
        "指标名称",
        "维度",
        "方向",
        "权重",
        "目标值",
        "门槛值",
        "挑战值",
        "底线值",
    ],
    ["生产部", "PRD-01", "产品合格率", "内部流程", "越高越好", 0.3, 0.98, 0.95, 0.99, None],
    ["采购物流部", "PUR-03", "库存资金占用", "财务", "越低越好", 0.2, 10000, None, None, 12000],
]


def _stored() -> object:
    return load(("定义.xlsx", xlsx(DEFINITIONS))).definitions


def _warnings(loaded: object) -> list[str]:
    return messages(loaded, "warning")


@pytest.mark.slow
def test_own_target_and_actual_take_no_threshold_or_stretch_from_a_definition() -> None:
    sheet = [
        ["2026年10月 生产部"],
        ["指标编号", "指标名称", "维度", "目标值", "实际值"],
        ["PRD-01", "产品合格率", "内部流程", "98%", "98.6%"],
    ]
    loaded = load(("生产部.xlsx", xlsx(sheet)), definitions=_stored())
    row = loaded.kpis.iloc[0]
    assert row["target"] == 0.98 and row[["threshold", "stretch", "floor"]].isna().all()
    card = build(loaded.kpis, period="2026-10")
    # 98.6 % against 98 %: the plain ratio (100.6), not 108 from a stored three-value line.
    assert round(float(card.kpis["score"].iloc[0]), 1) == 100.6
    # Weight and direction still come from the definition, and the warning says so.
    assert row["weight"] == 0.3
    text = " ".join(_warnings(loaded))
    assert "filled in from the stored KPI definitions" in text
    assert "权重 / weight (1)" in text and "方向 / direction (1)" in text
    assert "threshold" not in text and "stretch" not in text


@pytest.mark.slow
def test_a_definition_of_another_department_never_reaches_a_row() -> None:
    sheet = [
        ["2026年10月 財務部"],
        ["指標編號", "指標名稱", "維度", "指標極性", "目標值", "實際值"],
        ["PUR-03", "庫存資金占用", "財務", "越低越好", 9000, 8500],
    ]
    loaded = load(("財務部.xlsx", xlsx(sheet)), definitions=_stored())
    assert loaded.rows_accepted == 1
    row = loaded.kpis.iloc[0]
    assert row["department"] == "財務部"
    assert row[["floor", "threshold", "stretch"]].isna().all()
    assert all("definitions" not in w for w in _warnings(loaded))


@pytest.mark.slow
def test_an_empty_perspective_filled_from_a_definition_is_named() -> None:
    sheet = [
        ["2026年10月 生产部"],
        ["指标编号", "维度", "实际值"],
        ["PRD-01", None, 0.97],
    ]
    loaded = load(("生产部.xlsx", xlsx(sheet)), definitions=_stored())
    assert messages(loaded) == []
    assert loaded.kpis.iloc[0]["perspective"] == "internal_process"
    warning = next(w for w in _warnings(loaded) if "definitions" in w)
    assert "维度 / perspective (1)" in warning or "维度 (1)" in warning
    # The actuals-only row keeps the definition's whole three-value line.
    assert loaded.kpis.iloc[0][["threshold", "stretch"]].tolist() == [0.95, 0.99]


@pytest.mark.slow
def test_a_row_without_a_department_takes_the_only_definition_of_its_id() -> None:
    sheet = [["2026-10"], ["指标编号", "实际值"], ["PUR-03", 9500]]
    loaded = load(("actuals.xlsx", xlsx(sheet)), definitions=_stored())
    assert messages(loaded) == []
    row = loaded.kpis.iloc[0]
    assert row["department"] == "采购物流部" and row["floor"] == 12000
    assert "部门 / department (1)" in " ".join(_warnings(loaded))
