"""Overview and Scorecard page numbers (insights): period lists and steps, the history of
several periods, the organisation's score and its change, perspective scores, status
counts, movers, per-KPI changes and sparkline windows.

Every KPI here is higher-is-better with target 100 and no floor, so its score is its actual.
"""

from __future__ import annotations

import pandas as pd
import pytest
from kpi_rows import NAN, frame, kpi

from kpi_engine import Loaded, load_files
from kpi_engine.core import insights
from kpi_engine.core.scorecard import build
from kpi_engine.core.settings import Settings
from tests import group_data


def k(actual: float, **fields: object) -> dict[str, object]:
    """A KPI whose score is `actual` (target 100, higher is better)."""
    return kpi(actual=actual, target=100.0, **fields)


# -- period labels and steps ------------------------------------------------------------------


def months_frame() -> pd.DataFrame:
    months = ["2025-11", "2026-02", "2025-12", "2026-04", "2026-02"]  # unsorted, a repeat
    return frame(*(k(90.0, period=m, kpi_name=f"k{i}") for i, m in enumerate(months)))


def test_period_labels_by_grain() -> None:
    kpis = months_frame()
    assert insights.period_labels(kpis, grain="month") == [
        "2025-11",
        "2025-12",
        "2026-02",
        "2026-04",
    ]
    assert insights.period_labels(kpis, grain="quarter") == ["2025-Q4", "2026-Q1", "2026-Q2"]
    # one year-to-date label per year, through that year's latest month
    assert insights.period_labels(kpis, grain="ytd") == ["2025-12-YTD", "2026-04-YTD"]


def test_period_labels_rejects_unknown_grain() -> None:
    with pytest.raises(ValueError, match="grain"):
        insights.period_labels(months_frame(), grain="week")


@pytest.mark.parametrize(
    ("label", "previous", "ago"),
    [
        ("2026-10", "2026-09", "2025-10"),
        ("2026-01", "2025-12", "2025-01"),
        ("2026-Q3", "2026-Q2", "2025-Q3"),
        ("2026-Q1", "2025-Q4", "2025-Q1"),
        # like for like: January-October against January-October of the year before
        ("2026-10-YTD", "2025-10-YTD", "2025-10-YTD"),
        ("2026-YTD", "2025-YTD", "2025-YTD"),
    ],
)
def test_previous_period_and_year_ago(label: str, previous: str, ago: str) -> None:
    assert insights.previous_period(label) == previous
    assert insights.year_ago(label) == ago


def test_next_period_rolls_over_the_year() -> None:
    assert insights.next_period("2026-12") == "2027-01"
    assert insights.next_period("2026-Q4") == "2027-Q1"


def test_previous_period_rejects_non_periods() -> None:
    with pytest.raises(ValueError, match="not a period"):
        insights.previous_period("2026-13")


def test_comparison_labels_add_previous_and_year_ago() -> None:
    assert insights.comparison_labels(["2026-10-YTD"]) == ["2025-10-YTD", "2026-10-YTD"]
    assert insights.comparison_labels(["2026-Q1", "2026-Q2"]) == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]


# -- history ----------------------------------------------------------------------------------


def two_quarters() -> pd.DataFrame:
    rows = []
    for month, (a, b) in zip(
        ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"],
        [(60, 90), (80, 100), (70, 110), (90, 80), (100, NAN)],
        strict=True,
    ):
        rows.append(k(a, kpi_id="F1", period=month, aggregation="sum"))
        rows.append(k(b, kpi_id="C1", period=month, perspective="customer", department="销售部"))
    return frame(*rows)


@pytest.mark.parametrize("label", ["2026-Q1", "2026-Q2", "2026-05-YTD", "2026-YTD"])
def test_history_matches_one_build_per_label(label: str) -> None:
    kpis = two_quarters()
    every = insights.history(kpis, ["2026-Q1", "2026-Q2", "2026-05-YTD", "2026-YTD"])
    alone = build(kpis, period=label)
    for name in ("perspectives", "departments", "organization"):
        got = getattr(every, name)
        got = got[got["period"] == label].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, getattr(alone, name), check_dtype=False)


