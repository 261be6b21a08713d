"""Trends a leader can read (issue 16, Deliver 4): the score axis fits the scores, KPIs in
different units get a panel each (or one indexed chart), percents read as percents, the
default KPI is the department's most weighted one, and changes are named as points.

Specs are read back with `to_dict()`, as tests/test_chart_specs.py does; the page is
driven with AppTest on the sample company."""

from __future__ import annotations

import pandas as pd
import pytest
from kpi_rows import frame, kpi

from kpi_engine.charts import specs as charts
from kpi_engine.core import insights
from kpi_engine.core.settings import DEFAULTS, Settings
from kpi_engine.i18n import points_change_text, t
from tests.apps import open_page, start
from tests.report_data import month_history, sample_history
from tests.shown import charts as shown_charts
from tests.shown import none_words, table_cells, texts
from tests.test_chart_specs import encodings, rows, views, walk
from ui import state, tables

PERIODS = ["2026-07", "2026-08", "2026-09", "2026-10"]


def scores_frame(scores: list[float], series: str = "") -> pd.DataFrame:
    return pd.DataFrame({"period": PERIODS[: len(scores)], "score": scores, "series": series})


def y_domain(spec: dict) -> list[float]:
    return encodings(spec, "y")[0]["scale"]["domain"]


def y_title(spec: dict) -> str:
    return next(e["title"] for e in encodings(spec, "y") if "title" in e)


def band_rows(spec: dict) -> list[tuple[str, float, float]]:
    bands = next(v for v in views(spec) if "fill" in v["encoding"])
    return [(b["band"], b["low"], b["high"]) for b in spec["datasets"][bands["data"]["name"]]]


# --- the score axis -----------------------------------------------------------------------


def test_red_scores_get_an_axis_around_them_reaching_amber():
    """60-70 under the defaults (amber at 80): the axis shows them and where amber starts,
    not 0-120 with red over two thirds."""
    spec = charts.score_bands(
        scores_frame([60.0, 65.0, 70.0]), lang="en", settings=DEFAULTS
    ).to_dict()
    low, high = y_domain(spec)
    assert low <= 60.0 and high >= 80.0  # every score, and the amber edge 10 points above
    assert low > 0.0 and high < DEFAULTS.green_at  # green is far: not shown
    assert band_rows(spec) == [("▼ <80 Alert", low, 80.0), ("80–100 Watch", 80.0, high)]


def test_green_scores_show_where_green_starts_and_stop_at_the_cap():
    spec = charts.score_bands(scores_frame([101.0, 112.0]), lang="en", settings=DEFAULTS).to_dict()
    low, high = y_domain(spec)
    assert low < DEFAULTS.green_at <= 101.0 and high == DEFAULTS.cap
    assert [b for b, _, _ in band_rows(spec)] == ["80–100 Watch", "≥100 On track"]


def test_the_axis_follows_the_settings_bands_and_the_projection():
    custom = Settings(amber_at=50.0, green_at=70.0, cap=150.0)
    frame = pd.concat(
        [
            scores_frame([120.0, 130.0]).assign(projected=False),
            pd.DataFrame([{"period": "2026-09", "score": 145.0, "projected": True}]),
        ]
    )
    low, high = y_domain(charts.score_bands(frame, lang="en", settings=custom).to_dict())
    assert low > custom.green_at  # no band edge near 120-145
    assert high == custom.cap >= 145.0  # the projected 145 is on the axis


def test_no_score_keeps_the_whole_range():
    assert charts.score_domain(pd.Series([None, float("nan")]), DEFAULTS) == (0.0, DEFAULTS.cap)


# --- units --------------------------------------------------------------------------------


def kpi_trend() -> pd.DataFrame:
    """Two KPIs of 市场部 in different units (万元 and percent, one written `％`)."""
    money = pd.DataFrame(
        {"series": "市场部 · 营业收入", "unit": "万元", "actual": [9000.0, 9500.0, 10158.0]}
    ).assign(target=9720.0)
    rate = pd.DataFrame(
        {"series": "市场部 · 客户留存率", "unit": ["%", "％", "%"], "actual": [0.85, 0.87, 0.9]}
    ).assign(target=0.88)
    both = pd.concat([money.assign(period=PERIODS[:3]), rate.assign(period=PERIODS[:3])])
    return both.assign(score=100.0).reset_index(drop=True)


