"""Chart builders produce the Vega-Lite the pages promise, checked without a browser.

Each chart is built from a small frame and read back with `to_dict()`: the status colour
scale follows the settings, cells and bars print their values, missing scores stay
visible, the heatmap has the click selection 'cell', every chart carries the CJK font, and
every visible word is in the chosen language.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

from kpi_engine.charts import specs as charts
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.settings import DEFAULTS, Settings

ROOT = Path(__file__).resolve().parents[1]
CUSTOM = Settings(amber_at=70.0, green_at=90.0, cap=150.0)
NAN = np.nan


# --- reading specs ------------------------------------------------------------------------


def walk(node: object) -> Iterator[dict]:
    """Every dict inside a spec, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def mark_type(view: dict) -> str | None:
    mark = view.get("mark")
    return mark if isinstance(mark, str) else (mark or {}).get("type")


def views(spec: dict) -> list[dict]:
    """Unit views (those with a mark)."""
    return [d for d in walk(spec) if "mark" in d and "encoding" in d]


def rows(spec: dict) -> list[dict]:
    """Rows of every inline dataset, concatenated."""
    return [row for data in spec.get("datasets", {}).values() for row in data]


def encodings(spec: dict, channel: str) -> list[dict]:
    return [v["encoding"][channel] for v in views(spec) if channel in v["encoding"]]


def titles(spec: dict) -> set[str]:
    return {d["title"] for d in walk(spec) if isinstance(d.get("title"), str)}


# --- frames -------------------------------------------------------------------------------


def perspectives_frame() -> pd.DataFrame:
    """Two departments in 2026-10; 技术部 has no learning & growth row and a missing
    customer score."""
    data = [
        ("市场部", "financial", 105.0, 1.0),
        ("市场部", "customer", 85.0, 1.0),
        ("市场部", "internal_process", 60.0, 0.5),
        ("市场部", "learning_growth", 120.0, 1.0),
        ("技术部", "financial", 95.0, 1.0),
        ("技术部", "customer", NAN, 0.0),
        ("技术部", "internal_process", 100.0, 1.0),
    ]
    frame = pd.DataFrame(data, columns=["department", "perspective", "score", "coverage"])
    return frame.assign(period="2026-10")


def kpis_frame() -> pd.DataFrame:
    data = [
        ("市场部", "市场部", "MK-01", "营业收入", "financial", 1200.0, 1000.0, 120.0, "green"),
        ("市场部", "市场部", "MK-02", "新客户数", "customer", 40.0, 50.0, 80.0, "amber"),
        ("市场部", "市场部", "MK-03", "客户满意度", "customer", NAN, 90.0, NAN, None),
        ("市场部", "技术部", "TE-09", "数据平台使用率", "internal_process", 0.5, 0.8, 62.5, "red"),
        ("技术部", "技术部", "TE-09", "数据平台使用率", "internal_process", 0.5, 0.8, 62.5, "red"),
    ]
    columns = [
        "department",
        "owner_department",
        "kpi_id",
        "kpi_name",
        "perspective",
        "actual",
        "target",
        "score",
        "status",
    ]
    frame = pd.DataFrame(data, columns=columns)
    return frame.assign(period="2026-10", weight=1.0, unit="%")


def departments_frame(months: int) -> pd.DataFrame:
    periods = pd.period_range("2025-01", periods=months, freq="M").strftime("%Y-%m")
    frame = pd.DataFrame(
        [(d, p, 90.0 + i, 1.0) for d in ("市场部", "技术部") for i, p in enumerate(periods)],
        columns=["department", "period", "score", "coverage"],
    )
    return frame.iloc[1:]  # 市场部 has no first month


def trend_frame(projected: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "period": ["2026-07", "2026-08", "2026-09", "2026-10"],
            "actual": [90.0, 95.0, 100.0, 104.0],
            "target": [100.0] * 4,
            "score": [90.0, 95.0, 100.0, 104.0],
            "projected": [False] * 4,
        }
    )
    if projected:
        extra = {"period": "2026-11", "actual": NAN, "target": NAN, "score": 108.0}
        frame = pd.concat([frame, pd.DataFrame([{**extra, "projected": True}])])
    return frame.reset_index(drop=True)