@pytest.fixture(scope="module")
def sample_group() -> Loaded:
    """The sample company as a group (a tree over its departments): veto KPIs, bonus and
    penalty items, rules, shared and quarterly KPIs, cumulative targets."""
    return load_files(group_data.group_files())


@pytest.mark.parametrize("grain", ["month", "quarter", "half", "year", "ytd"])
def test_every_label_of_a_history_is_that_label_scored_alone(
    sample_group: Loaded, grain: str
) -> None:
    """A history stacks every label's rows and scores them once (the labels of a grain
    aggregated together, `periods.aggregate_each`): each label's KPI rows, roll-ups and
    units are exactly those of `build` for that label alone."""
    kpis, org = sample_group.kpis, sample_group.org
    labels = insights.comparison_labels(insights.period_labels(kpis, grain=grain))
    every = insights.history(kpis, labels, org=org)
    assert len(every.tree.units) == 4  # the group, its three units
    for label in labels[-4:]:
        alone = build(kpis, period=label, org=org)
        for name in ("kpis", "perspectives", "departments", "organization", "units"):
            got = getattr(every, name)
            got = got[(got["period"] == label).to_numpy(bool)].reset_index(drop=True)
            if alone.kpis.empty:  # a comparison label before the data: nothing, typed or not
                assert got.empty, (label, name)
            else:
                pd.testing.assert_frame_equal(got, getattr(alone, name), check_exact=True)


def test_history_of_months_keeps_only_those_months() -> None:
    card = insights.history(two_quarters(), ["2026-02", "2026-03"])
    assert card.organization["period"].tolist() == ["2026-02", "2026-03"]
    # 2026-02: 市场部 80, 销售部 100 -> 90
    assert card.organization["score"].tolist() == pytest.approx([90.0, 90.0])


def test_history_of_nothing_is_empty() -> None:
    card = insights.history(two_quarters(), [])
    assert card.kpis.empty
    assert card.organization.empty


# -- overview ---------------------------------------------------------------------------------


def two_months() -> pd.DataFrame:
    """市场部 and 销售部 in 2026-09 and 2026-10 (worked values in the tests)."""
    rows = []
    for period, (k1, k2, k3, s1) in {
        "2026-09": (80.0, 110.0, 75.0, 70.0),
        "2026-10": (90.0, 110.0, 70.0, 60.0),
    }.items():
        rows += [
            k(k1, kpi_id="K1", kpi_name="营业收入", period=period),
            k(k2, kpi_id="K2", kpi_name="毛利率", period=period),
            k(k3, kpi_id="K3", kpi_name="客户满意度", perspective="customer", period=period),
            k(
                NAN,
                kpi_id="K4",
                kpi_name="流程达标率",
                perspective="internal_process",
                period=period,
            ),
            k(s1, kpi_id="S1", kpi_name="回款", department="销售部", period=period),
            k(
                100.0,
                kpi_id="S2",
                kpi_name="培训",
                department="销售部",
                perspective="learning_growth",
                period=period,
            ),
        ]
    return frame(*rows)


def test_overview_organisation_score_coverage_and_change() -> None:
    card = insights.history(two_months(), ["2026-09", "2026-10"])
    view = insights.overview(card, "2026-10")
    # 市场部: financial (90 + 110) / 2 = 100, customer 70, internal process unscored:
    #   (30 * 100 + 30 * 70) / 60 = 85; coverage (30 + 30 + 25 * 0) / 85 = 60 / 85
    # 销售部: (30 * 60 + 15 * 100) / 45 = 73.33; coverage 1
    assert view.score == pytest.approx((85.0 + 3300.0 / 45.0) / 2)
    assert view.coverage == pytest.approx((60.0 / 85.0 + 1.0) / 2)
    # 2026-09: 市场部 (30 * 95 + 30 * 75) / 60 = 85, 销售部 (30 * 70 + 15 * 100) / 45 = 80
    assert view.previous == "2026-09"
    assert view.previous_score == pytest.approx(82.5)
    assert view.change == pytest.approx((85.0 + 3300.0 / 45.0) / 2 - 82.5)


