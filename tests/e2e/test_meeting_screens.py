"""Every page as the room sees it (issue 16, Deliver 9): the seven pages in simplified
Chinese, traditional Chinese and English, at 1440x900 and 1920x1080, in normal mode and in
meeting mode (`?meeting=1`), each saved as a full-page screenshot and checked for what a
leader would notice from the back of the room:

- no missing value shown as `None`, `nan`, `NaN`, `NaT`, `null` or `<NA>`;
- the Chinese UI shows no English: no Latin word outside `ALLOWED_WORDS` and the patterns
  beside it (KPI ids, IANA time zones, grade names from the settings). Streamlit's own
  words ("Browse files", "Deploy", ...) count as English like any other;
- one script per label: in the traditional UI no simplified-only character, in the
  simplified UI no traditional-only one (`script_slips`), judged per text node, chart label
  and table cell, never over the page as a whole;
- in meeting mode at 1920 wide every chart label is at least 18 px on screen;
- in meeting mode at 1920x1080 the Overview's headline tiles, department chart and warnings
  heading are on the first screen, and the Scorecard's four perspectives fit on one screen.

What "visible" means: a text node whose element is rendered (`checkVisibility`, opacity and
`visibility` included) and whose box lies at least partly across the page's width and
is not clipped to a box of 1 px (the collapsed sidebar of meeting mode sits off-screen
left; Streamlit's "Skip to main content" link and its "3 options available" announcements
are for screen readers only, clipped to 1 px). Material Symbols icons are ligatures, drawn as
glyphs from words such as `dashboard`: text set in that font is skipped. Text in `<code>`
(a command the user types, an environment variable) is checked for `None` but not for
English, as it cannot be translated. Tables (`st.dataframe`) are drawn on a canvas; their
cells are read from the accessible table the grid keeps in the DOM (where a checkbox column
reads "true"/"false", which the screen shows as a tick box: those two are skipped).

How chart text is measured: Streamlit 1.67 hands each Vega-Lite spec to vega-embed with the
SVG renderer, switching to canvas only for a chart with more than 2000 data points per
mark (its `ArrowVegaLiteChart` bundle) or when the spec's `usermeta.embedOptions.renderer`
asks for it; this app's charts are far smaller. So every label is an SVG `<text>` and its
size on screen is its computed `font-size` times the scale from the SVG's user units to CSS
pixels (`getScreenCTM()`), which also catches a chart shrunk by CSS to fit its column. A
chart drawn on a canvas has no such element: the check reports it as unmeasured (a failure)
rather than passing it, since vega-embed does not expose its view on the DOM.

Cost on two cores: one server (conftest's `app_url`, a fresh data directory in open mode:
no users file, so every visitor acts as admin and the Data and Settings pages show their
admin controls without a sign-in); one browser; one Streamlit session per language and mode
(a module-scoped page whose language is set in the sidebar once, moving between pages with
the sidebar links as a user does; a page load would start a new session in the default
language), with the window resized between the two sizes. For development,
`KPI_E2E_LANGS=zh-Hant` (comma-separated) runs a subset of the languages, and `-k meeting`
or `-k heatmap` the usual way. `KPI_SCREENSHOTS_DIR=/some/dir` keeps a copy of every
screenshot there besides the test's `tmp_path`.
"""

from __future__ import annotations

import os
import re
import shutil
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from opencc import OpenCC
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.browser import DRAWN, NAV, PAGES
from kpi_engine import PERSPECTIVES
from kpi_engine.core.settings import GRADE_PRESETS
from kpi_engine.i18n import LANGUAGES, perspective_label, t
from tests.e2e.test_browser import open_page, rerun, screenshot

LANGS = tuple(
    lang
    for lang in os.environ.get("KPI_E2E_LANGS", ",".join(LANGUAGES)).split(",")
    if lang in LANGUAGES
)
MODES = ("normal", "meeting")
SIZES = ((1440, 900), (1920, 1080))
MEETING_WIDTH = 1920
MIN_CHART_PX = 18.0

