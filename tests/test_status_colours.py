"""Status is the colour (issue 16): bars, cells and points take the three status colours of
the settings' bands (grey for missing), with a legend naming the bands; the colours stay
apart in greyscale print and for red-green colour blindness, and red carries a marker.

Colour maths, written here with numpy so the check does not trust a library's model:

- Colour blindness: Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model
  for Simulation of Color Vision Deficiency", severity 1.0 matrices for protanopia and
  deuteranopia, applied in linear RGB.
- Distance: CIE76 ΔE in CIELAB (D65). A ΔE of about 2.3 is a just noticeable difference;
  small marks (a bar, a cell, a legend swatch) read at a glance need far more, and 20 is
  the margin asked here: colours that far apart are named differently, not just told
  apart side by side.
- Greyscale print: each colour's relative luminance as CIELAB lightness L*; adjacent
  steps at least 15 L* apart (a six-step grey ramp from white to black has ~16 per
  step), so the statuses stay distinct greys on a black-and-white printer.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from kpi_engine.charts import specs as charts
from kpi_engine.charts.palette import (
    ALL_STATUS_COLORS,
    AMBER,
    GREEN,
    MISSING_COLOR,
    RED,
    RED_MARK,
    STATUS_ORDER,
)
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, GRADIENT, Settings
from kpi_engine.reports import images

CUSTOM = Settings(amber_at=70.0, green_at=90.0, cap=150.0)
MIN_DELTA_E = 20.0
MIN_LIGHTNESS_STEP = 15.0

# Machado et al. 2009, severity 1.0 (linear RGB -> simulated linear RGB).
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)
SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
D65 = np.array([0.95047, 1.0, 1.08883])
VISIONS = {"normal": np.eye(3), "protanopia": PROTANOPIA, "deuteranopia": DEUTERANOPIA}
PAIRS = list(combinations(STATUS_ORDER, 2))


def linear_rgb(color: str) -> np.ndarray:
    srgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(linear: np.ndarray) -> np.ndarray:
    xyz = SRGB_TO_XYZ @ np.clip(linear, 0.0, 1.0) / D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(color: str, vision: str) -> np.ndarray:
    """A colour in CIELAB as a reader with `vision` sees it."""
    return lab(VISIONS[vision] @ linear_rgb(color))


def lightness(color: str) -> float:
    """CIELAB L* of the colour's relative luminance: its grey in a greyscale print."""
    return float(lab(linear_rgb(color))[0])


# --- the colour maths ---------------------------------------------------------------------


def test_the_model_is_sound():
    """The simulation keeps greys grey and white white (each matrix row sums to 1), and it
    does what it models: the textbook red and green (ColorBrewer's, today's palette before
    issue 16) come out far closer for a deuteranope than for normal vision."""
    for matrix in (PROTANOPIA, DEUTERANOPIA):
        assert matrix.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-3)
    grey = linear_rgb("#808080")
    assert seen("#808080", "deuteranopia") == pytest.approx(lab(grey), abs=0.5)
    old_red, old_green = "#d73027", "#1a9850"
    normal = np.linalg.norm(seen(old_red, "normal") - seen(old_green, "normal"))
    deutan = np.linalg.norm(seen(old_red, "deuteranopia") - seen(old_green, "deuteranopia"))
    assert deutan < normal / 2
    assert abs(lightness(old_red) - lightness(old_green)) < MIN_LIGHTNESS_STEP  # why it changed


@pytest.mark.parametrize("vision", sorted(VISIONS))
@pytest.mark.parametrize(("one", "other"), PAIRS)
def test_status_colours_differ_for_every_reader(vision, one, other):
    a, b = ALL_STATUS_COLORS[one], ALL_STATUS_COLORS[other]
    distance = float(np.linalg.norm(seen(a, vision) - seen(b, vision)))
    assert distance >= MIN_DELTA_E, f"{one} vs {other} for {vision}: ΔE {distance:.1f}"


