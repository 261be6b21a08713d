"""Entropy weights (熵权法): a small case worked by hand, the choices for constant columns and
missing values, KPIs matched across departments by name, and the CLI."""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from kpi_engine.core.weights import CONSTANT, TOO_FEW, entropy_weights, kpi_matrix
from tests.kpi_rows import kpi
from tests.workbooks import form, xlsx

# Worked by hand. Three departments, three KPIs:
#   revenue (higher):      10, 20, 30  -> normalised 0, 1/2, 1 -> p = 0, 1/3, 2/3
#   complaints (lower):     5,  3,  1  -> (max - x) / (max - min) = 0, 1/2, 1 -> the same p
#   satisfaction (higher): 80, 80, 90  -> 0, 0, 1 -> p = 0, 0, 1
# e = -(1 / ln 3) * sum p ln p (0 ln 0 = 0):
#   revenue:      -(1/3 ln 1/3 + 2/3 ln 2/3) / ln 3 = (0.366204 + 0.270310) / 1.098612 = 0.579380
#   complaints:   the same, 0.579380
#   satisfaction: -(1 ln 1) / ln 3 = 0
# d = 1 - e = 0.420620, 0.420620, 1; sum 1.841240
# w = d / sum d = 0.228444, 0.228444, 0.543112
VALUES = pd.DataFrame(
    {
        "revenue": [10.0, 20.0, 30.0],
        "complaints": [5.0, 3.0, 1.0],
        "satisfaction": [80.0, 80.0, 90.0],
    },
    index=["A部", "B部", "C部"],
)
DIRECTIONS = {"revenue": "higher", "complaints": "lower", "satisfaction": "higher"}


def test_small_case_worked_by_hand():
    result = entropy_weights(VALUES, directions=DIRECTIONS)
    assert list(result.index) == ["revenue", "complaints", "satisfaction"]
    assert result["entropy"].round(6).tolist() == [0.579380, 0.579380, 0.0]
    assert result["divergence"].round(6).tolist() == [0.420620, 0.420620, 1.0]
    assert result["weight"].round(6).tolist() == [0.228444, 0.228444, 0.543112]
    assert result["weight"].sum() == pytest.approx(1.0)
    assert result["count"].tolist() == [3, 3, 3]


def test_direction_matters_only_through_the_normalisation():
    # Read as higher-is-better, complaints 5, 3, 1 normalise to 1, 1/2, 0: the same p,
    # permuted, so the same entropy; direction decides who is good, not how much a KPI varies.
    both = entropy_weights(VALUES, directions={})
    assert both["weight"].tolist() == pytest.approx(
        entropy_weights(VALUES, directions=DIRECTIONS)["weight"].tolist()
    )


def test_units_offsets_and_department_order_do_not_matter():
    moved = VALUES.assign(revenue=VALUES["revenue"] * 1000 + 7).iloc[::-1]
    assert entropy_weights(moved, directions=DIRECTIONS)["weight"].tolist() == pytest.approx(
        entropy_weights(VALUES, directions=DIRECTIONS)["weight"].tolist()
    )


def test_a_constant_column_weighs_zero_and_says_why():
    values = VALUES.assign(headcount=[12.0, 12.0, 12.0])
    result = entropy_weights(values, directions=DIRECTIONS)
    assert result.loc["headcount", "weight"] == 0.0
    assert result.loc["headcount", "entropy"] == 1.0
    assert result.loc["headcount", "note"] == CONSTANT
    # the others keep their proportions
    assert result["weight"].iloc[:3].round(6).tolist() == [0.228444, 0.228444, 0.543112]


