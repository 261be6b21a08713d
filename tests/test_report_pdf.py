"""The one-page monthly report: Chinese text embedded in Noto Sans CJK (extractable with
pdftotext), one page whatever the number of warnings, drawn (pdftoppm renders it)."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image

from kpi_engine.charts import BAND_TINTS
from kpi_engine.pdf_report import report_pdf
from tests.report_data import SAMPLE_PERIOD, company, sample_history


def poppler(tool: str, data: bytes, *args: str) -> bytes:
    done = subprocess.run(
        [tool, *args, "-", "-"], input=data, capture_output=True, timeout=60, check=True
    )
    return done.stdout


def text_of(data: bytes) -> str:
    return poppler("pdftotext", data, "-layout").decode()


def pages(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.decode().splitlines() if "Pages" in line))


def fonts(data: bytes) -> str:
    return subprocess.run(
        ["pdffonts", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture(scope="module")
def organisation() -> bytes:
    return report_pdf(sample_history(), SAMPLE_PERIOD)


def test_organisation_report_has_scores_heatmap_movers_and_warnings(organisation):
    text = text_of(organisation)
    assert pages(organisation) == 1
    for words in ("全组织 KPI 报告", "2026-10", "与 2026-09 比较", "部门 × 维度热力图", "进步最大"):
        assert words in text
    assert "退步最大" in text and "预警提示" in text
    assert "财务部" in text and "采购物流部" in text  # department names in the movers
    assert "学习与成长" in text
    assert "连续" in text  # a red-streak warning, as the Overview words it
    embedded = fonts(organisation)
    assert "NotoSansCJKSC" in embedded and "yes" in embedded


def test_page_renders_with_status_tints(organisation, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(organisation)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-singlefile", source, tmp_path / "page"],
        check=True,
        timeout=60,
    )
    page = Image.open(tmp_path / "page.png").convert("RGB")
    width, height = page.size
    assert height > width  # A4 portrait
    colours = {c for _, c in page.getcolors(maxcolors=width * height)}
    # the tiles of green perspectives and the warning labels are tinted as on screen
    for tint in (BAND_TINTS["green"], BAND_TINTS["red"]):
        assert tuple(int(tint[i : i + 2], 16) for i in (1, 3, 5)) in colours


def test_department_report_in_traditional_chinese():
    data = report_pdf(sample_history(), SAMPLE_PERIOD, department="行政部", lang="zh-Hant")
    text = text_of(data)
    assert pages(data) == 1
    assert "行政部 KPI 報告 · 2026-10" in text
    assert "學習與成長" in text and "預警提示" in text
    assert "NotoSansCJKTC" in fonts(data)  # traditional glyph shapes


def test_english_report():
    text = text_of(report_pdf(sample_history(), SAMPLE_PERIOD, lang="en"))
    assert "Organisation KPI report · 2026-10" in text and "Best movers" in text


def test_many_warnings_still_fit_on_one_page():
    red = [["市场部", "财务", f"M{i}", f"指标{i}", "越高越好", 1, 100, 10] for i in range(60)]
    history = company({"2026年9月 市场部": red, "2026年10月 市场部": red})
    data = report_pdf(history, "2026-10")
    text = text_of(data)
    assert pages(data) == 1
    assert "另有" in text and "条预警未列出" in text
    assert "没有" not in text  # there is a previous period: movers are compared


def test_no_previous_period_says_so():
    history = company(
        {"2026年10月 市场部": [["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]]}
    )
    text = text_of(report_pdf(history, "2026-10", department="市场部"))
    assert "没有上一期数据，无法比较" in text
    assert "市场部 KPI 报告" in text
