"""Quarters and year-to-date pair targets with the months reported (SPEC §3): a month
without an actual leaves its target out too, and the KPI's coverage in that period is the
share of its months reported (the months of the period it has a row in)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from kpi_rows import NAN, frame, kpi

from kpi_engine.core import insights
from kpi_engine.core.scorecard import build
from tests.workbooks import xlsx

Q1 = ("2026-01", "2026-02", "2026-03")
# SPEC's example: a sum KPI with two of three months reported.
ACTUALS, TARGETS = (10.0, NAN, 30.0), (15.0, 15.0, 20.0)
PAIRED = 100 * (10 + 30) / (15 + 20)  # February's target leaves with its actual


def sum_kpi(**fields: object) -> list[dict[str, object]]:
    return [
        kpi(kpi_id="S1", aggregation="sum", period=p, actual=a, target=t, **fields)
        for p, a, t in zip(Q1, ACTUALS, TARGETS, strict=True)
    ]


def test_spec_example_two_of_three_months_through_build() -> None:
    card = build(frame(*sum_kpi()), period="2026-Q1")
    row = card.kpis.iloc[0]
    assert (row["actual"], row["target"]) == (40, 35)
    assert row["score"] == pytest.approx(PAIRED)  # not 100 * 40 / 50 = 80 (red)
    assert row["coverage"] == pytest.approx(2 / 3)
    for table in (card.perspectives, card.departments, card.organization):
        assert table["score"].tolist() == [pytest.approx(PAIRED)]
        assert table["coverage"].tolist() == [pytest.approx(2 / 3)]


def test_a_kpis_fractional_coverage_is_weighed_into_the_roll_ups() -> None:
    """Coverage is the weighted mean of the KPIs' coverage: (3 * 2/3 + 1 * 1) / 4."""
    full = [
        kpi(kpi_id="F1", weight=1.0, period=p, actual=1.0, target=1.0) for p in Q1
    ]  # reported every month
    card = build(frame(*sum_kpi(weight=3.0), *full), period="2026-Q1")
    assert card.perspectives["coverage"].tolist() == [pytest.approx((3 * 2 / 3 + 1) / 4)]
    assert card.departments["coverage"].tolist() == [pytest.approx((3 * 2 / 3 + 1) / 4)]


def test_a_shared_kpi_brings_its_coverage_to_the_partner() -> None:
    card = build(frame(*sum_kpi(shared_with=("财务部",))), period="2026-Q1")
    partner = card.collaboration.set_index("department").loc["财务部"]
    assert partner["coverage"] == pytest.approx(2 / 3)
    assert card.departments.set_index("department").loc["财务部", "coverage"] == pytest.approx(
        2 / 3
    )


def test_months_the_kpi_has_no_row_in_are_not_its_months() -> None:
    """A KPI first reported in February has two months in Q1; both reported is full."""
    rows = frame(*(kpi(kpi_id="N", period=p, actual=5.0, target=5.0) for p in Q1[1:]))
    card = build(rows, period="2026-Q1")
    assert card.kpis["coverage"].tolist() == [1.0]
    assert card.departments["coverage"].tolist() == [1.0]


def test_no_month_reported_is_missing_with_coverage_0() -> None:
    rows = frame(*(kpi(kpi_id="M", period=p, target=5.0) for p in Q1))
    card = build(rows, period="2026-Q1")
    assert card.kpis["score"].isna().all()
    assert card.kpis["target"].tolist() == [5.0]  # every month's target, to show the aim
    assert card.perspectives["coverage"].tolist() == [0.0]


@pytest.mark.parametrize(
    ("how", "actual", "target"),
    [("avg", 20.0, 17.5), ("last", 30.0, 20.0)],  # avg of Jan and Mar; last reported month
)
def test_avg_and_last_pair_targets_the_same_way(how: str, actual: float, target: float) -> None:
    rows = frame(
        *(
            kpi(kpi_id="K", aggregation=how, period=p, actual=a, target=t)
            for p, a, t in zip(Q1, ACTUALS, TARGETS, strict=True)
        )
    )
    row = build(rows, period="2026-Q1").kpis.iloc[0]
    assert (row["actual"], row["target"]) == (actual, target)
    assert row["coverage"] == pytest.approx(2 / 3)


def test_year_to_date_pairs_the_same_way() -> None:
    card = build(frame(*sum_kpi()), period="2026-03-YTD")
    assert card.kpis["score"].tolist() == [pytest.approx(PAIRED)]
    assert card.organization["coverage"].tolist() == [pytest.approx(2 / 3)]


def test_a_month_alone_keeps_coverage_1_or_0() -> None:
    card = build(frame(*sum_kpi()), period="2026-02")
    assert card.perspectives["coverage"].tolist() == [0.0]
    card = build(frame(*sum_kpi()), period="2026-03")
    assert card.perspectives["coverage"].tolist() == [1.0]


@pytest.mark.slow
def test_spec_example_through_the_cli_quarter_json(tmp_path) -> None:
    header = ["部门", "指标编号", "指标名称", "维度", "汇总方式", "期间", "目标值", "实际值"]
    rows = [
        ["销售部", "S1", "销售收入", "财务", "求和", p, t, None if math.isnan(a) else a]
        for p, a, t in zip(Q1, ACTUALS, TARGETS, strict=True)
    ]
    path = tmp_path / "sales_q1.xlsx"
    path.write_bytes(xlsx([header, *rows]))
    done = subprocess.run(
        [sys.executable, "-m", "kpi_engine", "score", str(path), "--quarter", "2026-Q1", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    (kpi_row,) = doc["kpis"]
    assert (kpi_row["actual"], kpi_row["target"]) == (40, 35)
    assert kpi_row["score"] == pytest.approx(PAIRED)
    assert kpi_row["status"] == "green"
    assert [d["coverage"] for d in doc["departments"]] == [pytest.approx(2 / 3)] * 2
    assert doc["organization"][0]["coverage"] == pytest.approx(2 / 3)


def test_the_kpi_trend_shows_the_quarters_coverage() -> None:
    history = insights.history(frame(*sum_kpi()), ["2026-Q1", "2026-03"])
    rows = insights.trend(history, level="kpi", keys=[("市场部", "S1")])
    assert rows.set_index("period")["coverage"].to_dict() == {
        "2026-Q1": pytest.approx(2 / 3),
        "2026-03": 1.0,
    }