def test_missing_values_count_over_the_departments_that_report_the_kpi():
    values = VALUES.assign(
        complaints=[5.0, np.nan, 1.0],  # two departments: p = 0, 1 -> e = 0
        new_kpi=[np.nan, np.nan, 4.0],  # one department: nothing to compare
    )
    result = entropy_weights(values, directions=DIRECTIONS)
    assert result.loc["complaints", "count"] == 2
    assert result.loc["complaints", "entropy"] == 0.0
    assert math.isnan(result.loc["new_kpi", "weight"])
    assert result.loc["new_kpi", "note"] == TOO_FEW
    valid = result[result["note"] != TOO_FEW]
    assert valid["weight"].sum() == pytest.approx(1.0)
    # d = 0.420620, 1, 1 -> w = d / 2.420620
    assert valid["weight"].tolist() == pytest.approx([0.173765, 0.413117, 0.413117], abs=1e-6)


def test_when_nothing_varies_the_kpis_share_equal_weights():
    flat = pd.DataFrame({"a": [1.0, 1.0], "b": [3.0, 3.0]})
    assert entropy_weights(flat)["weight"].tolist() == [0.5, 0.5]


def test_kpi_matrix_matches_names_across_departments_and_scripts():
    rows = pd.DataFrame(
        [
            kpi(department="市场部", kpi_name="客户满意度", actual=90.0),
            kpi(department="財務部", kpi_name="客戶滿意度", actual=80.0),  # traditional script
            kpi(department="技术部", kpi_name="客户满意度", actual=70.0),
            kpi(department="市场部", kpi_name="投诉率", direction="lower", actual=0.02),
            kpi(
                department="技术部",
                kpi_name="会议室利用率",
                direction="range",
                actual=0.9,
                target_low=0.6,
                target_high=0.8,
            ),
        ]
    )
    table, directions = kpi_matrix(rows)
    assert list(table.columns) == ["客户满意度", "投诉率", "会议室利用率"]
    assert table["客户满意度"].to_dict() == {"市场部": 90.0, "技术部": 70.0, "財務部": 80.0}
    assert directions == {"客户满意度": "higher", "投诉率": "lower", "会议室利用率": "lower"}
    assert table.loc["技术部", "会议室利用率"] == pytest.approx(0.1)  # distance outside the range


def entropy_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "kpi_engine", "weights", "entropy", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def monthly(tmp_path, department, revenue, satisfaction):
    data = xlsx(
        form(
            [department, "财务", "F1", "营业收入", "越高越好", "50%", 100, revenue],
            [department, "客户", "C1", "客户满意度", "越高越好", "50%", 90, satisfaction],
            title=f"2026年10月 {department} KPI 考核表",
        )
    )
    path = tmp_path / f"{department}_2026年10月.xlsx"
    path.write_bytes(data)
    return path


@pytest.mark.slow
def test_cli_entropy_json_on_three_departments(tmp_path):
    files = [
        monthly(tmp_path, "A部", 10, 80),
        monthly(tmp_path, "B部", 20, 80),
        monthly(tmp_path, "C部", 30, 90),
    ]
    done = entropy_cli(*files, "--period", "2026-10", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["period"] == "2026-10" and doc["departments"] == 3
    weights = dict(zip(doc["names"], doc["weights"], strict=True))
    # revenue d = 0.420620, satisfaction d = 1: w = d / 1.420620 = 0.296082, 0.703918
    assert weights["营业收入"] == pytest.approx(0.296082, abs=1e-6)
    assert weights["客户满意度"] == pytest.approx(0.703918, abs=1e-6)


@pytest.mark.slow
def test_cli_entropy_perspective_level_and_nothing_to_compare(tmp_path):
    files = [monthly(tmp_path, "A部", 10, 80), monthly(tmp_path, "B部", 20, 85)]
    done = entropy_cli(*files, "--level", "perspective", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["names"] == ["financial", "customer"]
    assert sum(doc["weights"]) == pytest.approx(1.0)
    single = entropy_cli(files[0], "--json")
    assert single.returncode == 1
    assert "two or more departments" in single.stderr
    assert entropy_cli(files[0], "--period", "October").returncode == 2
