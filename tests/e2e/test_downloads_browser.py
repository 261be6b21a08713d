"""Downloads as a person gets them in Chromium: the month's PDF report from the Overview,
the department workbook from the Scorecard, and a chart as PNG and SVG from the Heatmap.
Each file is opened as its reader would: pdftotext, openpyxl, the PNG header, the SVG text.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from kpi_engine.i18n import t
from tests.e2e.test_whatif_browser import idle


def download(page: Page, button: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_the_overview_pdf_report_is_the_months_one_page_report(page: Page, app_url: str, tmp_path):
    page.goto(app_url)
    idle(page)
    pdf = download(page, t("download.pdf_report", report=t("download.report_month")), tmp_path)
    assert pdf.name == "KPI_2026-10.pdf" and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    shown = text.decode("utf-8")
    assert "全组织 KPI 报告 · 2026-10" in shown and "与 2026-09 比较" in shown
    assert "财务部" in shown  # a department named by the warnings (the heatmap is an image)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout
    # the month on one page; why the score moved since 2026-09 on a page of its own
    assert re.search(rb"^Pages:\s+2$", pages, re.M)
    first, second = shown.split("\f")[:2]
    assert "全组织 KPI 报告 · 2026-10" in first and t("explain.title") not in first
    assert t("explain.title") in second


def test_the_scorecard_workbook_is_the_departments(page: Page, app_url: str, tmp_path):
    page.goto(f"{app_url}/scorecard")
    idle(page)
    department = page.locator("h1").first.inner_text().split(" ")[0]  # "人力资源部 计分卡"
    book = download(page, t("download.xlsx_report", report=t("download.report_month")), tmp_path)
    sheets = load_workbook(io.BytesIO(book.read_bytes())).sheetnames
    assert department in book.name and len(sheets) == 2 and department in sheets[1]


def test_a_chart_downloads_as_png_and_svg(page: Page, app_url: str, tmp_path):
    page.goto(f"{app_url}/heatmap")
    idle(page)
    page.get_by_role("button", name=t("download.chart")).first.click()
    png = download(page, "PNG", tmp_path)
    assert png.read_bytes().startswith(b"\x89PNG") and png.name.startswith("heatmap_")
    page.keyboard.press("Escape")
    page.get_by_role("button", name=t("download.chart")).first.click()
    svg = download(page, "SVG", tmp_path).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and "财务部" in svg
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
