"""Period labels (SPEC §2-3): months read from cells, headers, titles, sheet and file names."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine.core.periods import (
    find_period,
    find_year,
    is_month,
    is_quarter,
    is_ytd,
    months_of,
    parse_period,
    quarter_months,
    quarter_of,
    ytd_months,
)

# -- parse_period: one cell or header --------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03",
        "2026-3",
        "2026/03",
        "2026/3",
        "2026.03",
        "2026_03",
        "2026年3月",
        "2026年03月",
        "2026 年 3 月",
        "2026年3月份",
        "2026年三月",
        "２０２６年３月",  # full-width digits
        "２０２６－０３",
        "202603",
        "Mar-2026",
        "Mar 2026",
        "March 2026",
        "MARCH 2026",
        "Mar. 2026",
        "Mar-26",  # Excel's mmm-yy
        "2026-Mar",
        "2026 March",
        "03/2026",
        "2026-03-15",  # a full date names its month
        "2026/3/15",
        "2026-03-01 00:00:00",
        "2026年3月15日",
        " 2026-03 ",
    ],
)
def test_text_forms_of_march_2026(cell: str) -> None:
    assert parse_period(cell) == "2026-03"
    assert parse_period(cell, year=2020) == "2026-03"  # an explicit year beats the context


@pytest.mark.parametrize(
    "cell",
    [
        dt.datetime(2026, 3, 1),
        dt.datetime(2026, 3, 31, 23, 59),
        dt.date(2026, 3, 15),
        pd.Timestamp("2026-03-01"),
        np.datetime64("2026-03-10"),
        202603,  # a yyyymm number typed into a cell
        202603.0,
    ],
)
def test_dates_and_yyyymm_numbers(cell: object) -> None:
    assert parse_period(cell) == "2026-03"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1月", "2026-01"),
        ("01月", "2026-01"),
        ("1 月", "2026-01"),
        ("1月份", "2026-01"),
        ("一月", "2026-01"),
        ("二月", "2026-02"),
        ("十月", "2026-10"),
        ("十一月", "2026-11"),
        ("十二月", "2026-12"),
        ("１２月", "2026-12"),
        ("Jan", "2026-01"),
        ("January", "2026-01"),
        ("sept", "2026-09"),
        ("Dec.", "2026-12"),
    ],
)
def test_month_only_needs_a_year(cell: str, expected: str) -> None:
    assert parse_period(cell) is None
    assert parse_period(cell, year=2026) == expected


@pytest.mark.parametrize(
    "cell",
    [
        "2026-13",
        "2026-00",
        "2026年13月",
        "13月",
        "0月",
        "202613",
        "202600",
        "198901",  # before the plausible years
        "30000-01",
        "2026-02-30",  # no such day: not a date
        "2026",
        "2026-Q1",
        "Q1",
        "2026年",
        "2026年上半年",
        "26-Jan",  # Excel's d-mmm: a day, not a year
        "Mayo 2026",
        "abc",
        "",
        "1,2026",
    ],
)
def test_rejected_text(cell: str) -> None:
    assert parse_period(cell) is None
    assert parse_period(cell, year=2026) is None


@pytest.mark.parametrize(
    "cell",
    [
        46082,  # an Excel date serial (2026-03-01) is not a period
        46082.0,
        2026,
        2026.03,  # a float 2026.03 could be March or a typo for 2026.3 = October
        3,
        None,
        True,
        pd.NaT,
        np.nan,
        dt.time(12, 0),
        dt.datetime(1899, 12, 31),  # Excel's zero date: implausible
        dt.datetime(2200, 1, 1),
    ],
)
def test_rejected_values(cell: object) -> None:
    assert parse_period(cell) is None
    assert parse_period(cell, year=2026) is None


@pytest.mark.slow
@given(st.integers(1990, 2100), st.integers(1, 12))
def test_every_valid_month_round_trips(year: int, month: int) -> None:
    label = f"{year}-{month:02d}"
    assert parse_period(label) == label
    assert parse_period(f"{year}年{month}月") == label
    assert parse_period(f"{year}{month:02d}") == label
    assert parse_period(dt.date(year, month, 1)) == label
    assert parse_period(f"{month}月", year=year) == label


@pytest.mark.slow
@given(st.integers(0, 9999), st.integers(13, 99))
def test_month_out_of_range_never_parses(year: int, month: int) -> None:
    assert parse_period(f"{year:04d}-{month}") is None
    assert parse_period(f"{year:04d}{month}") is None


# -- find_period: a month inside longer text --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年10月 市场部 KPI 考核表", "2026-10"),
        ("2026年10月市場部KPI考核表", "2026-10"),
        ("人力资源部_2026年3月_绩效考核表.xlsx", "2026-03"),
        ("人力资源部_2026年3月_绩效考核表", "2026-03"),
        ("marketing_2026-10.xlsx", "2026-10"),
        ("marketing_2026_10", "2026-10"),
        ("report_202610.xlsx", "2026-10"),
        ("Oct 2026 scorecard", "2026-10"),
        ("October 2026 scorecard", "2026-10"),
        ("scorecard for Oct-26", "2026-10"),
        ("marketing_oct_2026", "2026-10"),
        ("review of Oct 15, 2026", "2026-10"),  # not year 2015
        ("2026 October KPIs", "2026-10"),
        ("考核表 2026-10-05", "2026-10"),  # a full date gives its month
        ("２０２６年１０月 KPI", "2026-10"),
        ("2026年十月 财务部", "2026-10"),
        ("2026年3月 (2026-04-02 更新)", "2026-03"),  # the earliest mention wins
    ],
)
def test_find_period(text: str, expected: str) -> None:
    assert find_period(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3月",  # a sheet name without a year: the caller supplies the year
        "Mar",
        "市场部 KPI 考核表",
        "order 12026103",  # digits inside a longer number
        "id_2026101",
        "report_20261005",  # eight digits: not taken apart
        "1,2026.5",
        "財務部 2026年上半年 數字化轉型KPI",  # a year, no month
        "2026年1-3月",  # a range of months is not one month
        "2026年第一季度",
        "marketing decisions 2026",  # 'mar', 'dec' inside words
        "2026-13 draft",
        "",
    ],
)
def test_find_period_none(text: str) -> None:
    assert find_period(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("財務部 2026年上半年 數字化轉型KPI", 2026),
        ("财务部 2026年度 KPI", 2026),
        ("FY2026", 2026),
        ("FY 2026 plan", 2026),
        ("FY26", 2026),
        ("2026财年", 2026),
        ("report_202610", 2026),  # the year of a month label
        ("KPI 2026", 2026),
        ("２０２６年", 2026),
    ],
)
def test_find_year(text: str, expected: int) -> None:
    assert find_year(text) == expected


@pytest.mark.parametrize("text", ["市场部 KPI", "3月", "1,2026.5", "order 120261", "30000年"])
def test_find_year_none(text: str) -> None:
    assert find_year(text) is None


# -- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        ("2026-01", "2026-Q1"),
        ("2026-03", "2026-Q1"),
        ("2026-04", "2026-Q2"),
        ("2026-12", "2026-Q4"),
    ],
)
def test_quarter_of(month: str, quarter: str) -> None:
    assert quarter_of(month) == quarter


def test_quarter_months() -> None:
    assert quarter_months("2026-Q1") == ["2026-01", "2026-02", "2026-03"]
    assert quarter_months("2026-Q4") == ["2026-10", "2026-11", "2026-12"]


@pytest.mark.slow
@given(st.integers(1990, 2100), st.integers(1, 12))
def test_a_month_is_in_its_quarter(year: int, month: int) -> None:
    label = f"{year}-{month:02d}"
    assert label in quarter_months(quarter_of(label))


def test_ytd_months() -> None:
    assert ytd_months(2026, "2026-01") == ["2026-01"]
    assert ytd_months(2026, "2026-04") == ["2026-01", "2026-02", "2026-03", "2026-04"]
    with pytest.raises(ValueError, match="2025-04"):
        ytd_months(2026, "2025-04")


def test_months_of_each_label() -> None:
    available = ["2025-12", "2026-01", "2026-02", "2026-05"]
    assert months_of("2026-02", available=available) == ["2026-02"]
    assert months_of("2026-Q2") == ["2026-04", "2026-05", "2026-06"]
    # YYYY-YTD runs through the latest month of that year present in the data.
    assert months_of("2026-YTD", available=available) == [f"2026-{m:02d}" for m in range(1, 6)]
    assert months_of("2025-YTD", available=available) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert months_of("2027-YTD", available=available) == []
    # YYYY-MM-YTD runs through the given month, whatever the data holds.
    assert months_of("2026-03-YTD") == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize("label", ["2026-3", "2026Q1", "2026-Q5", "YTD", "2026-13-YTD", "", "x"])
def test_months_of_rejects_bad_labels_clearly(label: str) -> None:
    with pytest.raises(ValueError, match="2026-Q1"):
        months_of(label)


def test_label_predicates() -> None:
    assert is_month("2026-03")
    assert not any(map(is_month, ["2026-3", "2026-13", "2026-Q1", "3000-01", None, 202603]))
    assert is_quarter("2026-Q3")
    assert not any(map(is_quarter, ["2026-Q0", "2026-Q5", "2026Q1", "2026-q1", "2026-03"]))
    assert is_ytd("2026-YTD")
    assert is_ytd("2026-10-YTD")
    assert not any(map(is_ytd, ["2026-13-YTD", "2026-ytd", "YTD", "2026-Q1"]))


@pytest.mark.parametrize(
    ("call", "argument"),
    [(quarter_of, "2026-13"), (quarter_of, "March"), (quarter_months, "2026-Q5")],
)
def test_bad_labels_raise_with_the_expected_form(call: object, argument: str) -> None:
    with pytest.raises(ValueError, match=r"YYYY-"):
        call(argument)  # type: ignore[operator]
