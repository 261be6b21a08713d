"""The What-if page in a real browser: an analyst moves a perspective slider with the keyboard
and the organisation score changes; the slider's label shows the new normalised share.

Fixtures (the server, Chromium, a fresh context per test, the screenshot folder) come from
conftest.py. Waiting is on the app's own signal, `data-test-script-state="notRunning"` on
`stApp`, and on the texts expected, never on sleeps.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from kpi_engine.i18n import perspective_label, t

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
CHART_DRAWN = '[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas'


def idle(page: Page) -> None:
    page.locator(IDLE).wait_for(state="attached")
    expect(page.locator(EXCEPTION)).to_have_count(0)


def scenario_score(page: Page):
    """The value of the "organisation score · scenario" metric."""
    card = page.locator('[data-testid="stMetric"]').filter(has_text=t("whatif.org_scenario"))
    return card.locator('[data-testid="stMetricValue"]')


def screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main container, so grow the window to
    the content's height for the shot, then restore it."""
    viewport = page.viewport_size
    assert viewport is not None
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]']
            .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        idle(page)
        page.locator(CHART_DRAWN).first.wait_for(state="attached")
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(viewport)


def test_moving_a_perspective_slider_changes_the_organisation_score(
    page: Page, app_url: str, screenshots: Path
):
    page.goto(f"{app_url}/whatif")
    expect(page.locator("h1").first).to_have_text(t("page.whatif"))
    idle(page)
    page.locator(CHART_DRAWN).first.wait_for(state="attached")
    score = scenario_score(page)
    expect(score).to_have_text(re.compile(r"^\d+\.\d$"))
    before = score.inner_text()
    customer = perspective_label("customer")
    thumb = page.get_by_role("slider", name=re.compile(f"^{customer} · "))
    expect(thumb).to_have_count(1)

    thumb.focus()
    for _ in range(20):  # 30 -> 50 of 120: customer's share goes from 30% to about 41.7%
        thumb.press("ArrowRight")

    expect(page.get_by_text(f"{customer} · 41.7%")).to_be_visible()
    expect(score).not_to_have_text(before)
    idle(page)
    expect(score).not_to_have_text(before)
    expect(page.get_by_text(f"{perspective_label('financial')} · 25.0%")).to_be_visible()
    screenshot(page, screenshots / "whatif.png")
