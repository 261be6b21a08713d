"""Early warnings (SPEC: monitoring and early warning): KPIs red several periods in a row,
departments with low coverage, departments that did not upload.

Every KPI here is higher-is-better with target 100 and no floor, so its score is its actual:
red below 80, amber 80 to 100, green from 100.
"""

from __future__ import annotations

import pandas as pd
import pytest
from kpi_rows import NAN, frame, kpi

from kpi_engine.core import insights

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]
RED, AMBER, GREEN = 50.0, 90.0, 100.0


def k(actual: float, **fields: object) -> dict[str, object]:
    """A KPI whose score is `actual` (target 100, higher is better)."""
    return kpi(actual=actual, target=100.0, **fields)


def series(kpi_id: str, scores: dict[str, float], **fields: object) -> list[dict[str, object]]:
    """One KPI over several months: period -> score (a month left out has no row)."""
    return [
        k(s, kpi_id=kpi_id, kpi_name=f"指标{kpi_id}", period=p, **fields) for p, s in scores.items()
    ]


def kinds(found: pd.DataFrame, kind: str) -> pd.DataFrame:
    return found[found["kind"] == kind].reset_index(drop=True)


def streak_frame() -> pd.DataFrame:
    return frame(
        *series("R4", dict.fromkeys(MONTHS, RED)),  # red four months running
        # amber in August breaks the run: two
        *series("A2", {"2026-07": RED, "2026-08": AMBER, "2026-09": RED, "2026-10": RED}),
        # no row in August: July does not join the run
        *series("G2", {"2026-07": RED, "2026-09": RED, "2026-10": RED}),
        # a missing actual in September is not red
        *series("M1", {"2026-08": RED, "2026-09": NAN, "2026-10": RED}),
        *series("X1", {"2026-10": RED}),  # red once
        *series("Y0", {"2026-09": RED, "2026-10": GREEN}),  # no longer red
    )


def test_red_streaks_end_at_the_period() -> None:
    card = insights.history(streak_frame(), MONTHS)
    found = kinds(insights.warnings(card, "2026-10"), "red_streak")
    assert dict(zip(found["kpi_id"], found["periods"], strict=True)) == {"R4": 4, "A2": 2, "G2": 2}
    # the longest run first
    assert found["kpi_id"].iloc[0] == "R4"
    row = found.iloc[0]
    assert row["department"] == "市场部"
    assert row["kpi_name"] == "指标R4"
    assert "4 periods" in row["detail"]


def test_red_streaks_up_to_an_earlier_period() -> None:
    card = insights.history(streak_frame(), MONTHS)
    found = kinds(insights.warnings(card, "2026-09"), "red_streak")
    # R4: July-September; A2 and G2 are red in September only as a run of one
    assert dict(zip(found["kpi_id"], found["periods"], strict=True)) == {"R4": 3}


def test_red_streak_min_length_is_a_setting() -> None:
    card = insights.history(streak_frame(), MONTHS)
    found = kinds(insights.warnings(card, "2026-10", min_streak=3), "red_streak")
    assert found["kpi_id"].tolist() == ["R4"]
    found = kinds(insights.warnings(card, "2026-10", min_streak=1), "red_streak")
    assert set(found["kpi_id"]) == {"R4", "A2", "G2", "M1", "X1"}


def test_red_streaks_kpis_without_id_are_told_apart_by_name() -> None:
    rows = frame(
        k(RED, kpi_name="回款率", period="2026-09"),
        k(RED, kpi_name="回款率", period="2026-10"),
        k(GREEN, kpi_name="利润率", period="2026-09"),
        k(RED, kpi_name="利润率", period="2026-10"),
    )
    found = kinds(insights.warnings(insights.history(rows, MONTHS), "2026-10"), "red_streak")
    assert found["kpi_name"].tolist() == ["回款率"]
    assert found["kpi_id"].tolist() == [None]


def test_red_streak_of_a_shared_kpi_is_reported_once_for_its_owner() -> None:
    rows = frame(
        *series(
            "S1", {"2026-09": RED, "2026-10": RED}, department="销售部", shared_with=("市场部",)
        )
    )
    card = insights.history(rows, MONTHS)
    assert (card.kpis["department"] == "市场部").sum() == 2  # the copies
    found = kinds(insights.warnings(card, "2026-10"), "red_streak")
    assert found[["department", "kpi_id", "periods"]].values.tolist() == [["销售部", "S1", 2]]


def test_red_streaks_over_quarters() -> None:
    rows = frame(
        *series(
            "Q",
            {"2026-01": GREEN, "2026-04": RED, "2026-05": RED, "2026-07": 70.0, "2026-08": 80.0},
        )
    )
    labels = ["2026-Q1", "2026-Q2", "2026-Q3"]
    card = insights.history(rows, labels)
    # Q2 averages 50, Q3 averages 75: red twice; Q1 is green
    found = kinds(insights.warnings(card, "2026-Q3"), "red_streak")
    assert found[["kpi_id", "periods"]].values.tolist() == [["Q", 2]]