def test_overview_change_is_none_without_a_previous_period() -> None:
    card = insights.history(two_months(), ["2026-10"])
    view = insights.overview(card, "2026-10")
    assert view.score is not None
    assert view.previous_score is None
    assert view.change is None


def test_overview_of_a_period_without_data() -> None:
    view = insights.overview(insights.history(two_months(), ["2026-10"]), "2027-01")
    assert view.score is None and view.coverage is None and view.change is None
    assert view.perspectives["score"].isna().all()
    assert dict(view.status_counts) == {"green": 0, "amber": 0, "red": 0, "missing": 0}
    assert view.best_movers.empty and view.worst_movers.empty


def test_overview_perspective_scores_for_the_organisation() -> None:
    card = insights.history(two_months(), ["2026-09", "2026-10"])
    table = insights.overview(card, "2026-10").perspectives.set_index("perspective")
    assert list(table.index) == ["financial", "customer", "internal_process", "learning_growth"]
    # financial: 市场部 100 and 销售部 60, equal department weights
    assert table.loc["financial", "score"] == pytest.approx(80.0)
    assert table.loc["financial", "coverage"] == pytest.approx(1.0)
    # 2026-09 financial: 市场部 (80 + 110) / 2 = 95 and 销售部 70 -> 82.5
    assert table.loc["financial", "previous_score"] == pytest.approx(82.5)
    assert table.loc["financial", "change"] == pytest.approx(-2.5)
    # only 市场部 has customer KPIs: renormalised over it alone
    assert table.loc["customer", "score"] == pytest.approx(70.0)
    # internal process: a department with the perspective and nothing scored
    assert pd.isna(table.loc["internal_process", "score"])
    assert table.loc["internal_process", "coverage"] == pytest.approx(0.0)
    assert table.loc["learning_growth", "score"] == pytest.approx(100.0)


def test_perspective_scores_use_department_weights() -> None:
    settings = Settings(department_weights={"市场部": 3.0})  # 销售部 keeps 1
    card = insights.history(two_months(), ["2026-10"], settings=settings)
    table = insights.overview(card, "2026-10", settings=settings).perspectives
    financial = table.set_index("perspective").loc["financial", "score"]
    assert financial == pytest.approx((3 * 100.0 + 60.0) / 4)


def test_perspective_coverage_weighs_departments() -> None:
    rows = frame(
        k(90.0, kpi_name="a"),
        k(NAN, kpi_name="b"),  # 市场部 financial coverage 0.5
        k(80.0, department="销售部"),  # 销售部 financial coverage 1
    )
    table = insights.organization_perspectives(insights.history(rows, ["2026-10"]))
    financial = table[table["perspective"] == "financial"].iloc[0]
    assert financial["score"] == pytest.approx(85.0)
    assert financial["coverage"] == pytest.approx(0.75)


def test_status_counts_owner_rows_only() -> None:
    rows = two_months()
    # S2 (销售部) shared with 市场部: a copy under 市场部, still one KPI to count
    rows["shared_with"] = [("市场部",) if i == "S2" else () for i in rows["kpi_id"]]
    card = insights.history(rows, ["2026-09", "2026-10"])
    assert (card.kpis["period"] == "2026-10").sum() == 7  # six owners and one copy
    counts = insights.overview(card, "2026-10").status_counts
    # K1 90 amber, K2 110 green, K3 70 red, K4 missing, S1 60 red, S2 100 green
    assert dict(counts) == {"green": 2, "amber": 1, "red": 2, "missing": 1}


