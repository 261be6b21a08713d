"""Issue 5's check as a person sees it: an upload made through the browser is still on the
heatmap after the server is stopped and started again on the same data directory."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from benchmarks.browser import CHART, VIEWPORT, XLSX_MIME, serve
from kpi_engine.i18n import t
from tests.e2e.test_browser import open_page, rerun, title
from tests.workbooks import form, xlsx

DEPARTMENT = "品质保证部"


def workbook() -> bytes:
    return xlsx(
        form(
            [DEPARTMENT, "客户", "QA-1", "客户投诉率", "越低越好", 0.5, 0.02, 0.015],
            [DEPARTMENT, "内部流程", "QA-2", "一次合格率", "越高越好", 0.5, 0.98, 0.97],
            title=f"2026年10月 {DEPARTMENT} KPI 考核表",
        )
    )


def test_an_upload_outlives_a_server_restart(browser: Browser, tmp_path: Path):
    log = tmp_path / "server.log"  # the data directory is tmp_path/data, both times
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    try:
        with serve(log) as url:
            open_page(page, f"{url}/data")
            files = [{"name": "qa.xlsx", "mimeType": XLSX_MIME, "buffer": workbook()}]
            upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            rerun(page, lambda: upload.set_input_files(files=files))
            expect(page.get_by_text(t("data.joined")).first).to_be_visible()

        with serve(log) as url:  # a new process: nothing cached, only the store
            open_page(page, f"{url}/heatmap", chart=True)
            expect(title(page)).to_have_text(t("heatmap.title"))
            heatmap = page.locator(CHART).first
            expect(heatmap.locator("svg text", has_text=DEPARTMENT)).to_have_count(1)
    finally:
        context.close()