# How pandas and JSON spell a missing value when it slips through to the screen.
MISSING_WORDS = re.compile(r"(?<![A-Za-z])(?:None|nan|NaN|NaT|null)(?![A-Za-z])|<NA>")

# A Latin word: letters, digits and underscores, joined by '-' or '/' ("PRD-10",
# "Asia/Shanghai" are one word each; "λmax" too).
LATIN_WORD = re.compile(r"λ?[A-Za-z][A-Za-z0-9_]*(?:[-/][A-Za-z0-9_]+)*")
# Latin words a Chinese screen may show, each because Chinese software shows it so too:
ALLOWED_WORDS = frozenset(
    {
        # file formats and the programs that open them, named on download buttons and in
        # the Data page's hints ("下载 PDF 月报", "Excel 报表")
        *("PDF", "Excel", "PNG", "SVG", "CSV", "XLSX", "XLSM", "XLS", "xlsx", "xls", "xlsm"),
        *("xlsb", "ZIP", "zip", "csv", "PowerPoint"),
        "PPT",  # what Chinese offices call a slide deck ("下载 PPT 月报")
        # the methods' own names in Chinese management texts: KPI, the AHP with its
        # author's 1-9 scale ("Saaty 1–9 标度"), its principal eigenvalue, consistency
        # ratio and index (λmax, CR, CI)
        *("KPI", "AHP", "Saaty", "λmax", "CR", "CI"),
        # period labels' quarter and half names where a page writes them short
        *("Q1", "Q2", "Q3", "Q4", "H1", "H2"),
        "MB",  # the upload limit's unit
        "OEE",  # the sample company's KPI 设备综合效率(OEE): data, shown as written
    }
)
KPI_ID = re.compile(r"[A-Z]{2,6}-[A-Z]?\d{1,3}")  # the sample's KPI ids: MKT-01, PUR-B1
VERSION = re.compile(r"v\d+")  # an upload's version, "v2", as Chinese software writes it
GRADE_NAMES = frozenset(g.name for grades in GRADE_PRESETS.values() for g in grades)

# Characters OpenCC converts although both scripts write them so (its single-character
# tables pick one variant of a pair): a traditional text may write 占 (占比, as Taiwan's
# dictionary does), 台 (台灣, 平台), 干 (若干, 干擾), 后 (皇后), 准 (批准), 范 and 于
# (surnames), 周 and 里 (週/周, 裏/里 are both traditional); a simplified one 著 (显著) and
# 於 (a surname).
BOTH_SCRIPTS = {"zh-Hant": frozenset("占台干后准范于周里"), "zh-Hans": frozenset("著於")}


@cache
def _convert(config: str, char: str) -> str:
    return OpenCC(config).convert(char)


def script_slips(text: str, lang: str) -> str:
    """The characters of `text` written in the other Chinese script than `lang`'s: in
    traditional, those s2t changes and t2s leaves (simplified-only); in simplified, the
    reverse; `BOTH_SCRIPTS` excepted."""
    there, back = ("s2t", "t2s") if lang == "zh-Hant" else ("t2s", "s2t")
    return "".join(
        c
        for c in dict.fromkeys(text)
        if "\u3400" <= c <= "\u9fff"
        and c not in BOTH_SCRIPTS[lang]
        and _convert(there, c) != c
        and _convert(back, c) == c
    )


def english_words(text: str) -> list[str]:
    """The Latin words of `text` a Chinese screen should not show."""
    return [
        w
        for w in LATIN_WORD.findall(text)
        if w not in ALLOWED_WORDS
        and w not in GRADE_NAMES
        and not KPI_ID.fullmatch(w)
        and not VERSION.fullmatch(w)
        and w not in zoneinfo.available_timezones()
    ]


# --- what the page shows -------------------------------------------------------------------