def test_red_streaks_longer_than_the_periods_read_first_are_counted_whole() -> None:
    """Only the last few periods are read at first (twice the shortest streak), twice as
    many while a streak reaches back to the first of them: a long streak is counted whole,
    one that ends where that window begins is not made longer."""
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]  # 36
    red_for = {"L": 30, "W4": 4, "W5": 5, "W8": 8, "W9": 9}  # months red up to December 2026
    rows = [
        row
        for kpi_id, n in red_for.items()
        for row in series(kpi_id, {m: RED if i >= 36 - n else GREEN for i, m in enumerate(months)})
    ]
    card = insights.history(frame(*rows), months)
    found = kinds(insights.warnings(card, "2026-12", min_streak=2), "red_streak")
    assert dict(zip(found["kpi_id"], found["periods"], strict=True)) == red_for
    gap = frame(*series("G", {m: RED for m in months if m != "2026-08"}))  # no row in August
    found = kinds(insights.warnings(insights.history(gap, months), "2026-12"), "red_streak")
    assert found["periods"].tolist() == [4]


# -- coverage ---------------------------------------------------------------------------------


def test_low_coverage_departments() -> None:
    rows = frame(
        # 市场部: one of three equal KPIs without an actual -> coverage 2/3
        k(90.0, kpi_name="a"),
        k(95.0, kpi_name="b"),
        k(NAN, kpi_name="c"),
        # 销售部: one of five -> exactly 0.8, not under it
        *(k(90.0, kpi_name=n, department="销售部") for n in "abcd"),
        k(NAN, kpi_name="e", department="销售部"),
    )
    found = insights.warnings(insights.history(rows, ["2026-10"]), "2026-10")
    low = kinds(found, "low_coverage")
    assert low["department"].tolist() == ["市场部"]
    assert low["coverage"].tolist() == pytest.approx([2 / 3])
    assert pd.isna(low["kpi_id"].iloc[0]) and pd.isna(low["periods"].iloc[0])
    assert "67%" in low["detail"].iloc[0]
    assert kinds(found, "red_streak").empty and kinds(found, "no_upload").empty


@pytest.mark.slow
def test_low_coverage_threshold_is_a_setting() -> None:
    rows = frame(*(k(90.0, kpi_name=n) for n in "abcd"), k(NAN, kpi_name="e"))
    card = insights.history(rows, ["2026-10"])
    assert kinds(insights.warnings(card, "2026-10"), "low_coverage").empty
    low = kinds(insights.warnings(card, "2026-10", min_coverage=0.9), "low_coverage")
    assert low["coverage"].tolist() == pytest.approx([0.8])


# -- missing uploads --------------------------------------------------------------------------


def upload_frame() -> pd.DataFrame:
    return frame(
        k(90.0, period="2026-09"),
        k(90.0, period="2026-10"),
        k(90.0, department="销售部", period="2026-08"),  # nothing since August
        # 研发部 uploaded in September; in October it only appears as a partner
        k(90.0, department="研发部", period="2026-09"),
        k(90.0, kpi_name="协同", period="2026-10", shared_with=("研发部",)),
        k(90.0, department="人事部", period="2026-11"),  # first upload after October
    )


def test_no_upload_for_departments_seen_before() -> None:
    card = insights.history(upload_frame(), [*MONTHS, "2026-11"])
    found = kinds(insights.warnings(card, "2026-10"), "no_upload")
    assert found["department"].tolist() == ["研发部", "销售部"]
    assert found["detail"].tolist() == [
        "no KPI rows for 2026-10; last data for 2026-09",
        "no KPI rows for 2026-10; last data for 2026-08",
    ]
    assert found["kpi_id"].isna().all() and found["periods"].isna().all()


def test_no_upload_for_expected_departments() -> None:
    card = insights.history(upload_frame(), [*MONTHS, "2026-11"])
    found = insights.warnings(card, "2026-10", expected_departments=["财务部", "市场", "人事部"])
    # 市场 is 市场部, which uploaded; 财务部 and 人事部 never did up to October
    assert kinds(found, "no_upload")["department"].tolist() == [
        "人事部",
        "研发部",
        "财务部",
        "销售部",
    ]
    assert "no KPI rows for 2026-10" in kinds(found, "no_upload")["detail"].tolist()


def test_no_warnings() -> None:
    rows = frame(*(k(GREEN, period=m) for m in MONTHS))
    found = insights.warnings(insights.history(rows, MONTHS), "2026-10")
    assert found.empty
    assert list(found.columns) == [
        "kind",
        "department",
        "kpi_id",
        "kpi_name",
        "periods",
        "coverage",
        "detail",
    ]


def test_warnings_of_an_empty_history() -> None:
    found = insights.warnings(
        insights.history(frame(), []), "2026-10", expected_departments=["财务部"]
    )
    assert found[["kind", "department"]].values.tolist() == [["no_upload", "财务部"]]
