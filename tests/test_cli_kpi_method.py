"""SPEC §5.12: each KPI row of `score --json` names the method that scored it."""

from __future__ import annotations

import json

import pytest

from kpi_engine.cli.main import main
from tests.workbooks import xlsx

HEADER = [
    "部门",
    "维度",
    "指标名称",
    "方向",
    "权重",
    "目标值",
    "门槛值",
    "目标下限",
    "目标上限",
    "实际值",
]
ROWS = [
    # name, direction, target, threshold, low, high, actual -> method, score
    ("营收", "越高越好", 100, None, None, None, 90, "floor", 90.0),
    ("招聘周期", "越低越好", 30, 45, None, None, 33, "three_value", 92.0),
    ("库存天数", None, "25±2", None, None, None, 26, "range", 100.0),
    ("资产负债率", "区间", None, None, 0.4, 0.6, 0.5, "range", 100.0),
    ("安全事故", "越低越好", "0起", None, None, None, 1, "zero_count", 0.0),
]


def test_score_json_names_each_kpis_method(tmp_path, capsys):
    rows = [["2026年10月 运营部 KPI 考核表"], [], HEADER]
    rows += [
        ["运营部", "内部流程", name, d, 1, t, thr, lo, hi, a]
        for name, d, t, thr, lo, hi, a, *_ in ROWS
    ]
    path = tmp_path / "运营部_2026年10月.xlsx"
    path.write_bytes(xlsx(rows))
    assert main(["score", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    kpis = {k["kpi_name"]: k for k in doc["kpis"]}
    for name, *_, method, expected in ROWS:
        assert kpis[name]["method"] == method, name
        assert kpis[name]["score"] == pytest.approx(expected), name
