"""The dashboard in a real browser, as a new user meets it.

A headless Chromium drives `streamlit run app.py` (fixtures in conftest.py): every page
opens without an exception and shows its title in the default language (simplified
Chinese); a messy monthly workbook goes through the Data page's real file input, its
validation report shows the bad row, and its good rows reach the heatmap; a click on a
heatmap cell drills down; the sidebar switches the whole app to English. Full-page
screenshots of what the user saw go to artifacts/screenshots/.

Waiting is on the app's own signals, never on sleeps: Streamlit sets
`data-test-script-state="notRunning"` on `stApp` when a run has finished, and Vega puts an
<svg> (or <canvas>) into `.vega-embed` once a chart is drawn. Uploads live in the
browser session's `st.session_state`, so the journey moves between pages with the sidebar
links (a client-side switch in the same session), not with `page.goto`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.browser import CHART, DRAWN, EXCEPTION, IDLE, NAV, PAGES, XLSX_MIME
from kpi_engine import PERSPECTIVES
from kpi_engine.i18n import period_heading, t
from tests.workbooks import HEADER, xlsx

DEPARTMENT = "质量管理部"
UPLOAD_NAME = f"{DEPARTMENT}_2026年10月_KPI考核表.xlsx"


def messy_workbook() -> bytes:
    """A monthly form as a manager sends it: title and filler lines above the header, the
    department in one merged cell, percent strings, '-' for a missing actual, a total row,
    and one bad row (a negative weight) among four good ones. Its weights add up to 120 %,
    so they are read within each perspective (SPEC §5.3: no department-wide warning)."""
    rows = [
        [f"2026年10月 {DEPARTMENT} KPI 考核表"],
        ["填报人: 陈静", None, "填报日期: 2026-11-03"],
        HEADER,
        [DEPARTMENT, "财务", "QM1", "质量成本占比", "越低越好", "40%", "3%", "2.5%"],
        [None, "客户", "QM2", "客户投诉关闭率", "越高越好", "30%", "95%", "97%"],
        [None, "内部流程", "QM3", "一次交检合格率", "越高越好", "30%", "98%", "-"],
        [None, "学习与成长", "QM4", "质量培训覆盖率", "越高越好", "20%", "90%", "92%"],
        [None, "内部流程", "QM5", "来料检验及时率", "越高越好", "-10%", "95%", "96%"],
        ["合计", None, None, None, None, "120%", None, None],
    ]
    return xlsx(rows, merges=["A4:A8"])


# --- waiting on the app --------------------------------------------------------------------


def settled(page: Page, *, chart: bool = False) -> None:
    """The script run is over and what it sent is drawn (where a chart is expected, Vega
    has drawn one); no exception box on the page."""
    page.locator(IDLE).wait_for(state="attached")
    if chart:
        page.locator(f"{CHART} svg, {CHART} canvas").first.wait_for(state="attached")
    page.wait_for_function(DRAWN)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def rerun(page: Page, action: Callable[[], object], *, chart: bool = False) -> None:
    """Do `action` and wait for the rerun it triggers to finish.

    A MutationObserver notes that `stApp`'s script state changed (to `running`, and maybe
    back already: the records say so even when the attribute reads `notRunning` again by
    the time they are handled), so a run that has not started yet is not mistaken for one
    that is over.
    """
    page.evaluate(
        """() => {
            window.__e2eRan = false;
            const app = document.querySelector('[data-testid="stApp"]');
            new MutationObserver((records, observer) => {
                if (records.length) {
                    window.__e2eRan = true;
                    observer.disconnect();
                }
            }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )
    action()
    # A run that takes a few milliseconds (the pages share their charts and tables across
    # sessions) can start and finish within one batch of the browser's updates, so that
    # `stApp` never reads `running`: past this wait, the app idle with what it sent drawn
    # (`settled`) is the run's end.
    with suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            """() => window.__e2eRan && document.querySelector('[data-testid="stApp"]')
                .getAttribute('data-test-script-state') === 'notRunning'""",
            timeout=RUN_SEEN_MS,
        )
    settled(page, chart=chart)


# How long `rerun` looks for the run to be seen starting before it takes the app's idle
# state as its end (a run that fast is over long before this).
RUN_SEEN_MS = 10_000

# The first run of a freshly opened page has drawn something: before that run starts the
# app already reads `notRunning`, so the idle state alone does not say it is over.
FIRST_RUN = """() => document.querySelector(
    '[data-testid="stMain"] [data-testid="stElementContainer"]') !== null"""