def panels(spec: dict) -> list[dict]:
    return spec["vconcat"]


def test_one_panel_per_unit_each_with_its_own_axis():
    spec = charts.actual_vs_target(kpi_trend(), lang="zh-Hans").to_dict()
    assert len(panels(spec)) == 2  # `％` is the same unit as `%`
    assert spec["resolve"]["scale"]["y"] == "independent"
    titles = [encodings(p, "y")[0]["title"] for p in panels(spec)]
    assert titles == [t("trends.value_in_unit", "zh-Hans", unit=u) for u in ("万元", "%")]
    formats = [encodings(p, "y")[0]["axis"]["format"] for p in panels(spec)]
    assert "%" not in formats[0] and formats[1].endswith("%")
    assert spec["config"]["font"] == charts.font_for("zh-Hans")  # finished once, on top


def test_percent_tooltips_read_as_percents_and_money_with_its_unit():
    spec = charts.actual_vs_target(kpi_trend(), lang="en").to_dict()
    texts_by_value = {r["value"]: r["value_text"] for r in rows(spec)}
    assert texts_by_value[0.9] == "90.0%"
    assert texts_by_value[10158.0] == "10,158 万元"


def test_one_unit_is_one_plain_chart():
    one = kpi_trend().query("unit == '万元'")
    chart = charts.actual_vs_target(one, lang="en")
    assert "vconcat" not in chart.to_dict()


def test_indexed_view_puts_every_kpi_in_one_panel_against_100():
    spec = charts.actual_vs_target(kpi_trend(), lang="en", indexed=True).to_dict()
    assert "vconcat" not in spec
    values = {(r["series"], r["period"]): r["value"] for r in rows(spec) if "series" in r}
    assert values[("市场部 · 营业收入", "2026-09")] == pytest.approx(10158.0 / 9720.0 * 100)
    assert values[("市场部 · 客户留存率", "2026-09")] == pytest.approx(0.9 / 0.88 * 100)
    rules = [d for d in walk(spec) if d.get("mark", {}) == {"type": "rule", "color": "#7f7f7f"}]
    assert rules, "the target is a rule at 100"
    assert {"Index (target = 100)"} <= {d["title"] for d in walk(spec) if "title" in d}


def test_the_kpi_trend_carries_each_kpis_unit():
    history = month_history(
        frame(
            kpi(kpi_id="A", unit="万元", actual=90.0, target=100.0),
            kpi(kpi_id="B", unit="%", actual=0.9, target=0.95),
        )
    )
    trend = insights.trend(history, level="kpi", keys=[("市场部", "A"), ("市场部", "B")])
    assert list(trend["unit"]) == ["万元", "%"]


def test_the_exported_images_still_render():
    """A stacked chart goes through the PNG/SVG export (`reports.images`) as a plain one."""
    from kpi_engine.reports import images

    spec = charts.actual_vs_target(kpi_trend(), lang="zh-Hans").to_dict()
    assert images.png(spec).startswith(b"\x89PNG")
    assert "<svg" in images.svg(spec)[:200]


# --- the default KPI ----------------------------------------------------------------------


def company(*rows: dict[str, object], settings: Settings = DEFAULTS):
    return insights.history(frame(*rows), ["2026-10"], settings=settings)


PER_PERSPECTIVE = (  # weights within each perspective: customer's one KPI weighs its 30
    kpi(kpi_id="K1", perspective="financial", weight=0.4, actual=100.0, target=100.0),
    kpi(kpi_id="K2", perspective="financial", weight=0.6, actual=100.0, target=100.0),
    kpi(kpi_id="K3", perspective="customer", weight=1.0, actual=100.0, target=100.0),
)


def test_the_default_kpi_is_the_most_weighted_not_the_first():
    history = company(*PER_PERSPECTIVE)
    assert tables.heaviest_kpi(history, "2026-10", "市场部", DEFAULTS) == ("市场部", "K3")


