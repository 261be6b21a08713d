"""Quarter and year-to-date aggregation (SPEC §3): monthly actuals and targets per KPI by its
aggregation (sum for flows, avg for rates, last for balances; default avg), then scored."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_rows import NAN, frame, kpi

from kpi_engine.core.periods import aggregate, months_of, quarter_months, ytd_months
from kpi_engine.core.schema import KPI_COLUMNS

Q1 = quarter_months("2026-Q1")


def only(result: pd.DataFrame, **match: object) -> pd.Series:
    """The single result row whose columns equal `match`."""
    mask = np.ones(len(result), dtype=bool)
    for column, value in match.items():
        mask &= (result[column] == value).to_numpy()
    assert mask.sum() == 1, f"{mask.sum()} rows match {match}"
    return result[mask].iloc[0]


def q1_rows(aggregation: str | None, actuals: list[float], targets: list[float]) -> pd.DataFrame:
    """One KPI over January, February, March 2026."""
    return frame(
        *(
            kpi(kpi_id="K1", aggregation=aggregation, period=p, actual=a, target=t)
            for p, a, t in zip(Q1, actuals, targets, strict=True)
        )
    )


# -- one KPI, each aggregation -----------------------------------------------------------------


def test_sum_adds_actuals_and_targets() -> None:
    row = aggregate(q1_rows("sum", [10, 20, 30], [15, 15, 20]), Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == 60  # 10 + 20 + 30
    assert row["target"] == 50  # 15 + 15 + 20
    assert row["months"] == 3
    assert row["period"] == "2026-Q1"


def test_avg_means_actuals_and_targets() -> None:
    row = aggregate(
        q1_rows("avg", [0.80, 0.90, 0.70], [0.85, 0.85, 0.88]), Q1, label="2026-Q1"
    ).iloc[0]
    assert row["actual"] == pytest.approx(0.80)  # (0.8 + 0.9 + 0.7) / 3
    assert row["target"] == pytest.approx(0.86)  # (0.85 + 0.85 + 0.88) / 3


def test_last_takes_the_latest_month_not_the_latest_row() -> None:
    rows = q1_rows("last", [100, 120, 90], [110, 115, 95]).iloc[[2, 0, 1]]  # rows out of order
    row = aggregate(rows, Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == 90  # March
    assert row["target"] == 95


def test_missing_aggregation_defaults_to_avg() -> None:
    row = aggregate(q1_rows(None, [10, 20, 60], [30, 30, 30]), Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == 30  # (10 + 20 + 60) / 3, not the sum 90 nor the last 60
    assert row["aggregation"] == "avg"


# -- missing months ------------------------------------------------------------------------------


def test_sum_over_the_months_that_have_an_actual() -> None:
    row = aggregate(q1_rows("sum", [10, NAN, 30], [15, 15, 20]), Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == 40  # 10 + 30; February is missing, not zero
    assert row["target"] == 35  # 15 + 20: February's target leaves with its actual
    assert row["months"] == 2
    assert row["coverage"] == pytest.approx(2 / 3)


def test_avg_ignores_a_missing_month() -> None:
    row = aggregate(q1_rows("avg", [0.6, NAN, 0.9], [0.8, 0.8, 0.8]), Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == pytest.approx(0.75)  # (0.6 + 0.9) / 2, not (0.6 + 0 + 0.9) / 3
    assert row["months"] == 2


def test_last_skips_a_missing_latest_month() -> None:
    row = aggregate(q1_rows("last", [100, 120, NAN], [110, NAN, NAN]), Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == 120  # February: March has no actual
    assert row["target"] == 110  # January: the latest month with a target


def test_each_anchor_over_the_months_where_it_is_present() -> None:
    rows = frame(
        kpi(kpi_id="K", aggregation="avg", period="2026-01", actual=5, target=10, floor=2),
        kpi(kpi_id="K", aggregation="avg", period="2026-02", actual=7, target=NAN, floor=4),
        kpi(kpi_id="K", aggregation="avg", period="2026-03", actual=9, target=14, floor=NAN),
    )
    row = aggregate(rows, Q1, label="2026-Q1").iloc[0]
    assert row["actual"] == 7  # (5 + 7 + 9) / 3
    assert row["target"] == 12  # (10 + 14) / 2
    assert row["floor"] == 3  # (2 + 4) / 2
    assert math.isnan(row["threshold"])  # never present: stays missing


def test_no_actual_in_any_month_is_missing_not_zero() -> None:
    row = aggregate(q1_rows("sum", [NAN, NAN, NAN], [1, 2, 3]), Q1, label="2026-Q1").iloc[0]
    assert math.isnan(row["actual"])
    assert row["target"] == 6
    assert row["months"] == 0


def test_a_kpi_reported_only_outside_the_quarter_is_absent() -> None:
    rows = frame(
        kpi(kpi_id="A", period="2026-02", actual=1.0, target=1.0),
        kpi(kpi_id="B", period="2026-04", actual=2.0, target=2.0),  # Q2 only
    )
    result = aggregate(rows, Q1, label="2026-Q1")
    assert result["kpi_id"].tolist() == ["A"]


def test_a_quarter_with_no_rows_is_empty_with_the_columns() -> None:
    result = aggregate(q1_rows("sum", [1, 2, 3], [1, 2, 3]), ["2026-07"], label="2026-Q3")
    assert result.empty
    assert list(result.columns) == [*KPI_COLUMNS, "months", "coverage"]


# -- several KPIs --------------------------------------------------------------------------------


def test_kpis_keyed_by_department_and_id_else_name() -> None:
    rows = frame(
        # same id, renamed in February: still one KPI (the id is the key)
        kpi(department="市场部", kpi_id="M1", kpi_name="营收", aggregation="sum",
            period="2026-01", actual=1, target=1),
        kpi(department="市场部", kpi_id="M1", kpi_name="营业收入", aggregation="sum",
            period="2026-02", actual=2, target=1),
        # no id: keyed by name
        kpi(department="市场部", kpi_name="客户满意度", aggregation="avg",
            period="2026-01", actual=0.8, target=0.9),
        kpi(department="市场部", kpi_name="客户满意度", aggregation="avg",
            period="2026-03", actual=0.9, target=0.9),
        # the same name in another department is another KPI
        kpi(department="财务部", kpi_name="客户满意度", aggregation="avg",
            period="2026-02", actual=0.5, target=0.6),
    )  # fmt: skip
    result = aggregate(rows, Q1, label="2026-Q1")
    assert len(result) == 3
    revenue = only(result, department="市场部", kpi_id="M1")
    assert revenue["actual"] == 3  # 1 + 2
    assert revenue["target"] == 2  # 1 + 1
    assert revenue["kpi_name"] == "营业收入"  # from the latest month
    market = only(result, department="市场部", kpi_name="客户满意度")
    assert market["actual"] == pytest.approx(0.85)  # (0.8 + 0.9) / 2
    assert market["months"] == 2
    finance = only(result, department="财务部")
    assert finance["actual"] == 0.5
    assert finance["months"] == 1


def test_other_columns_come_from_the_latest_month_row() -> None:
    rows = frame(
        kpi(kpi_id="K", period="2026-03", actual=3, target=3, weight=30, row=4, file="mar.xlsx",
            shared_with=("财务部",), direction="higher", aggregation="sum"),
        kpi(kpi_id="K", period="2026-01", actual=1, target=1, weight=10, row=9, file="jan.xlsx",
            aggregation="avg"),
    )  # fmt: skip
    row = aggregate(rows, Q1, label="2026-Q1").iloc[0]
    assert row["weight"] == 30
    assert row["row"] == 4
    assert row["file"] == "mar.xlsx"
    assert row["shared_with"] == ("财务部",)
    assert row["aggregation"] == "sum"  # the latest month says how to aggregate
    assert row["actual"] == 4  # 1 + 3


def test_kinds_mixed_in_one_frame() -> None:
    rows = pd.concat(
        [
            q1_rows("sum", [10, 20, 30], [10, 10, 10]).assign(kpi_id="S"),
            q1_rows("avg", [1, 2, 6], [3, 3, 3]).assign(kpi_id="A"),
            q1_rows("last", [7, 8, NAN], [9, 9, 9]).assign(kpi_id="L"),
        ],
        ignore_index=True,
    )
    result = aggregate(rows, Q1, label="2026-Q1").set_index("kpi_id")
    assert result.loc["S", "actual"] == 60
    assert result.loc["S", "target"] == 30
    assert result.loc["A", "actual"] == 3  # (1 + 2 + 6) / 3
    assert result.loc["A", "target"] == 3
    assert result.loc["L", "actual"] == 8
    assert result.loc["L", "target"] == 9
    assert result["months"].to_dict() == {"S": 3, "A": 3, "L": 2}


def test_only_the_given_months_count() -> None:
    rows = frame(
        *(
            kpi(kpi_id="K", aggregation="sum", period=f"2026-{m:02d}", actual=m, target=10)
            for m in range(1, 13)
        )
    )
    ytd = aggregate(rows, ytd_months(2026, "2026-04"), label="2026-04-YTD").iloc[0]
    assert ytd["actual"] == 10  # 1 + 2 + 3 + 4
    assert ytd["target"] == 40
    assert ytd["period"] == "2026-04-YTD"
    q3 = aggregate(rows, quarter_months("2026-Q3"), label="2026-Q3").iloc[0]
    assert q3["actual"] == 24  # 7 + 8 + 9
    full = months_of("2026-YTD", available=rows["period"])
    assert aggregate(rows, full, label="2026-YTD").iloc[0]["actual"] == 78  # 1 + ... + 12


def test_input_is_not_modified() -> None:
    rows = q1_rows("sum", [1, 2, 3], [1, 1, 1])
    before = rows.copy()
    aggregate(rows, Q1, label="2026-Q1")
    pd.testing.assert_frame_equal(rows, before)


# -- properties ----------------------------------------------------------------------------------

maybe = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@pytest.mark.slow
@given(st.lists(maybe, min_size=3, max_size=3), st.sampled_from(["sum", "avg", "last"]))
def test_one_month_of_a_quarter_alone_is_that_month(actuals: list, how: str) -> None:
    """A quarter where only one month has an actual gives that actual, for every kind."""
    values = [NAN if a is None else a for a in actuals]
    present = [v for v in values if not math.isnan(v)]
    row = aggregate(q1_rows(how, values, [1, 1, 1]), Q1, label="2026-Q1").iloc[0]
    assert row["months"] == len(present)
    if len(present) == 1:
        assert row["actual"] == present[0]
    if not present:
        assert math.isnan(row["actual"])