def test_status_colours_are_distinct_greys():
    """Red darkest, then green, amber and the missing grey, each a clear step lighter."""
    steps = [lightness(c) for c in (RED, GREEN, AMBER, MISSING_COLOR)]
    gaps = np.diff(steps)
    assert (gaps >= MIN_LIGHTNESS_STEP).all(), steps
    assert steps[-1] < 97  # the missing grey is still a grey, not the white page


# --- the charts ---------------------------------------------------------------------------


def views(spec: dict) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "mark" in node and "encoding" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def rows(spec: dict) -> list[dict]:
    return [row for data in spec.get("datasets", {}).values() for row in data]


def colour_of(spec: dict, row: dict) -> str:
    """The fill a row's bar or cell gets: its `band` looked up in the status colour scale."""
    (color,) = {
        repr(e): e
        for v in views(spec)
        if (e := v["encoding"].get("color", {})).get("field") == "band"
    }.values()
    scale = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
    return scale[row["band"]]


def department_frame() -> pd.DataFrame:
    """98.8 is amber and 101.3 green under the default bands (80, 100)."""
    return pd.DataFrame(
        {
            "department": ["甲部", "乙部", "丙部", "丁部"],
            "score": [98.8, 101.3, 62.0, np.nan],
            "coverage": [1.0, 1.0, 1.0, 0.0],
            "period": "2026-10",
        }
    )


def cells_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": ["甲部", "甲部", "甲部", "乙部"],
            "perspective": ["financial", "customer", "internal_process", "financial"],
            "score": [98.8, 101.3, 62.0, np.nan],
            "coverage": 1.0,
            "period": "2026-10",
        }
    )


def kpis_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": "甲部",
            "kpi_name": ["营业收入", "新客户数", "客户满意度", "培训时长"],
            "perspective": ["financial", "customer", "customer", "learning_growth"],
            "score": [98.8, 101.3, 62.0, np.nan],
            "period": "2026-10",
        }
    )


# Each status-coloured builder, over rows scored 98.8, 101.3, 62 and missing.
STATUS_CHARTS = {
    "department_bars": lambda s: charts.department_bars(
        department_frame(), lang="zh-Hans", settings=s
    ),
    "heatmap": lambda s: charts.heatmap(cells_frame(), lang="zh-Hans", settings=s),
    "department_months": lambda s: charts.department_months(
        department_frame(), lang="zh-Hans", settings=s
    ),
    "drilldown": lambda s: charts.drilldown(kpis_frame(), "甲部", lang="zh-Hans", settings=s),
    "perspective_bars": lambda s: charts.perspective_bars(
        cells_frame().query("department == '甲部'"), lang="zh-Hans", settings=s
    ),
}
SCORES = {98.8: AMBER, 101.3: GREEN, 62.0: RED}


@pytest.mark.parametrize("name", sorted(STATUS_CHARTS))
def test_amber_and_green_get_their_own_colours(name):
    build = STATUS_CHARTS[name]
    spec = build(DEFAULTS).to_dict()
    drawn = [r for r in rows(spec) if "band" in r]
    by_score = {r["score"]: colour_of(spec, r) for r in drawn if r["score"] is not None}
    assert {s: by_score[s] for s in SCORES} == SCORES  # 98.8 amber, 101.3 green
    assert MISSING_COLOR in {colour_of(spec, r) for r in drawn if r["score"] is None}
    # As `core.scoring.statuses` reads them.
    for row in drawn:
        expected = statuses(pd.Series([row["score"]], dtype=float), settings=DEFAULTS)[0]
        assert row["status"] == (expected or "missing")


@pytest.mark.parametrize("name", sorted(STATUS_CHARTS))
def test_the_legend_names_the_bands_of_the_settings(name):
    build = STATUS_CHARTS[name]
    spec = build(CUSTOM).to_dict()
    colors = [v["encoding"]["color"] for v in views(spec) if "color" in v["encoding"]]
    (shown,) = [c for c in colors if c.get("field") == "band" and c.get("legend") is not None]
    assert shown["scale"]["domain"] == ["≥90 达标", "70–90 关注", "▼ <70 预警", "缺失"]
    assert shown["scale"]["range"] == [GREEN, AMBER, RED, MISSING_COLOR]
    # Under CUSTOM, 98.8 and 101.3 are both green: the colours follow the settings.
    drawn = {r["score"]: colour_of(spec, r) for r in rows(spec) if r.get("score") is not None}
    assert drawn[98.8] == drawn[101.3] == GREEN and drawn[62.0] == RED