def what_if_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"department": ["市场部", "技术部"], "baseline": [95.0, 88.0], "scenario": [97.5, 84.0]}
    )


BUILDERS = {
    "heatmap": lambda lang, s: charts.heatmap(perspectives_frame(), lang=lang, settings=s),
    "drilldown": lambda lang, s: charts.drilldown(kpis_frame(), "市场部", lang=lang, settings=s),
    "department_months": lambda lang, s: charts.department_months(
        departments_frame(12), lang=lang, settings=s
    ),
    "perspective_bars": lambda lang, s: charts.perspective_bars(
        perspectives_frame().query("department == '技术部'"), lang=lang, settings=s
    ),
    "actual_vs_target": lambda lang, s: charts.actual_vs_target(trend_frame(), lang=lang),
    "score_bands": lambda lang, s: charts.score_bands(trend_frame(), lang=lang, settings=s),
    "baseline_vs_scenario": lambda lang, s: charts.baseline_vs_scenario(
        what_if_frame(), lang=lang, settings=s
    ),
}


# --- every chart --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_every_chart_has_the_cjk_font_and_valid_spec(name, lang):
    chart = BUILDERS[name](lang, DEFAULTS)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["config"]["font"].startswith("Noto Sans CJK")
    assert spec["config"]["font"] == charts.font_for(lang)
    assert ("TC" in spec["config"]["font"]) == (lang == "zh-Hant")


def test_status_scale_follows_settings():
    assert charts.STATUS_SCALE.to_dict()["domain"] == [0.0, 80.0, 100.0, 120.0]
    scale = charts.status_scale(CUSTOM).to_dict()
    assert scale["domain"] == [0.0, 70.0, 90.0, 150.0]
    assert scale["range"][0] == "#d73027" and scale["range"][-1] == "#1a9850"
    assert scale["range"][1] == "#fdae61"
    assert scale["clamp"] is True


