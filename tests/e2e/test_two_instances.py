"""The README's "Running several instances" recipe, run as written on loopback: two app
processes on one PostgreSQL (a fresh database on `KPI_TEST_DATABASE_URL`'s server, dropped
afterwards), Debian's nginx in front with the README's own nginx block
(benchmarks/instances.py), and Chromium as the users.

A workbook uploaded through the proxy is stored by the instance the proxy chose, and a
page already open on the other instance shows it at its next rerun; the app's page and its
WebSocket are served through nginx. Skipped without `KPI_TEST_DATABASE_URL`, as the other
PostgreSQL tests are (scripts/test.sh starts a server and sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from benchmarks.browser import CHART, VIEWPORT, XLSX_MIME
from benchmarks.instances import fresh_database, pair
from kpi_engine.i18n import t
from tests.e2e.test_browser import nav, open_page, rerun
from tests.workbooks import form, xlsx

SERVER = os.environ.get("KPI_TEST_DATABASE_URL")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not SERVER, reason="KPI_TEST_DATABASE_URL is not set"),
]

DEPARTMENT = "品质保证部"  # not in the sample company
UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
# Each wait: two servers, nginx and Chromium share the machine; the first run of each
# server also reads the sample company (one of them stores it).
WAIT_MS = 120_000


def workbook() -> bytes:
    return xlsx(
        form(
            [DEPARTMENT, "客户", "QA-1", "客户投诉率", "越低越好", 0.5, 0.02, 0.015],
            [DEPARTMENT, "内部流程", "QA-2", "一次合格率", "越高越好", 0.5, 0.98, 0.97],
            title=f"2026年10月 {DEPARTMENT} KPI 考核表",  # the sample's latest month
        )
    )


def session(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    """A new browser session that stays on loopback (the favicon is fetched from Google)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    context.route(lambda u: not u.startswith(f"{url}/"), lambda route: route.abort())
    return context, context.new_page()


def departments_on_heatmap(page: Page, count: int) -> None:
    heatmap = page.locator(CHART).first
    expect(heatmap.locator("svg text", has_text=DEPARTMENT)).to_have_count(count, timeout=WAIT_MS)


def test_an_upload_through_the_proxy_shows_on_the_other_instance(browser: Browser, tmp_path: Path):
    """With the session's Chromium (tests/e2e/conftest.py): a second sync Playwright in the
    same process is refused while the first is running."""
    assert SERVER is not None
    contexts: list[BrowserContext] = []
    with fresh_database(SERVER) as database_url, pair(database_url, tmp_path) as running:
        try:
            # a page open on each instance, straight to its port: neither has the department
            direct = {}
            for instance in running.instances:
                context, page = session(browser, instance.url)
                contexts.append(context)
                open_page(page, f"{instance.url}/heatmap", chart=True)
                departments_on_heatmap(page, 0)
                direct[instance.url] = page

            # a user through the proxy: the page, then its WebSocket, come through nginx
            context, user = session(browser, running.url)
            contexts.append(context)
            sockets: list[WebSocket] = []
            frames: list[object] = []

            def opened(socket: WebSocket) -> None:
                sockets.append(socket)
                socket.on("framereceived", lambda frame: frames.append(frame))

            user.on("websocket", opened)
            open_page(user, f"{running.url}/data")
            stream = running.url.replace("http://", "ws://") + "/_stcore/stream"
            assert [ws.url for ws in sockets] == [stream]
            received = len(frames)
            assert received > 0  # the page was drawn from what came over the proxied socket

            files = [{"name": "qa.xlsx", "mimeType": XLSX_MIME, "buffer": workbook()}]
            rerun(user, lambda: user.locator(UPLOAD).set_input_files(files=files))
            expect(user.get_by_text(t("data.joined")).first).to_be_visible(timeout=WAIT_MS)
            assert len(frames) > received and not sockets[0].is_closed()

            # the upload went through nginx to one instance, which stored it
            uploads = [
                (status, instance)
                for method, path, status, instance in running.requests()
                if method == "PUT" and path.startswith("/_stcore/upload_file/")
            ]
            assert len(uploads) == 1 and uploads[0][0] == 204  # stored: No Content
            chosen = uploads[0][1]
            assert chosen in direct
            # the README's cookie kept every request of this browser on that one instance
            # (from its first, the page; before it, nginx was probed for its health)
            assert "kpi_route" in {cookie["name"] for cookie in context.cookies()}
            requests = running.requests()
            first = [(method, path) for method, path, *_ in requests].index(("GET", "/data"))
            assert {instance for *_, instance in requests[first:] if instance} == {chosen}
            (other,) = (url for url in direct if url != chosen)

            # the other instance's open page shows it at its next rerun (a page switch)
            page = direct[other]
            nav(page, t("page.overview"), chart=True)
            nav(page, t("page.heatmap"), chart=True)
            departments_on_heatmap(page, 1)
        finally:
            for context in contexts:
                context.close()
