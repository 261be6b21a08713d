"""Streamlit's uploader speaks the user's language (issue 16, Deliver 7): in the simplified
Chinese UI the drop zone shows our words and no English ("Browse files", "Upload", "Drag
and drop files here", "200MB per file"), before and after a file is picked, with the real
size limit in our caption."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from benchmarks.browser import IDLE, XLSX_MIME
from kpi_engine import Limits
from kpi_engine.i18n import t
from tests.e2e.test_browser import messy_workbook, rerun, screenshot, settled

# Latin words a person would read (file extensions and sizes such as "5.5KB" aside).
ENGLISH = re.compile(r"\b(?!KPI\b|KB\b|MB\b|xlsx?\b|xlsm\b|csv\b)[A-Za-z]{2,}\b")


def visible_words(page: Page) -> str:
    """The uploader's text as drawn: CSS-hidden parts, icons (ligatures, SVG) and text for
    screen readers only (a 1 px box) left out,
    our `::before` / `::after` text put in."""
    return page.locator('[data-testid="stFileUploader"]').evaluate(
        """root => {
            const out = [];
            const walk = e => {
                const style = getComputedStyle(e);
                if (style.display === 'none' || e.dataset.testid === 'stIconMaterial'
                    || e instanceof SVGElement  // icons: drawn, not read
                    || e.getBoundingClientRect().width <= 1) return;  // for screen readers
                for (const pseudo of ['::before', '::after']) {
                    const c = getComputedStyle(e, pseudo).content;
                    if (c && c !== 'none' && c !== 'normal') out.push(c.replace(/^"|"$/g, ''));
                }
                for (const n of e.childNodes) {
                    if (n.nodeType === 3) out.push(n.textContent);
                    else if (n.nodeType === 1) walk(n);
                }
            };
            walk(root);
            return out.join(' ');
        }"""
    )


def test_the_uploader_shows_no_english_in_the_chinese_ui(
    page: Page, app_url: str, screenshots: Path
):
    page.goto(f"{app_url}/data")
    # a cold server also stores the sample company first: slow on a loaded machine
    page.locator(IDLE).wait_for(state="attached", timeout=240_000)
    settled(page)
    zone = page.locator('[data-testid="stFileUploaderDropzone"]')
    expect(zone).to_be_visible(timeout=60_000)
    words = visible_words(page)
    assert t("data.drop_here") in words and t("data.browse") in words
    assert not ENGLISH.findall(words), words
    limit = t("data.upload_limit", mb=Limits.from_env().max_file_mb)
    expect(page.get_by_text(limit)).to_be_visible()
    page.locator('[data-testid="stFileUploader"]').screenshot(path=screenshots / "uploader.png")

    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun(
        page,
        lambda: upload.set_input_files(
            files=[{"name": "质量管理部.xlsx", "mimeType": XLSX_MIME, "buffer": messy_workbook()}]
        ),
    )
    words = visible_words(page)
    assert not ENGLISH.findall(words), words
    screenshot(page, screenshots / "uploader_with_file.png")