@pytest.mark.slow
def test_no_module_of_the_engine_loads_streamlit():
    """The layer contract (pyproject.toml) reads imports; this runs them: importing every
    module of the engine, charts and i18n included, leaves Streamlit unloaded."""
    code = (
        "import importlib, pkgutil, sys, kpi_engine\n"
        "names = [m.name for m in pkgutil.walk_packages(kpi_engine.__path__, 'kpi_engine.')]\n"
        "assert 'kpi_engine.charts.specs' in names and 'kpi_engine.i18n' in names, names\n"
        "for name in names:\n"
        "    if not name.endswith('__main__'):\n"
        "        importlib.import_module(name)\n"
        "assert 'streamlit' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- heatmap ------------------------------------------------------------------------------


@pytest.mark.slow
def test_heatmap_colour_scale_from_settings_and_text_layer():
    spec = charts.heatmap(perspectives_frame(), lang="zh-Hans", settings=CUSTOM).to_dict()
    colors = [e for e in encodings(spec, "color") if e.get("field") == "band"]
    assert len(colors) == 1  # the status colours by default, named by CUSTOM's bands
    assert colors[0]["scale"]["domain"][:3] == ["≥90 达标", "70–90 关注", "▼ <70 预警"]
    texts = [v for v in views(spec) if mark_type(v) == "text"]
    assert len(texts) == 1 and texts[0]["encoding"]["text"]["field"] == "value_text"
    assert "condition" in texts[0]["encoding"]["color"]  # contrasting text colour
    assert {mark_type(v) for v in views(spec)} == {"rect", "text"}
    # The gradient, a setting: score on the continuous scale anchored at the bands.
    gradient = CUSTOM.with_(heatmap_colors="gradient")
    spec = charts.heatmap(perspectives_frame(), lang="zh-Hans", settings=gradient).to_dict()
    colors = [e for e in encodings(spec, "color") if e.get("field") == "score"]
    assert colors and all(e["scale"]["domain"] == [0.0, 70.0, 90.0, 150.0] for e in colors)


@pytest.mark.slow
def test_heatmap_click_selection_named_cell():
    spec = charts.heatmap(perspectives_frame(), lang="en", settings=DEFAULTS).to_dict()
    params = [p for p in walk(spec) if p.get("name") == "cell" and "select" in p]
    assert len(params) == 1
    select = params[0]["select"]
    assert select["type"] == "point" and select["on"] == "click"
    assert select["fields"] == ["department", "perspective"]
    named = charts.heatmap(
        perspectives_frame(), lang="en", settings=DEFAULTS, selection_name="pick"
    ).to_dict()
    assert [p["name"] for p in walk(named) if "select" in p] == ["pick"]


def test_a_units_heatmap_names_its_rows_and_keeps_room_for_the_legend():
    """At the top of a tree a heatmap has two or three rows: the legend beside them still
    shows whole, and the rows are named as a unit's children, not as departments."""
    spec = charts.heatmap(
        perspectives_frame(), lang="zh-Hans", settings=DEFAULTS, rows="org_child"
    ).to_dict()
    assert spec["height"] == charts.HEATMAP_MIN_HEIGHT  # two rows: 76 px without the floor
    titles = {e.get("title") for e in encodings(spec, "y")}
    assert titles == {"下级单位/部门"}
    tips = [t["title"] for e in encodings(spec, "tooltip") for t in e if t["field"] == "department"]
    assert tips and set(tips) == {"下级单位/部门"}
    flat = charts.heatmap(perspectives_frame(), lang="zh-Hans", settings=DEFAULTS).to_dict()
    assert {e.get("title") for e in encodings(flat, "y")} == {"部门"}


@pytest.mark.slow
def test_heatmap_cells_complete_rounded_and_missing_shown():
    spec = charts.heatmap(perspectives_frame(), lang="zh-Hans", settings=DEFAULTS).to_dict()
    data = rows(spec)
    assert len(data) == 2 * len(PERSPECTIVES)  # every department x perspective once
    by_cell = {(r["department"], r["perspective"]): r for r in data}
    assert by_cell[("市场部", "financial")]["score_text"] == "105.0"
    assert by_cell[("市场部", "learning_growth")]["perspective_label"] == "学习与成长"
    for missing in (("技术部", "customer"), ("技术部", "learning_growth")):
        assert by_cell[missing]["score"] is None
        assert by_cell[missing]["score_text"] == "—"
        assert by_cell[missing]["status_label"] == "缺失"
    # Grey underneath every cell: a missing score is a grey cell, not a hole.
    grey = [v for v in views(spec) if v["mark"].get("color") == charts.MISSING_COLOR]
    assert len(grey) == 1 and mark_type(grey[0]) == "rect"


@pytest.mark.slow
def test_heatmap_axes_in_the_chosen_language_and_fixed_order():
    en = charts.heatmap(perspectives_frame(), lang="en", settings=DEFAULTS).to_dict()
    zh = charts.heatmap(perspectives_frame(), lang="zh-Hans", settings=DEFAULTS).to_dict()
    assert {"Perspective", "Department", "Score"} <= titles(en)
    assert {"维度", "部门", "得分"} <= titles(zh)
    assert not {"Perspective", "Department"} & titles(zh)
    x = encodings(zh, "x")[0]
    assert x["sort"] == ["财务", "客户", "内部流程", "学习与成长"]
    assert encodings(en, "x")[0]["sort"][3] == "Learning & growth"
    assert x["axis"]["labelLimit"] > 0 and encodings(zh, "y")[0]["axis"]["labelLimit"] > 0


@pytest.mark.slow
def test_heatmap_one_period():
    two = pd.concat([perspectives_frame(), perspectives_frame().assign(period="2026-09")])
    with pytest.raises(ValueError, match="period"):
        charts.heatmap(two, lang="en", settings=DEFAULTS)
    spec = charts.heatmap(two, lang="en", settings=DEFAULTS, period="2026-09").to_dict()
    assert len(rows(spec)) == 8


# --- drill-down, bars ---------------------------------------------------------------------


@pytest.mark.slow
def test_drilldown_bars_values_shared_marker_and_missing():
    spec = charts.drilldown(kpis_frame(), "市场部", lang="zh-Hans", settings=CUSTOM).to_dict()
    data = rows(spec)
    assert len(data) == 4  # the department's own three KPIs and one shared in
    labels = {r["kpi_name"]: r["kpi_label"] for r in data}
    assert labels["数据平台使用率"] == "数据平台使用率（协同）"
    assert labels["营业收入"] == "营业收入"
    missing = next(r for r in data if r["kpi_name"] == "客户满意度")
    assert missing["score_text"] == "—" and missing["score_pos"] == 0.0
    marks = {mark_type(v) for v in views(spec)}
    assert {"bar", "text", "rule"} <= marks
    assert spec["facet"]["row"]["field"] == "perspective_label"
    assert spec["facet"]["row"]["sort"] == ["财务", "客户", "内部流程"]
    rules = {v["encoding"]["x"]["datum"] for v in views(spec) if mark_type(v) == "rule"}
    assert rules == {70.0, 90.0}
    colors = [e for e in encodings(spec, "color") if e.get("field") == "band"]
    assert colors[0]["scale"]["domain"][0] == "≥90 达标"
    assert spec["spec"]["height"] == {"step": 24}  # height follows the KPI count
    assert [p["name"] for p in walk(spec) if "select" in p] == ["kpi"]


@pytest.mark.slow
def test_drilldown_one_perspective_and_english():
    spec = charts.drilldown(
        kpis_frame(), "市场部", lang="en", settings=DEFAULTS, perspective="customer"
    ).to_dict()
    assert {r["perspective"] for r in rows(spec)} == {"customer"}
    assert "Score" in titles(spec)
    shared = charts.drilldown(kpis_frame(), "市场部", lang="en", settings=DEFAULTS).to_dict()
    assert "数据平台使用率 (shared)" in {r["kpi_label"] for r in rows(shared)}


@pytest.mark.slow
def test_perspective_bars_all_four_in_order():
    frame = perspectives_frame().query("department == '技术部'")
    spec = charts.perspective_bars(frame, lang="zh-Hant", settings=DEFAULTS).to_dict()
    data = rows(spec)
    assert [r["perspective"] for r in data] == list(PERSPECTIVES)
    assert [r["score_text"] for r in data] == ["95.0", "—", "100.0", "—"]
    assert encodings(spec, "y")[0]["sort"] == ["財務", "客戶", "內部流程", "學習與成長"]
    with pytest.raises(ValueError):
        charts.perspective_bars(perspectives_frame(), lang="en", settings=DEFAULTS)


@pytest.mark.slow
def test_baseline_vs_scenario_grouped_bars():
    spec = charts.baseline_vs_scenario(what_if_frame(), lang="zh-Hans").to_dict()
    data = rows(spec)
    assert len(data) == 4
    assert {r["kind_label"] for r in data} == {"基准", "模拟情景"}
    assert {r["difference_text"] for r in data} == {"+2.5", "-4.0"}
    assert encodings(spec, "yOffset")[0]["field"] == "kind_label"
    color = next(e for e in encodings(spec, "color") if e.get("field") == "kind_label")
    assert color["scale"]["domain"] == ["基准", "模拟情景"]
    english = charts.baseline_vs_scenario(what_if_frame(), lang="en").to_dict()
    assert {"Baseline", "Scenario"} == {r["kind_label"] for r in rows(english)}


# --- department x month -------------------------------------------------------------------


@pytest.mark.slow
def test_department_months_grid_values_and_labels():
    spec = charts.department_months(departments_frame(12), lang="en", settings=DEFAULTS).to_dict()
    data = rows(spec)
    assert len(data) == 2 * 12
    first = next(r for r in data if r["department"] == "市场部" and r["period"] == "2025-01")
    assert first["score_text"] == "—"
    assert any(mark_type(v) == "text" for v in views(spec))
    x = encodings(spec, "x")[0]
    assert x["sort"][0] == "2025-01" and x["axis"]["labelAngle"] == 0
    # two-line labels: the month on every tick, the year under the first and each January
    assert x["axis"]["labelExpr"].startswith("[slice(datum.value, 5, 8), ")
    assert "slice(datum.value, 0, 4)" in x["axis"]["labelExpr"]
    assert x["axis"]["labelOverlap"] is False  # no label (no January) is ever dropped
    assert "Month" in titles(spec)
    params = [p for p in walk(spec) if "select" in p]
    assert params[0]["select"]["fields"] == ["department", "period"]


@pytest.mark.slow
def test_department_months_many_months_colour_only():
    spec = charts.department_months(departments_frame(24), lang="en", settings=DEFAULTS).to_dict()
    assert not any(mark_type(v) == "text" for v in views(spec))
    assert "'2026-01'" in encodings(spec, "x")[0]["axis"]["labelExpr"]  # each January in full


# --- trends -------------------------------------------------------------------------------


@pytest.mark.slow
def test_actual_vs_target_lines_and_translated_legend():
    frame = trend_frame(projected=False)
    frame.loc[4] = ["2026-11", 108.0, 100.0, 108.0, True]
    zh = charts.actual_vs_target(frame, lang="zh-Hans").to_dict()
    dash = encodings(zh, "strokeDash")[0]
    assert dash["scale"]["domain"] == ["实际值", "目标值", "预测（非实际数据）"]
    projection = [r for r in rows(zh) if r["measure"] == "预测（非实际数据）"]
    assert [r["period"] for r in projection] == ["2026-10", "2026-11"]  # from the last actual
    assert [r["value"] for r in projection] == [104.0, 108.0]
    en = charts.actual_vs_target(trend_frame(projected=False), lang="en").to_dict()
    assert encodings(en, "strokeDash")[0]["scale"]["domain"] == ["Actual", "Target"]
    assert {"Period", "Value"} <= titles(en)


@pytest.mark.slow
def test_actual_vs_target_several_series_coloured_by_series():
    frame = pd.concat(
        [trend_frame(False).assign(series="A · 营业收入"), trend_frame(False).assign(series="B")]
    )
    spec = charts.actual_vs_target(frame, lang="en").to_dict()
    assert any(e.get("field") == "series" for e in encodings(spec, "color"))


@pytest.mark.slow
def test_score_bands_background_and_projection():
    spec = charts.score_bands(trend_frame(), lang="zh-Hans", settings=CUSTOM).to_dict()
    bands = next(v for v in views(spec) if "fill" in v["encoding"])
    assert mark_type(bands) == "rect"
    assert bands["encoding"]["fill"]["scale"]["domain"] == ["▼ <70 预警", "70–90 关注", "≥90 达标"]
    band_rows = spec["datasets"][bands["data"]["name"]]
    # scores 90-108: the axis fits them (tests/test_readable_trends.py), the bands cut to it
    assert [(b["low"], b["high"]) for b in band_rows] == [(85.0, 90.0), (90.0, 115.0)]
    dash = encodings(spec, "strokeDash")[0]
    assert dash["scale"]["domain"] == ["得分", "预测（非实际数据）"]
    assert dash["scale"]["range"][1] != [1, 0]  # the projection is dashed
    line_rows = [r for r in rows(spec) if "kind" in r]
    projection = [r for r in line_rows if r["kind"] == "预测（非实际数据）"]
    assert [(r["period"], r["score"]) for r in projection] == [
        ("2026-10", 104.0),
        ("2026-11", 108.0),
    ]
    assert encodings(spec, "y")[0]["scale"]["domain"] == [85.0, 115.0]
    assert {"得分", "期间", "状态区间"} <= titles(spec)


@pytest.mark.slow
def test_score_bands_without_projection_has_no_projection_legend():
    spec = charts.score_bands(trend_frame(False), lang="en", settings=DEFAULTS).to_dict()
    assert encodings(spec, "strokeDash")[0]["scale"]["domain"] == ["Score"]


@pytest.mark.slow
def test_score_bands_organization_series_translated():
    frame = trend_frame().assign(series="organization")
    spec = charts.score_bands(frame, lang="zh-Hant", settings=DEFAULTS).to_dict()
    assert {r["series"] for r in rows(spec) if "series" in r} == {"全組織"}


@pytest.mark.slow
def test_builders_return_top_level_charts():
    chart = BUILDERS["heatmap"]("en", DEFAULTS)
    assert isinstance(chart, alt.LayerChart)
    assert isinstance(BUILDERS["drilldown"]("en", DEFAULTS), alt.FacetChart)
