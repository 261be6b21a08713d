"""Charts download as PNG and SVG (vl-convert), with Chinese drawn in Noto Sans CJK, the
face the charts name on screen."""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pytest
from PIL import Image, ImageChops

from kpi_engine.charts import specs as charts
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.reports import images
from tests.report_data import SAMPLE_PERIOD, sample_history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def text_chart(text: str, font: str) -> alt.Chart:
    """One line of text in `font`, nothing else on the canvas."""
    frame = pd.DataFrame({"text": [text]})
    return (
        alt.Chart(frame)
        .mark_text(fontSize=40, font=font)
        .encode(text="text:N")
        .properties(width=220, height=60)
        .configure_view(stroke=None)
    )


def picture(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    return Image.open(io.BytesIO(data)).convert("L")


def ink(image: Image.Image) -> int:
    """Pixels that are not white."""
    return sum(count for count, value in image.getcolors() if value < 250)


@pytest.fixture(scope="module")
def heatmap() -> alt.LayerChart:
    return charts.heatmap(
        sample_history().perspectives, lang="zh-Hans", settings=DEFAULTS, period=SAMPLE_PERIOD
    )


@pytest.mark.slow
def test_png_and_scale(heatmap):
    one, two = picture(images.png(heatmap, scale=1)), picture(images.png(heatmap))
    assert two.size == (one.size[0] * 2, one.size[1] * 2)  # default scale 2, sharp on slides


@pytest.mark.slow
def test_svg_keeps_chinese_text_in_the_cjk_font(heatmap):
    svg = images.svg(heatmap)
    assert svg.startswith("<svg")
    for word in ("财务部", "采购物流部", "学习与成长", "部门"):
        assert word in svg
    assert "Noto Sans CJK SC" in svg


@pytest.mark.slow
def test_chinese_is_drawn_with_noto_sans_cjk():
    cjk = picture(images.png(text_chart("财务部", charts.FONT)))
    assert ink(cjk) > 500  # glyphs, not an empty canvas
    latin_only = picture(images.png(text_chart("财务部", "DejaVu Sans")))
    assert ImageChops.difference(cjk, latin_only).getbbox() is not None
    # 骨 and 直 have other glyph designs in the traditional face: the face each chart
    # names (charts.FONT / FONT_HANT) is the one that draws, not whatever font came first
    shapes = [
        picture(images.png(text_chart("骨直", font))) for font in (charts.FONT, charts.FONT_HANT)
    ]
    assert ImageChops.difference(*shapes).getbbox() is not None


@pytest.mark.slow
@pytest.mark.parametrize("builder", ["department_bars", "perspective_bars", "department_months"])
def test_other_charts_render(builder):
    history = sample_history()
    if builder == "department_bars":
        chart = charts.department_bars(
            history.departments, lang="en", settings=DEFAULTS, period=SAMPLE_PERIOD
        )
    elif builder == "perspective_bars":
        cells = history.perspectives
        one = cells[(cells["department"] == "财务部") & (cells["period"] == SAMPLE_PERIOD)]
        chart = charts.perspective_bars(one, lang="zh-Hant", settings=DEFAULTS)
    else:
        chart = charts.department_months(history.departments, lang="zh-Hans", settings=DEFAULTS)
    assert ink(picture(images.png(chart, scale=1))) > 1000
    assert "<text" in images.svg(chart)