def test_movers_best_and_worst() -> None:
    card = insights.history(two_months(), ["2026-09", "2026-10"])
    view = insights.overview(card, "2026-10")
    # changes: K1 +10, K2 0, K3 -5, S1 -10, S2 0, K4 unscored
    best = view.best_movers
    assert best[["department", "kpi_id", "kpi_name"]].values.tolist() == [
        ["市场部", "K1", "营业收入"]
    ]
    assert best.iloc[0][["score", "previous_score", "change"]].tolist() == [90.0, 80.0, 10.0]
    worst = view.worst_movers
    assert worst["kpi_id"].tolist() == ["S1", "K3"]
    assert worst["change"].tolist() == pytest.approx([-10.0, -5.0])
    assert {"department", "kpi_id", "kpi_name", "score", "previous_score", "change"} <= set(
        worst.columns
    )


def test_movers_top_n() -> None:
    card = insights.history(two_months(), ["2026-09", "2026-10"])
    assert insights.overview(card, "2026-10", movers=1).worst_movers["kpi_id"].tolist() == ["S1"]


def test_movers_shared_kpi_listed_once() -> None:
    rows = two_months()
    rows["shared_with"] = [("市场部",) if i == "S1" else () for i in rows["kpi_id"]]
    card = insights.history(rows, ["2026-09", "2026-10"])
    worst = insights.overview(card, "2026-10").worst_movers
    assert worst["kpi_id"].tolist() == ["S1", "K3"]
    assert worst.iloc[0]["department"] == "销售部"


# -- per-KPI changes and sparklines -----------------------------------------------------------


def test_kpi_changes_per_department_including_shared_copies() -> None:
    rows = two_months()
    rows["shared_with"] = [("市场部",) if i == "S1" else () for i in rows["kpi_id"]]
    card = insights.history(rows, ["2026-09", "2026-10"])
    changes = insights.kpi_changes(card, "2026-10")
    assert (changes["period"] == "2026-10").all()
    s1 = changes[changes["kpi_id"] == "S1"].set_index("department")
    assert s1.loc["销售部", "change"] == pytest.approx(-10.0)
    assert s1.loc["市场部", "change"] == pytest.approx(-10.0)  # the copy, against its copy
    k4 = changes[changes["kpi_id"] == "K4"].iloc[0]
    assert pd.isna(k4["change"]) and pd.isna(k4["previous_score"])
    owners = insights.kpi_changes(card, "2026-10", owners_only=True)
    assert len(owners) == 6


def test_kpi_changes_match_kpis_without_id_by_name() -> None:
    rows = frame(
        k(70.0, kpi_name="满意度", period="2026-09"),
        k(85.0, kpi_name="满意度", period="2026-10"),
        k(50.0, kpi_name="满意度", period="2026-10", department="销售部"),  # no 2026-09
    )
    card = insights.history(rows, ["2026-09", "2026-10"])
    changes = insights.kpi_changes(card, "2026-10").set_index("department")
    assert changes.loc["市场部", "change"] == pytest.approx(15.0)
    assert pd.isna(changes.loc["销售部", "change"])


def test_kpi_history_window() -> None:
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    rows = frame(
        *(k(60.0 + 10 * i, kpi_id="K1", period=m) for i, m in enumerate(months)),
        k(95.0, kpi_id="K2", period="2026-01"),
    )
    card = insights.history(rows, months)
    window = insights.kpi_history(card, "2026-03", last=2)
    assert window["period"].tolist() == ["2026-02", "2026-03"]
    assert window["score"].tolist() == [70.0, 80.0]
    assert window["actual"].tolist() == [70.0, 80.0]
    assert window["target"].tolist() == [100.0, 100.0]
    assert {"department", "kpi_id", "kpi_name", "period", "score", "actual", "target"} <= set(
        window.columns
    )
    # the default twelve periods reach back to January, sorted per KPI by period
    full = insights.kpi_history(card, "2026-04")
    assert full["kpi_id"].tolist() == ["K1"] * 4 + ["K2"]
    assert full["period"].tolist() == [*months, "2026-01"]


def test_kpi_history_counts_calendar_periods_not_rows() -> None:
    rows = frame(k(60.0, period="2026-01"), k(70.0, period="2026-03"))  # no February row
    card = insights.history(rows, ["2026-01", "2026-03"])
    assert insights.kpi_history(card, "2026-03", last=2)["period"].tolist() == ["2026-03"]
