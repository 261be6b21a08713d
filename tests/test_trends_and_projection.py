"""Trends page (insights): series of KPIs, departments or the organisation over periods,
their changes against the previous period and a year earlier, and a least-squares
projection of the next period.

Every KPI here is higher-is-better with target 100 and no floor, so its score is its actual.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from kpi_rows import NAN, frame, kpi

from kpi_engine.core import insights
from kpi_engine.core.settings import Settings

MONTHS = ["2025-10", "2026-08", "2026-09", "2026-10"]


def k(actual: float, **fields: object) -> dict[str, object]:
    """A KPI whose score is `actual` (target 100, higher is better)."""
    return kpi(actual=actual, target=100.0, **fields)


def trend_frame() -> pd.DataFrame:
    """市场部 K1 营业收入: 60 a year ago, then 80, 90, 75; 销售部 回款 (no id): 100 each month."""
    scores = dict(zip(MONTHS, [60.0, 80.0, 90.0, 75.0], strict=True))
    return frame(
        *(k(s, kpi_id="K1", kpi_name="营业收入", period=p) for p, s in scores.items()),
        *(k(100.0, kpi_name="回款", department="销售部", period=p) for p in MONTHS),
    )


def values(column: pd.Series) -> list[float | None]:
    return [None if math.isnan(v) else v for v in column.astype(float)]


# -- KPI series -------------------------------------------------------------------------------


def test_kpi_trend_changes() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="kpi", keys=[("市场部", "K1")])
    assert t["period"].tolist() == MONTHS
    assert t["series"].unique().tolist() == ["市场部 · 营业收入"]
    assert t["score"].tolist() == [60.0, 80.0, 90.0, 75.0]
    assert t["actual"].tolist() == [60.0, 80.0, 90.0, 75.0]
    assert t["target"].tolist() == [100.0] * 4
    assert t["status"].tolist() == ["red", "amber", "amber", "red"]
    # month on month: July 2026 has no row, so August has no change
    assert values(t["mom_change"]) == [None, None, 10.0, -15.0]
    # year on year: only October 2026 has its month a year earlier
    assert values(t["yoy_change"]) == [None, None, None, 15.0]
    assert list(t.columns) == list(insights.TREND_COLUMNS)


def test_kpi_trend_keys_by_id_or_name_in_order() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="kpi", keys=[("销售部", "回款"), ("市场部", "营业收入")])
    assert t["series"].drop_duplicates().tolist() == ["销售部 · 回款", "市场部 · 营业收入"]
    assert len(t) == 8
    assert t[t["department"] == "销售部"]["mom_change"].tolist()[2:] == [0.0, 0.0]


def test_kpi_trend_unknown_key_gives_no_rows() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="kpi", keys=[("市场部", "nothing")])
    assert t.empty
    assert list(t.columns) == list(insights.TREND_COLUMNS)


def test_trend_labels_limit_rows_not_comparisons() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="kpi", keys=[("市场部", "K1")], labels=["2026-09", "2026-10"])
    assert t["period"].tolist() == ["2026-09", "2026-10"]
    assert t["mom_change"].tolist() == [10.0, -15.0]  # September against August
    assert t["yoy_change"].tolist()[1] == 15.0


def test_missing_actual_is_a_gap_in_the_changes() -> None:
    rows = frame(
        k(70.0, period="2026-08"),
        k(NAN, period="2026-09"),
        k(90.0, period="2026-10"),
    )
    t = insights.trend(insights.history(rows, MONTHS), level="kpi", keys=[("市场部", "kpi")])
    assert values(t["score"]) == [70.0, None, 90.0]
    assert values(t["mom_change"]) == [None, None, None]
    assert t["coverage"].tolist() == [1.0, 0.0, 1.0]


# -- department and organisation series -------------------------------------------------------


def test_department_trend() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="department", keys=["市场部", "销售部"])
    market = t[t["series"] == "市场部"]
    assert market["score"].tolist() == [60.0, 80.0, 90.0, 75.0]
    assert values(market["yoy_change"]) == [None, None, None, 15.0]
    assert market["actual"].isna().all() and market["target"].isna().all()
    assert t[t["series"] == "销售部"]["coverage"].tolist() == [1.0] * 4


def test_department_trend_statuses_follow_settings() -> None:
    card = insights.history(trend_frame(), MONTHS)
    strict = Settings(amber_at=85.0)
    t = insights.trend(card, level="department", keys=["市场部"], settings=strict)
    assert t["status"].tolist() == ["red", "red", "amber", "red"]


def test_organization_trend() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="organization")
    # mean of 市场部 and 销售部 (100 every month)
    assert t["score"].tolist() == [80.0, 90.0, 95.0, 87.5]
    assert values(t["mom_change"]) == [None, None, 5.0, -7.5]
    assert values(t["yoy_change"]) == [None, None, None, 7.5]


def test_quarter_trend_year_on_year() -> None:
    rows = frame(
        k(70.0, period="2025-01"),
        k(80.0, period="2025-02"),  # 2025-Q1: 75
        k(90.0, period="2026-03"),  # 2026-Q1: 90
    )
    labels = ["2025-Q1", "2026-Q1"]
    t = insights.trend(insights.history(rows, labels), level="department", keys=["市场部"])
    assert t["period"].tolist() == labels
    assert values(t["mom_change"]) == [None, None]
    assert values(t["yoy_change"]) == [None, 15.0]


def test_unknown_level_is_an_error() -> None:
    card = insights.history(trend_frame(), MONTHS)
    with pytest.raises(ValueError, match="level"):
        insights.trend(card, level="perspective", keys=[])


# -- projection -------------------------------------------------------------------------------


def series(scores: dict[str, float]) -> pd.DataFrame:
    rows = frame(*(k(s, kpi_id="K1", period=p) for p, s in scores.items()))
    card = insights.history(rows, list(scores))
    return insights.trend(card, level="kpi", keys=[("市场部", "K1")])


def test_projection_of_a_straight_line() -> None:
    t = series({"2026-01": 60.0, "2026-02": 70.0, "2026-03": 80.0})
    p = insights.projection(t)
    assert len(p) == 1
    row = p.iloc[0]
    assert row["period"] == "2026-04"
    assert row["score"] == pytest.approx(90.0)
    assert row["projected"]  # numpy or Python bool, flagged
    assert row["series"] == "市场部 · kpi"
    assert row["status"] == "amber"
    assert list(p.columns) == [*insights.TREND_COLUMNS, "projected"]


def test_projection_least_squares_over_the_last_points() -> None:
    # 2026-01 is dropped with points=3; x = 0, 1, 2 and y = 80, 90, 75:
    # slope = ((-1)(80 - 245/3) + (1)(75 - 245/3)) / 2 = -2.5, so at x = 3: 245/3 - 5
    t = series({"2026-01": 10.0, "2026-02": 80.0, "2026-03": 90.0, "2026-04": 75.0})
    p = insights.projection(t, points=3)
    assert p.iloc[0]["period"] == "2026-05"
    assert p.iloc[0]["score"] == pytest.approx(245 / 3 - 5)


def test_projection_places_periods_by_calendar() -> None:
    # March has no row: January 60, February 70, April 90 lie on a line of +10 a month
    t = series({"2026-01": 60.0, "2026-02": 70.0, "2026-04": 90.0})
    p = insights.projection(t)
    assert p.iloc[0]["period"] == "2026-05"
    assert p.iloc[0]["score"] == pytest.approx(100.0)


def test_projection_is_clipped_to_the_cap() -> None:
    t = series({"2026-01": 100.0, "2026-02": 110.0, "2026-03": 120.0})
    assert insights.projection(t).iloc[0]["score"] == pytest.approx(120.0)
    low = series({"2026-01": 20.0, "2026-02": 10.0, "2026-03": 0.0})
    assert insights.projection(low).iloc[0]["score"] == pytest.approx(0.0)
    capped = insights.projection(t, settings=Settings(cap=150.0))
    assert capped.iloc[0]["score"] == pytest.approx(130.0)


def test_projection_over_quarters_rolls_the_year() -> None:
    rows = frame(k(70.0, period="2026-05"), k(80.0, period="2026-08"), k(90.0, period="2026-11"))
    labels = ["2026-Q2", "2026-Q3", "2026-Q4"]
    t = insights.trend(insights.history(rows, labels), level="department", keys=["市场部"])
    p = insights.projection(t)
    assert p[["period", "score"]].values.tolist() == [["2027-Q1", pytest.approx(100.0)]]


def test_projection_needs_three_scores() -> None:
    assert insights.projection(series({"2026-01": 60.0, "2026-02": 70.0})).empty
    # a missing actual is not a point
    gap = series({"2026-01": 60.0, "2026-02": NAN, "2026-03": 80.0})
    p = insights.projection(gap)
    assert p.empty
    assert "projected" in p.columns
    assert insights.projection(series({})).empty


def test_projection_per_series() -> None:
    card = insights.history(trend_frame(), MONTHS)
    t = insights.trend(card, level="department", keys=["销售部", "市场部"])
    p = insights.projection(t, points=3)
    assert p["series"].tolist() == ["销售部", "市场部"]
    assert p["period"].tolist() == ["2026-11", "2026-11"]
    assert p["score"].tolist() == pytest.approx([100.0, 245 / 3 - 5])
