"""Departments are listed by score (best first) or in the order the settings give, never by
code point: one helper (`names.in_department_order`) behind every chart, table and picker."""

import pytest

from kpi_engine import load_files
from kpi_engine.charts import specs as charts
from kpi_engine.core import insights
from kpi_engine.core.names import in_department_order
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.i18n import t
from tests.apps import open_page, start
from tests.paths import sample_files
from tests.test_chart_specs import walk
from ui import tables

# Code point order puts 人 (U+4EBA) before 市 (U+5E02) before 财 (U+8D22); the scores do not.
SCORES = {"人力资源部": 90.0, "市场部": 110.0, "财务部": 100.0}


def test_by_score_best_first_not_by_code_point():
    assert sorted(SCORES) == ["人力资源部", "市场部", "财务部"]
    assert in_department_order(SCORES, SCORES) == ["市场部", "财务部", "人力资源部"]


def test_without_a_score_last_and_ties_by_name():
    scores = {"技术部": 95.0, "生产部": float("nan"), "行政部": 95.0, "采购物流部": 99.0}
    shown = in_department_order(["行政部", "生产部", "技术部", "采购物流部", "质量部"], scores)
    assert shown[0] == "采购物流部"
    assert set(shown[1:3]) == {"技术部", "行政部"}
    assert shown[1:3] == sorted(shown[1:3])  # a tie: the same order whatever came in first
    assert set(shown[3:]) == {"生产部", "质量部"}, "no score: after every scored department"


def test_the_configured_order_first_matched_by_identity_then_by_score():
    # 財務 (traditional, no 部) is 财务部; a name the data does not have is skipped
    order = ("人力资源部", "財務", "不存在部")
    shown = in_department_order(["财务部", "市场部", "人力资源部", "行政部"], SCORES, order=order)
    assert shown == ["人力资源部", "财务部", "市场部", "行政部"]


def test_each_department_once():
    assert in_department_order(["市场部", "市场部", "财务部"], SCORES) == ["市场部", "财务部"]


@pytest.fixture(scope="module")
def history():
    kpis = load_files(list(sample_files())).kpis
    labels = insights.comparison_labels(insights.period_labels(kpis, grain="month"))
    return insights.history(kpis, labels)


def _scores(departments, period):
    """Each department's score in `period` of a departments table."""
    rows = departments[departments["period"] == period]
    return dict(zip(rows["department"], rows["score"], strict=True))


def _y_sort(spec: dict) -> list:
    """The department axis's sort list, the same in every layer that has one."""
    found = [
        y["sort"]
        for view in walk(spec)
        if isinstance(y := view.get("encoding", {}).get("y"), dict)
        and y.get("field") == "department"
        and "sort" in y
    ]
    assert found, "the chart has a department axis"
    assert all(s == found[0] for s in found)
    return found[0]


@pytest.mark.parametrize("order", [(), ("行政部", "财务部")])
def test_department_charts_follow_the_one_order(history, order):
    period = "2026-10"
    settings = DEFAULTS.with_(department_order=order)
    scores = _scores(history.departments, period)
    expected = in_department_order(scores, scores, order=order)
    assert expected != sorted(scores), "the sample's scores are not in code point order"
    bars = charts.department_bars(
        history.departments, lang="zh-Hans", settings=settings, period=period
    )
    cells = charts.heatmap(
        history.perspectives,
        lang="zh-Hans",
        settings=settings,
        period=period,
        departments=history.departments,
    )
    assert _y_sort(bars.to_dict()) == expected
    assert _y_sort(cells.to_dict()) == expected
    if order:
        assert expected[: len(order)] == list(order)
    year = history.departments[history.departments["period"].str.startswith("2026-")]
    year = year[~year["period"].str.contains("Q|H|Y")]
    months = charts.department_months(year, lang="zh-Hans", settings=settings)
    assert _y_sort(months.to_dict()) == in_department_order(
        _scores(year, max(year["period"])), _scores(year, max(year["period"])), order=order
    )


def test_the_ranking_table_lists_in_the_one_order(history):
    period = "2026-10"
    settings = DEFAULTS.with_(department_order=("技术部",))
    ranked = tables.ranking(history, period, "zh-Hans", settings)
    names = list(ranked[t("common.department", "zh-Hans")])
    scores = _scores(history.departments, period)
    assert names == in_department_order(scores, scores, order=("技术部",))
    best = max(scores, key=scores.get)
    rank = ranked.loc[ranked[t("common.department", "zh-Hans")] == best, t("pdf.rank", "zh-Hans")]
    assert rank.iloc[0] == 1, "the rank stays the rank by score"


def test_pickers_follow_the_score_then_the_order_set_on_the_settings_page(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    kpis = load_files(list(sample_files())).kpis
    month = at.session_state["period"]
    built = insights.history(kpis, [month])
    scores = _scores(built.departments, month)
    by_score = in_department_order(scores, scores)
    assert at.sidebar.multiselect[0].options == by_score
    open_page(at, "scorecard")
    assert at.selectbox(key="scorecard_department").options == by_score

    open_page(at, "settings")
    chosen = [by_score[-1], by_score[-2]]  # the two lowest, first
    at.multiselect(key="settings_department_order").set_value(chosen)
    at.button[0].click().run()  # the form's save button
    assert not at.exception and not at.error
    assert at.success, "the settings were stored"
    expected = in_department_order(scores, scores, order=chosen)
    assert expected[:2] == chosen
    open_page(at, "scorecard")  # the sidebar is drawn before the page stores the settings
    assert at.sidebar.multiselect[0].options == expected
    assert at.selectbox(key="scorecard_department").options == expected
    open_page(at, "overview")
    ranking = next(d.value for d in at.dataframe if t("pdf.rank", "zh-Hans") in d.value.columns)
    assert list(ranking[t("common.department", "zh-Hans")]) == expected