# Every visible piece of text: text nodes (kind "text", or "code" inside <code>), chart
# labels ("chart", with their size on screen in px), table cells ("cell") and what input
# boxes show ("input"); charts drawn without SVG text are listed as "canvas".
SHOWN = """() => {
    const width = document.documentElement.clientWidth;
    // an element of the run before (Streamlit marks it stale until the new run replaces it)
    // is on its way out: not what this page shows
    const seen = el => !el.closest('[data-stale="true"]')
        && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
    const across = rects => [...rects].some(
        r => r.width >= 1 && r.height >= 1 && r.right > 0 && r.left < width);
    // screen-reader-only text: inside a box of at most 1 px that clips its content
    const clipped = el => {
        for (let e = el; e; e = e.parentElement) {
            const r = e.getBoundingClientRect();
            if ((r.width <= 1 || r.height <= 1) && getComputedStyle(e).overflow !== 'visible')
                return true;
        }
        return false;
    };
    const where = el => el.closest('[data-testid]')?.dataset.testid ?? el.tagName;
    const items = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
        const el = node.parentElement, text = node.textContent.trim();
        if (!text || !el || el.closest('script, style, noscript, svg, [data-testid="stDataFrame"]'))
            continue;
        if (!seen(el) || clipped(el)) continue;
        if (getComputedStyle(el).fontFamily.includes('Material Symbols')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        if (!across(range.getClientRects())) continue;
        items.push({kind: el.closest('code') ? 'code' : 'text', text, where: where(el)});
    }
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
        if (!seen(chart)) continue;
        const texts = [...chart.querySelectorAll('svg text')].filter(
            e => e.textContent.trim() && seen(e));
        // a label of several lines has one <tspan> a line
        const label = e => e.querySelector('tspan')
            ? [...e.querySelectorAll('tspan')].map(s => s.textContent.trim()).join(' ')
            : e.textContent.trim();
        if (!chart.querySelector('svg') && chart.querySelector('canvas'))
            items.push({kind: 'canvas', text: '', where: 'stVegaLiteChart'});
        for (const e of texts) {
            const m = e.getScreenCTM();
            const px = parseFloat(getComputedStyle(e).fontSize) * Math.hypot(m.a, m.b);
            items.push({kind: 'chart', text: label(e), where: 'stVegaLiteChart',
                        px: Math.round(px * 10) / 10});
        }
    }
    for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]')) {
        if (grid.closest('[data-stale="true"]')) continue;
        if (!seen(grid)) continue;
        for (const cell of grid.querySelectorAll('table th, table td')) {
            const text = cell.textContent.trim();
            // a checkbox column's cells read "true"/"false" there but show a tick box
            if (text && text !== 'true' && text !== 'false') items.push({kind: 'cell', text, where: 'stDataFrame'});
        }
    }
    for (const box of document.querySelectorAll('input, textarea')) {
        if (['hidden', 'file', 'checkbox', 'radio'].includes(box.type)) continue;
        if (!seen(box) || clipped(box) || !across(box.getClientRects())) continue;
        const text = (box.value || box.placeholder || '').trim();
        if (text) items.push({kind: 'input', text, where: where(box)});
    }
    return items;
}"""

# Where the first-screen elements end, from the top of the page (scrolled to the top).
BOTTOMS = """([tiles, warnings]) => {
    for (const s of [document.scrollingElement, document.querySelector('[data-testid="stMain"]')])
        if (s) s.scrollTop = 0;
    const main = document.querySelector('[data-testid="stMain"]');
    const bottom = els => els.length ? Math.max(...els.map(e => e.getBoundingClientRect().bottom)) : null;
    const headings = [...main.querySelectorAll('h1, h2, h3')];
    return {
        tiles: bottom([...main.querySelectorAll(tiles)]),
        chart: bottom([...main.querySelectorAll('[data-testid="stVegaLiteChart"]')].slice(0, 1)),
        warnings: bottom(headings.filter(h => h.textContent.trim() === warnings)),
    };
}"""