def test_band_labels_in_every_language():
    assert charts.band_labels(DEFAULTS, "en") == {
        "green": "≥100 On track",
        "amber": "80–100 Watch",
        "red": "▼ <80 Alert",
        "missing": "Missing",
    }
    assert charts.band_labels(CUSTOM, "zh-Hant")["amber"] == "70–90 關注"


@pytest.mark.parametrize("name", sorted(STATUS_CHARTS))
def test_a_red_value_carries_the_marker(name):
    build = STATUS_CHARTS[name]
    spec = build(DEFAULTS).to_dict()
    printed = {v["encoding"]["text"]["field"] for v in views(spec) if "text" in v["encoding"]} - {
        "score_text"
    }  # tooltips' text is not a mark's text
    # The drill-down prints the score with what it scores (`96.3 · 实际 … / 目标 …`),
    # starting with the marked value.
    (field,) = printed
    assert field == ("bar_text" if name == "drilldown" else "value_text")
    for row in (r for r in rows(spec) if "value_text" in r):
        red = row["status"] == "red"
        assert row["value_text"].startswith(RED_MARK) == red, row
        assert row["value_text"].endswith(row["score_text"])
        assert row[field].startswith(row["value_text"])


def test_a_vetoed_month_is_red_and_marked():
    frame = department_frame().assign(veto=[{"kpi_name": "安全事故"}, None, None, None])
    spec = charts.department_months(frame, lang="zh-Hans", settings=DEFAULTS).to_dict()
    vetoed = next(r for r in rows(spec) if r["department"] == "甲部")
    assert vetoed["status"] == "red" and colour_of(spec, vetoed) == RED
    assert vetoed["value_text"].startswith(RED_MARK)


def test_red_trend_points_are_triangles():
    trend = pd.DataFrame({"period": ["2026-08", "2026-09", "2026-10"], "score": [62, 98.8, 101]})
    spec = charts.score_bands(trend, lang="zh-Hans", settings=DEFAULTS).to_dict()
    shapes = [v["encoding"]["shape"] for v in views(spec) if "shape" in v["encoding"]]
    assert shapes and shapes[0]["value"] == "circle"
    (red,) = shapes[0]["condition"]
    assert red["value"] == "triangle-down" and "< 80" in red["test"]
    colour = next(v["encoding"]["color"] for v in views(spec) if "shape" in v["encoding"])
    assert [c["value"] for c in colour["condition"]] == [GREEN, AMBER]
    assert colour["value"] == RED


def test_the_gradient_is_an_option_of_the_heatmaps_only():
    gradient = DEFAULTS.with_(heatmap_colors=GRADIENT)
    for name in ("heatmap", "department_months"):
        spec = STATUS_CHARTS[name](gradient).to_dict()
        fields = {
            v["encoding"]["color"].get("field") for v in views(spec) if "color" in v["encoding"]
        }
        assert "score" in fields and "band" not in fields, name
    for name in ("department_bars", "drilldown", "perspective_bars"):
        spec = STATUS_CHARTS[name](gradient).to_dict()
        assert colour_of(spec, next(r for r in rows(spec) if r.get("score") == 98.8)) == AMBER


@pytest.mark.slow
def test_the_drawn_bars_are_amber_and_green():
    """vl-convert draws the chart: the SVG fills the 98.8 bar amber and the 101.3 bar green."""
    drawn = images.svg(STATUS_CHARTS["department_bars"](DEFAULTS)).lower()
    for color in (AMBER, GREEN, RED):
        assert f'fill="{color}"' in drawn, color
    assert RED_MARK in drawn
