"""Charts scale with meeting mode (issue 16): `charts.sizes.scaled` raises every font size
of a built chart to at least 18 px and makes its views taller, for every builder of
`charts.specs`; the pages show charts through `ui.downloads.chart`, which scales them in
meeting mode and leaves them (and the downloads) at desk size otherwise."""

from __future__ import annotations

import copy
import inspect
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine.charts import sizes
from kpi_engine.charts import specs as charts
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.reports import images
from tests.apps import APP, open_page, start
from tests.shown import charts as shown_charts


def perspectives() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": ["甲部", "甲部", "乙部", "乙部"],
            "perspective": ["financial", "customer", "financial", "learning_growth"],
            "score": [98.8, 101.3, 62.0, np.nan],
            "coverage": 1.0,
            "period": "2026-10",
        }
    )


def departments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": ["甲部", "乙部", "甲部", "乙部"],
            "period": ["2026-09", "2026-09", "2026-10", "2026-10"],
            "score": [98.8, 101.3, 62.0, np.nan],
            "coverage": 1.0,
        }
    )


def kpis() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": "甲部",
            "kpi_name": ["营业收入", "新客户数"],
            "perspective": ["financial", "customer"],
            "score": [98.8, 62.0],
            "period": "2026-10",
        }
    )


def trend() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": ["2026-08", "2026-09", "2026-10"],
            "actual": [90.0, 95.0, 101.0],
            "target": 100.0,
            "score": [90.0, 95.0, 101.0],
        }
    )


# Every chart builder of `charts.specs` (test_every_builder_is_here keeps the list whole).
BUILDERS = {
    "heatmap": lambda: charts.heatmap(perspectives(), lang="zh-Hans", settings=DEFAULTS),
    "department_months": lambda: charts.department_months(
        departments(), lang="zh-Hans", settings=DEFAULTS
    ),
    "department_bars": lambda: charts.department_bars(
        departments(), lang="zh-Hans", settings=DEFAULTS, period="2026-10"
    ),
    "drilldown": lambda: charts.drilldown(kpis(), "甲部", lang="zh-Hans", settings=DEFAULTS),
    "perspective_bars": lambda: charts.perspective_bars(
        perspectives().query("department == '甲部'"), lang="zh-Hans", settings=DEFAULTS
    ),
    "actual_vs_target": lambda: charts.actual_vs_target(trend(), lang="zh-Hans"),
    "score_bands": lambda: charts.score_bands(trend(), lang="zh-Hans", settings=DEFAULTS),
    "baseline_vs_scenario": lambda: charts.baseline_vs_scenario(
        pd.DataFrame(
            {"department": ["甲部", "乙部"], "baseline": [95.0, 88.0], "scenario": [97.5, 84.0]}
        ),
        lang="zh-Hans",
        settings=DEFAULTS,
    ),
}
FONT = re.compile(r"font-?size", re.IGNORECASE)


def font_sizes(node: object) -> list[float]:
    """Every font size a spec sets, anywhere (config, marks, axes, legends, headers)."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if FONT.fullmatch(k) or k.endswith("FontSize")]
        for key, value in node.items():
            if key not in ("datasets", "data"):
                found += font_sizes(value)
        return [float(v) for v in found if isinstance(v, int | float)]
    if isinstance(node, list):
        return [size for value in node for size in font_sizes(value)]
    return []


def heights(node: object) -> list[float]:
    """Every view height of a spec, in px or px per step."""
    if isinstance(node, dict):
        own = node.get("height")
        found = []
        if isinstance(own, int | float):
            found.append(float(own))
        elif isinstance(own, dict) and "step" in own:
            found.append(float(own["step"]))
        for key, value in node.items():
            if key not in ("datasets", "data", "mark"):
                found += heights(value)
        return found
    if isinstance(node, list):
        return [h for value in node for h in heights(value)]
    return []


def test_every_builder_is_here():
    built = {
        name
        for name, function in inspect.getmembers(charts, inspect.isfunction)
        if function.__module__ == charts.__name__
        and not name.startswith("_")
        and "Chart" in str(inspect.signature(function).return_annotation)
        and name != "finish"
    }
    assert built == set(BUILDERS)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_meeting_text_is_at_least_18px_and_views_taller(name):
    spec = BUILDERS[name]().to_dict()
    before = copy.deepcopy(spec)
    big = sizes.scaled(spec, sizes.MEETING)
    assert spec == before  # the input (a cached spec) is untouched
    assert min(font_sizes(spec)) < 18  # the desk chart has smaller text
    assert min(font_sizes(big)) >= 18
    for part in ("axis", "legend", "header"):  # Vega-Lite's defaults raised too
        assert big["config"][part]["labelFontSize"] >= 18
        assert big["config"][part]["titleFontSize"] >= 18
    assert big["config"]["text"]["fontSize"] >= 18 and big["config"]["title"]["fontSize"] >= 18
    assert sorted(heights(big)) > sorted(heights(spec)) or not heights(spec)
    assert all(b > s for b, s in zip(heights(big), heights(spec), strict=True))
    assert big["datasets"] is spec["datasets"]  # the rows are shared, not copied
    alt.Chart.from_dict(big)  # still valid Vega-Lite


def test_trend_charts_get_their_height():
    for name in ("score_bands", "actual_vs_target"):
        spec = BUILDERS[name]().to_dict()
        assert sizes.scaled(spec)["height"] >= 1.5 * spec["height"]


def test_normal_size_is_the_chart_as_built():
    spec = BUILDERS["heatmap"]().to_dict()
    assert sizes.scaled(spec, sizes.NORMAL) == spec


@pytest.mark.slow
@pytest.mark.parametrize("name", ["heatmap", "department_bars", "score_bands", "drilldown"])
def test_rendered_meeting_text_is_at_least_18px(name):
    """vl-convert draws the scaled chart: no text in the SVG under 18 px."""
    drawn = images.svg(sizes.scaled(BUILDERS[name]().to_dict()))
    found = [float(px) for px in re.findall(r'font-size="([\d.]+)px"', drawn)]
    assert found and min(found) >= 18


def test_pages_show_charts_scaled_in_meeting_mode(monkeypatch, tmp_path):
    start(monkeypatch, tmp_path)  # a store of its own, the sample company
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["meeting"] = "1"
    at.run()
    assert not at.exception
    for page in ("overview", "heatmap", "trends"):
        shown = shown_charts(open_page(at, page))
        assert shown, page
        for chart in shown:
            assert min(font_sizes(chart["spec"])) >= 18, page
    at.sidebar.toggle(key="meeting").set_value(False).run()
    for chart in shown_charts(open_page(at, "overview")):
        assert chart["spec"]["config"]["axis"]["labelFontSize"] < 18