# The span of the Scorecard's perspective sections: from the top of the first of their
# headings to the bottom of the lowest of their tables (each heading's next table).
PERSPECTIVE_SPAN = """(labels) => {
    const main = document.querySelector('[data-testid="stMain"]');
    const headings = [...main.querySelectorAll('h1, h2, h3')].filter(
        h => labels.some(l => h.textContent.trim().startsWith(l)));
    const tables = [...main.querySelectorAll('[data-testid="stDataFrame"], table')];
    const after = h => tables.find(
        t => h.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
    const boxes = headings.flatMap(h => [h, after(h)]).filter(Boolean)
        .map(e => e.getBoundingClientRect());
    if (!boxes.length) return {found: 0, span: null};
    return {found: headings.length,
            span: Math.max(...boxes.map(b => b.bottom)) - Math.min(...boxes.map(b => b.top))};
}"""

# Layout has settled after a resize: the charts' sizes, and the number of cells in the
# tables' accessible copies (filled a few frames after the grid is drawn), are the same two
# frames running.
SETTLED_LAYOUT = """async () => {
    const sizes = () => JSON.stringify([...document.querySelectorAll(
        '[data-testid="stVegaLiteChart"] svg')].map(s => [s.clientWidth, s.clientHeight])
        .concat([document.querySelectorAll('[data-testid="stDataFrame"] table td').length]));
    const frame = () => new Promise(r => requestAnimationFrame(() => r()));
    let last = null;
    for (let i = 0; i < 100; i++) {
        await frame(); await frame();
        const now = sizes();
        if (now === last) return true;
        last = now;
    }
    return false;
}"""


@dataclass
class Session:
    """One Streamlit session in the browser: its language, mode and the page it is on."""

    page: Page
    lang: str
    mode: str
    at: str = "overview"