def test_the_most_weighted_kpi_follows_the_perspective_weights():
    financial_first = Settings(
        perspective_weights={
            "financial": 80.0,
            "customer": 10.0,
            "internal_process": 5.0,
            "learning_growth": 5.0,
        }
    )
    history = company(*PER_PERSPECTIVE, settings=financial_first)
    assert tables.heaviest_kpi(history, "2026-10", "市场部", financial_first) == ("市场部", "K2")


def test_department_wide_weights_are_read_across_the_department():
    """Weights adding up to 100 over the department (SPEC §5.3): K1's 50 is the most."""
    history = company(
        kpi(kpi_id="K1", perspective="financial", weight=50.0, actual=100.0, target=100.0),
        kpi(kpi_id="K2", perspective="financial", weight=20.0, actual=100.0, target=100.0),
        kpi(kpi_id="K3", perspective="customer", weight=30.0, actual=100.0, target=100.0),
    )
    assert tables.heaviest_kpi(history, "2026-10", "市场部", DEFAULTS) == ("市场部", "K1")


def test_default_departments_are_the_lowest_scoring_unless_chosen():
    history = sample_history()
    latest = history.departments[history.departments["period"] == "2026-10"]
    lowest = latest.nsmallest(2, "score")["department"].tolist()
    assert tables.trend_departments(history, (), "2026-10") == lowest
    assert tables.trend_departments(history, ("市场部",), "2026-10") == ["市场部"]
    options = tables.trend_options(history, "kpi", ())
    keys = tables.trend_defaults(
        history, "kpi", options, departments=(), period="2026-10", settings=DEFAULTS
    )
    assert [d for d, _ in keys] == lowest
    assert keys != list(options)[:2]


# --- changes as points --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "mom", "points", "percentage_points"),
    [
        ("zh-Hans", "环比", "+2.3 分", "+1.2 个百分点"),
        ("zh-Hant", "環比", "+2.3 分", "+1.2 個百分點"),
        ("en", "vs previous", "+2.3 pts", "+1.2 pp"),
    ],
)
def test_changes_are_named_as_points(lang, mom, points, percentage_points):
    assert t("trends.mom", lang) == mom
    assert points_change_text(2.34, lang) == points
    assert points_change_text(0.012, lang, percent=True) == percentage_points
    assert points_change_text(float("nan"), lang) == "—"
    series = scores_frame([80.0, 82.34], series="市场部").assign(
        mom_change=[float("nan"), 2.34], yoy_change=float("nan"), grade=None
    )
    table = tables.trend_table(series, lang)
    assert list(table[mom]) == [points, "—"]  # newest first
    spec = charts.score_bands(series, lang=lang, settings=DEFAULTS).to_dict()
    assert points in {r.get("mom_text") for r in rows(spec)}


# --- the page -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_trends_page_opens_on_the_weakest_departments_and_their_heaviest_kpis(
    monkeypatch, tmp_path
):
    at = start(monkeypatch, tmp_path, lang="zh-Hans")
    open_page(at, "trends")
    assert not at.exception, [e.message for e in at.exception]
    history = sample_history()
    period = at.session_state[state.PERIOD]
    weakest = tables.trend_departments(history, (), period)
    assert at.multiselect(key=f"{state.TREND_KEYS}_department").value == weakest
    cells = [c for _, c in table_cells(at)]
    assert any(c.endswith(" 分") for c in cells), "changes read as points"

    at.session_state[state.TREND_LEVEL] = "kpi"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    chosen = at.multiselect(key=f"{state.TREND_KEYS}_kpi").value
    assert [d for d, _ in chosen] == weakest
    assert chosen == [tables.heaviest_kpi(history, period, d, DEFAULTS) for d in weakest]
    units = set(charts.trend_units(insights.trend(history, level="kpi", keys=chosen)))
    assert len(units) > 1, "the sample's default KPIs are in different units"
    # a full-width chart per unit, then the scores; the indexed view offered
    titles = [y_title(c["spec"]) for c in shown_charts(at)]
    assert len(titles) == len(units) + 1 and titles[-1] == t("common.score", "zh-Hans")
    assert at.toggle(key=state.TREND_INDEXED).value is False
    at.toggle(key=state.TREND_INDEXED).set_value(True).run()
    titles = [y_title(c["spec"]) for c in shown_charts(at)]
    assert titles[0] == t("trends.index_title", "zh-Hans") and len(titles) == 2
    assert not none_words(texts(at))