def open_page(page: Page, url: str, *, chart: bool = False) -> None:
    page.goto(url)
    # A cold server's first run also stores the sample company: on a loaded two-core
    # machine that alone can pass the 30 s every other wait allows.
    page.wait_for_function(FIRST_RUN, timeout=120_000)
    settled(page, chart=chart)


def nav(page: Page, title: str, *, chart: bool = False) -> None:
    """Switch page with the sidebar link, as a user does (same session)."""
    link = page.locator(f"{NAV} a").filter(has_text=title)
    rerun(page, link.click, chart=chart)


def title(page: Page) -> Locator:
    return page.locator("h1").first


def screenshot(page: Page, path: Path) -> None:
    """The whole page. Streamlit scrolls inside its main container rather than the
    document, so grow the window to the content's height for the shot, then restore it."""
    viewport = page.viewport_size
    assert viewport is not None
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]',
            '[data-testid="stSidebarContent"]'].map(s => document.querySelector(s))
            .filter(Boolean).map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        page.wait_for_function(DRAWN)  # laid out again at the new size
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(viewport)


def department_picker(page: Page) -> Locator:
    """The scorecard's department selectbox (a combobox in the main area)."""
    return page.locator('[data-testid="stMain"]').get_by_role(
        "combobox", name=t("common.department")
    )


def aria_fields(mark: Locator) -> dict[str, str]:
    """A Vega mark's aria-label ("维度: 财务; 部门: 市场部; …") as a dict."""
    label = mark.get_attribute("aria-label") or ""
    return dict(part.split(": ", 1) for part in label.split("; ") if ": " in part)


def svg_texts(chart: Locator) -> list[str]:
    return chart.locator("svg text").all_text_contents()


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_with_its_title(page: Page, app_url: str, screenshots: Path, name: str):
    path, expected, chart = PAGES[name]
    open_page(page, f"{app_url}/{path}", chart=chart)
    if expected is None:  # the scorecard: "<department> 计分卡" for the department picked
        department = department_picker(page).input_value().strip()
        assert department, "the scorecard has no department picked"
        expected = t("scorecard.title", department=department)
    expect(title(page)).to_have_text(expected)
    # The page's own sidebar link is the current one.
    expect(page.locator(f"{NAV} a[aria-current='page']")).to_have_text(
        re.compile(re.escape(t(f"page.{name}")))
    )
    if chart:
        expect(page.locator(CHART).first).to_be_visible()
    screenshot(page, screenshots / f"{name}.png")


def test_messy_upload_reports_the_bad_row_and_its_good_rows_reach_the_heatmap(
    page: Page, app_url: str, screenshots: Path
):
    open_page(page, f"{app_url}/data")
    expect(title(page)).to_have_text(t("page.data"))

    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun(
        page,
        lambda: upload.set_input_files(
            files=[{"name": UPLOAD_NAME, "mimeType": XLSX_MIME, "buffer": messy_workbook()}]
        ),
    )

    # The summary line and the validation report, in the user's language: the negative
    # weight on sheet row 8 is an error, the total row a warning; four good rows, one rejected.
    # One card per issue: the message in full, where it is beneath it.
    summary = t("data.summary_pending", file=UPLOAD_NAME, accepted=4, rejected=1)
    expect(page.get_by_text(summary)).to_be_visible()
    expect(page.get_by_text(t("data.issues_in_file", file=UPLOAD_NAME, n=2))).to_be_visible()
    cards = page.locator('[data-testid="stAlert"]')
    error = cards.filter(has_text=t("issue.negative_weight"))
    expect(error).to_have_count(1)
    field = "data.issue_field"
    for part in (
        t(field, label=t("report.sheet"), value="Sheet1"),
        t("data.issue_row", row=8),
        t(field, label=t("report.column"), value=HEADER[5]),
        t(field, label=t("report.value"), value="-10%"),
    ):
        expect(error).to_contain_text(part)
    expect(cards.filter(has_text=t("issue.total_row"))).to_have_count(1)
    screenshot(page, screenshots / "data_report.png")

    # Accept the good rows: the file joins the session.
    accept = page.get_by_role("button", name=t("data.accept_good_rows"))
    rerun(page, accept.click)
    expect(page.get_by_text(t("data.joined"))).to_be_visible()
    done = t("data.summary_done", file=UPLOAD_NAME, accepted=4, rejected=1)
    expect(page.get_by_text(done)).to_be_visible()
    expect(accept).to_have_count(0)
    in_session = page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator("thead th", has_text=t("report.file"))
    )
    expect(in_session.first.locator("tbody")).to_contain_text(UPLOAD_NAME)  # this session's
    screenshot(page, screenshots / "data_accepted.png")

    # The heatmap (reached through the sidebar, same session) has a row for the department:
    # an axis label and four cells, the one with the '-' actual shown as missing.
    nav(page, t("page.heatmap"), chart=True)
    expect(title(page)).to_have_text(t("heatmap.title"))
    heatmap = page.locator(CHART).first
    expect(heatmap.locator("svg text", has_text=DEPARTMENT)).to_have_count(1)
    # Vega labels every mark for screen readers ("维度: 财务; 部门: …; 得分: …; …").
    marks = [
        fields
        for fields in map(aria_fields, heatmap.locator("svg path[aria-label]").all())
        if fields.get(t("common.department")) == DEPARTMENT
    ]
    scores = {m[t("common.perspective")]: m[t("common.score")] for m in marks}
    assert set(scores) == {t(f"perspective.{p}") for p in PERSPECTIVES}, marks
    assert scores[t("perspective.internal_process")] == "—", scores  # the '-' actual
    del scores[t("perspective.internal_process")]
    assert all(re.fullmatch(r"\d+\.\d", score) for score in scores.values()), scores
    screenshot(page, screenshots / "heatmap_with_upload.png")

    # And the scorecard offers it in its department picker.
    nav(page, t("page.scorecard"), chart=True)
    department_picker(page).click()
    expect(page.get_by_role("option", name=DEPARTMENT, exact=True)).to_have_count(1)
    rerun(page, page.get_by_role("option", name=DEPARTMENT, exact=True).click, chart=True)
    expect(title(page)).to_have_text(t("scorecard.title", department=DEPARTMENT))