@pytest.fixture(
    scope="module",
    params=[(lang, mode) for lang in LANGS for mode in MODES],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def session(request: pytest.FixtureRequest, browser: Browser, app_url: str) -> Iterator[Session]:
    """A session opened on the Overview in its mode, switched to its language in the
    sidebar (opened for that in meeting mode, and closed again)."""
    lang, mode = request.param
    width, height = SIZES[0]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    # The first session of a cold server also stores the sample company, and two cores
    # may be busy: the opening waits longer than the pages' own 30 s.
    context.set_default_timeout(120_000)
    page = context.new_page()
    try:
        open_page(page, f"{app_url}/" + ("?meeting=1" if mode == "meeting" else ""), chart=True)
        sidebar = page.locator('[data-testid="stSidebar"]')
        if mode == "meeting":
            page.locator('[data-testid="stExpandSidebarButton"]').click()
        language = sidebar.get_by_role("combobox", name=t("sidebar.language"))
        if language.input_value() != LANGUAGES[lang]:
            option = page.get_by_role("option", name=LANGUAGES[lang], exact=True)
            for _ in range(3):  # a click while the sidebar still slides open may open nothing
                language.click()
                try:
                    option.wait_for(state="visible", timeout=15_000)
                    break
                except PlaywrightTimeoutError:
                    page.keyboard.press("Escape")
            rerun(page, option.click, chart=True)
            # A table's accessible copy (what the checks read) can keep the words of the
            # run before when only its cells change: open the Overview anew in `lang`.
            for name in ("heatmap", "overview"):
                link = page.locator(f"{NAV} a").filter(has_text=t(f"page.{name}", lang))
                rerun(page, lambda link=link: link.dispatch_event("click"), chart=True)
        if mode == "meeting":
            sidebar.hover()
            page.locator('[data-testid="stSidebarCollapseButton"] button').click()
            expect(page.locator('[data-testid="stExpandSidebarButton"]')).to_be_visible()
        context.set_default_timeout(30_000)
        yield Session(page, lang, mode)
    finally:
        context.close()


def go(session: Session, name: str) -> None:
    """Switch to page `name` with its sidebar link (in meeting mode the sidebar is closed:
    the link gets the click event a user's click would send)."""
    if session.at == name:
        return
    link = session.page.locator(f"{NAV} a").filter(has_text=t(f"page.{name}", session.lang))
    rerun(session.page, lambda: link.dispatch_event("click"), chart=PAGES[name][2])
    session.at = name


def keep(shot: Path) -> None:
    """A copy for whoever looks at the screens (KPI_SCREENSHOTS_DIR), beside tmp_path's."""
    folder = os.environ.get("KPI_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


def sample(items: list[str], n: int = 8) -> str:
    return "; ".join(items[:n]) + (f"; ... ({len(items)} in all)" if len(items) > n else "")


# An uploaded file's name ("财务部_2026年10月_KPI考核表.xlsx") names a file on disk: shown as
# written in every script. An image cell's data URI (the Scorecard's trend lines) is no text.
FILE_NAME = re.compile(r"[^\s·]+\.(?:xlsx|xlsm|xls|csv|ods)\b")
DATA_URI = "data:image/"


def text_problems(items: list[dict], lang: str, mode: str, width: int) -> list[str]:
    """What a reader would object to in the page's text (see the module docstring)."""
    found = []
    items = [
        {**i, "text": FILE_NAME.sub(" ", i["text"])}
        for i in items
        if not i["text"].startswith(DATA_URI)
    ]
    missing = [f"{i['text']!r} ({i['where']})" for i in items if MISSING_WORDS.search(i["text"])]
    if missing:
        found.append(f"missing value shown as a word: {sample(missing)}")
    if lang != "en":
        english = [
            f"{' '.join(words)} in {i['text'][:60]!r} ({i['where']})"
            for i in items
            if i["kind"] != "code" and (words := english_words(i["text"]))
        ]
        if english:
            found.append(f"English in the {lang} UI: {sample(english)}")
        mixed = [
            f"{slips} in {i['text'][:40]!r} ({i['where']})"
            for i in items
            if (slips := script_slips(i["text"], lang))
        ]
        if mixed:
            found.append(f"other script's characters in the {lang} UI: {sample(mixed)}")
    if mode == "meeting" and width == MEETING_WIDTH:
        small = [
            f"{i['text'][:30]!r} {i['px']} px"
            for i in items
            if i["kind"] == "chart" and i["px"] < MIN_CHART_PX
        ]
        if small:
            found.append(f"chart labels under {MIN_CHART_PX:g} px: {sample(small)}")
        if any(i["kind"] == "canvas" for i in items):
            found.append("a chart drawn on a canvas: its labels' size cannot be measured")
    return found


def first_screen_problems(page: Page, name: str, lang: str) -> list[str]:
    """Meeting mode at 1920x1080: what must be on the first (Overview) or one (Scorecard)
    screen."""
    height = page.viewport_size["height"] if page.viewport_size else 0
    found = []
    if name == "overview":
        ends = page.evaluate(
            BOTTOMS, ['[data-testid="stMetric"]', t("overview.early_warnings", lang)]
        )
        for what, label in (
            ("tiles", "headline tiles"),
            ("chart", "department chart"),
            ("warnings", "warnings heading"),
        ):
            if ends[what] is None:
                found.append(f"no {label} found")
            elif ends[what] > height:
                found.append(f"{label} end at {ends[what]:.0f} px, below the first {height} px")
    if name == "scorecard":
        labels = [perspective_label(p, lang) for p in PERSPECTIVES]
        span = page.evaluate(PERSPECTIVE_SPAN, labels)
        if span["found"] != len(PERSPECTIVES):
            found.append(f"{span['found']} perspective headings found, not {len(PERSPECTIVES)}")
        elif span["span"] > height:
            found.append(
                f"the four perspectives span {span['span']:.0f} px, more than one "
                f"{height} px screen"
            )
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_reads_well(session: Session, name: str, size: tuple[int, int], tmp_path: Path):
    page = session.page
    go(session, name)
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    assert page.evaluate(SETTLED_LAYOUT), "the page kept changing after the resize"
    page.wait_for_function(DRAWN)

    found = []
    if session.mode == "meeting" and size == (MEETING_WIDTH, 1080):
        found += first_screen_problems(page, name, session.lang)
    found += text_problems(page.evaluate(SHOWN), session.lang, session.mode, width)

    shot = tmp_path / f"{session.lang}_{session.mode}_{width}x{height}_{name}.png"
    screenshot(page, shot)
    keep(shot)
    assert not found, f"{name} ({session.lang}, {session.mode}, {width}x{height}):\n- " + (
        "\n- ".join(found)
    )
