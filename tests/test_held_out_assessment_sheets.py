"""Sheets written the way Chinese departments write them (SPEC §5), scored by the CLI and
by an independent calculation of SPEC written out here: a quarterly sheet in a traditional
title with department-wide weights, written targets and a zero-incident count; monthly
forms with an annual target and cumulative actuals; an English half-year sheet; and a unit
slip. Each rule meets the others here, where the promise modules test them one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands import cli
from tests.workbooks import xlsx

QUARTER = [  # 品質部, 2026 Q1, weights written across the department (20+30+30+20)
    ["品質部 2026年第一季度 KPI考核表"],
    ["指標名稱", "構面", "指標極性", "權重", "目標值", "實際值", "單位", "得分"],
    ["品質成本率", "財務", "越低越好", 20, "≤2%", "1.8%", None, 110],
    ["客戶投訴數", "客戶", "越低越好", 30, 0, 0, "起", 100],
    ["產品一次合格率", "內部流程", None, 30, "≥98%", "97%", None, 98.98],
    ["品質培訓時長", "學習與成長", "越高越好", 20, "不低於16小時", "12小時", None, 80],
]
HALF = [  # an English half-year sheet, weights within each perspective
    ["Customer Service Department KPI 2026 H1"],
    ["KPI name", "Perspective", "Direction", "Weight", "Target", "Actual"],
    ["Revenue per agent", "Financial", "higher", 100, 50, 55],
    ["Satisfaction", "Customer", "higher", 60, 90, 81],
    ["First-call resolution", "Customer", "higher", 40, "≥80%", "84%"],
]


def _monthly(month: int, cumulative: float) -> list[list[object]]:
    """销售部's monthly form: an annual target and the year's cumulative revenue."""
    return [
        [f"2026年{month}月 销售部 KPI考核表"],
        ["指标名称", "维度", "权重", "汇总方式", "年度目标", "本年累计"],
        ["销售收入", "财务", 100, "求和", 1200, cumulative],
    ]


def _lower(actual: float, target: float) -> float:
    return min(120.0, max(0.0, 100 * (2 - actual / target)))


def _higher(actual: float, target: float) -> float:
    return min(120.0, max(0.0, 100 * actual / target))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder: Path = tmp_path_factory.mktemp("held_out")
    files = {
        "品質部2026年第一季度考核表.xlsx": xlsx(QUARTER),
        "customer_service_2026H1.xlsx": xlsx(HALF, sheet="2026 H1"),
        **{
            f"销售部2026年{m}月.xlsx": xlsx(_monthly(m, c))
            for m, c in ((1, 100), (2, 210), (3, 330))
        },
        "采购部2026年3月.xlsx": xlsx(
            [
                ["指标名称", "维度", "权重", "目标值", "实际值"],
                ["采购成本", "财务", 1, "100万元", "1000000元"],
            ]
        ),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    done = cli("score", *sorted(str(p) for p in folder.iterdir()), "--json", env={})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _department(scored: dict, name: str, period: str) -> dict:
    (row,) = [
        r
        for r in scored["departments"]
        if r["department"] == name and r["period"] == period and r["perspective"] is None
    ]
    return row


def _kpi(scored: dict, name: str) -> dict:
    (row,) = [k for k in scored["kpis"] if k["kpi_name"] == name]
    return row


def test_a_quarterly_sheet_with_department_wide_weights_scores_as_spec_says(scored):
    expected = {
        "品質成本率": (_lower(0.018, 0.02), "floor"),
        "客戶投訴數": (100.0, "zero_count"),  # §5.5: 0 against 0
        "產品一次合格率": (_higher(0.97, 0.98), "floor"),  # ≥ sets higher-is-better
        "品質培訓時長": (_higher(12, 16), "floor"),
    }
    for name, (score, method) in expected.items():
        kpi = _kpi(scored, name)
        assert kpi["period"] == "2026-Q1" and kpi["method"] == method
        assert kpi["score"] == pytest.approx(score)
    weights = {"品質成本率": 20, "客戶投訴數": 30, "產品一次合格率": 30, "品質培訓時長": 20}
    mean = sum(expected[k][0] * w for k, w in weights.items()) / sum(weights.values())
    department = _department(scored, "品質部", "2026-Q1")
    assert department["weighting"] == "department"
    assert department["score"] == pytest.approx(mean)  # 96.694, not the 30/30/25/15 mean
    # the sheet's own 得分 agree with the engine but for the last row (80 written, 75 scored)
    (differs,) = [w for w in scored["warnings"] if "the sheet's own score" in w["message"]]
    assert differs["row"] == 6 and "80" in differs["message"] and "75" in differs["message"]


def test_an_english_half_year_sheet_is_scored_by_perspective_weights(scored):
    satisfaction, resolution = _higher(81, 90), _higher(0.84, 0.80)
    customer = (60 * satisfaction + 40 * resolution) / 100
    financial = _higher(55, 50)
    department = _department(scored, "Customer Service", "2026-H1")
    assert department["weighting"] == "perspective"
    # two perspectives reported: their weights 30 and 30 renormalised
    assert department["score"] == pytest.approx((financial + customer) / 2)


def test_cumulative_revenue_against_an_annual_target_is_ahead_of_plan(scored):
    revenue = [k for k in scored["kpis"] if k["kpi_name"] == "销售收入"]
    by_month = {k["period"]: (k["actual"], k["target"], k["score"]) for k in revenue}
    assert by_month["2026-03"] == pytest.approx((330, 300, 110))  # 序时进度: 1,200 × 3 / 12
    assert by_month["2026-01"] == pytest.approx((100, 100, 100))
    assert all(k["status"] == "green" for k in revenue)


def test_a_unit_slip_is_an_error_not_a_green_score(scored):
    assert not [k for k in scored["kpis"] if k["kpi_name"] == "采购成本"]
    (error,) = [e for e in scored["errors"] if e["file"] == "采购部2026年3月.xlsx"]
    assert error["column"] == "实际值" and "万元" in error["message"]