def test_clicking_a_heatmap_cell_drills_down(page: Page, app_url: str, screenshots: Path):
    open_page(page, f"{app_url}/heatmap", chart=True)
    expect(page.get_by_text(t("heatmap.no_selection"))).to_be_visible()

    heatmap = page.locator(CHART).first
    # The first cell of the grey layer: top row, first column. Its aria-label names it.
    cell = heatmap.locator("svg g.mark-rect path").first
    fields = aria_fields(cell)
    department, perspective = fields[t("common.department")], fields[t("common.perspective")]
    chart_box, box = heatmap.bounding_box(), cell.bounding_box()
    assert chart_box and box
    # top-left cell: left of and above every other cell, inside the chart
    assert chart_box["x"] <= box["x"] < chart_box["x"] + chart_box["width"] / 2
    assert chart_box["y"] <= box["y"] < chart_box["y"] + chart_box["height"] / 2
    assert perspective == t("perspective.financial")

    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    rerun(page, lambda: page.mouse.click(x, y), chart=True)

    drill = t("heatmap.drilldown_title", department=department, perspective=perspective)
    expect(page.get_by_role("heading", name=drill)).to_be_visible()
    expect(page.get_by_text(t("heatmap.no_selection"))).to_have_count(0)
    # heatmap, drill-down bars and the department x month heatmap
    expect(page.locator(CHART)).to_have_count(3)
    screenshot(page, screenshots / "heatmap_drilldown.png")


def test_switching_the_language_to_english(page: Page, fresh_app_url: str, screenshots: Path):
    """On a server's first session too: the choice survives the first page switch."""
    open_page(page, f"{fresh_app_url}/", chart=True)
    expect(title(page)).to_have_text(period_heading("2026-10"))

    language = page.locator('[data-testid="stSidebar"]').get_by_role(
        "combobox", name=t("sidebar.language")
    )
    expect(language).to_have_value("简体中文")
    language.click()
    rerun(page, page.get_by_role("option", name="English", exact=True).click, chart=True)

    expect(title(page)).to_have_text(period_heading("2026-10", "en"))
    expect(page.locator(f"{NAV} a")).to_have_text(
        [re.compile(re.escape(t(f"page.{name}", "en"))) for name in PAGES]
    )
    screenshot(page, screenshots / "overview_en.png")

    # The choice holds across pages, charts included.
    nav(page, t("page.heatmap", "en"), chart=True)
    expect(title(page)).to_have_text(t("heatmap.title", "en"))
    texts = svg_texts(page.locator(CHART).first)
    assert t("perspective.financial", "en") in texts, texts
    assert t("perspective.financial") not in texts, texts
    screenshot(page, screenshots / "heatmap_en.png")


def test_a_deep_link_as_the_first_request_after_start_gets_the_whole_app(
    page: Page, fresh_app_url: str
):
    """Streamlit runs a page file alone when a `pages/` app's first request is that page;
    the page must rerun through app.py and show the sidebar and its data."""
    open_page(page, f"{fresh_app_url}/scorecard", chart=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 1
    expect(title(page)).to_contain_text("计分卡")
